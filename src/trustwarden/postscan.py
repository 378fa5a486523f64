"""What runs on results after the engine: External ID quality checks and CloudTrail evidence.

One hook for every scan path (files, live account, organisation): :func:`after_engine`
wraps the stream of results and skipped items.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator

from trustwarden.evidence.model import Evidence
from trustwarden.external_id_checks import check_events, role_findings, with_findings
from trustwarden.model import RoleResult, Skipped

Event = RoleResult | Skipped


def attach_evidence(result: RoleResult, evidence: Evidence | None) -> RoleResult:
    """``result`` carrying its role's evidence (an empty record when nobody called it)."""
    if evidence is None:
        return result
    from trustwarden.evidence.model import RoleEvidence  # noqa: PLC0415

    role = result.role
    found = evidence.for_role(role.account_id, role.name) or RoleEvidence(role_arn=role.arn)
    return dataclasses.replace(result, evidence=found)


def after_engine(events: Iterable[Event], evidence: Evidence | None = None) -> Iterator[Event]:
    """The External ID findings (TW006-TW009) and, when given, each role's evidence."""
    for event in check_events(events):
        yield attach_evidence(event, evidence) if isinstance(event, RoleResult) else event


def after_engine_one(result: RoleResult, evidence: Evidence | None = None) -> RoleResult:
    """:func:`after_engine` for a single role (``explain``): TW007 needs a whole scan."""
    return attach_evidence(with_findings(result, role_findings(result)), evidence)
