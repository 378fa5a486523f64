"""Condition semantics, one row per operator / missing-key rule (issue #2, reference §B).

Unless a row says otherwise the statement is ``Allow`` ``sts:AssumeRole`` for the outsider's
account root, so the row's condition alone decides whether the attacker gets in.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.helpers import (
    EXT_KEY,
    EXTERNAL_ID,
    FRIEND,
    MFA_AGE,
    MFA_PRESENT,
    OTHER_ORG,
    OUTSIDER,
    OWN,
    TRUSTED_ORG,
    Case,
    analyze,
    arn,
    check_case,
    codes,
    params,
    policy,
    show,
    statement,
)
from trustwarden.model import Status

FAIL, WARN, PASS = Status.FAIL, Status.WARN, Status.PASS


def cond(condition: dict[str, Any], principal: Any = None) -> dict[str, Any]:
    """Allow AssumeRole for the outsider (or ``principal``) under ``condition``."""
    if principal is None:
        return policy(statement(condition=condition))
    return policy(statement(principal, condition=condition))


def row(case_id: str, condition: dict[str, Any], status: Status, notes: str = "") -> Case:
    return Case(case_id, cond(condition), status, ("TW001",) if status is FAIL else (), notes=notes)


def star_row(case_id: str, condition: dict[str, Any], status: Status, notes: str = "") -> Case:
    """As :func:`row` but with the principal ``"*"``."""
    expected = ("TW001",) if status is FAIL else ()
    return Case(case_id, cond(condition, "*"), status, expected, notes=notes)


EXTERNAL_ID_CASES = [
    row("ext-string-equals", {"StringEquals": {EXT_KEY: EXTERNAL_ID}}, PASS),
    row("ext-string-equals-list", {"StringEquals": {EXT_KEY: [EXTERNAL_ID, "other-id-2"]}}, PASS),
    row("ext-ignore-case", {"StringEqualsIgnoreCase": {EXT_KEY: EXTERNAL_ID}}, PASS),
    row(
        "ext-like-no-wildcard",
        {"StringLike": {EXT_KEY: EXTERNAL_ID}},
        PASS,
        "no wildcard: a literal the customer owns",
    ),
    row("ext-like-star", {"StringLike": {EXT_KEY: "*"}}, FAIL, "presence only"),
    row("ext-like-prefix", {"StringLike": {EXT_KEY: "abc*"}}, FAIL, "attacker sends abcX"),
    row("ext-like-question", {"StringLike": {EXT_KEY: "ab?"}}, FAIL, "attacker sends abX"),
    row("ext-like-literal-or-pattern", {"StringLike": {EXT_KEY: [EXTERNAL_ID, "x*"]}}, FAIL),
    row(
        "ext-equals-if-exists",
        {"StringEqualsIfExists": {EXT_KEY: EXTERNAL_ID}},
        FAIL,
        "absent key passes",
    ),
    row("ext-not-equals", {"StringNotEquals": {EXT_KEY: EXTERNAL_ID}}, FAIL),
    row("ext-not-equals-ignore-case", {"StringNotEqualsIgnoreCase": {EXT_KEY: EXTERNAL_ID}}, FAIL),
    row("ext-not-like", {"StringNotLike": {EXT_KEY: "abc*"}}, FAIL),
    row(
        "ext-forall-equals",
        {"ForAllValues:StringEquals": {EXT_KEY: EXTERNAL_ID}},
        FAIL,
        "ForAllValues is true on a missing key",
    ),
    row(
        "ext-forany-equals",
        {"ForAnyValue:StringEquals": {EXT_KEY: EXTERNAL_ID}},
        PASS,
        "ForAnyValue is false on a missing key",
    ),
    row(
        "ext-variable",
        {"StringEquals": {EXT_KEY: "${aws:PrincipalAccount}"}},
        FAIL,
        "a policy variable is the attacker's value",
    ),
    row(
        "ext-variable-or-literal",
        {"StringEquals": {EXT_KEY: [EXTERNAL_ID, "${aws:PrincipalAccount}"]}},
        FAIL,
    ),
    row("ext-null-false", {"Null": {EXT_KEY: "false"}}, FAIL, "presence only"),
    row("ext-null-true", {"Null": {EXT_KEY: "true"}}, FAIL, "attacker omits it"),
    row(
        "ext-unmatchable-one-char",
        {"StringLike": {EXT_KEY: "?"}},
        PASS,
        "External IDs have 2-1224 characters: broken, not exposed",
    ),
    row(
        "ext-unmatchable-space",
        {"StringLike": {EXT_KEY: "a b*"}},
        PASS,
        "External IDs cannot contain spaces",
    ),
    row("ext-equals-literal-star", {"StringEquals": {EXT_KEY: "*"}}, PASS, "'*' is literal here"),
    row(
        "ext-key-upper",
        {"StringEquals": {"STS:EXTERNALID": EXTERNAL_ID}},
        PASS,
        "condition key names are case-insensitive",
    ),
    row("ext-key-mixed", {"StringEquals": {"Sts:externalId": EXTERNAL_ID}}, PASS),
]

MFA_CASES = [
    row("mfa-bool-string", {"Bool": {MFA_PRESENT: "true"}}, PASS),
    row("mfa-bool-json", {"Bool": {MFA_PRESENT: True}}, PASS),
    row("mfa-bool-list", {"Bool": {MFA_PRESENT: ["true"]}}, PASS),
    row("mfa-bool-key-upper", {"Bool": {"AWS:MULTIFACTORAUTHPRESENT": "true"}}, PASS),
    row("mfa-bool-false", {"Bool": {MFA_PRESENT: "false"}}, FAIL, "session without MFA"),
    row("mfa-bool-json-false", {"Bool": {MFA_PRESENT: False}}, FAIL),
    row("mfa-bool-either", {"Bool": {MFA_PRESENT: ["true", "false"]}}, FAIL, "values OR"),
    row(
        "mfa-bool-if-exists",
        {"BoolIfExists": {MFA_PRESENT: "true"}},
        FAIL,
        "long-term keys: key absent",
    ),
    row(
        "mfa-null-present-false",
        {"Null": {MFA_PRESENT: "false"}},
        FAIL,
        "a session without MFA has the key (false)",
    ),
    row("mfa-null-present-true", {"Null": {MFA_PRESENT: "true"}}, FAIL),
    row("mfa-null-age-false", {"Null": {MFA_AGE: "false"}}, PASS, "age exists only with MFA"),
    row("mfa-null-age-true", {"Null": {MFA_AGE: "true"}}, FAIL),
    row("mfa-age-less-than", {"NumericLessThan": {MFA_AGE: "3600"}}, PASS),
    row("mfa-age-less-than-json-number", {"NumericLessThan": {MFA_AGE: 3600}}, PASS),
    row("mfa-age-less-than-equals", {"NumericLessThanEquals": {MFA_AGE: "3600"}}, PASS),
    row("mfa-age-greater-than", {"NumericGreaterThan": {MFA_AGE: "0"}}, PASS),
    row("mfa-age-less-than-if-exists", {"NumericLessThanIfExists": {MFA_AGE: "3600"}}, FAIL),
    row(
        "mfa-age-not-equals",
        {"NumericNotEquals": {MFA_AGE: "0"}},
        FAIL,
        "negated operator is true on a missing key",
    ),
]

# Missing-key rules, with aws:MultiFactorAuthAge: the attacker (no MFA) never has it.
MISSING_KEY_CASES = [
    row("missing-positive-string", {"StringEquals": {MFA_AGE: "5"}}, PASS),
    row("missing-negated-string", {"StringNotEquals": {MFA_AGE: "5"}}, FAIL),
    row("missing-negated-like", {"StringNotLike": {MFA_AGE: "5*"}}, FAIL),
    row("missing-if-exists", {"StringEqualsIfExists": {MFA_AGE: "5"}}, FAIL),
    row("missing-negated-if-exists", {"StringNotEqualsIfExists": {MFA_AGE: "5"}}, FAIL),
    row("missing-numeric-positive", {"NumericEquals": {MFA_AGE: "5"}}, PASS),
    row("missing-null-true", {"Null": {MFA_AGE: "true"}}, FAIL),
    row("missing-null-false", {"Null": {MFA_AGE: "false"}}, PASS),
    row("missing-forall", {"ForAllValues:StringEquals": {MFA_AGE: "5"}}, FAIL),
    row("missing-forany", {"ForAnyValue:StringEquals": {MFA_AGE: "5"}}, PASS),
    row("missing-forany-if-exists", {"ForAnyValue:StringEqualsIfExists": {MFA_AGE: "5"}}, FAIL),
    row("missing-arn-positive", {"ArnLike": {MFA_AGE: "arn:*"}}, PASS),
    row("missing-arn-negated", {"ArnNotLike": {MFA_AGE: "arn:*"}}, FAIL),
    row("missing-date-positive", {"DateGreaterThan": {MFA_AGE: "2020-01-01T00:00:00Z"}}, PASS),
    row("missing-ip-positive", {"IpAddress": {MFA_AGE: "10.0.0.0/8"}}, PASS),
    row("missing-ip-negated", {"NotIpAddress": {MFA_AGE: "10.0.0.0/8"}}, FAIL),
]

COMBINATION_CASES = [
    row(
        "and-operators-ext-and-ip",
        {"StringEquals": {EXT_KEY: EXTERNAL_ID}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        PASS,
        "operators AND: the External ID is still required",
    ),
    row(
        "and-keys-in-one-operator",
        {"StringEquals": {EXT_KEY: EXTERNAL_ID, "aws:PrincipalTag/team": "a"}},
        PASS,
    ),
    row(
        "and-weak-ext-strong-mfa",
        {"StringLike": {EXT_KEY: "*"}, "Bool": {MFA_PRESENT: "true"}},
        PASS,
    ),
    row(
        "and-two-weak", {"StringLike": {EXT_KEY: "*"}, "BoolIfExists": {MFA_PRESENT: "true"}}, FAIL
    ),
    row(
        "tag-only",
        {"StringEquals": {"aws:PrincipalTag/team": "a"}},
        FAIL,
        "the attacker sets their own tags",
    ),
    row("session-name", {"StringLike": {"sts:RoleSessionName": "ci-*"}}, FAIL),
    row(
        "source-ip",
        {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
        FAIL,
        "the attacker chooses where to call from",
    ),
    row("not-source-ip", {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, FAIL),
    row("date-after", {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, FAIL),
    row(
        "date-window-empty",
        {
            "DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
        },
        PASS,
        "no time is after 2030 and before 2020",
    ),
    row("numeric-attacker-key", {"NumericGreaterThan": {"aws:EpochTime": "0"}}, FAIL),
    row(
        "numeric-range-empty",
        {"NumericLessThan": {"aws:EpochTime": "5"}, "NumericGreaterThan": {"aws:EpochTime": "10"}},
        PASS,
        "no number is below 5 and above 10",
    ),
    row(
        "string-contradiction",
        {
            "StringEquals": {"aws:PrincipalTag/team": "a"},
            "StringNotEquals": {"aws:PrincipalTag/team": "a"},
        },
        PASS,
        "a tag cannot equal and differ from 'a'",
    ),
    row("empty-condition", {}, FAIL),
    row("bool-attacker-key", {"Bool": {"aws:SecureTransport": "true"}}, FAIL),
]

IDENTITY_CASES = [
    star_row("account-equals-trusted", {"StringEquals": {"aws:PrincipalAccount": FRIEND}}, PASS),
    star_row("account-equals-own", {"StringEquals": {"aws:PrincipalAccount": OWN}}, PASS),
    star_row("account-equals-outsider", {"StringEquals": {"aws:PrincipalAccount": OUTSIDER}}, FAIL),
    star_row(
        "account-equals-mixed", {"StringEquals": {"aws:PrincipalAccount": [FRIEND, OUTSIDER]}}, FAIL
    ),
    star_row("account-not-equals", {"StringNotEquals": {"aws:PrincipalAccount": OUTSIDER}}, FAIL),
    star_row(
        "account-like-near-trusted",
        {"StringLike": {"aws:PrincipalAccount": FRIEND[:11] + "?"}},
        FAIL,
        "333333333330 matches the pattern and is not trusted",
    ),
    star_row("account-key-upper", {"StringEquals": {"AWS:PRINCIPALACCOUNT": FRIEND}}, PASS),
    star_row("org-trusted", {"StringEquals": {"aws:PrincipalOrgID": TRUSTED_ORG}}, PASS),
    star_row("org-untrusted", {"StringEquals": {"aws:PrincipalOrgID": OTHER_ORG}}, FAIL),
    star_row("org-like-any", {"StringLike": {"aws:PrincipalOrgID": "o-*"}}, FAIL),
    star_row("org-null-false", {"Null": {"aws:PrincipalOrgID": "false"}}, FAIL),
    star_row("org-not-equals", {"StringNotEquals": {"aws:PrincipalOrgID": TRUSTED_ORG}}, FAIL),
    star_row("arn-like-own", {"ArnLike": {"aws:PrincipalArn": arn(OWN, "role/*")}}, PASS),
    star_row("arn-equals-own-role", {"ArnEquals": {"aws:PrincipalArn": arn(OWN, "role/ci")}}, PASS),
    star_row(
        "arn-like-outsider", {"ArnLike": {"aws:PrincipalArn": arn(OUTSIDER, "role/vendor-*")}}, FAIL
    ),
    star_row(
        "arn-like-any-account", {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}}, FAIL
    ),
    star_row("arn-string-like-own", {"StringLike": {"aws:PrincipalArn": arn(OWN, "*")}}, PASS),
    star_row("arn-not-like-own", {"ArnNotLike": {"aws:PrincipalArn": arn(OWN, "*")}}, FAIL),
    Case(
        "outsider-with-own-arn-condition",
        cond({"ArnEquals": {"aws:PrincipalArn": arn(OWN, "role/ci")}}),
        PASS,
        notes="a principal in OUTSIDER never has an ARN in OWN",
    ),
    Case(
        "outsider-with-other-account-condition",
        cond({"StringEquals": {"aws:PrincipalAccount": FRIEND}}),
        PASS,
        notes="OUTSIDER's principals have aws:PrincipalAccount = OUTSIDER",
    ),
    Case(
        "outsider-with-trusted-org-condition",
        cond({"StringEquals": {"aws:PrincipalOrgID": TRUSTED_ORG}}),
        PASS,
        notes="the attacker is outside every trusted org",
    ),
]

ADVERSARIAL_CASES = [
    row(
        "ext-like-minus-not-like",
        {"StringLike": {EXT_KEY: "abc*"}, "StringNotLike": {EXT_KEY: "abc?"}},
        FAIL,
        "abcde matches the first and not the second",
    ),
    row("ext-forany-like", {"ForAnyValue:StringLike": {EXT_KEY: "abc*"}}, FAIL),
    row(
        "ip-range-minus-half",
        {
            "IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
            "NotIpAddress": {"aws:SourceIp": "203.0.113.0/25"},
        },
        FAIL,
        "203.0.113.200 is in the /24 and outside the lower /25",
    ),
    row(
        "numeric-window",
        {"NumericGreaterThan": {"aws:EpochTime": "5"}, "NumericLessThan": {"aws:EpochTime": "7"}},
        FAIL,
    ),
    row(
        "date-window",
        {
            "DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"},
            "DateLessThan": {"aws:CurrentTime": "2021-01-01T00:00:00Z"},
        },
        FAIL,
    ),
    row(
        "tag-like-minus-not-like",
        {"StringLike": {"aws:PrincipalTag/t": "a*"}, "StringNotLike": {"aws:PrincipalTag/t": "a?"}},
        FAIL,
    ),
    star_row(
        "account-like-prefix-of-outsider",
        {"StringLike": {"aws:PrincipalAccount": "2222*"}},
        FAIL,
        "222200000000 matches and is outside T",
    ),
    star_row(
        "account-like-prefix-of-trusted",
        {"StringLike": {"aws:PrincipalAccount": FRIEND[:10] + "*"}},
        FAIL,
        "333333333300 matches and is outside T",
    ),
    star_row(
        "arn-like-account-pattern",
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::3*:role/x"}},
        FAIL,
        "arn:aws:iam::300000000000:role/x matches",
    ),
    star_row(
        "org-like-trusted-prefix",
        {"StringLike": {"aws:PrincipalOrgID": TRUSTED_ORG + "*"}},
        FAIL,
        "an org whose id merely starts with the trusted org's id is not trusted",
    ),
    row(
        "tag-like-minus-several",
        {
            "StringLike": {"aws:PrincipalTag/t": "a*"},
            "StringNotLike": {"aws:PrincipalTag/t": ["a", "ax*"]},
        },
        FAIL,
        "the tag 'ay' matches a* and neither a nor ax*",
    ),
    row(
        "ext-unsatisfiable",
        {"StringNotLike": {EXT_KEY: "*"}, "Null": {EXT_KEY: "false"}},
        PASS,
        "present, yet matching no pattern at all: impossible",
    ),
    row(
        "ip-unsatisfiable",
        {
            "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
            "NotIpAddress": {"aws:SourceIp": ["10.0.0.0/9", "10.128.0.0/9"]},
        },
        PASS,
        "the two /9s cover the /8",
    ),
    row(
        "numeric-window-minus-values",
        {
            "NumericGreaterThan": {"aws:EpochTime": "5"},
            "NumericNotEquals": {"aws:EpochTime": ["6", "7", "8"]},
            "NumericLessThan": {"aws:EpochTime": "10"},
        },
        FAIL,
    ),
    star_row(
        "account-not-like-nines",
        {"StringNotLike": {"aws:PrincipalAccount": "9*"}},
        FAIL,
        "222222222222 does not start with 9",
    ),
    Case(
        "not-principal-with-account-pattern",
        policy(
            statement(
                not_principal={"AWS": arn(OWN)},
                condition={"StringLike": {"aws:PrincipalAccount": "2*"}},
            )
        ),
        FAIL,
        ("TW001",),
        notes="222222222222 is not OWN and matches 2*",
    ),
    row("ext-forany-not-equals", {"ForAnyValue:StringNotEquals": {EXT_KEY: EXTERNAL_ID}}, FAIL),
    row("ext-forall-not-equals", {"ForAllValues:StringNotEquals": {EXT_KEY: EXTERNAL_ID}}, FAIL),
    row("null-json-false", {"Null": {MFA_AGE: False}}, PASS, "Null accepts JSON booleans"),
    row("null-json-true", {"Null": {MFA_AGE: True}}, FAIL),
    row("ext-json-number", {"StringEquals": {EXT_KEY: 12345678}}, PASS, "a literal, as a number"),
    row(
        "ext-partial-variable",
        {"StringEquals": {EXT_KEY: "cust-${aws:PrincipalAccount}"}},
        FAIL,
        "the attacker sends cust-<their account>",
    ),
    row(
        "ext-like-variable-prefix",
        {"StringLike": {EXT_KEY: "${aws:PrincipalAccount}-*"}},
        FAIL,
        "the attacker sends <their account>-x",
    ),
    row("ext-like-variable-star", {"StringLike": {EXT_KEY: "${aws:PrincipalAccount}*"}}, FAIL),
    row("ext-like-username-prefix", {"StringLike": {EXT_KEY: "${aws:username}-*"}}, FAIL),
    row(
        "tag-equals-username-variable",
        {"StringEquals": {"aws:PrincipalTag/t": "${aws:username}"}},
        FAIL,
        "the attacker tags themself with their own name",
    ),
    star_row(
        "account-equals-its-own-variable",
        {"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}},
        FAIL,
        "always true",
    ),
    star_row(
        "account-differs-from-its-own-variable",
        {"StringNotEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}},
        PASS,
        "never true",
    ),
    star_row(
        "username-equals",
        {"StringEquals": {"aws:username": "alice"}},
        FAIL,
        "any outside account can create a user named alice",
    ),
    star_row("username-like", {"StringLike": {"aws:username": "adm*"}}, FAIL),
    Case(
        "root-principal-username",
        cond({"StringEquals": {"aws:username": "alice"}}),
        FAIL,
        ("TW001",),
        notes="the account root admits the account's user alice",
    ),
    Case(
        "named-user-other-username",
        cond({"StringEquals": {"aws:username": "alice"}}, {"AWS": arn(OUTSIDER, "user/bob")}),
        PASS,
        notes="bob's aws:username is bob",
    ),
    Case(
        "named-role-principal-type-user",
        cond(
            {"StringEquals": {"aws:PrincipalType": "User"}}, {"AWS": arn(OUTSIDER, "role/vendor")}
        ),
        PASS,
        notes="a role session's aws:PrincipalType is AssumedRole",
    ),
    Case(
        "root-principal-tag",
        cond({"StringEquals": {"aws:PrincipalTag/x": "y"}}),
        FAIL,
        ("TW001",),
    ),
    star_row(
        "org-paths-forall-trusted",
        {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": TRUSTED_ORG + "/*"}},
        FAIL,
        "outside every org the key is absent, and ForAllValues is true",
    ),
    star_row(
        "org-paths-forany-trusted",
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": TRUSTED_ORG + "/*"}},
        PASS,
        "the attacker's org paths start with their own (untrusted) org",
    ),
    star_row(
        "org-paths-forany-untrusted",
        {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": OTHER_ORG + "/*"}},
        FAIL,
    ),
    star_row("tag-keys-forall", {"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, FAIL),
    star_row("tag-keys-forany", {"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, FAIL),
    star_row(
        "account-if-exists-trusted",
        {"StringEqualsIfExists": {"aws:PrincipalAccount": FRIEND}},
        PASS,
        "aws:PrincipalAccount is always present",
    ),
    star_row(
        "account-null-true",
        {"Null": {"aws:PrincipalAccount": "true"}},
        PASS,
        "aws:PrincipalAccount is always present",
    ),
    Case(
        "user-principal-with-role-arn-condition",
        cond(
            {"ArnLike": {"aws:PrincipalArn": arn(OUTSIDER, "role/*")}},
            {"AWS": arn(OUTSIDER, "user/bob")},
        ),
        PASS,
        notes="user bob's aws:PrincipalArn is his user ARN",
    ),
    Case(
        "role-principal-with-user-pattern",
        cond(
            {"StringLike": {"aws:PrincipalArn": "*:user/*"}}, {"AWS": arn(OUTSIDER, "role/vendor")}
        ),
        PASS,
    ),
    Case(
        "root-principal-with-user-pattern",
        cond({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*"}}),
        FAIL,
        ("TW001",),
        notes="the account root admits every user of the account",
    ),
    Case(
        "session-principal-arn-is-the-role",
        cond(
            {"ArnEquals": {"aws:PrincipalArn": arn(OUTSIDER, "role/vendor")}},
            {"AWS": arn(OUTSIDER, "assumed-role/vendor/s1", service="sts")},
        ),
        FAIL,
        ("TW001",),
        notes="aws:PrincipalArn of a role session is the role ARN",
    ),
    Case(
        "session-principal-arn-is-not-the-session",
        cond(
            {
                "ArnEquals": {
                    "aws:PrincipalArn": arn(OUTSIDER, "assumed-role/vendor/s1", service="sts")
                }
            },
            {"AWS": arn(OUTSIDER, "assumed-role/vendor/s1", service="sts")},
        ),
        PASS,
        notes="aws:PrincipalArn never holds the session ARN",
    ),
]

CONDITION_CASES = [
    *EXTERNAL_ID_CASES,
    *MFA_CASES,
    *MISSING_KEY_CASES,
    *COMBINATION_CASES,
    *IDENTITY_CASES,
    *ADVERSARIAL_CASES,
]


@pytest.mark.parametrize("case", params(CONDITION_CASES))
def test_condition_semantics(case: Case) -> None:
    check_case(case)


UNKNOWN_OPERATORS = ["StringFooBar", "stringEquals", "ForSomeValues:StringEquals"]


@pytest.mark.parametrize("operator", UNKNOWN_OPERATORS)
def test_unknown_operator_in_allow_is_worst_case(operator: str) -> None:
    doc = cond({operator: {EXT_KEY: EXTERNAL_ID}})
    result = analyze(doc)
    assert result.status is FAIL, show(result)
    said = " ".join(f.message + " " + " ".join(f.notes) for f in result.findings)
    assert "TW004" in codes(result) or operator in said, show(result)


@pytest.mark.parametrize("operator", UNKNOWN_OPERATORS)
def test_unknown_operator_in_deny_does_not_stop_the_attacker(operator: str) -> None:
    doc = policy(
        statement(),
        statement("*", effect="Deny", condition={operator: {EXT_KEY: EXTERNAL_ID}}),
    )
    result = analyze(doc)
    assert result.status is FAIL, show(result)


def test_unknown_operator_beside_exact_external_id_is_still_protected() -> None:
    doc = cond(
        {"StringFooBar": {"aws:PrincipalTag/x": "y"}, "StringEquals": {EXT_KEY: EXTERNAL_ID}}
    )
    result = analyze(doc)
    assert result.status is not FAIL, show(result)


NEVER_BOOLEAN_KEYS = ["aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalOrgID"]


@pytest.mark.parametrize("key", NEVER_BOOLEAN_KEYS)
@pytest.mark.parametrize("operator", ["Bool", "BoolIfExists"])
def test_bool_on_a_key_that_is_never_true_or_false_is_the_worst_case(
    key: str, operator: str
) -> None:
    # AWS does not document what Bool does with such a value: reported as exposed (TW004),
    # never a pass that rests on a guess.
    doc = cond({operator: {key: "true"}}, {"AWS": "*"})
    result = analyze(doc)
    assert result.status is FAIL, show(result)
    assert set(codes(result)) == {"TW004"}, show(result)
    assert any("never true or false" in n for f in result.findings for n in f.notes)


def test_bool_in_a_deny_on_a_key_that_is_never_boolean_does_not_stop_the_attacker() -> None:
    doc = policy(
        statement(),
        statement("*", effect="Deny", condition={"Bool": {"aws:PrincipalAccount": "false"}}),
    )
    assert analyze(doc).status is FAIL
