"""The one scan pipeline: source → selection → engine (memoised) → enrichment → after the
engine (External ID checks, evidence) → marks (suppressions, baseline) → the caller.

A :class:`Source` opens into an :class:`Opened` stream of :class:`~trustwarden.model.Role`
and :class:`~trustwarden.model.Skipped` items. :func:`scan` selects the roles
``Settings.roles`` asks for, evaluates them with the engine's batch API (which memoises
repeated trust documents, for files and live accounts alike), lets the source add facts to
the roles that are not ``pass`` (``--enrich``), adds the External ID findings (TW006-TW009)
and each role's CloudTrail evidence (:mod:`trustwarden.postscan`), marks suppressed and
baseline findings (:mod:`trustwarden.marks`) and yields results and skipped items in input
order. Writers (:mod:`trustwarden.formats`) and the CLI consume that stream; nothing here
prints, reads the clock or exits.

Set-up (credentials, listing an organisation, a missing file) happens when :func:`scan` is
called, so errors surface before any output.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from trustwarden.config import FAIL_ON_VALUES
from trustwarden.errors import ConfigError, ExitCode
from trustwarden.model import Role, RoleResult, Settings, Severity, Skipped, Status
from trustwarden.redact import exception_text
from trustwarden.words import counted

if TYPE_CHECKING:
    from trustwarden.evidence.model import Evidence
    from trustwarden.marks import Marker

Item = Role | Skipped
Event = RoleResult | Skipped
STATUSES = (Status.FAIL, Status.WARN, Status.PASS, Status.ERROR)
ENRICH_WORKERS = 8
ENRICH_WINDOW = 10_000  # events held in order while their facts, or earlier ones, are fetched
MAX_SUGGESTIONS = 5


@dataclass(frozen=True, slots=True)
class Opened:
    """A source ready to stream.

    ``roles`` yields roles and skipped items in input order. ``settings`` are the settings
    to evaluate them with (an organisation source adds its own accounts); ``notes`` are
    one-line facts about the run for the summary (e.g. what was trusted and why).
    ``enrich``, when the source can fetch more facts about a role (``--enrich``), returns the
    role with them; it is called on worker threads for roles that are not ``pass``.
    ``combine``, the last step, may rewrite the results (a template source merges the
    variants of one role into the worst one).
    """

    roles: Iterator[Item]
    settings: Settings
    notes: tuple[str, ...] = ()
    enrich: Callable[[Role], Role] | None = None
    combine: Callable[[Iterator[Event]], Iterator[Event]] | None = None


class Source(Protocol):
    """Where roles come from: files, the sample, a live account, an organisation, IaC.

    ``open`` does the set-up (and raises :class:`~trustwarden.errors.TrustwardenError` for
    what prevents the whole scan) and returns the stream. A role that cannot be read is a
    :class:`~trustwarden.model.Skipped` item in the stream, never an exception.
    """

    def open(self, settings: Settings) -> Opened:
        """Prepare the source and return its stream."""
        ...


@dataclass(frozen=True, slots=True)
class RolesSource:
    """Roles already in hand (built by a caller, e.g. the AWS Config handler), as a source."""

    items: Iterable[Item]

    def open(self, settings: Settings) -> Opened:
        """Stream the items as given."""
        return Opened(roles=iter(self.items), settings=settings)


# --------------------------------------------------------------------------- selection


def is_pattern(text: str) -> bool:
    """Whether a ``--role`` value is a shell pattern: ``*``, ``?`` or a ``[...]`` class."""
    return "*" in text or "?" in text or ("[" in text and "]" in text[text.index("[") :])


class RoleSelector:
    """``--role``: a role name, an ARN or a shell pattern on the name (case-insensitive).

    Names are compared case-insensitively (IAM role names are unique regardless of case in
    an account). Remembers the names it saw so a literal that matched nothing can name the
    closest ones.
    """

    def __init__(self, queries: Iterable[str]) -> None:
        self.queries = tuple(dict.fromkeys(queries))
        self._arns = frozenset(q for q in self.queries if q.startswith("arn:"))
        self._names = frozenset(
            q.lower() for q in self.queries if not q.startswith("arn:") and not is_pattern(q)
        )
        self._patterns = tuple(q.lower() for q in self.queries if is_pattern(q))
        self._matched: set[str] = set()
        self._seen: dict[str, None] = {}

    def __bool__(self) -> bool:
        return bool(self.queries)

    def matches(self, role: Role) -> bool:
        """Whether ``role`` is selected (every role when there are no queries)."""
        return self.matches_name(role.name, role.arn)

    def matches_name(self, name: str, arn: str) -> bool:
        """Whether the role called ``name`` with ``arn`` is selected."""
        if not self.queries:
            return True
        folded = name.lower()
        if self._names or self._arns:
            self._seen.setdefault(name, None)
        hit = False
        if arn in self._arns:
            self._matched.add(arn)
            hit = True
        if folded in self._names:
            self._matched.add(folded)
            hit = True
        return hit or any(folded == p or fnmatch.fnmatchcase(folded, p) for p in self._patterns)

    def unmatched(self) -> list[str]:
        """The literal names and ARNs that matched no role (patterns may match nothing)."""
        return [
            q
            for q in self.queries
            if not is_pattern(q) and (q if q.startswith("arn:") else q.lower()) not in self._matched
        ]

    def closest(self, query: str) -> list[str]:
        """Role names seen that look like ``query`` (a name, or an ARN's name part)."""
        wanted = query.rsplit("/", 1)[-1] if query.startswith("arn:") else query
        return difflib.get_close_matches(wanted, list(self._seen), n=MAX_SUGGESTIONS, cutoff=0.6)

    def detail(self, query: str) -> str:
        """``closest: a, b`` (or how many names were seen) for a literal that matched nothing."""
        close = self.closest(query)
        if close:
            return f"closest: {', '.join(close)}"
        return f"{counted(len(self._seen), 'role name')} seen, none similar"


def select(items: Iterable[Item], selector: RoleSelector) -> Iterable[Item]:
    """The selected roles and every skipped item; then a :class:`Skipped` item per literal
    ``--role`` that matched nothing (so it is reported and exits 2, with the closest names).
    """
    if not selector:
        return items
    return _selected(items, selector)


def _selected(items: Iterable[Item], selector: RoleSelector) -> Iterator[Item]:
    for item in items:
        if isinstance(item, Skipped) or selector.matches(item):
            yield item
    for query in selector.unmatched():
        yield Skipped(what=f"--role {query}", reason=f"matches no role ({selector.detail(query)})")


def read_roles(source: Source, settings: Settings) -> tuple[Iterator[Item], Opened]:
    """Open ``source`` and select the roles ``settings.roles`` names (for ``fix``)."""
    opened = source.open(settings)
    return iter(select(opened.roles, RoleSelector(settings.roles))), opened


def find_role(items: Iterable[Item], query: str) -> tuple[Role, list[Skipped]]:
    """The one role whose name or ARN is ``query`` (or that the pattern ``query`` matches);
    an exact-case name wins over names that differ only in case.

    Raises :class:`ConfigError` (exit 2) when none matches, naming the closest names, or when
    more than one does, naming them.
    """
    selector = RoleSelector([query])
    matches: list[Role] = []
    skipped: list[Skipped] = []
    for item in items:
        if isinstance(item, Skipped):
            skipped.append(item)
        elif selector.matches(item):
            matches.append(item)
    exact = [r for r in matches if query in (r.name, r.arn)]
    if len(exact) == 1:  # "Admin" over "admin" (another account), when both match
        return exact[0], skipped
    if len(matches) == 1:
        return matches[0], skipped
    if matches:
        arns = ", ".join(r.arn for r in matches[:MAX_SUGGESTIONS])
        more = len(matches) - MAX_SUGGESTIONS
        tail = f" and {more} more" if more > 0 else ""
        raise ConfigError(
            f"{query!r} matches {len(matches)} roles: {arns}{tail}", hint="give the role's ARN"
        )
    hint = None
    if skipped:
        hint = (
            f"{counted(len(skipped), 'item')} of the input could not be read; "
            "the role may be among them"
        )
    raise ConfigError(f"no role {query!r} ({selector.detail(query)})", hint=hint)


def find_role_variants(items: Iterable[Item], query: str) -> tuple[list[Role], list[Skipped]]:
    """:func:`find_role` for templates: the variants of the one role ``query`` names.

    A template role the reader cannot decide comes as several variants (``origin.variant``)
    with the same name and place; they are one role here, returned in input order.
    """
    groups: dict[tuple[object, ...], list[Role]] = {}
    firsts: list[Item] = []
    for item in items:
        if isinstance(item, Skipped):
            firsts.append(item)
            continue
        key = item.variant_of or (id(item),)
        if key not in groups:
            groups[key] = []
            firsts.append(item)
        groups[key].append(item)
    role, skipped = find_role(firsts, query)
    for variants in groups.values():
        if variants[0] is role:
            return variants, skipped
    return [role], skipped  # pragma: no cover - find_role returns one of the firsts


# --------------------------------------------------------------------------- the scan


def exit_code(counts: Mapping[str, int], skipped: int, fail_on: str) -> ExitCode:
    """The documented exit code for a finished scan.

    2 when any role could not be evaluated or anything was skipped (whatever ``fail_on``
    says), else 1 when a role's verdict is at or above ``fail_on``, else 0.
    """
    if counts.get(Status.ERROR.value, 0) or skipped:
        return ExitCode.USAGE
    if fail_on not in FAIL_ON_VALUES:
        raise ConfigError(f"fail_on must be one of {', '.join(FAIL_ON_VALUES)}, not {fail_on!r}")
    if fail_on == "never":
        return ExitCode.OK
    threshold = Status(fail_on).rank
    for status in (Status.FAIL, Status.WARN):
        if status.rank >= threshold and counts.get(status.value, 0):
            return ExitCode.FINDINGS
    return ExitCode.OK


@dataclass
class Scan(Iterator[Event]):
    """A running scan: iterate it for results and skipped items, in input order.

    ``settings`` are those the roles are evaluated with; ``counts``/``skipped`` grow as the
    stream is consumed (a result counts by its
    :attr:`~trustwarden.model.RoleResult.open_status`: suppressed and baseline findings do
    not count), and :meth:`exit_code` gives the documented exit code at the end.
    :meth:`close` stops the source (a live scan's workers stop at their next call).
    """

    settings: Settings
    notes: tuple[str, ...]
    _events: Iterator[Event]
    counts: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in STATUSES})
    skipped: int = 0

    def __next__(self) -> Event:
        event = next(self._events)
        if isinstance(event, Skipped):
            self.skipped += 1
        else:
            self.counts[event.open_status.value] += 1
        return event

    def close(self) -> None:
        """Stop the scan and release the source."""
        close = getattr(self._events, "close", None)
        if callable(close):
            close()

    def exit_code(self) -> ExitCode:
        """The exit code for what was consumed (see :func:`exit_code`)."""
        return exit_code(self.counts, self.skipped, self.settings.fail_on)


