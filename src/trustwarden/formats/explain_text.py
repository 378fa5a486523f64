"""The ``explain`` answer for one role, in words.

For each statement: its effect, whether it covers ``sts:AssumeRole``, whom it admits, which of
those are outsiders, what each condition does, and the statement's outcome; then the
findings with their witnesses and fixes. Colour only when the caller asks. Text from the
input is escaped for the terminal (:func:`~trustwarden.formats.escape.escape`) and never read
as rich markup.
"""

from __future__ import annotations

from typing import TextIO

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from trustwarden.formats import RenderOptions
from trustwarden.formats.escape import escape
from trustwarden.formats.evidence_text import evidence_lines
from trustwarden.formats.location import location_text, statement_line
from trustwarden.formats.table import (
    fact_lines,
    plain,
    plain_lines,
    render_console,
    verdict_text,
)
from trustwarden.model import ExplainedStatement, Finding, RoleResult, Settings, Status
from trustwarden.rules import RULES


def render_explanation(
    result: RoleResult,
    stream: TextIO,
    *,
    settings: Settings | None = None,
    options: RenderOptions | None = None,
) -> None:
    """Write the explanation of ``result`` (from ``analyze_role(..., explain=True)``)."""
    options = options or RenderOptions()
    console = render_console(stream, options)
    with console.capture() as captured:
        for part in explanation_parts(result, settings or Settings()):
            console.print(part)
    stream.write("\n".join(line.rstrip() for line in captured.get().splitlines()) + "\n")
    stream.flush()


def explanation_parts(result: RoleResult, settings: Settings) -> list[RenderableType]:
    """The explanation as a list of printable parts, in reading order."""
    role = result.role
    head = Text.assemble("Role ", (escape(role.name), "bold"), escape(f"  {role.arn}"))
    verdict = Text("Verdict: ")
    verdict.append_text(verdict_text(result.status))
    verdict.append(f", severity {result.severity.value}")
    trusted = plain(f"Trusted: its own account {role.account_id}", style="dim")
    others = sorted(settings.trusted_accounts) + sorted(settings.trusted_orgs)
    if others:
        trusted.append(escape("; also " + ", ".join(others)))
    parts: list[RenderableType] = [head, verdict, trusted]
    where = " ".join(x for x in (location_text(result), role.origin.pointer) if x)
    if where:
        parts.append(plain(f"From: {where}", style="dim"))
    parts.extend(plain(f"Role facts: {line}", style="dim") for line in fact_lines(role))
    if result.status is Status.ERROR:
        parts.append(plain(f"Error: {result.error or 'the role could not be evaluated'}"))
    for statement in result.explanation:
        parts.append(Text(""))
        parts.append(_statement(statement, _statement_where(result, statement.label)))
    parts.append(Text(""))
    seen = evidence_lines(result)
    if seen:
        parts.append(Text("Evidence (CloudTrail AssumeRole calls)", style="bold"))
        parts.append(Padding(plain_lines(seen), (0, 0, 0, 2)))
        parts.append(Text(""))
    if result.findings:
        parts.append(Text("Findings", style="bold"))
        parts.extend(_finding(finding) for finding in result.findings)
    else:
        parts.append(Text("No findings: no principal outside the trusted accounts can assume it."))
    return parts


def _grid() -> Table:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style="dim")
    grid.add_column(overflow="fold")
    return grid


def _statement_where(result: RoleResult, label: str | int) -> str | None:
    """``path:line`` of a statement whose line the file gives (templates), else ``None``."""
    if statement_line(result.role.origin, label) is None:
        return None
    return location_text(result, label)


def _statement(statement: ExplainedStatement, where: str | None = None) -> Group:
    label = statement.label
    shown = str(label) if isinstance(label, int) else f'"{label}"'
    title = plain(f"Statement {shown}", style="bold")
    title.append(escape(f" ({statement.effect})"))
    if where:
        title.append(escape(f"  {where}"), style="dim")
    grid = _grid()
    grid.add_row("  covers sts:AssumeRole:", "yes" if statement.covers_assume_role else "no")
    grid.add_row("  admits:", plain_lines(list(statement.admits), empty="nobody"))
    style = "bold" if statement.outsiders else ""
    grid.add_row("  outsiders:", plain_lines(list(statement.outsiders), empty="none", style=style))
    grid.add_row("  conditions:", plain_lines(list(statement.conditions), empty="none"))
    grid.add_row("  outcome:", plain(statement.verdict))
    return Group(title, grid)


def _finding(finding: Finding) -> Group:
    where = "" if finding.statement is None else f", statement {finding.statement}"
    head = Text(finding.code, style="bold")
    head.append(" ")
    head.append_text(verdict_text(finding.status))
    head.append(escape(f"{where}: {finding.message}"))
    grid = _grid()
    if finding.witness is not None:
        grid.add_row("    witness:", plain(finding.witness.describe()))
    for note in finding.notes:
        grid.add_row("    note:", plain(note))
    rule = RULES.get(finding.code)
    if rule is not None:
        grid.add_row("    fix:", plain(rule.remediation))
        grid.add_row("    docs:", plain(f"trustwarden rules {rule.id}"))
    return Group(Padding(head, (0, 0, 0, 2)), grid)


__all__ = ["explanation_parts", "render_explanation"]
