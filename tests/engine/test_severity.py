"""Severity: medium by default, high for admin-equivalent roles (issue #2 Severity)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.helpers import EXT_KEY, EXTERNAL_ID, analyze, policy, show, statement
from trustwarden.model import Permissions, Severity, Status

OPEN = policy(statement())
WILDCARD_PROTECTED = policy(statement("*", condition={"StringEquals": {EXT_KEY: EXTERNAL_ID}}))

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
IAM_FULL = "arn:aws:iam::aws:policy/IAMFullAccess"
READ_ONLY = "arn:aws:iam::aws:policy/ReadOnlyAccess"


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


HIGH_PERMISSIONS = [
    pytest.param(Permissions(managed_policy_arns=(ADMIN,)), id="administrator-access"),
    pytest.param(Permissions(managed_policy_arns=(IAM_FULL,)), id="iam-full-access"),
    pytest.param(Permissions(managed_policy_arns=(READ_ONLY, ADMIN)), id="admin-among-others"),
    pytest.param(
        Permissions(managed_policy_arns=("arn:aws-cn:iam::aws:policy/AdministratorAccess",)),
        id="admin-china-partition",
    ),
    pytest.param(Permissions(documents=(doc(allow("*")),)), id="inline-star-star"),
    pytest.param(Permissions(documents=(doc(allow("iam:*")),)), id="inline-iam-star"),
    pytest.param(Permissions(documents=(doc(allow(["*"], ["*"])),)), id="inline-star-star-lists"),
    pytest.param(Permissions(documents=({"Statement": allow("*")},)), id="inline-statement-object"),
    pytest.param(
        Permissions(documents=(doc(allow("s3:GetObject")), doc(allow("*")))),
        id="second-document",
    ),
]

MEDIUM_PERMISSIONS = [
    pytest.param(None, id="no-permissions-known"),
    pytest.param(Permissions(), id="empty"),
    pytest.param(Permissions(managed_policy_arns=(READ_ONLY,)), id="read-only"),
    pytest.param(
        Permissions(
            managed_policy_arns=("arn:aws:iam::111111111111:policy/AdministratorAccessLite",)
        ),
        id="similar-name-customer-policy",
    ),
    pytest.param(Permissions(documents=(doc(allow("s3:*")),)), id="s3-star"),
    pytest.param(
        Permissions(documents=(doc(allow("*", "arn:aws:s3:::bucket/*")),)), id="star-on-one-bucket"
    ),
    pytest.param(
        Permissions(documents=(doc({"Effect": "Deny", "Action": "*", "Resource": "*"}),)),
        id="deny-star",
    ),
]


@pytest.mark.parametrize("permissions", HIGH_PERMISSIONS)
def test_admin_equivalent_role_is_high(permissions: Permissions) -> None:
    result = analyze(OPEN, permissions=permissions)
    assert result.status is Status.FAIL, show(result)
    assert result.severity is Severity.HIGH, show(result)


@pytest.mark.parametrize("permissions", MEDIUM_PERMISSIONS)
def test_other_roles_are_medium(permissions: Permissions | None) -> None:
    result = analyze(OPEN, permissions=permissions)
    assert result.status is Status.FAIL, show(result)
    assert result.severity is Severity.MEDIUM, show(result)


def test_warn_role_severity_also_rises_with_admin() -> None:
    medium = analyze(WILDCARD_PROTECTED)
    high = analyze(WILDCARD_PROTECTED, permissions=Permissions(managed_policy_arns=(ADMIN,)))
    assert medium.status is high.status is Status.WARN
    assert medium.severity is Severity.MEDIUM
    assert high.severity is Severity.HIGH


def test_severity_does_not_change_the_verdict() -> None:
    plain = analyze(OPEN)
    admin = analyze(OPEN, permissions=Permissions(managed_policy_arns=(ADMIN,)))
    assert plain.status is admin.status
    assert [f.code for f in plain.findings] == [f.code for f in admin.findings]


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"Statement": None},
        {"Statement": 5},
        {"Statement": [5]},
        {"Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]},
        {"Statement": [{"Effect": "Allow", "Action": ["s3:*", 3], "Resource": {"x": 1}}]},
    ],
    ids=["empty", "null", "number", "item-number", "action-number", "odd-types"],
)
def test_malformed_permission_documents_do_not_raise(document: dict[str, Any]) -> None:
    result = analyze(OPEN, permissions=Permissions(documents=(document,)))
    assert result.status is Status.FAIL, show(result)
    assert result.severity is Severity.MEDIUM