def scan(
    source: Source,
    settings: Settings | None = None,
    *,
    evidence: Evidence | None = None,
    markers: Sequence[Marker] = (),
) -> Scan:
    """Scan ``source`` with ``settings``: results and skipped items, in input order.

    ``evidence`` (CloudTrail calls) is attached to each result; ``markers`` (suppressions,
    a baseline: :func:`trustwarden.marks.build_markers`) mark findings that do not count.
    The source is opened now (set-up errors raise here); the roles are read, evaluated and
    enriched as the returned :class:`Scan` is iterated.
    """
    settings = settings or Settings()
    opened = source.open(settings)
    return Scan(
        settings=opened.settings,
        notes=opened.notes,
        _events=_events(opened, RoleSelector(settings.roles), evidence, markers),
    )


def _events(
    opened: Opened,
    selector: RoleSelector,
    evidence: Evidence | None,
    markers: Sequence[Marker],
) -> Iterator[Event]:
    from trustwarden.marks import mark_events  # noqa: PLC0415
    from trustwarden.postscan import after_engine  # noqa: PLC0415

    try:
        events = analyze(select(opened.roles, selector), opened.settings)
        if opened.enrich is not None:
            events = enrich(events, opened.enrich)
        if opened.combine is not None:
            events = opened.combine(events)
        events = after_engine(events, evidence)
        if markers:
            events = mark_events(events, markers)
        yield from events
    finally:
        close = getattr(opened.roles, "close", None)
        if callable(close):
            close()


