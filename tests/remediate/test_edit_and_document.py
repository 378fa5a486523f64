"""Document edits (conditions, principals) and the canonical comparison."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from trustwarden.remediate.document import canonical, documents_equal, minify, policy_size
from trustwarden.remediate.edit import (
    principal_matches,
    remove_principals,
    require_condition,
)

EXT = "sts:ExternalId"
MFA = "aws:MultiFactorAuthPresent"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # no condition: one is added
        (None, {"StringEquals": {EXT: "X1"}}),
        # weak forms of the same key are replaced, not stacked
        ({"StringLike": {EXT: "*"}}, {"StringEquals": {EXT: "X1"}}),
        ({"StringEqualsIfExists": {EXT: "X1"}}, {"StringEquals": {EXT: "X1"}}),
        ({"ForAllValues:StringEquals": {EXT: ["a", "b"]}}, {"StringEquals": {EXT: "X1"}}),
        ({"Null": {"STS:EXTERNALID": "false"}}, {"StringEquals": {EXT: "X1"}}),
        # same operator: overwritten in place, other keys and spelling kept
        (
            {
                "StringEquals": {
                    "aws:PrincipalAccount": "2",
                    "sts:externalid": "${aws:PrincipalAccount}",
                }
            },
            {"StringEquals": {"aws:PrincipalAccount": "2", "sts:externalid": "X1"}},
        ),
        # the new operator takes the position of the test it replaces
        (
            {
                "IpAddress": {"aws:SourceIp": "1.2.3.4/32"},
                "StringLike": {EXT: "*"},
                "Bool": {MFA: "true"},
            },
            {
                "IpAddress": {"aws:SourceIp": "1.2.3.4/32"},
                "StringEquals": {EXT: "X1"},
                "Bool": {MFA: "true"},
            },
        ),
        # an operator block shared with other keys keeps them
        (
            {"StringLike": {EXT: "*", "aws:PrincipalArn": "arn:aws:iam::2:role/x*"}},
            {
                "StringLike": {"aws:PrincipalArn": "arn:aws:iam::2:role/x*"},
                "StringEquals": {EXT: "X1"},
            },
        ),
        # an existing StringEquals block without the key gets it appended
        (
            {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"}},
            {"StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij", EXT: "X1"}},
        ),
    ],
)
def test_require_external_id(condition: dict[str, Any] | None, expected: dict[str, Any]) -> None:
    stmt: dict[str, Any] = {
        "Sid": "S",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        stmt["Condition"] = copy.deepcopy(condition)
    changes = require_condition(stmt, operator="StringEquals", key=EXT, value="X1", where="s")
    assert stmt["Condition"] == expected
    assert list(stmt["Condition"]) == list(expected)  # operator order
    for op, block in expected.items():
        assert list(stmt["Condition"][op]) == list(block)  # key order
    assert list(stmt)[:4] == ["Sid", "Effect", "Principal", "Action"]
    assert changes


@pytest.mark.parametrize(
    "condition",
    [
        {"BoolIfExists": {MFA: "true"}},
        {"Null": {MFA: "false"}},
        {"Bool": {MFA: "false"}},
        {"Bool": {MFA: True}},
    ],
)
def test_require_mfa_replaces_weak_forms(condition: dict[str, Any]) -> None:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": "*", "Condition": condition}
    require_condition(stmt, operator="Bool", key=MFA, value="true", where="s")
    assert stmt["Condition"] == {"Bool": {MFA: "true"}}


def test_require_condition_is_idempotent() -> None:
    stmt: dict[str, Any] = {"Effect": "Allow", "Condition": {"StringEquals": {EXT: "X1"}}}
    assert require_condition(stmt, operator="StringEquals", key=EXT, value="X1", where="s") == []


def test_unrelated_empty_operator_block_is_kept() -> None:
    stmt: dict[str, Any] = {
        "Effect": "Allow",
        "Condition": {"StringLike": {}, "Null": {EXT: "false"}},
    }
    require_condition(stmt, operator="StringEquals", key=EXT, value="X1", where="s")
    assert stmt["Condition"] == {"StringLike": {}, "StringEquals": {EXT: "X1"}}


@pytest.mark.parametrize(
    ("value", "removal", "matches"),
    [
        ("222222222222", "222222222222", True),
        ("arn:aws:iam::222222222222:root", "222222222222", True),
        ("arn:aws-cn:iam::222222222222:role/x", "222222222222", True),
        ("arn:aws:sts::222222222222:assumed-role/r/s", "222222222222", True),
        ("arn:aws:iam::222222222223:root", "222222222222", False),
        ("arn:aws:iam::111111111111:role/222222222222", "222222222222", False),
        ("AROAEXAMPLEEXAMPLE12", "AROAEXAMPLEEXAMPLE12", True),
        ("*", "*", True),
        ("*", "222222222222", False),
        ("arn:aws:iam::222222222222:role/a", "arn:aws:iam::222222222222:role/b", False),
    ],
)
def test_principal_matches(value: str, removal: str, matches: bool) -> None:
    assert principal_matches(value, removal) is matches


def test_remove_principals_keeps_shape_and_drops_empty_statements() -> None:
    doc: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "A",
                "Effect": "Allow",
                "Principal": {"AWS": ["222222222222", "arn:aws:iam::111111111111:root"]},
            },
            {
                "Sid": "B",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::222222222222:user/u"},
            },
            {"Sid": "C", "Effect": "Deny", "Principal": {"AWS": "222222222222"}},
            {
                "Sid": "D",
                "Effect": "Allow",
                "Principal": {"AWS": "222222222222", "Service": "ec2.amazonaws.com"},
            },
        ],
    }
    changes = remove_principals(doc, ["222222222222"])
    assert doc["Statement"] == [
        {"Sid": "A", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:root"]}},
        {"Sid": "C", "Effect": "Deny", "Principal": {"AWS": "222222222222"}},  # Deny untouched
        {"Sid": "D", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}},
    ]
    assert any("'B': removed (no principal left)" in c for c in changes)


def test_remove_the_only_statement_leaves_none() -> None:
    doc: dict[str, Any] = {"Statement": {"Effect": "Allow", "Principal": "*"}}
    remove_principals(doc, ["*"])
    assert doc["Statement"] == []


def test_remove_nothing_changes_nothing() -> None:
    doc: dict[str, Any] = {"Statement": {"Effect": "Allow", "Principal": {"AWS": "333333333333"}}}
    before = copy.deepcopy(doc)
    assert remove_principals(doc, ["222222222222"]) == []
    assert doc == before


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        ({"Statement": {"Effect": "Allow"}}, {"Statement": [{"Effect": "Allow"}]}, True),
        (
            {"Statement": [{"Principal": {"AWS": "222222222222"}}]},
            {"Statement": [{"Principal": {"AWS": ["arn:aws:iam::222222222222:root"]}}]},
            True,
        ),
        (
            {"Statement": [{"Principal": {"AWS": ["a", "b"]}, "Action": ["x", "y"]}]},
            {"Statement": [{"Principal": {"AWS": ["b", "a"]}, "Action": ["y", "x"]}]},
            True,
        ),
        (
            {"Statement": [{"Condition": {"Bool": {"k": True}}}]},
            {"Statement": [{"Condition": {"Bool": {"k": ["true"]}}}]},
            True,
        ),
        (
            {"Statement": [{"Condition": {"Bool": {"k": "true"}}}]},
            {"Statement": [{"Condition": {"Bool": {"k": "false"}}}]},
            False,
        ),
        (
            {"Statement": [{"Principal": {"AWS": "222222222222"}}]},
            {"Statement": [{"Principal": {"AWS": "222222222223"}}]},
            False,
        ),
        (
            {"Statement": [{"Sid": "a"}, {"Sid": "b"}]},
            {"Statement": [{"Sid": "b"}, {"Sid": "a"}]},
            False,
        ),
        ({"Version": "2012-10-17", "Statement": []}, {"Statement": []}, False),
    ],
)
def test_documents_equal(a: Any, b: Any, equal: bool) -> None:
    assert documents_equal(a, b) is equal
    assert (canonical(a) == canonical(b)) is equal


def test_minify_and_size_ignore_white_space() -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Sid": "a b", "Effect": "Allow"}]}
    text = minify(doc)
    assert text == '{"Version":"2012-10-17","Statement":[{"Sid":"a b","Effect":"Allow"}]}'
    assert policy_size(doc) == len(text) - 1  # the space inside "a b" is not counted
