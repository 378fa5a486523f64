"""The judge is checked too: the evaluator and the STS validator on documented examples.

A wrong oracle is worse than none, so each row quotes the AWS documentation it follows
(IAM User Guide: condition operators, multivalued context keys, policy variables, Version,
Principal, NotPrincipal; AssumeRole API reference; global condition context keys).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine_exact import iam
from tests.engine_exact.iam import AttackRequest, Caller
from tests.engine_exact.policies import ANYONE, EXT, allow, deny, doc, root
from tests.engine_exact.sts import attacker_problems, sts_problems

A = "222222222222"
USER = Caller(A, "user", "alice")
SESSION = Caller(A, "role", "deployer", "s1")


def _allowed(document: dict[str, Any], request: AttackRequest) -> bool:
    return iam.allowed(iam.parse(document), request)


def _req(caller: Caller = USER, **kw: Any) -> AttackRequest:
    kw.setdefault("mfa", None if caller.kind == "user" else "false")
    return AttackRequest(caller, **kw)


EVALUATION = [
    # (id, document, request, allowed)
    ("deny-wins", doc(allow({"AWS": A}), deny()), _req(), False),
    ("implicit-deny", doc(allow({"AWS": root("444444444444")})), _req(), False),
    ("account-admits-users", doc(allow({"AWS": A})), _req(), True),
    ("root-arn-admits-sessions", doc(allow({"AWS": root(A)})), _req(SESSION), True),
    ("user-arn-only-that-user", doc(allow({"AWS": f"arn:aws:iam::{A}:user/bob"})), _req(), False),
    (
        "role-arn-admits-its-sessions",
        doc(allow({"AWS": f"arn:aws:iam::{A}:role/deployer"})),
        _req(SESSION),
        True,
    ),
    (
        "session-arn-only-that-session",
        doc(allow({"AWS": f"arn:aws:sts::{A}:assumed-role/deployer/other"})),
        _req(SESSION),
        False,
    ),
    ("unique-id-matches-nobody", doc(allow({"AWS": "AROAABCDEFGHIJKLMNOPQ"})), _req(), False),
    (
        "action-case-and-wildcard",
        doc({"Effect": "Allow", "Principal": "*", "Action": "STS:Assume*"}),
        _req(),
        True,
    ),
    (
        "tag-session-is-not-assume-role",
        doc({"Effect": "Allow", "Principal": "*", "Action": "sts:TagSession"}),
        _req(),
        False,
    ),
    (
        "notaction-covers-assume-role",
        doc({"Effect": "Allow", "Principal": "*", "NotAction": "sts:TagSession"}),
        _req(),
        True,
    ),
    (
        "string-equals-is-case-sensitive",
        doc(allow("*", {"StringEquals": {EXT: "Abc"}})),
        _req(external_id="abc"),
        False,
    ),
    (
        "ignore-case",
        doc(allow("*", {"StringEqualsIgnoreCase": {EXT: "Abc"}})),
        _req(external_id="aBC"),
        True,
    ),
    (
        "key-names-are-case-insensitive",
        doc(allow("*", {"StringEquals": {"STS:EXTERNALID": "abc"}})),
        _req(external_id="abc"),
        True,
    ),
    ("absent-key-positive-false", doc(allow("*", {"StringEquals": {EXT: "abc"}})), _req(), False),
    ("absent-key-negated-true", doc(allow("*", {"StringNotEquals": {EXT: "abc"}})), _req(), True),
    (
        "absent-key-ifexists-true",
        doc(allow("*", {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})),
        _req(),
        True,
    ),
    (
        "absent-key-forallvalues-true",
        doc(allow("*", {"ForAllValues:StringEquals": {EXT: "abc"}})),
        _req(),
        True,
    ),
    (
        "absent-key-foranyvalue-false",
        doc(allow("*", {"ForAnyValue:StringEquals": {EXT: "abc"}})),
        _req(),
        False,
    ),
    ("null-true-means-absent", doc(allow("*", {"Null": {EXT: "true"}})), _req(), True),
    (
        "bool-false-session",
        doc(allow("*", {"Bool": {"aws:MultiFactorAuthPresent": False}})),
        _req(SESSION),
        True,
    ),
    (
        "values-are-ored",
        doc(allow("*", {"StringEquals": {EXT: ["a1", "b2"]}})),
        _req(external_id="b2"),
        True,
    ),
    (
        "negated-values-none-may-match",
        doc(allow("*", {"StringNotEquals": {EXT: ["a1", "b2"]}})),
        _req(external_id="b2"),
        False,
    ),
    (
        "like-question-mark-is-one-char",
        doc(allow("*", {"StringLike": {EXT: "ab?"}})),
        _req(external_id="ab"),
        False,
    ),
    (
        "arn-like-per-component",
        doc(allow("*", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/dep*"}})),
        _req(SESSION),
        True,
    ),
    (
        "string-like-whole-arn",
        doc(allow("*", {"StringLike": {"aws:PrincipalArn": "*:role/*"}})),
        _req(SESSION),
        True,
    ),
    (
        "foranyvalue-two-tag-keys",
        doc(
            allow(
                "*",
                {
                    "ForAnyValue:StringEquals": {"aws:TagKeys": "a"},
                    "ForAnyValue:StringLike": {"aws:TagKeys": "b*"},
                },
            )
        ),
        _req(extra=(("aws:tagkeys", ("a", "bc")),)),
        True,
    ),
    (
        "forallvalues-rejects-an-extra-key",
        doc(allow("*", {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}})),
        _req(extra=(("aws:tagkeys", ("a", "c")),)),
        False,
    ),
    (
        "numeric-decimal",
        doc(
            allow(
                "*",
                {
                    "NumericGreaterThan": {"aws:PrincipalTag/x": "1"},
                    "NumericLessThan": {"aws:PrincipalTag/x": "2"},
                },
            )
        ),
        _req(extra=(("aws:principaltag/x", "1.5"),)),
        True,
    ),
    (
        "ip-range",
        doc(allow("*", {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})),
        _req(extra=(("aws:sourceip", "203.0.113.9"),)),
        True,
    ),
    (
        "date",
        doc(allow("*", {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}})),
        _req(extra=(("aws:currenttime", "2021-01-01T00:00:00Z"),)),
        True,
    ),
    (
        "variable-2012",
        doc(allow("*", {"StringEquals": {EXT: "${aws:PrincipalAccount}"}})),
        _req(external_id=A),
        True,
    ),
    (
        "variable-2008-is-literal",
        doc(allow("*", {"StringEquals": {EXT: "${aws:PrincipalAccount}"}}), version="2008-10-17"),
        _req(external_id=A),
        False,
    ),
    (
        "variable-default",
        doc(allow("*", {"StringEquals": {EXT: "${aws:PrincipalTag/t, 'dflt'}"}})),
        _req(external_id="dflt"),
        True,
    ),
    (
        "special-variable-star-is-literal",
        doc(allow("*", {"StringLike": {EXT: "ab${*}"}})),
        _req(external_id="abc"),
        False,
    ),
    (
        "notprincipal-account-exempts-only-root",
        doc(allow("*"), deny(principal=None, NotPrincipal={"AWS": root(A)})),
        _req(),
        False,
    ),
    (
        "notprincipal-user-with-account-exempt",
        doc(
            allow("*"),
            deny(principal=None, NotPrincipal={"AWS": [root(A), f"arn:aws:iam::{A}:user/alice"]}),
        ),
        _req(),
        True,
    ),
]


@pytest.mark.parametrize(
    ("document", "request_", "expected"), [pytest.param(d, r, e, id=i) for i, d, r, e in EVALUATION]
)
def test_evaluator(document: dict[str, Any], request_: AttackRequest, expected: bool) -> None:
    assert _allowed(document, request_) is expected


def test_unresolved_variable_is_ambiguous() -> None:
    # AWS: "If AWS cannot resolve a variable this might cause the entire statement to be
    # invalid": no verdict either way.
    document = doc(allow("*", {"StringEquals": {EXT: "${aws:PrincipalTag/t}"}}))
    with pytest.raises(iam.Ambiguous):
        _allowed(document, _req(external_id="x1"))


def test_wildcards_inside_a_variable_value_are_ambiguous() -> None:
    document = doc(allow("*", {"StringLike": {EXT: "${aws:PrincipalTag/t}"}}))
    with pytest.raises(iam.Ambiguous):
        _allowed(document, _req(external_id="abc", extra=(("aws:principaltag/t", "a*"),)))


@pytest.mark.parametrize(
    ("document", "why"),
    [
        pytest.param(doc(allow(ANYONE, Resource="*")), "Resource", id="resource"),
        pytest.param(doc(allow(ANYONE, NotResource="*")), "NotResource", id="notresource"),
        pytest.param(doc(allow({"AWS": "\uff12" * 12})), "U+00FF", id="fullwidth-digits"),
        pytest.param(doc(allow({"AWS": "\u00b2" * 12})), "principal", id="superscript-digits"),
        pytest.param(doc(allow({"AWS": A + "\n"})), "principal", id="trailing-newline"),
        pytest.param(doc(allow({"AWS": "arn:aws:iam::*:root"})), "principal", id="partial-*"),
        pytest.param(
            doc(allow("*", {"stringEquals": {EXT: "a"}})), "Condition type", id="operator-case"
        ),
        pytest.param(
            doc({"Effect": "allow", "Principal": "*", "Action": "sts:AssumeRole"}),
            "Effect",
            id="effect-case",
        ),
    ],
)
def test_iam_refuses(document: dict[str, Any], why: str) -> None:
    reason = iam.refusal(document)
    assert reason is not None
    assert why in reason


@pytest.mark.parametrize(
    ("request_", "problem"),
    [
        pytest.param(_req(Caller("\uff12" * 12, "user")), "12 ASCII digits", id="fullwidth"),
        pytest.param(_req(Caller(A + "\n", "user")), "12 ASCII digits", id="newline"),
        pytest.param(_req(Caller(A, "root")), "root", id="root-user"),
        pytest.param(_req(external_id="a"), "ExternalId", id="external-id-too-short"),
        pytest.param(_req(external_id="a" * 1225), "ExternalId", id="external-id-too-long"),
        pytest.param(_req(external_id="caf\u00e9"), "ExternalId", id="external-id-non-ascii"),
        pytest.param(_req(external_id="\u0663\u0663"), "ExternalId", id="arabic-digits"),
        pytest.param(_req(external_id="a b"), "ExternalId", id="external-id-space"),
        pytest.param(_req(external_id="ab\n"), "ExternalId", id="external-id-newline"),
        pytest.param(_req(SESSION, mfa=None), "temporary credentials", id="session-mfa-absent"),
        pytest.param(_req(org_id="abc"), "o-", id="org-format"),
        pytest.param(_req(extra=(("aws:principaltag/t", "a*"),)), "tag value", id="tag-chars"),
    ],
)
def test_sts_refuses(request_: AttackRequest, problem: str) -> None:
    assert any(problem in p for p in sts_problems(request_)), sts_problems(request_)


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(_req(external_id="ab"), id="external-id-2"),
        pytest.param(_req(external_id="A" * 1224), id="external-id-1224"),
        pytest.param(_req(external_id="a_b+c=d,e.f@g:h/i-j"), id="external-id-charset"),
        pytest.param(_req(SESSION), id="session-mfa-false"),
        pytest.param(_req(org_id="o-abcdef1234", org_paths=("o-abcdef1234/r-ab12/",)), id="org"),
    ],
)
def test_sts_accepts(request_: AttackRequest) -> None:
    assert sts_problems(request_) == []


def test_attacker_rules() -> None:
    document = doc(allow("*", {"StringEqualsIgnoreCase": {EXT: "Vendor-Id"}}))
    trusted, orgs = {"111111111111", "333333333333"}, {"o-trusted0001"}

    def problems(request: AttackRequest) -> list[str]:
        return attacker_problems(request, document, trusted, orgs)

    assert problems(_req(external_id="other-id")) == []
    assert problems(_req(external_id="vendor-id"))  # the literal, ignoring case
    assert problems(_req(Caller("333333333333", "user")))
    assert problems(_req(org_id="o-trusted0001"))
    assert problems(_req(mfa="true"))
