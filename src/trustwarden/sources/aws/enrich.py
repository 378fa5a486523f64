"""``--enrich``: extra facts for roles that are not ``pass``, fetched only when asked.

For each such role: ``GetRole`` (last used, tags), its attached managed policies and inline
policies (documents of customer-managed policies resolved once per account), so the engine
can raise severity for admin-equivalent roles. Calls run on a bounded thread pool; a failure
to enrich one role keeps that role's verdict and records the reason in ``Role.extra``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import replace
from datetime import datetime
from typing import Any

from trustwarden.errors import PolicyError
from trustwarden.model import Arn, Permissions, Role, RoleResult, Settings, Status
from trustwarden.policy import decode_document
from trustwarden.sources.aws.faults import AWS_ERRORS, describe

Analyzer = Callable[[Role, Settings], RoleResult]


def needs_enrichment(result: RoleResult) -> bool:
    """Only roles with something to report are worth extra calls."""
    return result.status is not Status.PASS


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
    """``role`` with ``permissions`` and last-used/tags facts filled from IAM."""
    got = iam.get_role(RoleName=role.name)["Role"]
    last_used = got.get("RoleLastUsed") or {}
    used_at = last_used.get("LastUsedDate")
    extra: dict[str, Any] = dict(role.extra)  # same keys as the offline sources use
    if used_at is not None:
        extra["last_used"] = used_at.isoformat() if isinstance(used_at, datetime) else used_at
    if last_used.get("Region"):
        extra["last_used_region"] = str(last_used["Region"])
    tags = {str(t["Key"]): str(t.get("Value", "")) for t in got.get("Tags") or []}
    if tags:
        extra["tags"] = tags

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
        extra=extra,
    )


def _enrich_one(
    iam: Any,
    result: RoleResult,
    settings: Settings,
    analyze: Analyzer,
    *,
    documents: PolicyDocuments,
    stop: threading.Event,
) -> RoleResult:
    if stop.is_set():
        return result
    try:
        role = enrich_role(iam, result.role, documents)
    except AWS_ERRORS as exc:
        extra = {**result.role.extra, "enrich_error": describe(exc)}
        return replace(result, role=replace(result.role, extra=extra))
    return analyze(role, settings)


def enrich_results(
    iam: Any,
    results: Sequence[RoleResult],
    settings: Settings,
    analyze: Analyzer,
    *,
    pool: Executor,
    stop: threading.Event,
) -> list[RoleResult]:
    """Enrich and re-analyse the results that are not ``pass``; others are returned as-is.

    ``iam`` is one client of the account (botocore clients are thread-safe); ``pool`` bounds
    the concurrency. Order is preserved.
    """
    documents = PolicyDocuments(iam)
    futures = {
        index: pool.submit(
            _enrich_one, iam, result, settings, analyze, documents=documents, stop=stop
        )
        for index, result in enumerate(results)
        if needs_enrichment(result)
    }
    return [
        futures[index].result() if index in futures else result
        for index, result in enumerate(results)
    ]
