"""Severity: the rule's risk level (medium), raised to high for admin-equivalent roles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustwarden.model import Role, Severity

ADMIN_EQUIVALENT_POLICIES = frozenset({"AdministratorAccess", "IAMFullAccess"})
_ADMIN_ACTIONS = frozenset({"*", "*:*", "iam:*"})


def role_severity(role: Role) -> Severity:
    """HIGH when the input shows the role is admin-equivalent, else MEDIUM."""
    perms = role.permissions
    if perms is None:
        return Severity.MEDIUM
    for arn in perms.managed_policy_arns:
        if arn.rsplit("/", 1)[-1] in ADMIN_EQUIVALENT_POLICIES and ":aws:policy/" in arn:
            return Severity.HIGH
    if any(is_admin_document(doc) for doc in perms.documents):
        return Severity.HIGH
    return Severity.MEDIUM


def is_admin_document(doc: Mapping[str, Any]) -> bool:
    """An Allow of ``*`` (or ``iam:*``) on resource ``*`` anywhere in the document."""
    statements = doc.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        return False
    for st in statements:
        if not isinstance(st, Mapping) or st.get("Effect") != "Allow":
            continue
        resources = st.get("Resource")
        if resources != "*" and not (isinstance(resources, list) and "*" in resources):
            continue
        if any(a.lower() in _ADMIN_ACTIONS for a in _as_list(st.get("Action"))):
            return True
    return False


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []
