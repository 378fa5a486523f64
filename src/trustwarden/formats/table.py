"""The human-readable report (``--format table``): one row per role, then a summary line.

Columns: role, verdict, who can get in, why (with the witness in plain words for fails) and
how to fix. Below :data:`NARROW_WIDTH` columns the table becomes one block per role, which
reads better than a squeezed table. Colour only when the caller asks (a terminal without
``NO_COLOR``); the environment is not consulted here, so output is deterministic. Every text
from the input goes through :func:`~trustwarden.formats.escape.escape` here, as rich
:class:`~rich.text.Text` (never markup), so nothing in a report can move the cursor, forge a
row or be read as rich markup.

The table needs every row before it can size its columns, so this writer buffers results;
use ``--format json`` for very large scans.
"""

from __future__ import annotations

from typing import TextIO

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from trustwarden.formats import RenderOptions, RunInfo
from trustwarden.formats.escape import escape, escape_all
from trustwarden.model import RoleResult, Skipped, Status
from trustwarden.rules import RULES
from trustwarden.words import counted

NARROW_WIDTH = 140  # below this, one block per role instead of a table
DEFAULT_WIDTH = 120  # when the caller does not know the width (a file, a pipe): blocks

STATUS_STYLES = {
    Status.FAIL: "bold red",
    Status.WARN: "bold yellow",
    Status.PASS: "green",
    Status.ERROR: "bold magenta",
}


def short_fix(code: str) -> str:
    """The one-line remediation of a rule id, from the rule catalog."""
    rule = RULES.get(code)
    return rule.short_fix if rule is not None else f"See the documentation of {code}"


def verdict_text(status: Status) -> Text:
    """The verdict word, styled."""
    return Text(status.value.upper(), style=STATUS_STYLES[status])


def plain(text: str, style: str = "") -> Text:
    """Text from the input (or holding some), escaped for the terminal, never read as markup."""
    return Text(escape(text), style=style)


def plain_lines(items: list[str], *, empty: str = "", style: str = "") -> Text:
    """One escaped item per line (``empty`` when there is none)."""
    return Text("\n".join(escape_all(items)) if items else empty, style=style)


def who_can_get_in(result: RoleResult) -> list[str]:
    """The principals the findings name, first-seen order, without repeats (not escaped)."""
    seen: dict[str, None] = {}
    for finding in result.findings:
        for principal in finding.principals:
            seen.setdefault(principal, None)
    return list(seen)


def why_lines(result: RoleResult) -> list[Text]:
    """Why the role got its verdict: each finding, and the witness for fails."""
    if result.status is Status.ERROR and not result.findings:
        return [plain(result.error or "the role could not be evaluated")]
    if not result.findings:
        return [Text("no outside principal can assume it", style="dim")]
    lines: list[Text] = []
    for finding in result.findings:
        where = "" if finding.statement is None else f" (statement {finding.statement})"
        lines.append(Text.assemble((finding.code, "bold"), escape(f"{where}: {finding.message}")))
        if finding.witness is not None:
            lines.append(plain(f"e.g. {finding.witness.describe()}", style="italic"))
        lines.extend(plain(f"note: {note}", style="dim") for note in finding.notes)
    return lines


def fix_lines(result: RoleResult) -> list[str]:
    """One short fix per distinct finding code."""
    codes = dict.fromkeys(f.code for f in result.findings)
    return [short_fix(code) for code in codes]


def summary_text(counts: dict[str, int], skipped: int, *, complete: bool) -> Text:
    """``Scanned N roles: a fail, b warn, c pass, d error; e skipped.``"""
    total = sum(counts.values())
    text = Text(f"Scanned {counted(total, 'role')}: ")
    for i, status in enumerate((Status.FAIL, Status.WARN, Status.PASS, Status.ERROR)):
        if i:
            text.append(", ")
        n = counts[status.value]
        text.append(f"{n} {status.value}", style=STATUS_STYLES[status] if n else "")
    if skipped:
        text.append(f"; {skipped} skipped", style="bold magenta")
    text.append(".")
    if not complete:
        text.append(" The scan was interrupted: these results are partial.", style="bold")
    return text


def render_console(stream: TextIO, options: RenderOptions) -> Console:
    """A rich console on ``stream`` whose width and colour come from ``options`` only.

    The process environment (``COLUMNS``, ``NO_COLOR``, ``TERM``...) is never consulted, so the
    output depends on the options alone.
    """
    return Console(
        file=stream,
        width=options.width or DEFAULT_WIDTH,
        color_system="standard" if options.color else None,
        force_terminal=options.color,
        no_color=not options.color,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=False,
        _environ={},
    )


