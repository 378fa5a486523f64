"""Live scans as a stream of events: one account, or every account of an organisation.

:class:`LiveScan` does the set-up eagerly (credentials, organisation listing, trusted
accounts), so access errors surface before any output. :meth:`LiveScan.events` then yields
:class:`~trustwarden.model.RoleResult` and :class:`~trustwarden.model.Skipped` events:
accounts in account-id order, roles within an account in ARN order, so the same estate gives
the same stream. Accounts are scanned on ``workers`` threads; at most ``4 * workers``
finished-but-not-yet-emitted accounts are held, so memory does not grow with the number of
accounts. Nothing here prints; progress goes to a callback on the consumer's thread.

Closing the generator, or an exception (``KeyboardInterrupt``) while it waits, stops the
scan: pending accounts are cancelled and running ones stop at their next page or role.
"""

from __future__ import annotations

import fnmatch
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from trustwarden.errors import ConfigError
from trustwarden.model import Role, RoleResult, Settings, Severity, Skipped, Status
from trustwarden.redact import exception_text
from trustwarden.sources.aws.account import iter_roles
from trustwarden.sources.aws.enrich import Analyzer, enrich_results
from trustwarden.sources.aws.faults import describe, is_aws_failure
from trustwarden.sources.aws.organization import (
    DEFAULT_MEMBER_ROLE,
    Organization,
    member_role_arn,
    read_organization,
)
from trustwarden.sources.aws.session import AwsContext, EventHooks, assume, make_session
from trustwarden.words import counted

DEFAULT_WORKERS = 8
DEFAULT_ENRICH_WORKERS = 8
MAX_WORKERS = 64
_WINDOW_PER_WORKER = 4
_PROGRESS_INTERVAL = 0.2

Event = RoleResult | Skipped


@dataclass(frozen=True, slots=True)
class LiveScanOptions:
    """What to scan and how; mirrors the ``scan`` command's live options."""

    profile: str | None = None
    region: str | None = None
    assume_role_arn: str | None = None
    external_id: str | None = None
    max_attempts: int = 10
    retry_mode: str = "adaptive"
    organization: bool = False
    member_role: str = DEFAULT_MEMBER_ROLE
    trust_organization: bool = False
    accounts: frozenset[str] = frozenset()  # empty: every account
    exclude_accounts: frozenset[str] = frozenset()
    workers: int = DEFAULT_WORKERS
    enrich: bool = False
    enrich_workers: int = DEFAULT_ENRICH_WORKERS
    role_patterns: tuple[str, ...] = ()  # shell-style, case-insensitive; empty: every role

    def validate(self) -> None:
        """Raise :class:`ConfigError` for combinations that make no sense."""
        if not 1 <= self.workers <= MAX_WORKERS:
            raise ConfigError(f"--workers must be between 1 and {MAX_WORKERS}, not {self.workers}")
        if not 1 <= self.enrich_workers <= MAX_WORKERS:
            raise ConfigError(f"enrich workers must be between 1 and {MAX_WORKERS}")
        if self.external_id and not self.assume_role_arn:
            raise ConfigError("--external-id needs --assume-role")
        if not self.organization:
            for flag, given in (
                ("--trust-organization", self.trust_organization),
                ("--accounts", bool(self.accounts)),
                ("--exclude-accounts", bool(self.exclude_accounts)),
            ):
                if given:
                    raise ConfigError(f"{flag} needs --organization")

    def role_filter(self) -> Callable[[str], bool] | None:
        """A role-name predicate for ``role_patterns``, or ``None`` for every role."""
        if not self.role_patterns:
            return None
        patterns = tuple(p.lower() for p in self.role_patterns)
        return lambda name: any(fnmatch.fnmatchcase(name.lower(), p) for p in patterns)


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """A snapshot for progress displays. ``errors`` counts skipped accounts and error roles."""

    accounts_total: int
    accounts_done: int
    roles_seen: int
    errors: int


