"""A role's own permissions from authorization-details JSON (used for severity only).

``RolePolicyList`` gives the inline policies; ``AttachedManagedPolicies`` the managed ones,
whose documents are resolved from the file's ``Policies`` list (the default version) when it
has them. AWS-managed policies are recognised by ARN, so they need no document.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from trustwarden.errors import PolicyError
from trustwarden.model import Permissions
from trustwarden.policy import decode_document

#: Managed policy ARN -> its default version's decoded document.
PolicyIndex = Mapping[str, Mapping[str, Any]]
#: Shared by every role the input shows without any policy (the value is immutable).
NO_PERMISSIONS = Permissions()


def default_version_document(entry: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The decoded default-version document of one ``Policies`` entry, if it can be read."""
    versions = entry.get("PolicyVersionList")
    if not isinstance(versions, list):
        return None
    default_id = entry.get("DefaultVersionId")
    for version in versions:
        if not isinstance(version, Mapping):
            continue
        if version.get("IsDefaultVersion") is True or (
            default_id is not None and version.get("VersionId") == default_id
        ):
            try:
                return decode_document(version.get("Document"))
            except PolicyError:
                return None
    return None


def index_entry(index: dict[str, Mapping[str, Any]], entry: object) -> None:
    """Add one ``Policies`` entry to ``index`` (entries without an ARN or document are ignored)."""
    if not isinstance(entry, Mapping):
        return
    arn = entry.get("Arn")
    if isinstance(arn, str):
        doc = default_version_document(entry)
        if doc is not None:
            index[arn] = doc


def role_permissions(
    entry: Mapping[str, Any], policies: PolicyIndex
) -> tuple[Permissions, list[str]]:
    """The :class:`Permissions` of one role entry, and problems met (one line each).

    An inline policy that cannot be decoded is left out and reported as a problem; a managed
    policy whose document the file does not hold is kept by ARN only.
    """
    problems: list[str] = []
    attached = entry.get("AttachedManagedPolicies")
    inline = entry.get("RolePolicyList")
    if not attached and not inline:
        return NO_PERMISSIONS, problems
    arns: tuple[str, ...] = ()
    if isinstance(attached, list):
        arns = tuple(
            arn
            for item in attached
            if isinstance(item, Mapping) and isinstance(arn := item.get("PolicyArn"), str)
        )
    documents: list[Mapping[str, Any]] = []
    if isinstance(inline, list):
        for item in inline:
            if not isinstance(item, Mapping):
                continue
            raw = item.get("PolicyDocument")
            if isinstance(raw, Mapping):  # already decoded: keep it, no copy
                documents.append(raw)
                continue
            try:
                documents.append(decode_document(raw))
            except PolicyError:
                name = item.get("PolicyName")
                problems.append(f"inline policy {name!r} is not a readable policy document")
    documents.extend(policies[arn] for arn in arns if arn in policies)
    return Permissions(managed_policy_arns=arns, documents=tuple(documents)), problems
