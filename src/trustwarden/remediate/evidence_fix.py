"""``fix --from-evidence``: pin the External ID each outside account already sends.

Pure: a decoded policy, the statements that let outsiders in and the role's CloudTrail
evidence in; edits (or the one-line reason there is no safe edit) out. A statement whose
outside callers all send one External ID gets ``StringEquals sts:ExternalId``; when its
callers send different ones, the statement is split into one copy per account, each with
that account's ID. An outside caller that sends no External ID, or several different ones,
stops the fix: only the vendor can say which ID it will send.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from trustwarden.engine.describe import principal_account
from trustwarden.evidence.model import CallerEvidence, EvidenceWindow, RoleEvidence
from trustwarden.remediate.edit import (
    EXTERNAL_ID_KEY,
    require_condition,
    statement_name,
    statements_of,
)

ASK = "ask the vendor for the External ID it will send, then use --external-id"


@dataclass(slots=True)
class EvidencePin:
    """What the evidence lets ``fix`` do to one role."""

    changes: list[str] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)
    refusal: str | None = None


def _aws_principals(statement: dict[str, Any]) -> list[str]:
    principal = statement.get("Principal")
    if principal == "*":
        return ["*"]
    if not isinstance(principal, dict):
        return []
    raw = principal.get("AWS")
    values = raw if isinstance(raw, list) else [raw]
    return [v for v in values if isinstance(v, str)]


def _since(window: EvidenceWindow | None) -> str:
    if window is not None and window.since:
        return f"since {window.since}"
    if window is None or not window.start:
        return "in the evidence"
    return f"in the evidence ({window.start[:10]} to {(window.end or '')[:10]})"


def _caller_pin(caller: CallerEvidence) -> tuple[str | None, str | None]:
    """(External ID to pin, or the reason there is none) for one calling account."""
    acct = caller.account_id
    sent = caller.sent_external_ids
    missing = caller.calls_without_external_id
    if caller.truncated:
        return None, f"{acct} sent more distinct values than trustwarden keeps: {ASK}"
    if len(sent) > 1:
        shown = ", ".join(repr(v) for v in sent)
        return None, (
            f"{acct} sent {len(sent)} different External IDs ({shown}): ask the vendor which "
            "one it issued to you"
        )
    if missing:
        mfa = ""
        if caller.mfa_calls == caller.successes:
            mfa = " (every call used MFA: --require-mfa would keep it working)"
        if sent:
            return None, (
                f"{acct} sent External ID {sent[0]!r} in some calls and none in {missing}: {ASK}"
            )
        return None, f"{acct} assumed the role {missing} times without an External ID{mfa}: {ASK}"
    return sent[0], None


def pin_from_evidence(
    document: dict[str, Any],
    targets: Iterable[int],
    evidence: RoleEvidence | None,
    *,
    trusted: frozenset[str],
    window: EvidenceWindow | None,
) -> EvidencePin:
    """Edit ``document`` in place: pin observed External IDs on the ``targets`` statements.

    ``trusted`` are the role's own and the trusted accounts (their callers need no pin).
    """
    out = EvidencePin()
    callers = {c.account_id: c for c in (evidence.callers if evidence else ()) if c.successes}
    since = _since(window)
    statements = statements_of(document)
    replacements: dict[int, list[dict[str, Any]]] = {}
    for index in sorted(set(targets)):
        statement = statements[index]
        if not isinstance(statement, dict):
            continue
        where = statement_name(statement, index)
        principals = _aws_principals(statement)
        wildcard = "*" in principals
        named = {a for p in principals if (a := principal_account(p)) and a not in trusted}
        relevant = sorted(a for a in callers if a not in trusted and (wildcard or a in named))
        for acct in sorted(named - set(callers)):
            out.proposals.append(
                f"{acct} never assumed the role {since}: if it no longer needs it, "
                f"--remove-principal {acct} (not applied)"
            )
        if not relevant:
            out.refusal = (
                f"{where}: no outside account assumed the role {since}, so there is no "
                f"External ID to pin; {ASK}"
            )
            return out
        pins: dict[str, str] = {}
        for acct in relevant:
            value, why = _caller_pin(callers[acct])
            if why is not None:
                out.refusal = why
                return out
            if value is not None:
                pins[acct] = value
        if len(set(pins.values())) == 1:
            out.changes += require_condition(
                statement,
                operator="StringEquals",
                key=EXTERNAL_ID_KEY,
                value=next(iter(pins.values())),
                where=where,
            )
            continue
        if wildcard:
            out.refusal = (
                f'{where}: callers through the "*" principal send different External IDs; '
                "name each account as a principal first"
            )
            return out
        silent = sorted(named - set(pins))
        if silent:
            out.refusal = (
                f"{where}: its accounts send different External IDs and {', '.join(silent)} "
                f"never called; remove it first (--remove-principal {silent[0]})"
            )
            return out
        replacements[index] = _split(statement, principals, pins, where, out.changes)
    if replacements:
        rebuilt: list[Any] = []
        for index, statement in enumerate(statements):
            rebuilt.extend(replacements.get(index, [statement]))
        document["Statement"] = rebuilt
    return out


def _split(
    statement: dict[str, Any],
    principals: list[str],
    pins: dict[str, str],
    where: str,
    changes: list[str],
) -> list[dict[str, Any]]:
    """One copy of ``statement`` per account, each requiring that account's External ID."""
    pieces = []
    for acct, value in sorted(pins.items()):
        piece = copy.deepcopy(statement)
        mine = [p for p in principals if principal_account(p) == acct]
        piece["Principal"] = {**piece["Principal"], "AWS": mine[0] if len(mine) == 1 else mine}
        if isinstance(piece.get("Sid"), str) and piece["Sid"]:
            piece["Sid"] = f"{piece['Sid']}{acct}"
        name = f"{where} for {acct}"
        changes.append(f"{where}: split per account ({acct}: {', '.join(mine)})")
        changes.extend(
            require_condition(
                piece, operator="StringEquals", key=EXTERNAL_ID_KEY, value=value, where=name
            )
        )
        pieces.append(piece)
    return pieces
