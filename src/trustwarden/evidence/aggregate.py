"""Fold a stream of :class:`AssumeRoleCall` into :class:`Evidence`, in bounded memory.

Per role and calling account only counters are kept, with caps on the number of distinct
values (External IDs, MFA devices, principals, call shapes) so a hostile or enormous trail
cannot exhaust memory. Both accounts' copies of one cross-account call share a
``sharedEventID``: the caller's copy is skipped (see :func:`is_other_accounts_copy`) and a
record seen twice (a trail's global events written by several regions' trails into one
bucket, overlapping files) is counted once, by its ``sharedEventID`` or ``eventID``, within
a window of the last :data:`DEDUPE_WINDOW` to :data:`DEDUPE_WINDOW` x 2 keys.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from trustwarden.evidence.model import (
    AssumeRoleCall,
    CallerEvidence,
    Evidence,
    EvidenceWindow,
    ObservedCall,
    RoleEvidence,
    role_key,
)
from trustwarden.evidence.records import is_other_accounts_copy

MAX_VALUES = 32  # distinct External IDs / MFA devices / principals kept per caller
MAX_SHAPES = 256  # distinct successful call shapes kept per role
DEDUPE_WINDOW = 200_000


@dataclass(slots=True)
class _Caller:
    calls: int = 0
    successes: int = 0
    first: str = ""
    last: str = ""
    external_ids: Counter[str | None] = field(default_factory=Counter)
    mfa_calls: int = 0
    mfa_devices: set[str] = field(default_factory=set)
    refusals: Counter[str] = field(default_factory=Counter)
    principals: set[str] = field(default_factory=set)
    truncated: bool = False


@dataclass(slots=True)
class _Role:
    arn: str
    callers: dict[str, _Caller] = field(default_factory=dict)
    shapes: Counter[tuple[str, str | None, bool, str | None, bool]] = field(default_factory=Counter)


class Aggregator:
    """Add calls with :meth:`add`; :meth:`evidence` gives the frozen result.

    ``since``/``until`` (ISO-8601 UTC text, compared as text, which is exact for CloudTrail's
    ``YYYY-MM-DDTHH:MM:SSZ``) drop calls outside the window.
    """

    def __init__(self, source: str, *, since: str | None = None, until: str | None = None):
        self.source = source
        self.since = since
        self.until = until
        self.records_read = 0
        self.files_read = 0
        self.copies_skipped = 0
        self.counted = 0
        self.problems: list[str] = []
        self._roles: dict[tuple[str, str], _Role] = {}
        self._seen: set[int] = set()
        self._seen_before: set[int] = set()

    def add_all(self, calls: Iterable[AssumeRoleCall | None]) -> None:
        """Add every call (``None``: a record that is not ``AssumeRole`` evidence)."""
        for call in calls:
            self.records_read += 1
            if call is not None:
                self.add(call)

    def add(self, call: AssumeRoleCall) -> None:
        """Count one call (unless it is out of the window, a copy or a duplicate)."""
        if (self.since and call.event_time < self.since) or (
            self.until and call.event_time > self.until
        ):
            return
        if is_other_accounts_copy(call) or self._duplicate(call.dedupe_key):
            self.copies_skipped += 1
            return
        self.counted += 1
        key = role_key(call.role_account, call.role_name)
        role = self._roles.get(key)
        if role is None:
            role = self._roles[key] = _Role(arn=call.role_arn)
        caller = role.callers.get(call.caller_account)
        if caller is None:
            caller = role.callers[call.caller_account] = _Caller()
        caller.calls += 1
        when = call.event_time
        if not caller.first or when < caller.first:
            caller.first = when
        caller.last = max(caller.last, when)
        if call.error_code:
            caller.refusals[call.error_code[:64]] += 1
            return
        caller.successes += 1
        _count(caller, caller.external_ids, call.external_id)
        if call.mfa_device:
            caller.mfa_calls += 1
            _add(caller, caller.mfa_devices, call.mfa_device)
        if call.caller_arn:
            _add(caller, caller.principals, call.caller_arn)
        shape = (
            call.caller_account,
            call.caller_arn,
            call.caller_is_session,
            call.external_id,
            call.mfa_device is not None,
        )
        if shape in role.shapes or len(role.shapes) < MAX_SHAPES:
            role.shapes[shape] += 1
        else:
            caller.truncated = True

    def _duplicate(self, key: str | None) -> bool:
        if key is None:
            return False
        digest = hash(key)  # 64 bits, stable within the process: enough to spot a repeat
        if digest in self._seen or digest in self._seen_before:
            return True
        if len(self._seen) >= DEDUPE_WINDOW:
            self._seen_before, self._seen = self._seen, set()
        self._seen.add(digest)
        return False

    def evidence(self) -> Evidence:
        """The aggregate so far, frozen and sorted."""
        roles = {key: _freeze(role) for key, role in self._roles.items()}
        starts = [c.first for r in self._roles.values() for c in r.callers.values()]
        ends = [c.last for r in self._roles.values() for c in r.callers.values()]
        window = EvidenceWindow(
            source=self.source,
            start=self.since or (min(starts) if starts else None),
            end=self.until or (max(ends) if ends else None),
            records_read=self.records_read,
            calls_counted=self.counted,
            copies_skipped=self.copies_skipped,
            files_read=self.files_read,
            problems=tuple(self.problems),
            since=self.since,
        )
        return Evidence(window=window, roles=roles)


def _count(caller: _Caller, counter: Counter[str | None], value: str | None) -> None:
    if value in counter or len(counter) < MAX_VALUES:
        counter[value] += 1
    else:
        caller.truncated = True


def _add(caller: _Caller, values: set[str], value: str) -> None:
    if value in values or len(values) < MAX_VALUES:
        values.add(value)
    else:
        caller.truncated = True


def _freeze(role: _Role) -> RoleEvidence:
    callers = tuple(
        CallerEvidence(
            account_id=account,
            calls=c.calls,
            successes=c.successes,
            first_seen=c.first,
            last_seen=c.last,
            external_ids=tuple(
                sorted(c.external_ids.items(), key=lambda kv: (-kv[1], kv[0] or ""))
            ),
            mfa_calls=c.mfa_calls,
            mfa_devices=tuple(sorted(c.mfa_devices)),
            refusals=tuple(sorted(c.refusals.items())),
            principals=tuple(sorted(c.principals)),
            truncated=c.truncated,
        )
        for account, c in sorted(role.callers.items())
    )
    observed = tuple(
        ObservedCall(
            caller_account=account,
            caller_arn=arn,
            caller_is_session=session,
            external_id=ext,
            mfa=mfa,
            count=n,
        )
        for (account, arn, session, ext, mfa), n in sorted(
            role.shapes.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][3] or "")
        )
    )
    return RoleEvidence(role_arn=role.arn, callers=callers, observed=observed)
