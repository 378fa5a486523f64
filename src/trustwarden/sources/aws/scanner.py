"""Live sources: one account (:class:`AccountSource`) or an organisation
(:class:`OrganizationSource`), as streams of roles for :func:`trustwarden.pipeline.scan`.

``open`` does the set-up eagerly (credentials, organisation listing, trusted accounts), so
access errors surface before any output. The stream then yields
:class:`~trustwarden.model.Role` and :class:`~trustwarden.model.Skipped` items: accounts in
account-id order, roles within an account in ARN order, so the same estate gives the same
stream. The engine runs in the pipeline, not here. Accounts are scanned on ``workers``
threads; at most ``4 * workers`` finished-but-not-yet-emitted accounts are held, so memory
does not grow with the number of accounts. Nothing here prints; progress goes to a callback
on the consumer's thread.

Closing the generator, or an exception (``KeyboardInterrupt``) while it waits, stops the
scan: pending accounts are cancelled and running ones stop at their next page or role.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from trustwarden.aws.faults import describe, is_aws_failure
from trustwarden.aws.options import DEFAULT_MEMBER_ROLE, DEFAULT_WORKERS, MAX_WORKERS, AwsOptions
from trustwarden.aws.session import AwsContext, EventHooks, assume
from trustwarden.errors import ConfigError
from trustwarden.model import Role, Settings, Skipped
from trustwarden.pipeline import Item, Opened
from trustwarden.redact import exception_text
from trustwarden.sources.aws.account import iter_roles
from trustwarden.sources.aws.enrich import PolicyDocuments, fetch_facts
from trustwarden.sources.aws.organization import (
    Organization,
    member_role_arn,
    read_organization,
)
from trustwarden.words import counted

_WINDOW_PER_WORKER = 4
_PROGRESS_INTERVAL = 0.2


@dataclass(frozen=True, slots=True)
class ScanProgress:
    """A snapshot for progress displays. ``errors`` counts accounts that were skipped."""

    accounts_total: int
    accounts_done: int
    roles_seen: int
    errors: int


ProgressCallback = Callable[[ScanProgress], None]


@dataclass(frozen=True, slots=True)
class AccountSource:
    """The roles of the account of the current credentials (``trustwarden scan``).

    ``env`` supplies ``AWS_MAX_ATTEMPTS``/``AWS_RETRY_MODE`` when ``aws`` leaves them unset;
    ``context`` is an already connected account (then ``aws`` is not used); ``hooks`` are
    botocore event handlers (call counters, fault injection). ``enrich`` fetches last use,
    tags and permissions for the roles that are not ``pass``.
    """

    aws: AwsOptions = field(default_factory=AwsOptions)
    enrich: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    hooks: EventHooks = ()
    context: AwsContext | None = None

    def connect(self) -> AwsContext:
        """The account's context (connects unless one was given)."""
        return self.context or self.aws.connect(self.env, hooks=self.hooks)

    def open(self, settings: Settings) -> Opened:
        """Connect (errors: :class:`~trustwarden.errors.AwsAccessError`, exit 3) and stream."""
        ctx = self.connect()
        live = _LiveRun(ctx, [_Target(ctx.account_id, None)], workers=1)
        return Opened(
            roles=live.items(),
            settings=settings,
            enrich=live.enricher() if self.enrich else None,
        )


