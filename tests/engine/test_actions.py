"""Action / NotAction matching against sts:AssumeRole, and Statement shapes."""

from __future__ import annotations

import pytest

from tests.engine.helpers import (
    EXT_KEY,
    EXTERNAL_ID,
    OUTSIDER,
    Case,
    arn,
    aws,
    check_case,
    params,
    policy,
    statement,
)
from trustwarden.model import Status

FAIL, PASS = Status.FAIL, Status.PASS


def with_action(action: object) -> dict[str, object]:
    return policy(statement(action=action))


def with_not_action(not_action: object) -> dict[str, object]:
    return policy(statement(not_action=not_action))


ACTION_CASES = [
    Case("exact", with_action("sts:AssumeRole"), FAIL, ("TW001",)),
    Case("lower", with_action("sts:assumerole"), FAIL, ("TW001",)),
    Case("upper", with_action("STS:ASSUMEROLE"), FAIL, ("TW001",)),
    Case("mixed", with_action("Sts:AssumeROLE"), FAIL, ("TW001",)),
    Case("star", with_action("*"), FAIL, ("TW001",)),
    Case("sts-star", with_action("sts:*"), FAIL, ("TW001",)),
    Case("assume-star", with_action("sts:Assume*"), FAIL, ("TW001",)),
    Case("assumerole-star", with_action("sts:AssumeRole*"), FAIL, ("TW001",)),
    Case("question-mark", with_action("sts:AssumeRol?"), FAIL, ("TW001",)),
    Case("question-mark-inside", with_action("sts:?ssumeRole"), FAIL, ("TW001",)),
    Case("service-wildcard", with_action("*:AssumeRole"), FAIL, ("TW001",)),
    Case("list", with_action(["sts:TagSession", "sts:AssumeRole"]), FAIL, ("TW001",)),
    Case("list-one", with_action(["sts:AssumeRole"]), FAIL, ("TW001",)),
    Case("saml-only", with_action("sts:AssumeRoleWithSAML"), PASS),
    Case("web-identity-only", with_action("sts:AssumeRoleWithWebIdentity"), PASS),
    Case("tag-session-only", with_action("sts:TagSession"), PASS),
    Case("companions-only", with_action(["sts:TagSession", "sts:SetSourceIdentity"]), PASS),
    Case("assume-with-star", with_action("sts:AssumeRoleWith*"), PASS),
    Case("question-needs-a-char", with_action("sts:AssumeRole?"), PASS),
    Case("prefix-without-wildcard", with_action("sts:Assume"), PASS),
    Case("other-service", with_action("s3:*"), PASS),
    Case("iam-not-sts", with_action("iam:AssumeRole"), PASS),
    Case("not-action-tag-session", with_not_action(["sts:TagSession"]), FAIL, ("TW001",)),
    Case("not-action-string", with_not_action("sts:TagSession"), FAIL, ("TW001",)),
    Case("not-action-assume-with", with_not_action("sts:AssumeRoleWith*"), FAIL, ("TW001",)),
    Case("not-action-s3", with_not_action("s3:*"), FAIL, ("TW001",)),
    Case("not-action-sts-star", with_not_action(["sts:*"]), PASS),
    Case("not-action-assume-role", with_not_action("sts:AssumeRole"), PASS),
    Case("not-action-case", with_not_action("STS:assumerole"), PASS),
    Case("not-action-star", with_not_action("*"), PASS),
    Case("not-action-question", with_not_action(["sts:TagSession", "sts:AssumeRol?"]), PASS),
]


@pytest.mark.parametrize("case", params(ACTION_CASES))
def test_action_matching(case: Case) -> None:
    check_case(case)


SHAPE_CASES = [
    Case(
        "statement-object",
        {"Version": "2012-10-17", "Statement": statement()},
        FAIL,
        ("TW001",),
    ),
    Case("statement-list", policy(statement()), FAIL, ("TW001",)),
    Case(
        "statement-object-protected",
        {
            "Version": "2012-10-17",
            "Statement": statement(condition={"StringEquals": {EXT_KEY: EXTERNAL_ID}}),
        },
        PASS,
    ),
    Case(
        "no-version",
        {"Statement": [statement()]},
        FAIL,
        ("TW001",),
    ),
    Case(
        "condition-only-on-tag-session",
        policy(
            statement(action="sts:AssumeRole"),
            statement(action="sts:TagSession", condition={"StringEquals": {EXT_KEY: EXTERNAL_ID}}),
        ),
        FAIL,
        ("TW001",),
        notes="a condition on a TagSession-only statement does not protect AssumeRole",
    ),
    Case(
        "protected-assume-and-free-tag-session",
        policy(
            statement(action="sts:AssumeRole", condition={"StringEquals": {EXT_KEY: EXTERNAL_ID}}),
            statement(action="sts:TagSession"),
        ),
        PASS,
        notes="TagSession alone lets nobody assume the role",
    ),
    Case(
        "second-statement-exposes",
        policy(
            statement(aws(arn(OUTSIDER)), action="sts:TagSession"),
            statement(aws(OUTSIDER), action="sts:*"),
        ),
        FAIL,
        ("TW001",),
    ),
]


@pytest.mark.parametrize("case", params(SHAPE_CASES))
def test_statement_shapes(case: Case) -> None:
    check_case(case)


def test_finding_names_the_statement_by_sid_or_index() -> None:
    doc = policy(
        statement(aws(arn(OUTSIDER)), action="sts:TagSession", sid="Tags"),
        statement(sid="VendorAccess"),
        statement(aws(OUTSIDER)),
    )
    result = check_case(Case("labels", doc, FAIL, ("TW001",)))
    labels = {f.statement for f in result.findings if f.code == "TW001"}
    assert "VendorAccess" in labels
    assert 2 in labels
    assert "Tags" not in labels
    assert 0 not in labels
