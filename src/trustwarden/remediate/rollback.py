"""Restore original trust policies from a journal: only where trustwarden's change is still live.

Per role, the journal's intents are undone newest first: while the current policy is the one
an intent wrote, step back to that intent's original. The role is then written once, with the
oldest original reached. A role whose current policy is an original already needs nothing
(so a second run is a no-op); one whose policy is neither is a conflict and is left alone.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from trustwarden.errors import AwsAccessError
from trustwarden.pipeline import RoleSelector
from trustwarden.remediate.document import documents_equal, minify
from trustwarden.remediate.journal import Intent, Journal, JournalContents, JournalWriteError
from trustwarden.remediate.store import StoreError, TrustPolicyStore, VerifyError, read_back


class RollbackKind(StrEnum):
    """What rollback did to one role."""

    RESTORED = "restored"  # the original is back (or would be, in a dry run)
    NOTHING = "nothing-to-do"  # the original is already in place
    CONFLICT = "conflict"  # the policy is not one trustwarden wrote: left alone
    SKIPPED = "skipped"  # another account than the credentials', or the role is gone
    FAILED = "failed"  # the restore failed


@dataclass(frozen=True, slots=True)
class RollbackOutcome:
    """The outcome for one role, with a one-line ``detail``."""

    role_arn: str
    role_name: str
    kind: RollbackKind
    detail: str = ""


def rollback(
    contents: JournalContents,
    store: TrustPolicyStore,
    *,
    account_id: str | None = None,
    roles: Collection[str] = (),
    journal: Journal | None = None,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[RollbackOutcome]:
    """Undo the journal's changes, one outcome per role (journal order).

    ``account_id`` is the credentials' account: intents for other accounts are skipped.
    ``roles`` (names, ARNs or shell patterns, as ``--role``) limits the roles; ``journal``,
    when given, gets a record per restore. Raises :class:`AwsAccessError` when the
    credentials do not work.
    """
    selector = RoleSelector(roles)
    by_role: dict[str, list[Intent]] = {}
    for intent in contents.intents:
        if not selector.matches_name(intent.role_name, intent.role_arn):
            continue
        by_role.setdefault(intent.role_arn, []).append(intent)
    for arn, intents in by_role.items():
        outcome = _rollback_role(
            arn,
            intents,
            contents,
            store,
            account_id=account_id,
            dry_run=dry_run,
            sleep=sleep,
        )
        if journal is not None and not dry_run:
            with contextlib.suppress(JournalWriteError):
                journal.record(
                    f"rollback-{outcome.kind.value}", role_arn=arn, detail=outcome.detail
                )
        yield outcome


def restorable(contents: JournalContents, roles: Collection[str] = ()) -> list[str]:
    """The ARNs of the roles a rollback would look at (those ``roles`` selects)."""
    selector = RoleSelector(roles)
    arns: dict[str, None] = {}
    for intent in contents.intents:
        if selector.matches_name(intent.role_name, intent.role_arn):
            arns.setdefault(intent.role_arn, None)
    return list(arns)


def unmatched_roles(contents: JournalContents, roles: Collection[str]) -> list[str]:
    """``no role 'x' (closest: ...)`` for each literal ``--role`` that names no journal role."""
    selector = RoleSelector(roles)
    for intent in contents.intents:
        selector.matches_name(intent.role_name, intent.role_arn)
    return [f"no role {q!r} in the journal ({selector.detail(q)})" for q in selector.unmatched()]


def _rollback_role(
    arn: str,
    intents: list[Intent],
    contents: JournalContents,
    store: TrustPolicyStore,
    *,
    account_id: str | None,
    dry_run: bool,
    sleep: Callable[[float], None],
) -> RollbackOutcome:
    name = intents[-1].role_name
    owner = intents[-1].account_id
    if account_id is not None and owner != account_id:
        return RollbackOutcome(
            arn,
            name,
            RollbackKind.SKIPPED,
            f"the journal entry is for account {owner}; the credentials are for {account_id}",
        )
    try:
        current = store.read(name)
    except StoreError as exc:
        if exc.credentials:
            raise AwsAccessError(f"reading role {name}: {exc}") from exc
        if exc.not_found:
            return RollbackOutcome(arn, name, RollbackKind.SKIPPED, "the role no longer exists")
        return RollbackOutcome(arn, name, RollbackKind.FAILED, f"cannot read it: {exc}")
    target = _unwind(current, intents, contents)
    if target is None:
        if any(documents_equal(current, i.original) for i in intents):
            return RollbackOutcome(arn, name, RollbackKind.NOTHING, "the original is in place")
        return RollbackOutcome(
            arn,
            name,
            RollbackKind.CONFLICT,
            "its trust policy is not the one trustwarden wrote (changed since); left alone",
        )
    if dry_run:
        return RollbackOutcome(arn, name, RollbackKind.RESTORED, "would restore the original")
    try:
        store.write(name, minify(target))
        read_back(store, name, target, sleep=sleep)
    except (StoreError, VerifyError) as exc:
        return RollbackOutcome(arn, name, RollbackKind.FAILED, f"restore failed: {exc}")
    return RollbackOutcome(arn, name, RollbackKind.RESTORED, "original restored and verified")


def _unwind(
    current: Mapping[str, Any], intents: list[Intent], contents: JournalContents
) -> Mapping[str, Any] | None:
    """The original to restore, or ``None`` when the current policy is not trustwarden's."""
    state: Mapping[str, Any] = current
    target: Mapping[str, Any] | None = None
    for intent in reversed(intents):
        stored = contents.stored.get((intent.role_arn, intent.run_id))
        written = documents_equal(state, intent.planned) or (
            stored is not None and documents_equal(state, stored)
        )
        if written:
            state = intent.original
            target = state
    return target