def analyze(items: Iterable[Item], settings: Settings) -> Iterator[Event]:
    """Evaluate the roles of a ``Role | Skipped`` stream, passing skipped items through.

    Uses the engine's batch API (which memoises repeated documents); skipped items come out
    in the order the engine pulls them, before the results of later roles. A bug in the
    engine on one role makes that role an ``error`` result and the others are still
    evaluated; an exception from the source itself propagates.
    """
    from trustwarden.engine import analyze_roles  # noqa: PLC0415 - the engine loads on use

    source = iter(items)
    held: deque[Skipped] = deque()
    current: list[Role | None] = [None]  # the role the engine pulled and has not answered

    def roles() -> Iterator[Role]:
        try:
            for item in source:
                if isinstance(item, Skipped):
                    held.append(item)
                else:
                    current[0] = item
                    yield item
        except Exception as exc:
            raise _SourceError(exc) from exc

    while True:
        try:
            for result in analyze_roles(roles(), settings):
                current[0] = None
                while held:
                    yield held.popleft()
                yield result
        except _SourceError as exc:
            raise exc.error from exc.error.__cause__
        except Exception as exc:
            failed = current[0]
            if failed is None:
                raise
            current[0] = None
            while held:
                yield held.popleft()
            yield _internal_error(failed, exc)
            continue  # a fresh engine run for the rest of the source
        break
    yield from held


