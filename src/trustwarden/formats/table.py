"""The human-readable report (``--format table``): what needs attention first, then a summary.

Triage order: only roles that are not ``pass`` are listed (``show_pass`` lists passes too),
worst severity first, then by account and name; roles whose every finding is suppressed come
after the open ones, and findings already in the baseline are not listed. Below the list: a
summary per account (fail, warn, error, pass, suppressed) and the totals. ``pass`` rows carry
no severity.

Columns: role, verdict, who can get in (with the owner's name for known accounts), why (with
the witness in plain words for fails) and how to fix. Below :data:`NARROW_WIDTH` columns the
table becomes one block per role. Long ARNs are broken only after a ``:`` or ``/``, never
mid-word. Colour only when the caller asks; the environment is not consulted here, so output
is deterministic. Every text from the input goes through
:func:`~trustwarden.formats.escape.escape` here, as rich :class:`~rich.text.Text` (never
markup), so nothing in a report can move the cursor, forge a row or be read as rich markup.

Memory stays small on large estates: sorting needs the listed rows, so only those are kept
(roles that are not ``pass``, few in practice); a ``pass`` is only counted (with
``show_pass``, kept as its account, name, file and line: the file's name is the origin's own
string, shared by every role of that file, not a copy). Rows are rendered in chunks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import TextIO

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from trustwarden.engine.describe import principal_account
from trustwarden.formats import RenderOptions, RunInfo
from trustwarden.formats.escape import escape, escape_all
from trustwarden.formats.evidence_text import evidence_lines
from trustwarden.formats.findings import SEVERITY_ORDER
from trustwarden.formats.location import file_line_text, location_text
from trustwarden.model import Finding, Role, RoleResult, Severity, Skipped, Status
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


def owner_label(principal: str, known: Mapping[str, str]) -> str:
    """``principal (Owner)`` when its account's owner is known, else the principal."""
    account = principal_account(principal)
    owner = known.get(account) if account is not None else None
    return f"{principal} ({owner})" if owner else principal


def break_words(text: str, width: int | None) -> str:
    """``text`` with each word longer than ``width`` broken after a ``:`` or ``/``.

    Rich wraps at spaces and folds a longer word anywhere; breaking an ARN at its own
    separators first keeps every part readable. A part with no separator that is still
    longer than ``width`` is left to fold.
    """
    if width is None or width < 1 or len(text) <= width:
        return text
    return re.sub(rf"\S{{{width + 1},}}", lambda m: _break_word(m.group(), width), text)


_PARTS = re.compile(r"(?<=[:/])")  # split after each separator


def _break_word(word: str, width: int) -> str:
    lines: list[str] = []
    line = ""
    for piece in re.findall(r"[^:/]*[:/]|[^:/]+$", word):
        if line and len(line) + len(piece) > width:
            lines.append(line)
            line = ""
        line += piece
    lines.append(line)
    return "\n".join(lines)


def open_findings(result: RoleResult) -> list[Finding]:
    """The findings the table lists: those not already in the baseline."""
    return [f for f in result.findings if f.code not in result.baseline]


def suppression_text(result: RoleResult, code: str) -> Text | None:
    """``suppressed: <reason> (until <date>)`` for a suppressed finding, else ``None``."""
    mark = result.suppressed.get(code)
    if mark is None:
        return None
    until = f" (until {mark.expires})" if mark.expires else ""
    return plain(f"suppressed: {mark.reason}{until}", style="dim")


def why_lines(result: RoleResult, width: int | None = None) -> list[Text]:
    """Why the role got its verdict: each new finding, the witness for fails, suppressions."""
    if result.status is Status.ERROR and not result.findings:
        return [plain(break_words(result.error or "the role could not be evaluated", width))]
    findings = open_findings(result)
    if not findings:
        return [Text("no outside principal can assume it", style="dim")]
    lines: list[Text] = []
    for finding in findings:
        where = "" if finding.statement is None else f" (statement {finding.statement})"
        message = break_words(escape(f"{where}: {finding.message}"), width)
        lines.append(Text.assemble((finding.code, "bold"), message))
        if finding.witness is not None:
            witness = break_words(escape(f"e.g. {finding.witness.describe()}"), width)
            lines.append(Text(witness, style="italic"))
        lines.extend(plain(f"note: {note}", style="dim") for note in finding.notes)
        mark = suppression_text(result, finding.code)
        if mark is not None:
            lines.append(mark)
    return lines