ProgressCallback = Callable[[ScanProgress], None]


@dataclass
class _Counters:
    total: int
    done: int = 0
    roles: int = 0
    errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *, done: int = 0, roles: int = 0, errors: int = 0) -> None:
        with self.lock:
            self.done += done
            self.roles += roles
            self.errors += errors

    def snapshot(self) -> ScanProgress:
        with self.lock:
            return ScanProgress(self.total, self.done, self.roles, self.errors)


@dataclass(frozen=True, slots=True)
class _Target:
    account_id: str
    role_arn: str | None  # None: scan with the base credentials


def _default_analyzer() -> Analyzer:
    from trustwarden.engine import analyze_role  # noqa: PLC0415 - the engine loads on use

    return analyze_role


def _safe_analyze(analyze: Analyzer, role: Role, settings: Settings) -> RoleResult:
    try:
        return analyze(role, settings)
    except Exception as exc:  # noqa: BLE001 - one bad role never stops the scan
        return RoleResult(
            role=role,
            status=Status.ERROR,
            severity=Severity.MEDIUM,
            error=f"internal error while evaluating: {exception_text(exc)}",
        )


class LiveScan:
    """A prepared live scan. Construction talks to AWS (identity, organisation listing)."""

    def __init__(
        self,
        options: LiveScanOptions,
        settings: Settings | None = None,
        *,
        hooks: EventHooks = (),
        analyze: Analyzer | None = None,
        context: AwsContext | None = None,
    ) -> None:
        options.validate()
        self.options = options
        self.context = context or make_session(
            profile=options.profile,
            assume_role_arn=options.assume_role_arn,
            external_id=options.external_id,
            region=options.region,
            max_attempts=options.max_attempts,
            retry_mode=options.retry_mode,
            hooks=hooks,
        )
        self._analyze = analyze or _default_analyzer()
        base = settings or Settings()
        self.organization: Organization | None = None
        self._planned: list[Skipped] = []
        if options.organization:
            self.organization = read_organization(self.context)
            self._targets = self._plan_organization(self.organization)
            if options.trust_organization:
                base = replace(
                    base,
                    trusted_accounts=base.trusted_accounts | self.organization.account_ids,
                    trusted_orgs=base.trusted_orgs | {self.organization.id},
                )
        else:
            self._targets = [_Target(self.context.account_id, None)]
        self.settings = base

    @property
    def accounts_total(self) -> int:
        """How many accounts the scan will try to enter."""
        return len(self._targets)

    def _plan_organization(self, org: Organization) -> list[_Target]:
        opts = self.options
        known = {a.id: a for a in org.accounts}
        wanted = opts.accounts or frozenset(known)
        targets: list[_Target] = []
        for account_id in sorted(wanted - opts.exclude_accounts):
            account = known.get(account_id)
            what = f"account {account_id}"
            if account is None:
                reason = "not an account of the organization"
                self._planned.append(Skipped(what, reason, account_id))
            elif not account.active:
                reason = f"account status is {account.status}: not scanned"
                self._planned.append(Skipped(what, reason, account_id))
            elif account_id == self.context.account_id:
                targets.append(_Target(account_id, None))
            else:
                arn = member_role_arn(account_id, opts.member_role, self.context.partition)
                targets.append(_Target(account_id, arn))
        return targets

    def events(self, progress: ProgressCallback | None = None) -> Iterator[Event]:
        """Scan and yield events; ``progress`` is called on this thread as work finishes."""
        opts = self.options
        counters = _Counters(total=len(self._targets))
        counters.add(errors=len(self._planned))
        pool = ThreadPoolExecutor(opts.workers, thread_name_prefix="trustwarden-account")
        run = _Run(
            sts=self.context.client("sts"),
            role_filter=opts.role_filter(),
            enrich_pool=(
                ThreadPoolExecutor(opts.enrich_workers, thread_name_prefix="trustwarden-enrich")
                if opts.enrich
                else None
            ),
            counters=counters,
            stop=threading.Event(),
        )
        last: ScanProgress | None = None

        def tick() -> None:
            nonlocal last
            if progress is None:
                return
            now = counters.snapshot()
            if now != last:
                last = now
                progress(now)

        targets = iter(self._targets)
        pending: deque[Future[list[Event]]] = deque()

        def fill() -> None:
            while len(pending) < opts.workers * _WINDOW_PER_WORKER:
                target = next(targets, None)
                if target is None:
                    return
                pending.append(pool.submit(self._scan_account, target, run))

        try:
            tick()
            yield from self._planned
            fill()
            while pending:
                head = pending[0]
                while not wait([head], timeout=_PROGRESS_INTERVAL).done:
                    tick()
                pending.popleft()
                batch = head.result()
                fill()
                tick()
                yield from batch
            tick()
        finally:
            run.stop.set()
            pool.shutdown(wait=False, cancel_futures=True)
            if run.enrich_pool is not None:
                run.enrich_pool.shutdown(wait=False, cancel_futures=True)

    def _safe(self, role: Role, settings: Settings) -> RoleResult:
        return _safe_analyze(self._analyze, role, settings)

    def _scan_account(self, target: _Target, run: _Run) -> list[Event]:
        """Scan one account; every failure becomes a ``Skipped`` event for it."""
        what = f"account {target.account_id}"
        try:
            return self._scan_entered(target, run)
        except _EnterError as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - one account never stops the others
            reason = (
                describe(exc) if is_aws_failure(exc) else f"internal error: {exception_text(exc)}"
            )
        run.counters.add(done=1, errors=1)
        return [Skipped(what, reason, target.account_id)]

    def _scan_entered(self, target: _Target, run: _Run) -> list[Event]:
        if run.stop.is_set():
            return []
        ctx = self.context
        if target.role_arn is not None:
            try:
                ctx = assume(self.context, target.role_arn, sts=run.sts, refreshable=False)
            except Exception as exc:
                if is_aws_failure(exc):
                    raise _EnterError(f"cannot assume {target.role_arn}: {describe(exc)}") from exc
                raise
        results: list[RoleResult] = []
        tail: list[Skipped] = []
        try:
            for role in iter_roles(ctx, role_filter=run.role_filter):
                if run.stop.is_set():
                    return []
                results.append(self._safe(role, self.settings))
                run.counters.add(roles=1)
        except Exception as exc:
            if not is_aws_failure(exc):
                raise
            reason = f"listing roles failed after {counted(len(results), 'role')}: {describe(exc)}"
            tail.append(Skipped(f"account {target.account_id}", reason, target.account_id))
        if run.enrich_pool is not None and results:
            results = enrich_results(
                ctx.client("iam"),
                results,
                self.settings,
                self._safe,
                pool=run.enrich_pool,
                stop=run.stop,
            )
        results.sort(key=lambda r: r.role.arn)
        errors = sum(r.status is Status.ERROR for r in results) + len(tail)
        run.counters.add(done=1, errors=errors)
        return [*results, *tail]


class _EnterError(Exception):
    """An account whose member role could not be assumed (the message is the reason)."""


@dataclass(frozen=True, slots=True)
class _Run:
    """State shared by the workers of one :meth:`LiveScan.events` run."""

    sts: Any  # one STS client of the base session, shared (clients are thread-safe)
    role_filter: Callable[[str], bool] | None
    enrich_pool: ThreadPoolExecutor | None
    counters: _Counters
    stop: threading.Event


def scan_live(
    options: LiveScanOptions,
    settings: Settings | None = None,
    *,
    progress: ProgressCallback | None = None,
    hooks: EventHooks = (),
    analyze: Analyzer | None = None,
) -> Iterator[Event]:
    """Convenience: prepare a :class:`LiveScan` and stream its events."""
    return LiveScan(options, settings, hooks=hooks, analyze=analyze).events(progress)
