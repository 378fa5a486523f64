"""CloudTrail evidence of one role in words and as JSON (shared by every format)."""

from __future__ import annotations

from typing import Any

from trustwarden.evidence.model import CallerEvidence, RoleEvidence
from trustwarden.model import RoleResult, Status


def outside_callers(result: RoleResult) -> list[CallerEvidence]:
    """The evidence's callers from accounts other than the role's own."""
    if result.evidence is None:
        return []
    return [c for c in result.evidence.callers if c.account_id != result.role.account_id]


def caller_line(caller: CallerEvidence) -> str:
    """``387546586013: 12 calls (2026-09-01 … 2026-11-20), External ID "x" x12, ...``."""
    first, last = caller.first_seen[:10], caller.last_seen[:10]
    when = first if first == last else f"{first} to {last}"
    parts = [f"{caller.account_id}: {caller.calls} call{'' if caller.calls == 1 else 's'} ({when})"]
    ids = [
        f"External ID {value!r} x{n}" if value is not None else f"no External ID x{n}"
        for value, n in caller.external_ids
    ]
    parts.extend(ids)
    if caller.mfa_calls:
        parts.append(f"MFA x{caller.mfa_calls}")
    if caller.refusals:
        parts.append("refused " + ", ".join(f"{code} x{n}" for code, n in caller.refusals))
    if caller.truncated:
        parts.append("(more distinct values than shown)")
    return ", ".join(parts)


def evidence_lines(result: RoleResult) -> list[str]:
    """One line per outside caller; for a role outsiders could use, a line saying none did."""
    if result.evidence is None:
        return []
    callers = outside_callers(result)
    if not callers:
        if result.status in (Status.PASS, Status.ERROR):
            return []
        return ["no outside account assumed it in the evidence window"]
    return [caller_line(c) for c in callers]


def evidence_to_json(evidence: RoleEvidence, own_account: str) -> dict[str, Any]:
    """The evidence of one role, as in ``report.schema.json`` (``evidence``)."""
    return {
        "callers": [
            {
                "account_id": c.account_id,
                "outside": c.account_id != own_account,
                "calls": c.calls,
                "successes": c.successes,
                "first_seen": c.first_seen,
                "last_seen": c.last_seen,
                "external_ids": [{"value": value, "calls": n} for value, n in c.external_ids],
                "mfa_calls": c.mfa_calls,
                "mfa_devices": list(c.mfa_devices),
                "refusals": [{"error_code": code, "calls": n} for code, n in c.refusals],
                "principals": list(c.principals),
                "truncated": c.truncated,
            }
            for c in evidence.callers
        ]
    }
