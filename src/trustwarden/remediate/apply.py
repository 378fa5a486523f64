"""Apply planned fixes to live roles, one transaction per role.

For each ``CHANGE`` plan, in order:

1. re-read the role (``GetRole``); if its policy is no longer the planned-from one, skip it
   (``conflict``) — a person or a pipeline changed it since the plan;
2. journal the original and the planned document (fsynced) — nothing is changed before this;
3. ``UpdateAssumeRolePolicy`` with the minified planned document;
4. read it back and compare (parsed, IAM's rewrites undone), retrying briefly because IAM is
   eventually consistent;
5. on any failure in 3-4, put the original back (and verify it) where the policy is still
   the planned one; if that fails, or someone else changed the policy meanwhile (it is then
   left alone), say so: ``trustwarden rollback JOURNAL`` can finish the job later.

IAM has no conditional write, so a change made between steps 1 and 3 (milliseconds) would be
overwritten; the journal still holds the original to restore it by hand.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from trustwarden.errors import AwsAccessError
from trustwarden.remediate.document import documents_equal, minify
from trustwarden.remediate.journal import Journal, JournalWriteError
from trustwarden.remediate.plan import Plan, PlanAction
from trustwarden.remediate.store import (
    VERIFY_ATTEMPTS,
    StoreError,
    TrustPolicyStore,
    read_back,
)

Sleep = Callable[[float], None]


class OutcomeKind(StrEnum):
    """What happened to one role."""

    APPLIED = "applied"  # changed and verified
    CONFLICT = "conflict"  # changed by someone else since the plan (or gone): not touched
    SKIPPED = "skipped"  # could not be read before the change: not touched
    ROLLED_BACK = "rolled-back"  # the fix failed; the original is back in place
    RESTORE_FAILED = "restore-failed"  # the fix failed and the original could not be restored


@dataclass(frozen=True, slots=True)
class ApplyOutcome:
    """The outcome for one role, with a one-line ``detail``."""

    plan: Plan
    kind: OutcomeKind
    detail: str = ""


def apply_plans(
    plans: Iterable[Plan],
    store: TrustPolicyStore,
    journal: Journal,
    *,
    sleep: Sleep = time.sleep,
    verify_attempts: int = VERIFY_ATTEMPTS,
) -> Iterator[ApplyOutcome]:
    """Apply every ``CHANGE`` plan; yield one outcome per role as it finishes.

    Raises :class:`JournalWriteError` (before changing the role at hand) when the intent
    cannot be journaled, and :class:`AwsAccessError` when the credentials stop working
    before a change. Both stop the run; every role changed so far is in the journal.
    """
    applier = _Applier(store, journal, sleep, verify_attempts)
    for plan in plans:
        if plan.action is PlanAction.CHANGE:
            yield applier.apply(plan)


class _Applier:
    def __init__(
        self, store: TrustPolicyStore, journal: Journal, sleep: Sleep, verify_attempts: int
    ) -> None:
        self.store = store
        self.journal = journal
        self.sleep = sleep
        self.verify_attempts = max(1, verify_attempts)

    def apply(self, plan: Plan) -> ApplyOutcome:
        role = plan.role
        if plan.before is None or plan.after is None:
            msg = f"{role.name}: only a planned change (with both documents) can be applied"
            raise ValueError(msg)
        try:
            current = self.store.read(role.name)
        except StoreError as exc:
            if exc.credentials:
                raise AwsAccessError(f"reading role {role.name}: {exc}") from exc
            kind = OutcomeKind.CONFLICT if exc.not_found else OutcomeKind.SKIPPED
            detail = "the role no longer exists" if exc.not_found else f"cannot read it: {exc}"
            return self._outcome(plan, kind, detail)
        if not documents_equal(current, plan.before):
            return self._outcome(
                plan,
                OutcomeKind.CONFLICT,
                "its trust policy changed since the plan; not overwritten (run fix again)",
            )
        self.journal.record(
            "intent",
            role_arn=role.arn,
            role_name=role.name,
            account_id=role.account_id,
            original=current,
            planned=dict(plan.after),
        )
        try:
            self.store.write(role.name, plan.written)
            stored = self._read_back(role.name, plan.after)
        except Exception as exc:  # noqa: BLE001 (any failure must restore the original)
            return self._restore(plan, plan.after, current, _reason(exc))
        self._note("applied", plan, stored=stored)
        return ApplyOutcome(plan, OutcomeKind.APPLIED, "changed and verified")

    def _read_back(self, role_name: str, expected: Mapping[str, Any]) -> dict[str, Any]:
        return read_back(
            self.store, role_name, expected, sleep=self.sleep, attempts=self.verify_attempts
        )

    def _restore(
        self, plan: Plan, written: Mapping[str, Any], original: dict[str, Any], reason: str
    ) -> ApplyOutcome:
        name = plan.role.name
        try:
            problem = self._put_back(name, written, original)
        except Exception as exc:  # noqa: BLE001 (report, never mask the first failure)
            problem = _reason(exc)
        if problem is not None:
            detail = (
                f"fix failed ({reason}) and the original was not restored ({problem}); "
                f"the original is in the journal: trustwarden rollback {self.journal.path} "
                f"--role {name}"
            )
            self._note("restore-failed", plan, detail=detail)
            return ApplyOutcome(plan, OutcomeKind.RESTORE_FAILED, detail)
        detail = f"fix failed ({reason}); the original policy is back in place"
        self._note("rolled-back", plan, detail=detail)
        return ApplyOutcome(plan, OutcomeKind.ROLLED_BACK, detail)

    def _put_back(
        self, name: str, planned: Mapping[str, Any], original: dict[str, Any]
    ) -> str | None:
        """Restore ``original`` over trustwarden's own write; the reason when it is not done."""
        now = self.store.read(name)
        if documents_equal(now, original):
            return None
        if not documents_equal(now, planned):
            return "someone else changed the policy meanwhile; left as it is"
        self.store.write(name, minify(original))
        self._read_back(name, original)
        return None

    def _outcome(self, plan: Plan, kind: OutcomeKind, detail: str) -> ApplyOutcome:
        self._note(kind.value, plan, detail=detail)
        return ApplyOutcome(plan, kind, detail)

    def _note(self, event: str, plan: Plan, **fields: Any) -> None:
        """Journal an outcome; best effort (rollback needs only the intents)."""
        with contextlib.suppress(JournalWriteError):
            self.journal.record(event, role_arn=plan.role.arn, **fields)


def _reason(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())
