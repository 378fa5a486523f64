"""Verdict rules: explicit Deny wins, Allows OR together, warn reasons (issue #2 Verdicts)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.helpers import (
    EXT_KEY,
    EXTERNAL_ID,
    FRIEND,
    MFA_PRESENT,
    OTHER,
    OUTSIDER,
    OWN,
    SETTINGS,
    TRUSTED_ORG,
    Case,
    analyze,
    arn,
    aws,
    check_case,
    make_role,
    params,
    policy,
    show,
    statement,
)
from trustwarden.engine import analyze_roles
from trustwarden.model import Status

FAIL, WARN, PASS = Status.FAIL, Status.WARN, Status.PASS

EXACT_EXT = {"StringEquals": {EXT_KEY: EXTERNAL_ID}}
MFA_TRUE = {"Bool": {MFA_PRESENT: "true"}}


def deny(principal: object = "*", **kwargs: Any) -> dict[str, object]:
    return statement(principal, effect="Deny", **kwargs)


DENY_CASES = [
    Case("deny-same-principal", policy(statement(), deny(aws(arn(OUTSIDER)))), PASS),
    Case("deny-star", policy(statement(), deny("*")), PASS),
    Case("deny-star-all-actions", policy(statement(), deny("*", action="*")), PASS),
    Case("deny-sts-star", policy(statement(), deny(action="sts:*")), PASS),
    Case(
        "deny-wrong-external-id",
        policy(statement(), deny(condition={"StringNotEquals": {EXT_KEY: EXTERNAL_ID}})),
        PASS,
        notes="negated operator: a missing or wrong id is denied",
    ),
    Case(
        "deny-wrong-external-id-if-exists",
        policy(statement(), deny(condition={"StringNotEqualsIfExists": {EXT_KEY: EXTERNAL_ID}})),
        PASS,
        notes="a Deny with a negated IfExists operator still denies a missing key",
    ),
    Case(
        "deny-wrong-external-ids-none-of",
        policy(
            statement(),
            deny(condition={"StringNotEquals": {EXT_KEY: [EXTERNAL_ID, "second-id-22"]}}),
        ),
        PASS,
        notes="negated: none of the values; the attacker must send one of two literals",
    ),
    Case(
        "deny-not-like-literal",
        policy(statement(), deny(condition={"StringNotLike": {EXT_KEY: EXTERNAL_ID}})),
        PASS,
    ),
    Case(
        "deny-not-like-pattern",
        policy(statement(), deny(condition={"StringNotLike": {EXT_KEY: "abc*"}})),
        FAIL,
        ("TW001",),
        notes="the attacker sends abcX, which the pattern allows",
    ),
    Case(
        "deny-mfa-bool-if-exists-false",
        policy(statement(), deny(condition={"BoolIfExists": {MFA_PRESENT: "false"}})),
        PASS,
        notes="AWS's recommended form: catches long-term keys too",
    ),
    Case(
        "deny-mfa-bool-false",
        policy(statement(), deny(condition={"Bool": {MFA_PRESENT: "false"}})),
        FAIL,
        ("TW001",),
        notes="long-term keys: the key is absent, Bool is false, the Deny does not match",
    ),
    Case(
        "deny-mfa-null-true",
        policy(statement(), deny(condition={"Null": {MFA_PRESENT: "true"}})),
        FAIL,
        ("TW001",),
        notes="a session without MFA has the key (false), so Null true does not match",
    ),
    Case(
        "deny-mfa-both-forms",
        policy(
            statement(),
            deny(condition={"Bool": {MFA_PRESENT: "false"}}),
            deny(condition={"Null": {MFA_PRESENT: "true"}}),
        ),
        PASS,
        notes="together the two Denies cover long-term keys and MFA-less sessions",
    ),
    Case(
        "deny-outside-account",
        policy(
            statement("*"),
            deny(condition={"StringNotEquals": {"aws:PrincipalAccount": [OWN, FRIEND]}}),
        ),
        PASS,
    ),
    Case(
        "deny-outside-org",
        policy(
            statement("*"),
            deny(condition={"StringNotEquals": {"aws:PrincipalOrgID": TRUSTED_ORG}}),
        ),
        PASS,
        notes="an attacker without an org has no aws:PrincipalOrgID: negated is true",
    ),
    Case(
        "deny-other-principal",
        policy(statement(), deny(aws(arn(OTHER)))),
        FAIL,
        ("TW001",),
    ),
    Case(
        "deny-tag-session-only",
        policy(statement(), deny(action="sts:TagSession")),
        FAIL,
        ("TW001",),
    ),
    Case(
        "deny-not-action-assume",
        policy(statement(), deny(action=None, not_action="sts:AssumeRole")),
        FAIL,
        ("TW001",),
    ),
    Case(
        "deny-attacker-avoidable",
        policy(statement(), deny(condition={"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}})),
        FAIL,
        ("TW001",),
        notes="the attacker calls from elsewhere",
    ),
    Case(
        "deny-not-like-same-pattern",
        policy(
            statement(condition={"StringLike": {EXT_KEY: "abc*"}}),
            deny(condition={"StringNotLike": {EXT_KEY: "abc*"}}),
        ),
        FAIL,
        ("TW001",),
    ),
    Case(
        "deny-one-user-of-the-account",
        policy(statement(), deny(aws(arn(OUTSIDER, "user/bob")))),
        FAIL,
        ("TW001",),
        notes="other users and roles of the account still get in",
    ),
    Case(
        "deny-pattern-and-literal",
        policy(
            statement(condition={"StringLike": {EXT_KEY: "abc*"}}),
            deny(condition={"StringLike": {EXT_KEY: ["abc", "abcx*"]}}),
        ),
        FAIL,
        ("TW001",),
        notes="the attacker sends abcy: allowed by abc*, matched by no Deny pattern",
    ),
    Case(
        "deny-many-patterns",
        policy(
            statement(condition={"StringLike": {EXT_KEY: "*"}}),
            deny(condition={"StringLike": {EXT_KEY: ["x*", "a*", "?", "*-*"]}}),
        ),
        FAIL,
        ("TW001",),
        notes="e.g. 'bb' gets through; the witness must be a valid External ID",
    ),
    Case(
        "deny-account-pattern",
        policy(statement("*"), deny(condition={"StringLike": {"aws:PrincipalAccount": "9*"}})),
        FAIL,
        ("TW001",),
        notes="only accounts starting with 9 are denied; 222222222222 gets in",
    ),
    Case(
        "deny-if-exists-non-empty-tag",
        policy(
            statement("*", condition={"StringEquals": {"aws:PrincipalAccount": OTHER}}),
            deny(condition={"StringLikeIfExists": {"aws:PrincipalTag/team": "?*"}}),
        ),
        FAIL,
        ("TW001",),
        notes="IAM tag values may be empty: a caller tagged team='' escapes the Deny",
    ),
    Case(
        "deny-not-principal-own",
        policy(statement("*"), statement(effect="Deny", not_principal=aws(arn(OWN)))),
        PASS,
        notes="everyone but OWN's root is denied",
    ),
    Case(
        "deny-not-principal-exempts-outsider",
        policy(
            statement("*"),
            statement(
                effect="Deny",
                not_principal=aws(arn(OUTSIDER, "user/bob"), arn(OUTSIDER, "root")),
            ),
        ),
        FAIL,
        ("TW001",),
        notes="bob (user and account listed) is exempt from the Deny and admitted by *",
    ),
    Case(
        "deny-variable-external-id",
        policy(
            statement(),
            deny(condition={"StringNotEquals": {EXT_KEY: "${aws:PrincipalAccount}"}}),
        ),
        FAIL,
        ("TW001",),
        notes="the attacker sends their own account id as External ID",
    ),
    Case(
        "deny-every-valid-external-id",
        policy(
            statement(condition={"StringLike": {EXT_KEY: "*"}}),
            deny(condition={"StringLike": {EXT_KEY: "??*"}}),
        ),
        PASS,
        notes="the Allow needs an ID, the Deny catches every ID of 2+ characters",
    ),
    Case("deny-bare-account-id", policy(statement(), deny(aws(OUTSIDER))), PASS),
    Case(
        "deny-outside-own-arns",
        policy(statement("*"), deny(condition={"ArnNotLike": {"aws:PrincipalArn": arn(OWN, "*")}})),
        PASS,
    ),
    Case(
        "deny-key-case",
        policy(statement(), deny(condition={"StringNotEquals": {"STS:EXTERNALID": EXTERNAL_ID}})),
        PASS,
    ),
]


@pytest.mark.parametrize("case", params(DENY_CASES))
def test_deny_rules(case: Case) -> None:
    check_case(case)


VERDICT_CASES = [
    Case("star-exact-external-id", policy(statement("*", condition=EXACT_EXT)), WARN, ("TW002",)),
    Case(
        "aws-star-exact-external-id",
        policy(statement({"AWS": "*"}, condition=EXACT_EXT)),
        WARN,
        ("TW002",),
    ),
    Case("star-mfa", policy(statement("*", condition=MFA_TRUE)), WARN, ("TW002",)),
    Case(
        "star-protected-by-deny",
        policy(statement("*"), deny(condition={"StringNotEquals": {EXT_KEY: EXTERNAL_ID}})),
        WARN,
        ("TW002",),
        notes="still any AWS account with the (non-secret) External ID",
    ),
    Case(
        "star-like-literal-external-id",
        policy(statement("*", condition={"StringLike": {EXT_KEY: EXTERNAL_ID}})),
        WARN,
        ("TW002",),
    ),
    Case(
        "star-ignore-case-external-id",
        policy(statement("*", condition={"StringEqualsIgnoreCase": {EXT_KEY: EXTERNAL_ID}})),
        WARN,
        ("TW002",),
    ),
    Case(
        "star-mfa-age",
        policy(statement("*", condition={"Null": {"aws:MultiFactorAuthAge": "false"}})),
        WARN,
        ("TW002",),
    ),
    Case(
        "star-mfa-by-deny",
        policy(statement("*"), deny(condition={"BoolIfExists": {MFA_PRESENT: "false"}})),
        WARN,
        ("TW002",),
    ),
    Case(
        "star-external-id-and-source-ip",
        policy(
            statement("*", condition={**EXACT_EXT, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
        ),
        WARN,
        ("TW002",),
        notes="an address range does not narrow who can call",
    ),
    Case(
        "not-principal-external-id",
        policy(statement(not_principal=aws(arn(OWN)), condition=EXACT_EXT)),
        WARN,
        ("TW002",),
        notes="NotPrincipal admits any account, like *",
    ),
    Case(
        "star-narrowed-to-outsider-with-external-id",
        policy(
            statement(
                "*",
                condition={
                    "StringEquals": {EXT_KEY: EXTERNAL_ID, "aws:PrincipalAccount": OUTSIDER}
                },
            )
        ),
        PASS,
        notes="narrowed to one named account, as if that account were the Principal",
    ),
    Case("outsider-exact-external-id", policy(statement(condition=EXACT_EXT)), PASS),
    Case("outsider-mfa", policy(statement(condition=MFA_TRUE)), PASS),
    Case(
        "outsider-user-exact-external-id",
        policy(statement(aws(arn(OUTSIDER, "user/bob")), condition=EXACT_EXT)),
        PASS,
    ),
    Case(
        "unconditioned-beside-protected",
        policy(statement(condition=EXACT_EXT), statement()),
        FAIL,
        ("TW001",),
        notes="Allows OR: one unconditioned Allow defeats the protected sibling",
    ),
    Case(
        "weak-beside-protected",
        policy(
            statement(condition=EXACT_EXT),
            statement(condition={"StringLike": {EXT_KEY: "*"}}),
        ),
        FAIL,
        ("TW001",),
    ),
    Case(
        "protected-outsider-beside-own",
        policy(statement(condition=EXACT_EXT), statement(aws(arn(OWN)))),
        PASS,
    ),
    Case(
        "star-narrowed-to-trusted-with-external-id",
        policy(
            statement(
                "*",
                condition={"StringEquals": {EXT_KEY: EXTERNAL_ID, "aws:PrincipalAccount": FRIEND}},
            )
        ),
        PASS,
        notes="narrowed to a trusted account: nothing weak",
    ),
    Case(
        "star-narrowed-to-trusted-org",
        policy(statement("*", condition={"StringEquals": {"aws:PrincipalOrgID": TRUSTED_ORG}})),
        PASS,
    ),
    Case(
        "stale-and-star-protected",
        policy(statement(aws("AROAJQABLZS4A3QDU576Q")), statement("*", condition=EXACT_EXT)),
        WARN,
        ("TW002", "TW003"),
    ),
    Case("empty-statement-list", {"Version": "2012-10-17", "Statement": []}, PASS),
    Case("only-deny", policy(deny()), PASS),
]


@pytest.mark.parametrize("case", params(VERDICT_CASES))
def test_verdict_rules(case: Case) -> None:
    check_case(case)


def test_pass_result_has_no_findings() -> None:
    result = analyze(policy(statement(condition=EXACT_EXT)))
    assert result.status is PASS
    assert result.findings == (), show(result)


def test_warn_finding_names_the_wildcard_statement() -> None:
    doc = policy(statement(aws(arn(OWN))), statement("*", condition=EXACT_EXT, sid="Vendor"))
    result = analyze(doc)
    assert result.status is WARN, show(result)
    tw002 = [f for f in result.findings if f.code == "TW002"]
    assert tw002, show(result)
    assert {f.statement for f in tw002} == {"Vendor"}
    assert all(f.status is WARN for f in tw002)


def test_explain_describes_every_statement() -> None:
    doc = policy(
        statement(aws(arn(OWN)), sid="Own"),
        statement(condition=EXACT_EXT),
        statement(aws(arn(OTHER)), action="sts:TagSession"),
    )
    result = analyze(doc, explain=True)
    assert result.status is PASS, show(result)
    labels = [e.label for e in result.explanation]
    assert labels == ["Own", 1, 2]
    covers = [e.covers_assume_role for e in result.explanation]
    assert covers == [True, True, False]
    assert result.explanation[0].outsiders == ()
    assert result.explanation[1].outsiders != ()
    assert result.explanation[1].conditions != ()


def test_explain_off_by_default() -> None:
    assert analyze(policy(statement())).explanation == ()


def test_analyze_roles_keeps_order_and_survives_bad_roles() -> None:
    roles = [
        make_role(policy(statement())),
        make_role("{not json"),
        make_role(policy(statement(condition=EXACT_EXT))),
        make_role(None),
        make_role(policy(statement("*", condition=MFA_TRUE))),
    ]
    results = list(analyze_roles(roles, SETTINGS))
    assert [r.role for r in results] == roles
    assert [r.status for r in results] == [FAIL, Status.ERROR, PASS, Status.ERROR, WARN]