@dataclass(frozen=True, slots=True)
class OrganizationSource:
    """Every active account of the AWS Organization, entered through ``member_role``.

    Run from the management account or a delegated administrator. ``accounts`` (empty:
    all) and ``exclude_accounts`` choose members; ``workers`` accounts are scanned at once.
    With ``trust_organization`` (the default) the organisation's own accounts and its org ID
    are trusted: they are not third parties, so e.g. ``OrganizationAccountAccessRole`` is not
    a finding; the run's notes say so. ``progress`` is called on the consumer's thread.
    """

    aws: AwsOptions = field(default_factory=AwsOptions)
    member_role: str = DEFAULT_MEMBER_ROLE
    accounts: frozenset[str] = frozenset()
    exclude_accounts: frozenset[str] = frozenset()
    workers: int = DEFAULT_WORKERS
    trust_organization: bool = True
    enrich: bool = False
    env: Mapping[str, str] = field(default_factory=dict)
    hooks: EventHooks = ()
    context: AwsContext | None = None
    progress: ProgressCallback | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` for values that make no sense."""
        if not 1 <= self.workers <= MAX_WORKERS:
            raise ConfigError(f"--workers must be between 1 and {MAX_WORKERS}, not {self.workers}")

    def open(self, settings: Settings) -> Opened:
        """Connect, list the organisation, plan the accounts; then stream their roles."""
        self.validate()
        ctx = self.context or self.aws.connect(self.env, hooks=self.hooks)
        org = read_organization(ctx)
        targets, planned = self._plan(org, ctx)
        notes: tuple[str, ...] = ()
        if self.trust_organization:
            settings = replace(
                settings,
                trusted_accounts=settings.trusted_accounts | org.account_ids,
                trusted_orgs=settings.trusted_orgs | {org.id},
            )
            n = len(org.account_ids)
            notes = (
                f"trusted the organization {org.id} and its {n} account{'' if n == 1 else 's'} "
                "(--no-trust-organization to judge them as outsiders)",
            )
        live = _LiveRun(ctx, targets, workers=self.workers, planned=planned)
        return Opened(
            roles=live.items(self.progress),
            settings=settings,
            notes=notes,
            enrich=live.enricher() if self.enrich else None,
        )

    def _plan(self, org: Organization, ctx: AwsContext) -> tuple[list[_Target], list[Skipped]]:
        known = {a.id: a for a in org.accounts}
        wanted = self.accounts or frozenset(known)
        targets: list[_Target] = []
        planned: list[Skipped] = []
        for account_id in sorted(wanted - self.exclude_accounts):
            account = known.get(account_id)
            what = f"account {account_id}"
            if account is None:
                planned.append(Skipped(what, "not an account of the organization", account_id))
            elif not account.active:
                reason = f"account status is {account.status}: not scanned"
                planned.append(Skipped(what, reason, account_id))
            elif account_id == ctx.account_id:
                targets.append(_Target(account_id, None))
            else:
                arn = member_role_arn(account_id, self.member_role, ctx.partition)
                targets.append(_Target(account_id, arn))
        return targets, planned


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


class _EnterError(Exception):
    """An account whose member role could not be assumed (the message is the reason)."""


class _LiveRun:
    """Accounts scanned on worker threads; contexts kept for enrichment."""

    def __init__(
        self,
        ctx: AwsContext,
        targets: list[_Target],
        *,
        workers: int,
        planned: list[Skipped] | None = None,
    ) -> None:
        self.ctx = ctx
        self.targets = targets
        self.workers = workers
        self.planned = planned or []
        self.counters = _Counters(total=len(targets))
        self.stop = threading.Event()
        self._sts: Any = None
        self._contexts: dict[str, AwsContext] = {}
        self._clients: dict[str, tuple[Any, PolicyDocuments]] = {}
        self._lock = threading.Lock()

    def items(self, progress: ProgressCallback | None = None) -> Iterator[Item]:
        """Scan and yield roles and skipped accounts; ``progress`` runs on this thread."""
        counters = self.counters
        counters.add(errors=len(self.planned))
        self._sts = self.ctx.client("sts")
        pool = ThreadPoolExecutor(self.workers, thread_name_prefix="trustwarden-account")
        last: ScanProgress | None = None

        def tick() -> None:
            nonlocal last
            if progress is None:
                return
            now = counters.snapshot()
            if now != last:
                last = now
                progress(now)

        targets = iter(self.targets)
        pending: deque[Future[list[Item]]] = deque()

        def fill() -> None:
            while len(pending) < self.workers * _WINDOW_PER_WORKER:
                target = next(targets, None)
                if target is None:
                    return
                pending.append(pool.submit(self._scan_account, target))

        finished = False
        try:
            tick()
            yield from self.planned
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
            finished = True
        finally:
            if not finished:  # closed or interrupted: workers and enrichment stop
                self.stop.set()
            pool.shutdown(wait=False, cancel_futures=True)

    def _scan_account(self, target: _Target) -> list[Item]:
        """One account's roles, sorted by ARN; every failure becomes a ``Skipped`` item."""
        what = f"account {target.account_id}"
        try:
            return self._scan_entered(target)
        except _EnterError as exc:
            reason = str(exc)
        except Exception as exc:  # noqa: BLE001 - one account never stops the others
            reason = (
                describe(exc) if is_aws_failure(exc) else f"internal error: {exception_text(exc)}"
            )
        self.counters.add(done=1, errors=1)
        return [Skipped(what, reason, target.account_id)]

    def _scan_entered(self, target: _Target) -> list[Item]:
        if self.stop.is_set():
            return []
        ctx = self.ctx
        if target.role_arn is not None:
            try:
                ctx = assume(self.ctx, target.role_arn, sts=self._sts, refreshable=False)
            except Exception as exc:
                if is_aws_failure(exc):
                    raise _EnterError(f"cannot assume {target.role_arn}: {describe(exc)}") from exc
                raise
        with self._lock:
            self._contexts[target.account_id] = ctx
        roles: list[Role] = []
        tail: list[Skipped] = []
        try:
            for role in iter_roles(ctx):
                if self.stop.is_set():
                    return []
                roles.append(role)
                self.counters.add(roles=1)
        except Exception as exc:
            if not is_aws_failure(exc):
                raise
            reason = f"listing roles failed after {counted(len(roles), 'role')}: {describe(exc)}"
            tail.append(Skipped(f"account {target.account_id}", reason, target.account_id))
        roles.sort(key=lambda r: r.arn)
        self.counters.add(done=1, errors=len(tail))
        return [*roles, *tail]

    def enricher(self) -> Callable[[Role], Role]:
        """Fetch one role's facts with its account's context (thread-safe)."""

        def fetch(role: Role) -> Role:
            if self.stop.is_set():
                return role
            with self._lock:
                client = self._clients.get(role.account_id)
                if client is None:
                    ctx = self._contexts.get(role.account_id, self.ctx)
                    iam = ctx.client("iam")
                    client = self._clients[role.account_id] = (iam, PolicyDocuments(iam))
            iam, documents = client
            return fetch_facts(iam, role, documents)

        return fetch


__all__ = [
    "DEFAULT_WORKERS",
    "MAX_WORKERS",
    "AccountSource",
    "OrganizationSource",
    "ProgressCallback",
    "ScanProgress",
]