def fact_lines(role: Role) -> list[str]:
    """What the source knows about the role besides its trust policy (not escaped).

    Last use (or "never used" when IAM was asked and has none), tags, and why the facts
    could not be fetched (``--enrich`` without ``iam:GetRole``, ...).
    """
    facts = role.facts
    lines: list[str] = []
    if facts.last_used:
        where = f" in {facts.last_used_region}" if facts.last_used_region else ""
        lines.append(f"last used {facts.last_used[:10]}{where}")
    elif facts.enriched:
        lines.append("never used (per IAM)")
    if facts.tags:
        lines.append("tags: " + ", ".join(f"{k}={v}" for k, v in facts.tags))
    if facts.enrich_error:
        lines.append(f"facts not fetched: {facts.enrich_error}")
    return lines


def fix_lines(result: RoleResult) -> list[str]:
    """One short fix per distinct finding code (of the findings not in the baseline)."""
    codes = dict.fromkeys(f.code for f in open_findings(result))
    return [short_fix(code) for code in codes]


SUMMARY_COLUMNS = ("fail", "warn", "error", "pass", "suppressed", "baseline")


def summary_text(counts: dict[str, int], skipped: int, *, complete: bool) -> Text:
    """``Scanned N roles: a fail, b warn, c pass, d error; e skipped.``"""
    total = sum(counts[s.value] for s in Status)
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


CHUNK = 100  # rows rendered at a time
# (account id, role name, file, line) of a listed pass; "" and 0 when it has no file or line
PassRow = tuple[str, str, str, int]


def severity_rank(severity: Severity) -> int:
    """Higher is worse."""
    return SEVERITY_ORDER.index(severity)


def triage_key(result: RoleResult) -> tuple[bool, int, str, str]:
    """Open problems first, then worst severity, then account and name."""
    return (
        result.open_status is Status.PASS,
        -severity_rank(result.severity),
        result.role.account_id,
        result.role.name,
    )


class TableReportWriter:
    """Keeps the rows to list (and counts the rest); renders them sorted on close."""

    def __init__(self, stream: TextIO, run: RunInfo, options: RenderOptions | None = None) -> None:
        options = options or RenderOptions()
        self._stream = stream
        self._run = run
        self._known = run.settings.known_accounts
        self._show_pass = options.show_pass
        self._min_severity = options.min_severity
        self._listed: list[RoleResult] = []
        self._passes: list[PassRow] = []
        self._accounts: dict[str, dict[str, int]] = {}
        self._hidden = {"baseline": 0, "severity": 0}
        self._skipped: list[Skipped] = []
        self._closed = False
        self._width = options.width or DEFAULT_WIDTH
        self._color = options.color
        self._console = render_console(stream, options)

    def add_result(self, result: RoleResult) -> None:
        """Count a result; keep it if the table lists it."""
        role = result.role
        counts = self._accounts.get(role.account_id)
        if counts is None:
            counts = self._accounts[role.account_id] = dict.fromkeys(SUMMARY_COLUMNS, 0)
        counts[result.status.value] += 1
        counts["suppressed"] += bool(result.suppressed)
        counts["baseline"] += bool(result.baseline)
        if result.status is Status.PASS:
            if self._show_pass:
                origin = role.origin
                self._passes.append(
                    (role.account_id, role.name, origin.file or "", origin.line or 0)
                )
        elif result.findings and not open_findings(result):
            self._hidden["baseline"] += 1
        elif (
            self._min_severity is not None
            and result.status is not Status.ERROR
            and severity_rank(result.severity) < severity_rank(self._min_severity)
        ):
            self._hidden["severity"] += 1
        else:
            self._listed.append(_slim(result))

    def add_skipped(self, skipped: Skipped) -> None:
        """Keep a skipped item for the list under the table."""
        self._skipped.append(skipped)

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """Render everything. Calling it twice does nothing."""
        del finished_at  # the table shows no timestamps
        if self._closed:
            return
        self._closed = True
        self._listed.sort(key=triage_key)
        self._passes.sort()
        if self._listed or self._passes:
            if self._width < NARROW_WIDTH:
                self._render_blocks()
            else:
                self._render_table()
        self._print(*self._footer(complete=complete))
        self._stream.flush()

    def _print(self, *renderables: object, soft_wrap: bool = False) -> None:
        """Render to text and write it, without rich's padding (noise in files and diffs).

        ``soft_wrap`` for text already cut to the width (rows): rich need not wrap it again.
        """
        console = self._console
        if soft_wrap and not self._color and all(isinstance(r, Text) for r in renderables):
            # Without colour the cut text is its plain characters: skip rich's rendering.
            plain_text = "".join(r.plain + "\n" for r in renderables if isinstance(r, Text))
        else:
            with console.capture() as captured:
                for renderable in renderables:
                    console.print(renderable, soft_wrap=soft_wrap)
            plain_text = captured.get()
        text = "\n".join(line.rstrip() for line in plain_text.splitlines())
        self._stream.write(text + "\n")

    def _rows(self) -> Iterable[RoleResult | PassRow]:
        yield from self._listed
        yield from self._passes

    def _chunks(self) -> Iterable[list[RoleResult | PassRow]]:
        chunk: list[RoleResult | PassRow] = []
        for row in self._rows():
            chunk.append(row)
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _render_blocks(self) -> None:
        width = self._width - _LABEL_WIDTH
        for chunk in self._chunks():
            text = Text("\n").join(_block(row, width, self._known, self._console) for row in chunk)
            self._print(text, soft_wrap=True)

    def _render_table(self) -> None:
        # Rows are laid out here (each cell wrapped to its column with rich's own wrapping)
        # rather than by rich's Table, which measures every cell again and is several times
        # slower on thousands of rows.
        widths = self._column_widths()
        columns = [widths.role, _VERDICT_WIDTH, widths.who, widths.why, widths.fix]
        header = Text(" ").join(
            Text(f" {name.ljust(w)} ", style="bold")
            for name, w in zip(_HEADERS, columns, strict=True)
        )
        self._print(header, Text("─" * self._width), soft_wrap=True)
        for chunk in self._chunks():
            rows = [_row(_cells(row, widths, self._known), columns, self._console) for row in chunk]
            self._print(Text("\n\n").join(rows), soft_wrap=True)
            self._print(Text(""))

    def _column_widths(self) -> _Widths:
        # Explicit column widths: rich sizes columns by their longest word, and ARNs are long
        # words, so left to itself it would crop the table instead of folding the ARNs.
        available = self._width - _TABLE_OVERHEAD
        names = [r.role.name for r in self._listed] + [row[1] for row in self._passes]
        names += [location_text(r) or "" for r in self._listed]  # path:line under the name
        names += [_pass_location(row) or "" for row in self._passes]
        fix_w = _clamp(available // 5, 18, 36)
        role_w = _clamp(max(len(escape(n)) for n in names), 12, available // 6)
        longest = max(
            (
                len(escape(owner_label(p, self._known)))
                for r in self._listed
                for p in who_can_get_in(r)
            ),
            default=1,
        )
        # Room for the longest part between separators of any principal, so none folds.
        part = max(
            (len(w) for r in self._listed for p in who_can_get_in(r) for w in _PARTS.split(p)),
            default=1,
        )
        who_w = max(_clamp(longest, 14, available // 4), min(part, available // 3))
        why_w = available - _VERDICT_WIDTH - fix_w - role_w - who_w
        return _Widths(role=role_w, who=who_w, why=why_w, fix=fix_w)

    def _footer(self, *, complete: bool) -> list[object]:
        parts: list[object] = []
        if self._skipped:
            parts.append(Text("Skipped (could not be audited):", style="bold magenta"))
            parts.extend(plain(f"  {item.what}: {item.reason}") for item in self._skipped)
        trusted = sorted(self._run.settings.trusted_accounts) + sorted(
            self._run.settings.trusted_orgs
        )
        if trusted:
            parts.append(
                plain("Trusted besides each role's own account: " + ", ".join(trusted), style="dim")
            )
        parts.extend(
            plain(note[:1].upper() + note[1:] + ".", style="bold") for note in self._run.notes
        )
        if self._accounts:
            parts.append(self._account_summary())
        totals = dict.fromkeys(SUMMARY_COLUMNS, 0)
        for counts in self._accounts.values():
            for key, n in counts.items():
                totals[key] += n
        notes = self._notes(totals)
        if notes:
            parts.append(Text(notes, style="dim"))
        parts.append(summary_text(totals, len(self._skipped), complete=complete))
        return parts

    def _account_summary(self) -> Table:
        in_baseline = any(c["baseline"] for c in self._accounts.values())
        columns = [c for c in SUMMARY_COLUMNS if c != "baseline" or in_baseline]
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
        table.add_column("Account")
        for column in columns:
            table.add_column(column.capitalize(), justify="right")
        for account in sorted(self._accounts):
            counts = self._accounts[account]
            table.add_row(plain(account), *(str(counts[c]) for c in columns))
        return table

    def _notes(self, totals: Mapping[str, int]) -> str:
        notes: list[str] = []
        if totals["suppressed"]:
            notes.append(f"{totals['suppressed']} with suppressed findings (listed, not counted)")
        if self._hidden["baseline"]:
            notes.append(
                f"{self._hidden['baseline']} with findings only in the baseline (not listed)"
            )
        if self._hidden["severity"]:
            level = self._min_severity.value if self._min_severity else ""
            notes.append(f"{self._hidden['severity']} below severity {level} (not listed)")
        if not self._show_pass and totals[Status.PASS.value]:
            notes.append(f"{totals[Status.PASS.value]} pass not listed (--show-pass lists them)")
        return "; ".join(notes) + "." if notes else ""


def _slim(result: RoleResult) -> RoleResult:
    """``result`` without what the table never shows (the trust document, the permissions,
    the per-statement explanation): kept rows cost a fraction of the whole result.
    """
    role = replace(result.role, trust_document=None, permissions=None)
    return replace(result, role=role, explanation=())


class _Widths:
    __slots__ = ("fix", "role", "who", "why")

    def __init__(self, *, role: int, who: int, why: int, fix: int) -> None:
        self.role, self.who, self.why, self.fix = role, who, why, fix


_VERDICT_WIDTH = len("critical")  # "informational" folds; the engine never gives it
_TABLE_OVERHEAD = 5 * 2 + 4  # one space of padding each side of 5 columns, 4 separators
_LABEL_WIDTH = len("  who:") + 1  # the block's label column and its padding


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(value, high))


_HEADERS = ("Role", "Verdict", "Who can get in", "Why", "How to fix")
Cell = list[Text]


def _wrap(cell: Cell, width: int, console: Console) -> list[Text]:
    """The cell's texts wrapped (and, for words longer than the column, folded) to ``width``."""
    return [line for text in cell for line in text.wrap(console, width, overflow="fold")]


def _row(cells: list[Cell], widths: list[int], console: Console) -> Text:
    """One table row: each cell wrapped to its column, padded by a space each side."""
    wrapped = [_wrap(cell, width, console) for cell, width in zip(cells, widths, strict=True)]
    lines: list[Text] = []
    for i in range(max(len(cell) for cell in wrapped)):
        line = Text()
        for j, (cell, width) in enumerate(zip(wrapped, widths, strict=True)):
            piece = cell[i] if i < len(cell) else Text()
            piece.pad_right(width - piece.cell_len)
            line.append(" " if j else "")
            line.append(" ")
            line.append_text(piece)
            line.append(" ")
        lines.append(line)
    return Text("\n").join(lines)


def _who(result: RoleResult, width: int, known: Mapping[str, str]) -> Text:
    labels = [break_words(escape(owner_label(p, known)), width) for p in who_can_get_in(result)]
    return Text("\n".join(labels) if labels else "-")


def _seen(result: RoleResult) -> list[Text]:
    """The CloudTrail evidence lines of the who-cell (none without ``--evidence``)."""
    return (
        [plain_lines([f"seen {line}" for line in evidence_lines(result)], style="dim")]
        if (result.evidence is not None)
        else []
    )


def _cells(row: RoleResult | PassRow, widths: _Widths, known: Mapping[str, str]) -> list[Cell]:
    if isinstance(row, tuple):
        account, name = row[:2]
        role = Text.assemble((escape(name), "bold"), "\n", (escape(account), "dim"))
        if where := _pass_location(row):
            role.append("\n").append(escape(where), style="dim")
        nobody = Text("no outside principal can assume it", style="dim")
        return [[role], [verdict_text(Status.PASS)], [Text("-")], [nobody], [Text("-")]]
    role = Text.assemble(
        (escape(row.role.name), "bold"), "\n", (escape(row.role.account_id), "dim")
    )
    if where := location_text(row):  # path:line for roles read from files
        role.append("\n").append(escape(where), style="dim")
    for line in fact_lines(row.role):
        role.append("\n" + escape(line), style="dim")
    verdict = verdict_text(row.status)
    verdict.append(f"\n{row.severity.value}", style="dim")
    return [
        [role],
        [verdict],
        [_who(row, widths.who, known), *_seen(row)],
        why_lines(row, widths.why),
        [plain_lines(fix_lines(row), empty="-")],
    ]


def _pass_location(row: PassRow) -> str | None:
    """``path:line`` of a listed pass read from a file."""
    return file_line_text(row[2], row[3])


def _block(
    row: RoleResult | PassRow, width: int, known: Mapping[str, str], console: Console
) -> Text:
    if isinstance(row, tuple):
        account, name = row[:2]
        head = verdict_text(Status.PASS)
        head.append(escape(f"  {name}"), style="bold")
        head.append(escape(f"  {account}"), style="dim")
        if where := _pass_location(row):
            head.append(escape(f"  {where}"), style="dim")
        return Text("\n").join([*head.wrap(console, width + _LABEL_WIDTH, overflow="fold"), Text()])
    head = verdict_text(row.status)
    head.append(escape(f"  {row.role.name}"), style="bold")
    head.append(escape(f"  {row.role.account_id}  {row.severity.value}"), style="dim")
    if where := location_text(row):
        head.append(escape(f"  {where}"), style="dim")
    lines = list(head.wrap(console, width + _LABEL_WIDTH, overflow="fold"))
    parts: list[tuple[str, Cell]] = []
    facts = fact_lines(row.role)
    if facts:
        parts.append((" role:", [plain_lines(facts, style="dim")]))
    if who_can_get_in(row):
        parts.append(("  who:", [_who(row, width, known)]))
    parts.append(("  why:", why_lines(row, width)))
    fixes = fix_lines(row)
    if fixes:
        parts.append(("  fix:", [plain(fix) for fix in fixes]))
    seen = evidence_lines(row)
    if seen:
        parts.append((" seen:", [plain(line) for line in seen]))
    for label, cell in parts:
        for i, line in enumerate(_wrap(cell, width, console)):
            prefix = Text((label if i == 0 else "").ljust(_LABEL_WIDTH), style="dim")
            lines.append(Text.assemble(prefix, line))
    lines.append(Text())
    return Text("\n").join(lines)


__all__ = [
    "NARROW_WIDTH",
    "TableReportWriter",
    "break_words",
    "fact_lines",
    "fix_lines",
    "open_findings",
    "owner_label",
    "plain",
    "plain_lines",
    "short_fix",
    "summary_text",
    "triage_key",
    "verdict_text",
    "who_can_get_in",
    "why_lines",
]
