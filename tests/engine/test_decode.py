"""Document decoding and malformed documents: an ``error`` result, never an exception."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.engine.helpers import (
    EXT_KEY,
    EXTERNAL_ID,
    OUTSIDER,
    Case,
    analyze,
    arn,
    aws,
    check_case,
    codes,
    params,
    policy,
    show,
    statement,
)
from trustwarden.errors import PolicyError
from trustwarden.model import Status
from trustwarden.policy import decode_document, parse_policy

ERROR, FAIL, PASS = Status.ERROR, Status.FAIL, Status.PASS

OPEN = policy(statement())
PROTECTED = policy(statement(condition={"StringEquals": {EXT_KEY: "a+b=c,d.e@f:g/h-i"}}))


def _with(**fields: object) -> dict[str, object]:
    """An outsider Allow statement with ``fields`` replaced (``None`` removes a field)."""
    stmt: dict[str, object] = {
        "Effect": "Allow",
        "Principal": aws(OUTSIDER),
        "Action": "sts:AssumeRole",
    }
    for name, value in fields.items():
        if value is None:
            stmt.pop(name, None)
        else:
            stmt[name] = value
    return {"Version": "2012-10-17", "Statement": [stmt]}


MALFORMED_CASES = [
    Case("not-json", "{not json", ERROR, ("TW005",)),
    Case("empty-string", "", ERROR, ("TW005",)),
    Case("json-array", "[]", ERROR, ("TW005",)),
    Case("json-number", "42", ERROR, ("TW005",)),
    Case("json-null", "null", ERROR, ("TW005",)),
    Case("none", None, ERROR, ("TW005",)),
    Case("integer", 42, ERROR, ("TW005",)),
    Case("list-object", [OPEN], ERROR, ("TW005",)),
    Case("no-statement", {"Version": "2012-10-17"}, ERROR, ("TW005",)),
    Case("no-statement-json", '{"Version": "2012-10-17"}', ERROR, ("TW005",)),
    Case("statement-string", {"Statement": "Allow"}, ERROR, ("TW005",)),
    Case("statement-number", {"Statement": 5}, ERROR, ("TW005",)),
    Case("statement-item-not-object", {"Statement": [5]}, ERROR, ("TW005",)),
    Case("statement-item-mixed", {"Statement": [statement(), "x"]}, ERROR, ("TW005",)),
    Case(
        "effect-lowercase",
        _with(Effect="allow"),
        ERROR,
        ("TW005",),
        notes="reference A3: Effect values are exact; 'allow' is not a valid Effect",
    ),
    Case("effect-missing", _with(Effect=None), ERROR, ("TW005",)),
    Case("effect-unknown", _with(Effect="Permit"), ERROR, ("TW005",)),
    Case("condition-string", _with(Condition="x"), ERROR, ("TW005",)),
    Case("condition-list", _with(Condition=[{"Bool": {}}]), ERROR, ("TW005",)),
    Case("condition-operator-string", _with(Condition={"StringEquals": "x"}), ERROR, ("TW005",)),
    Case("principal-missing", _with(Principal=None), ERROR, ("TW005",)),
    Case("action-missing", _with(Action=None), ERROR, ("TW005",)),
    Case(
        "action-and-not-action",
        _with(NotAction="sts:TagSession"),
        ERROR,
        ("TW005",),
        notes="the grammar allows one of Action/NotAction, not both",
    ),
    Case("action-number", _with(Action=5), ERROR, ("TW005",)),
    Case("principal-string-not-star", _with(Principal="arn:aws:iam::222222222222:root"), ERROR),
]


@pytest.mark.parametrize("case", params(MALFORMED_CASES))
def test_malformed_document_is_an_error_result(case: Case) -> None:
    check_case(case)


ENCODING_CASES = [
    Case("dict", OPEN, FAIL, ("TW001",)),
    Case("json-string", json.dumps(OPEN), FAIL, ("TW001",)),
    Case("url-encoded", quote(json.dumps(OPEN), safe=""), FAIL, ("TW001",)),
    Case("url-encoded-iam-style", quote(json.dumps(OPEN, separators=(",", ":"))), FAIL, ("TW001",)),
    Case("protected-dict", PROTECTED, PASS),
    Case("protected-json-string", json.dumps(PROTECTED), PASS),
    Case("protected-url-encoded", quote(json.dumps(PROTECTED), safe=""), PASS),
    Case("json-with-whitespace", "\n  " + json.dumps(OPEN, indent=2) + "\n", FAIL, ("TW001",)),
]


@pytest.mark.parametrize("case", params(ENCODING_CASES))
def test_encodings_give_the_same_verdict(case: Case) -> None:
    check_case(case)


def test_decode_dict_is_unchanged() -> None:
    assert decode_document(PROTECTED) == PROTECTED


def test_decode_json_string() -> None:
    assert decode_document(json.dumps(PROTECTED)) == PROTECTED


def test_decode_url_encoded_keeps_plus_and_reserved_characters() -> None:
    encoded = quote(json.dumps(PROTECTED), safe="")
    assert "%2B" in encoded
    assert decode_document(encoded) == PROTECTED


def test_decode_plain_json_is_not_url_decoded() -> None:
    doc = policy(statement(condition={"StringEquals": {EXT_KEY: "ab%41cd"}}))
    assert decode_document(json.dumps(doc)) == doc


def test_decode_url_encoded_percent_value() -> None:
    doc = policy(statement(condition={"StringEquals": {EXT_KEY: "100%"}}))
    assert decode_document(quote(json.dumps(doc), safe="")) == doc


@pytest.mark.parametrize(
    "raw",
    ["", "{not json", "[]", "42", "null", '"a string"', quote("[1,2]"), None, 42, [OPEN]],
    ids=[
        "empty",
        "garbage",
        "array",
        "number",
        "null",
        "string",
        "encoded-array",
        "none",
        "int",
        "list",
    ],
)
def test_decode_rejects_non_documents(raw: object) -> None:
    with pytest.raises(PolicyError) as caught:
        decode_document(raw)
    assert str(caught.value)
    assert "\n" not in str(caught.value)


def test_parse_policy_rejects_missing_statement() -> None:
    with pytest.raises(PolicyError):
        parse_policy({"Version": "2012-10-17"})


def test_parse_policy_normalises_statement_object_and_list() -> None:
    one = parse_policy({"Statement": statement(sid="S")})
    many = parse_policy(policy(statement(sid="S"), statement(effect="Deny")))
    assert len(one.statements) == 1
    assert one.statements[0].label == "S"
    assert [s.index for s in many.statements] == [0, 1]
    assert [s.effect for s in many.statements] == ["Allow", "Deny"]
    assert many.statements[1].label == 1


def test_parse_policy_condition_model() -> None:
    doc = policy(
        statement(
            condition={
                "ForAnyValue:StringEqualsIfExists": {"STS:ExternalId": ["a1", "b2"]},
                "Bool": {"aws:MultiFactorAuthPresent": True},
            }
        )
    )
    conditions = {c.base: c for c in parse_policy(doc).statements[0].conditions}
    ext = conditions["StringEquals"]
    assert ext.operator == "ForAnyValue:StringEqualsIfExists"
    assert ext.key == "sts:externalid"
    assert ext.key_as_written == "STS:ExternalId"
    assert ext.values == ("a1", "b2")
    assert ext.if_exists is True
    assert ext.set_op == "ForAnyValue"
    mfa = conditions["Bool"]
    assert [v.lower() for v in mfa.values] == ["true"]
    assert mfa.if_exists is False
    assert mfa.set_op is None


def test_parse_policy_principals_and_actions() -> None:
    doc = policy(
        statement({"AWS": [OUTSIDER, arn(OUTSIDER, "user/u")], "Service": "ec2.amazonaws.com"}),
        statement("*", not_action="sts:TagSession"),
    )
    first, second = parse_policy(doc).statements
    kinds = sorted((p.kind, p.value) for p in first.principals)
    assert kinds == sorted(
        [("AWS", OUTSIDER), ("AWS", arn(OUTSIDER, "user/u")), ("Service", "ec2.amazonaws.com")]
    )
    assert second.not_actions is not None
    assert [p.kind for p in second.principals] == ["*"]


def test_error_result_explains_in_one_line() -> None:
    result = analyze("{not json")
    assert result.status is ERROR
    assert result.error
    assert "\n" not in result.error
    assert "TW005" in codes(result), show(result)


def test_error_result_for_one_bad_statement_is_about_the_policy() -> None:
    result = analyze({"Statement": [statement(condition={"Bool": {EXT_KEY: EXTERNAL_ID}}), 7]})
    assert result.status is ERROR, show(result)
