"""Frozen value types for CloudTrail evidence of ``sts:AssumeRole`` calls. No I/O here.

Evidence is an aggregate: per role, per calling account, what was sent and how often. Only
the distinct *shapes* of successful calls (who, External ID, MFA) are kept for replaying them
against a planned policy, so memory grows with the variety of calls, not their number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AssumeRoleCall:
    """One ``AssumeRole`` record, reduced to what trust-policy evidence needs.

    ``role_account``/``role_name`` come from ``requestParameters.roleArn``;
    ``caller_account`` from ``userIdentity.accountId``; ``caller_arn`` is
    ``userIdentity.arn`` when the record has it (the caller's own copy; the role account's
    copy names only the account and ``principalId``). ``caller_is_session`` is true when the
    caller used temporary credentials (an ``AROA…:session`` principal ID, or an
    ``AssumedRole`` identity). ``mfa_device`` is ``requestParameters.serialNumber``.
    ``error_code`` is set when STS refused the call. ``dedupe_key`` is the
    ``sharedEventID`` (both accounts' copies of one call share it), else the ``eventID``.
    """

    event_time: str
    role_arn: str
    role_account: str
    role_name: str
    caller_account: str
    caller_arn: str | None
    caller_is_session: bool
    external_id: str | None
    mfa_device: str | None
    session_name: str | None
    error_code: str | None
    region: str
    dedupe_key: str | None
    recipient_account: str | None = None


@dataclass(frozen=True, slots=True)
class ObservedCall:
    """A distinct shape of successful call, replayed against planned policies."""

    caller_account: str
    caller_arn: str | None
    caller_is_session: bool
    external_id: str | None
    mfa: bool
    count: int = 0


@dataclass(frozen=True, slots=True)
class CallerEvidence:
    """What one calling account did with one role in the window.

    ``external_ids`` counts the External IDs of *successful* calls (``None``: no External
    ID); ``refusals`` counts refused calls by error code. ``mfa_calls`` is the number of
    successful calls that named an MFA device. ``truncated`` is true when more distinct
    values were seen than are kept.
    """

    account_id: str
    calls: int
    successes: int
    first_seen: str
    last_seen: str
    external_ids: tuple[tuple[str | None, int], ...] = ()
    mfa_calls: int = 0
    mfa_devices: tuple[str, ...] = ()
    refusals: tuple[tuple[str, int], ...] = ()
    principals: tuple[str, ...] = ()
    truncated: bool = False

    @property
    def sent_external_ids(self) -> tuple[str, ...]:
        """The distinct External IDs this account sent in successful calls."""
        return tuple(value for value, _ in self.external_ids if value is not None)

    @property
    def calls_without_external_id(self) -> int:
        """Successful calls that sent no External ID."""
        return sum(n for value, n in self.external_ids if value is None)


@dataclass(frozen=True, slots=True)
class RoleEvidence:
    """Every call to one role in the window, by calling account (sorted by account)."""

    role_arn: str
    callers: tuple[CallerEvidence, ...] = ()
    observed: tuple[ObservedCall, ...] = ()

    def caller(self, account_id: str) -> CallerEvidence | None:
        """The evidence of one calling account, if it called."""
        for caller in self.callers:
            if caller.account_id == account_id:
                return caller
        return None


@dataclass(frozen=True, slots=True)
class EvidenceWindow:
    """Where evidence came from and what it covers.

    ``since`` is the window's start when one was asked for (``--since``, or the live default);
    ``start``/``end`` are that, else the first and last call seen.
    """

    source: str
    start: str | None = None
    end: str | None = None
    records_read: int = 0
    calls_counted: int = 0
    copies_skipped: int = 0
    files_read: int = 0
    problems: tuple[str, ...] = ()
    since: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """Evidence for every role that was called, keyed by :func:`role_key`."""

    window: EvidenceWindow
    roles: Mapping[tuple[str, str], RoleEvidence] = field(default_factory=dict)

    def for_role(self, account_id: str, role_name: str) -> RoleEvidence | None:
        """The evidence of one role (IAM role names are unique regardless of case)."""
        return self.roles.get(role_key(account_id, role_name))


def role_key(account_id: str, role_name: str) -> tuple[str, str]:
    """How evidence is keyed: the role's account and its name, case-folded.

    ``AssumeRole`` callers pass the role ARN with or without its path, in any case of the
    name, so the path is dropped and the name folded.
    """
    return (account_id, role_name.rsplit("/", 1)[-1].lower())
