"""In-place edits of a decoded trust-policy document, each returning what it changed.

The edits touch only what they are about: the condition key they set, the principal they
remove. Key order, Sids, other statements and other conditions stay as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from trustwarden.model import Principal, is_account_id

EXTERNAL_ID_KEY = "sts:ExternalId"
MFA_KEY = "aws:MultiFactorAuthPresent"


def statements_of(document: dict[str, Any]) -> list[Any]:
    """The document's statements as a list (a single statement object becomes ``[obj]``)."""
    raw = document.get("Statement")
    if isinstance(raw, list):
        return raw
    return [] if raw is None else [raw]


def statement_name(statement: object, index: int) -> str:
    """How messages name a statement: ``Sid "x"`` or ``statement 3``."""
    if isinstance(statement, dict) and isinstance(statement.get("Sid"), str) and statement["Sid"]:
        return f"statement {statement['Sid']!r}"
    return f"statement {index}"


def require_condition(
    statement: dict[str, Any], *, operator: str, key: str, value: str, where: str
) -> list[str]:
    """Make ``statement`` require ``operator {key: value}``, replacing other tests of ``key``.

    Every existing test of the same key (any operator, any spelling of the key) is dropped:
    AND-ed with an exact requirement they are either redundant or contradictory, and the weak
    ones (``StringLike "*"``, ``...IfExists``, ``ForAllValues:``, ``Null``) are the reason
    for the fix. An entry already under ``operator`` is overwritten in place, so it keeps
    its position. Returns one line per change.
    """
    changes: list[str] = []
    conditions = statement.get("Condition")
    if not isinstance(conditions, dict):
        conditions = {}
        statement["Condition"] = conditions
    target_key: str | None = None
    first_removed: int | None = None  # position of the first operator that lost the key
    emptied: set[str] = set()
    for position, op in enumerate(list(conditions)):
        block = conditions[op]
        if not isinstance(block, dict):
            continue
        for k in list(block):
            if k.lower() != key.lower():
                continue
            if op == operator and target_key is None:
                target_key = k
                continue
            changes.append(f"{where}: removed {op} {k} {_show(block[k])}")
            del block[k]
            if first_removed is None:
                # Take the emptied block's place, else go right after the block.
                first_removed = position if not block else position + 1
            if not block:
                emptied.add(op)
    if target_key is not None:
        old = conditions[operator][target_key]
        if old != value:
            changes.append(f"{where}: replaced {operator} {target_key} {_show(old)} with {value!r}")
            conditions[operator][target_key] = value
    elif operator in conditions and isinstance(conditions[operator], dict):
        conditions[operator][key] = value
        changes.append(f"{where}: added {operator} {key} {value!r}")
    else:
        # A new operator goes where the replaced test stood (else last), so diffs stay small.
        items = list(conditions.items())
        at = len(items) if first_removed is None else first_removed
        items.insert(at, (operator, {key: value}))
        conditions = dict(items)
        changes.append(f"{where}: added {operator} {key} {value!r}")
    statement["Condition"] = {op: b for op, b in conditions.items() if op not in emptied}
    return changes


def principal_matches(value: str, removal: str) -> bool:
    """True when principal entry ``value`` is covered by the ``--remove-principal`` argument.

    A 12-digit account ID covers the bare ID and every IAM/STS ARN in that account; any other
    argument (an ARN, a unique ID, ``*``) must match the entry exactly.
    """
    if is_account_id(removal):
        return Principal.aws(value).account_id == removal
    return value == removal


def remove_principals(document: dict[str, Any], removals: Iterable[str]) -> list[str]:
    """Remove matching principals from every Allow statement; drop a statement left empty.

    Deny statements are never touched (removing a principal there would weaken the policy).
    Returns one line per change.
    """
    wanted = tuple(removals)
    changes: list[str] = []
    statements = statements_of(document)
    keep: list[Any] = []
    for index, statement in enumerate(statements):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            keep.append(statement)
            continue
        where = statement_name(statement, index)
        if _strip_principals(statement, wanted, where, changes):
            keep.append(statement)
        else:
            changes.append(f"{where}: removed (no principal left)")
    if len(keep) != len(statements):
        if isinstance(document.get("Statement"), list):
            document["Statement"] = keep
        elif keep:
            document["Statement"] = keep[0]
        else:
            document["Statement"] = []
    return changes


def _strip_principals(
    statement: dict[str, Any], wanted: tuple[str, ...], where: str, changes: list[str]
) -> bool:
    """Remove matching entries from ``statement``'s Principal; False if none is left."""
    principal = statement.get("Principal")
    if isinstance(principal, str):
        if any(principal_matches(principal, r) for r in wanted):
            changes.append(f"{where}: removed principal {principal!r}")
            return False
        return True
    if not isinstance(principal, dict):
        return True
    for kind in list(principal):
        entries = principal[kind]
        values = entries if isinstance(entries, list) else [entries]
        left = []
        for value in values:
            if isinstance(value, str) and any(principal_matches(value, r) for r in wanted):
                changes.append(f"{where}: removed principal {kind} {value!r}")
            else:
                left.append(value)
        if len(left) == len(values):
            continue
        if not left:
            del principal[kind]
        elif isinstance(entries, list):
            principal[kind] = left
    return bool(principal)


def _show(value: object) -> str:
    return repr(value) if not isinstance(value, list) else "[" + ", ".join(map(repr, value)) + "]"
