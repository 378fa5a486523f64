"""``--enrich``: facts about a role fetched from IAM, only when asked.

For one role: ``GetRole`` (last used, tags), its attached managed policies and inline
policies (documents of customer-managed policies resolved once per account), so severity
can be raised for admin-equivalent roles. The pipeline decides which roles (those that are
not ``pass``) and runs the calls on a bounded pool; a failure to enrich one role keeps that
role's verdict and records the reason in ``RoleFacts.enrich_error``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from trustwarden.aws.faults import AWS_ERRORS, describe
from trustwarden.errors import PolicyError
from trustwarden.model import Arn, Permissions, Role
from trustwarden.policy import decode_document


class PolicyDocuments:
    """Customer-managed policy documents of one account, each fetched at most once."""

    def __init__(self, iam: Any) -> None:
        self._iam = iam
        self._lock = threading.Lock()
        self._docs: dict[str, Mapping[str, Any] | None] = {}
        self._key_locks: dict[str, threading.Lock] = {}

    def get(self, arn: str) -> Mapping[str, Any] | None:
        """The default version's document, or ``None`` when it cannot be read."""
        with self._lock:
            key_lock = self._key_locks.setdefault(arn, threading.Lock())
        with key_lock:  # concurrent askers for one policy wait for a single fetch
            if arn in self._docs:
                return self._docs[arn]
            doc: Mapping[str, Any] | None
            try:
                version = self._iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
                raw = self._iam.get_policy_version(PolicyArn=arn, VersionId=version)
                doc = _decoded(raw["PolicyVersion"].get("Document"))
            except AWS_ERRORS:
                doc = None
            self._docs[arn] = doc
            return doc


def _decoded(raw: object) -> Mapping[str, Any] | None:
    try:
        return decode_document(raw)
    except PolicyError:
        return None


def _pages(call: Callable[..., Any], key: str, **kwargs: Any) -> Iterator[Any]:
    while True:
        page = call(**kwargs)
        yield from page.get(key, [])
        if not page.get("IsTruncated") or not page.get("Marker"):
            return
        kwargs["Marker"] = page["Marker"]


def _is_aws_managed(arn: str) -> bool:
    parsed = Arn.parse(arn)
    return parsed is not None and parsed.account_id == "aws"


def enrich_role(iam: Any, role: Role, documents: PolicyDocuments) -> Role:
    """``role`` with ``permissions``, last use and tags filled from IAM.

    botocore exceptions propagate (see :func:`fetch_facts`).
    """
    got = iam.get_role(RoleName=role.name)["Role"]
    last_used = got.get("RoleLastUsed") or {}
    used_at = last_used.get("LastUsedDate")
    tags = tuple(sorted((str(t["Key"]), str(t.get("Value", ""))) for t in got.get("Tags") or []))
    facts = replace(
        role.facts,
        tags=tags,
        last_used=used_at.isoformat() if isinstance(used_at, datetime) else used_at,
        last_used_region=str(last_used["Region"]) if last_used.get("Region") else None,
        enriched=True,
        enrich_error=None,
    )
    arns = sorted(
        str(p["PolicyArn"])
        for p in _pages(iam.list_attached_role_policies, "AttachedPolicies", RoleName=role.name)
    )
    docs: list[Mapping[str, Any]] = []
    for name in sorted(_pages(iam.list_role_policies, "PolicyNames", RoleName=role.name)):
        inline = iam.get_role_policy(RoleName=role.name, PolicyName=name)
        doc = _decoded(inline.get("PolicyDocument"))
        if doc is not None:
            docs.append(doc)
    for arn in arns:
        if not _is_aws_managed(arn):
            managed = documents.get(arn)
            if managed is not None:
                docs.append(managed)
    return replace(
        role,
        permissions=Permissions(managed_policy_arns=tuple(arns), documents=tuple(docs)),
        facts=facts,
    )


def fetch_facts(iam: Any, role: Role, documents: PolicyDocuments) -> Role:
    """:func:`enrich_role`, or on an AWS failure the role with ``facts.enrich_error`` set."""
    try:
        return enrich_role(iam, role, documents)
    except AWS_ERRORS as exc:
        return replace(role, facts=replace(role.facts, enrich_error=describe(exc)))
