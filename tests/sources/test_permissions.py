"""Permissions from authorization-details entries: inline, managed, default versions."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from trustwarden.engine.severity import role_severity
from trustwarden.model import Role, Severity
from trustwarden.sources.permissions import (
    default_version_document,
    index_entry,
    role_permissions,
)

ADMIN_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}
EC2_DOC = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}],
}
CUSTOM = "arn:aws:iam::123456789012:policy/custom"


def policy_entry(versions: list[Any], default: str | None = "v2") -> dict[str, Any]:
    entry: dict[str, Any] = {"Arn": CUSTOM, "PolicyName": "custom", "PolicyVersionList": versions}
    if default is not None:
        entry["DefaultVersionId"] = default
    return entry


def test_default_version_by_flag_or_by_id() -> None:
    by_flag = policy_entry(
        [
            {"VersionId": "v1", "IsDefaultVersion": False, "Document": EC2_DOC},
            {"VersionId": "v9", "IsDefaultVersion": True, "Document": ADMIN_DOC},
        ],
        default=None,
    )
    assert default_version_document(by_flag) == ADMIN_DOC
    by_id = policy_entry(
        [{"VersionId": "v1", "Document": EC2_DOC}, {"VersionId": "v2", "Document": ADMIN_DOC}]
    )
    assert default_version_document(by_id) == ADMIN_DOC


def test_default_version_decodes_strings() -> None:
    for raw in (json.dumps(ADMIN_DOC), quote(json.dumps(ADMIN_DOC), safe="")):
        entry = policy_entry([{"VersionId": "v2", "Document": raw}])
        assert default_version_document(entry) == ADMIN_DOC


def test_unusable_policy_entries_are_ignored() -> None:
    index: dict[str, Any] = {}
    index_entry(index, "not an object")
    index_entry(index, {"PolicyName": "no-arn", "PolicyVersionList": []})
    index_entry(index, policy_entry([{"VersionId": "v2", "Document": "%7Bbroken"}]))
    index_entry(index, policy_entry([{"VersionId": "v1", "Document": ADMIN_DOC}]))  # no default
    index_entry(index, {**policy_entry([]), "PolicyVersionList": "x"})
    assert index == {}
    index_entry(index, policy_entry(["junk", {"VersionId": "v2", "Document": EC2_DOC}]))
    assert index == {CUSTOM: EC2_DOC}


def test_role_permissions_inline_then_resolved_managed() -> None:
    entry = {
        "RolePolicyList": [
            {"PolicyName": "a", "PolicyDocument": EC2_DOC},
            {"PolicyName": "b", "PolicyDocument": quote(json.dumps(ADMIN_DOC), safe="")},
            {"PolicyName": "broken", "PolicyDocument": "{nope"},
            "junk",
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": "custom", "PolicyArn": CUSTOM},
            {"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
            {"PolicyName": "unknown", "PolicyArn": "arn:aws:iam::123456789012:policy/unknown"},
            {"PolicyName": "no-arn"},
            7,
        ],
    }
    permissions, problems = role_permissions(entry, {CUSTOM: EC2_DOC})
    assert permissions.managed_policy_arns == (
        CUSTOM,
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "arn:aws:iam::123456789012:policy/unknown",
    )
    assert permissions.documents == (EC2_DOC, ADMIN_DOC, EC2_DOC)
    assert problems == ["inline policy 'broken' is not a readable policy document"]


def test_role_permissions_of_an_entry_without_policies() -> None:
    permissions, problems = role_permissions({"RolePolicyList": None}, {})
    assert permissions.managed_policy_arns == ()
    assert permissions.documents == ()
    assert problems == []


def _severity(entry: dict[str, Any], index: dict[str, Any]) -> Severity:
    permissions, _ = role_permissions(entry, index)
    role = Role(
        arn="arn:aws:iam::123456789012:role/r",
        name="r",
        account_id="123456789012",
        trust_document={},
        permissions=permissions,
    )
    return role_severity(role)


def test_severity_follows_the_resolved_documents() -> None:
    attached = {"AttachedManagedPolicies": [{"PolicyArn": CUSTOM}]}
    assert _severity(attached, {CUSTOM: ADMIN_DOC}) is Severity.HIGH
    assert _severity(attached, {CUSTOM: EC2_DOC}) is Severity.MEDIUM
    assert _severity(attached, {}) is Severity.MEDIUM  # unresolved: ARN only
    aws_admin = {
        "AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]
    }
    assert _severity(aws_admin, {}) is Severity.HIGH
    inline_admin = {"RolePolicyList": [{"PolicyName": "x", "PolicyDocument": ADMIN_DOC}]}
    assert _severity(inline_admin, {}) is Severity.HIGH