class _SourceError(Exception):
    """An exception from the source itself (not the engine): it propagates unchanged."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _internal_error(role: Role, exc: Exception) -> RoleResult:
    return RoleResult(
        role=role,
        status=Status.ERROR,
        severity=Severity.MEDIUM,
        error=f"internal error while evaluating: {exception_text(exc)}",
    )


def needs_enrichment(result: RoleResult) -> bool:
    """Only roles with something to report are worth extra calls."""
    return result.status is not Status.PASS


def enrich(
    events: Iterable[Event], fetch: Callable[[Role], Role], *, workers: int = ENRICH_WORKERS
) -> Iterator[Event]:
    """Add the facts ``fetch`` returns to results that are not ``pass``, in order.

    The verdict is kept (the trust policy did not change); only the severity is refreshed
    from the role's permissions and the findings' rules, without a second search. ``fetch``
    runs on ``workers`` threads with at most ``4 * workers`` calls pending; the events
    between them wait in order (at most :data:`ENRICH_WINDOW`).
    """
    from trustwarden.engine.severity import role_severity  # noqa: PLC0415
    from trustwarden.rules.catalog import result_severity  # noqa: PLC0415

    window: deque[tuple[Event, Future[Role] | None]] = deque()
    pending = 0
    pool = ThreadPoolExecutor(workers, thread_name_prefix="trustwarden-enrich")

    def finish(event: Event, future: Future[Role] | None) -> Event:
        if future is None or not isinstance(event, RoleResult):
            return event
        role = future.result()
        codes = (f.code for f in event.findings)
        return replace(event, role=role, severity=result_severity(codes, role_severity(role)))

    try:
        for event in events:
            future = None
            if isinstance(event, RoleResult) and needs_enrichment(event):
                future = pool.submit(fetch, event.role)
                pending += 1
            window.append((event, future))
            while window and (
                pending > 4 * workers or len(window) > ENRICH_WINDOW or _ready(window[0][1])
            ):
                head, head_future = window.popleft()
                if head_future is not None:
                    pending -= 1
                yield finish(head, head_future)
        while window:
            yield finish(*window.popleft())
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _ready(future: Future[Role] | None) -> bool:
    return future is None or future.done()


__all__ = [
    "FAIL_ON_VALUES",
    "Event",
    "Item",
    "Opened",
    "RoleSelector",
    "RolesSource",
    "Scan",
    "Source",
    "analyze",
    "enrich",
    "exit_code",
    "find_role",
    "is_pattern",
    "read_roles",
    "scan",
    "select",
]