class TableReportWriter:
    """Buffers results and renders them as a table (or blocks, when narrow) on close."""

    def __init__(self, stream: TextIO, run: RunInfo, options: RenderOptions | None = None) -> None:
        options = options or RenderOptions()
        self._stream = stream
        self._run = run
        self._results: list[RoleResult] = []
        self._skipped: list[Skipped] = []
        self._closed = False
        self._width = options.width or DEFAULT_WIDTH
        self._console = render_console(stream, options)

    def add_result(self, result: RoleResult) -> None:
        """Keep a result for the table."""
        self._results.append(result)

    def add_skipped(self, skipped: Skipped) -> None:
        """Keep a skipped item for the list under the table."""
        self._skipped.append(skipped)

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """Render everything. Calling it twice does nothing."""
        del finished_at  # the table shows no timestamps
        if self._closed:
            return
        self._closed = True
        console = self._console
        with console.capture() as captured:
            self._render(console, complete=complete)
        # Padding that rich adds to fill the width is noise in files and diffs.
        text = "\n".join(line.rstrip() for line in captured.get().splitlines())
        self._stream.write(text + "\n")
        self._stream.flush()

    def _render(self, console: Console, *, complete: bool) -> None:
        if self._results:
            if self._width < NARROW_WIDTH:
                for result in self._results:
                    console.print(_block(result))
            else:
                console.print(_table(self._results, self._width))
                console.print()
        if self._skipped:
            console.print(Text("Skipped (could not be audited):", style="bold magenta"))
            for item in self._skipped:
                console.print(plain(f"  {item.what}: {item.reason}"))
        trusted = sorted(self._run.settings.trusted_accounts) + sorted(
            self._run.settings.trusted_orgs
        )
        if trusted:
            console.print(
                plain("Trusted besides each role's own account: " + ", ".join(trusted), style="dim")
            )
        counts = {s.value: 0 for s in (Status.FAIL, Status.WARN, Status.PASS, Status.ERROR)}
        for result in self._results:
            counts[result.status.value] += 1
        console.print(summary_text(counts, len(self._skipped), complete=complete))


def _table(results: list[RoleResult], width: int) -> Table:
    # Explicit column widths: rich sizes columns by their longest word, and ARNs are long
    # words, so left to itself it would crop the table instead of folding the ARNs.
    available = width - _TABLE_OVERHEAD
    fix_w = _clamp(available // 5, 18, 36)
    role_w = _clamp(max(len(escape(r.role.name)) for r in results), 12, available // 6)
    longest = max((len(escape(p)) for r in results for p in who_can_get_in(r)), default=1)
    who_w = _clamp(longest, 14, available // 4)
    why_w = available - _VERDICT_WIDTH - fix_w - role_w - who_w
    table = Table(box=box.SIMPLE_HEAD, show_lines=True, show_edge=False)
    table.add_column("Role", overflow="fold", width=role_w)
    table.add_column("Verdict", overflow="fold", width=_VERDICT_WIDTH)
    table.add_column("Who can get in", overflow="fold", width=who_w)
    table.add_column("Why", overflow="fold", width=why_w)
    table.add_column("How to fix", overflow="fold", width=fix_w)
    for result in results:
        role = Text.assemble(
            (escape(result.role.name), "bold"), "\n", (escape(result.role.account_id), "dim")
        )
        verdict = verdict_text(result.status)
        verdict.append(f"\n{result.severity.value}", style="dim")
        table.add_row(
            role,
            verdict,
            plain_lines(who_can_get_in(result), empty="-"),
            Group(*why_lines(result)),
            plain_lines(fix_lines(result), empty="-"),
        )
    return table


_VERDICT_WIDTH = len("critical")  # "informational" folds; the engine never gives it
_TABLE_OVERHEAD = 5 * 2 + 4  # one space of padding each side of 5 columns, 4 separators


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


def _block(result: RoleResult) -> Group:
    head = verdict_text(result.status)
    head.append(escape(f"  {result.role.name}"), style="bold")
    head.append(escape(f"  {result.role.account_id}  {result.severity.value}"), style="dim")
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(overflow="fold")
    who = who_can_get_in(result)
    if who:
        grid.add_row("  who:", plain_lines(who))
    for i, line in enumerate(why_lines(result)):
        grid.add_row("  why:" if i == 0 else "", line)
    for i, fix in enumerate(fix_lines(result)):
        grid.add_row("  fix:" if i == 0 else "", plain(fix))
    return Group(head, grid, Text(""))


__all__ = [
    "NARROW_WIDTH",
    "TableReportWriter",
    "fix_lines",
    "plain",
    "plain_lines",
    "short_fix",
    "summary_text",
    "verdict_text",
    "who_can_get_in",
    "why_lines",
]
