"""Replay a planned fix on a trust document as a template writes it (for ``fix`` on templates).

The planner fixes the *evaluated* document: template functions resolved, unknown values
replaced by placeholders. A template must keep its functions (``!Sub``, ``var.x``), so the
same edits are made again on the document as written, where template functions are opaque
leaves: the conditions the plan added or replaced in a statement are required there with
:func:`~trustwarden.remediate.edit.require_condition`, and principals are removed with
:func:`~trustwarden.remediate.edit.remove_principals`. When the written document does not
line up with the evaluated one (statements or conditions chosen by a template function, a
principal to remove that is written as a function), :class:`NotReplayable` says why, and
nothing is written for that role.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from trustwarden.remediate.edit import (
    remove_principals,
    require_condition,
    statement_name,
    statements_of,
)
from trustwarden.remediate.plan import Plan, PlanAction


class NotReplayable(Exception):  # noqa: N818 - a reason, not a crash
    """The fix cannot be made on the document as written; the message says why."""


def replay(
    written: Any,
    plan: Plan,
    removals: tuple[str, ...] = (),
    *,
    removed: bool = False,
) -> list[str]:
    """Make ``plan``'s edits on ``written`` (in place); one line per change.

    ``removals`` are the ``--remove-principal`` arguments the plan was made with; ``removed``
    says they were already made on ``written`` (by the plan of another variant of the role).
    """
    if plan.action is not PlanAction.CHANGE or plan.before is None or plan.after is None:
        raise ValueError("only a CHANGE plan has edits to replay")
    if not isinstance(written, dict):
        raise NotReplayable("the whole document is a template function or expression")
    before = copy.deepcopy(dict(plan.before))
    changes: list[str] = []
    if removals:
        expected = remove_principals(before, removals)
        changes = [] if removed else remove_principals(written, removals)
        if not removed and len(changes) != len(expected):
            raise NotReplayable(
                "a principal to remove is written with a template function or variable; "
                "remove it by hand"
            )
    evaluated, fixed = statements_of(before), statements_of(dict(plan.after))
    raw = statements_of(written)
    if not len(raw) == len(evaluated) == len(fixed):
        raise NotReplayable("the statements are chosen by a template function or expression")
    for index, (old, new, statement) in enumerate(zip(evaluated, fixed, raw, strict=True)):
        if old == new:
            continue
        if not isinstance(statement, dict) or not isinstance(new, dict):
            raise NotReplayable(f"statement {index} is a template function or expression")
        where = statement_name(statement, index)
        if _without_condition(old) != _without_condition(new):
            raise NotReplayable(f"{where}: the fix changes more than its conditions")
        if not isinstance(statement.get("Condition", {}), dict):
            raise NotReplayable(f"{where}: its Condition is a template function or expression")
        wanted = _blocks(new.get("Condition"))
        had = _blocks(old.get("Condition"))
        for operator, block in wanted.items():
            for key, value in block.items():
                if had.get(operator, {}).get(key) != value:
                    changes += require_condition(
                        statement, operator=operator, key=key, value=value, where=where
                    )
        if _shape(statement.get("Condition")) != _shape(new.get("Condition")):
            raise NotReplayable(
                f"{where}: its conditions are partly written with template functions or "
                "expressions; add the condition by hand"
            )
    return changes


def _without_condition(statement: Any) -> Any:
    if not isinstance(statement, dict):
        return statement
    return {k: v for k, v in statement.items() if k != "Condition"}


def _blocks(conditions: Any) -> dict[str, Mapping[str, Any]]:
    if not isinstance(conditions, dict):
        return {}
    return {op: block for op, block in conditions.items() if isinstance(block, dict)}


def _shape(conditions: Any) -> dict[str, frozenset[str]] | None:
    """Operators and (lower-cased) keys of a Condition; ``None`` if part is not a mapping."""
    if conditions is None:
        return {}
    if not isinstance(conditions, dict):
        return None
    out: dict[str, frozenset[str]] = {}
    for operator, block in conditions.items():
        if not isinstance(operator, str) or not isinstance(block, dict):
            return None
        out[operator] = frozenset(str(k).lower() for k in block)
    return out


__all__ = ["NotReplayable", "replay"]
