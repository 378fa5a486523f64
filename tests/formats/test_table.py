"""The table report: columns, verdict colours, narrow layout, no markup injection."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from rich.cells import cell_len

from tests.formats.builders import (
    OUTSIDER,
    error_result,
    fail_result,
    pass_result,
    skipped,
    warn_result,
)
from trustwarden.formats import RenderOptions, RunInfo, render_report
from trustwarden.formats.table import (
    NARROW_WIDTH,
    TableReportWriter,
    fix_lines,
    render_console,
    short_fix,
)
from trustwarden.model import Report, RoleResult, Settings
from trustwarden.rules import RULES

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def render(
    results: tuple[RoleResult, ...],
    *,
    width: int | None = 140,
    color: bool = False,
    settings: Settings | None = None,
    skip: bool = False,
    show_pass: bool = True,
) -> str:
    out = io.StringIO()
    report = Report(results=results, skipped=(skipped(),) if skip else (), tool_version="1")
    render_report(
        report,
        out,
        "table",
        settings=settings,
        options=RenderOptions(color=color, width=width, show_pass=show_pass),
    )
    return out.getvalue()


ALL = (fail_result(), warn_result(), pass_result(), error_result())


def test_wide_table_has_every_column_and_role() -> None:
    text = render(ALL)
    header = text.splitlines()[0]
    for column in ("Role", "Verdict", "Who can get in", "Why", "How to fix"):
        assert column in header
    for word in ("FAIL", "WARN", "PASS", "ERROR", "PartnerAccess", "AnyAccount", "Internal"):
        assert word in text
    assert f"arn:aws:iam::{OUTSIDER}:root" in text
    assert "TW001" in text
    assert "TW005" in text


def test_fail_shows_witness_in_plain_words() -> None:
    text = " ".join(render((fail_result(),), width=300).split())
    witness = fail_result().findings[0].witness
    assert witness is not None
    assert "e.g. " + witness.describe() in text


def test_how_to_fix_uses_short_remediation() -> None:
    both = fail_result()
    both = replace(both, findings=both.findings * 2 + warn_result().findings)
    short = {code: rule.short_fix for code, rule in RULES.items()}
    assert fix_lines(both) == [short["TW001"], short["TW002"]]  # once per code
    text = render((both,), width=NARROW_WIDTH - 1)  # blocks: the fix is on its own lines
    fixes = text[text.index("fix:") :]
    assert " ".join(fixes.split()).startswith("fix: " + short["TW001"])


def test_rows_sorted_by_severity_then_passes_last() -> None:
    text = render(ALL)  # fail high; warn, error medium (account, then name); pass
    positions = [text.index(name) for name in ("PartnerAccess", "AnyAccount", "Broken", "Internal")]
    assert positions == sorted(positions)


def test_summary_line_counts() -> None:
    last = render(ALL, skip=True).splitlines()[-1]
    assert last == "Scanned 4 roles: 1 fail, 1 warn, 1 pass, 1 error; 1 skipped."


def test_skipped_items_are_listed() -> None:
    text = render((pass_result(),), skip=True)
    assert "Skipped (could not be audited):" in text
    assert "account 222233334444: AccessDenied" in text


def test_trusted_accounts_are_shown() -> None:
    text = render((pass_result(),), settings=Settings(frozenset({"444455556666"}), frozenset()))
    assert "444455556666" in text


def test_empty_scan_still_has_a_summary() -> None:
    assert render(()).strip() == "Scanned 0 roles: 0 fail, 0 warn, 0 pass, 0 error."


def test_interrupted_scan_says_partial() -> None:
    out = io.StringIO()
    writer = TableReportWriter(out, RunInfo(tool_version="1"), RenderOptions(width=140))
    writer.add_result(pass_result())
    writer.close(complete=False)
    assert "interrupted" in out.getvalue()
    writer.close()  # idempotent
    assert out.getvalue().count("Scanned") == 1


def test_no_colour_unless_asked() -> None:
    assert not ANSI.search(render(ALL))
    coloured = render(ALL, color=True)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured).split() == render(ALL).split()


# Each environment pulls the other way from the options (wrong width, colour forced or refused).
AGAINST_COLOUR = {"COLUMNS": "40", "NO_COLOR": "1", "TERM": "dumb"}
AGAINST_PLAIN = {"COLUMNS": "40", "FORCE_COLOR": "1", "TERM": "xterm-256color"}


@pytest.mark.parametrize(("color", "env"), [(True, AGAINST_COLOUR), (False, AGAINST_PLAIN)])
def test_console_takes_width_and_colour_from_options_not_environment(
    monkeypatch: pytest.MonkeyPatch, color: bool, env: dict[str, str]
) -> None:
    for name in ("COLUMNS", "NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    console = render_console(io.StringIO(), RenderOptions(color=color, width=90))
    assert console.width == 90
    assert console.color_system == ("standard" if color else None)
    assert console.is_terminal is color


def test_markup_in_data_is_printed_literally() -> None:
    result = fail_result("[bold]Role[/bold]")
    text = render((result,), width=200)
    assert "[bold]Role[/bold]" in text


@pytest.mark.parametrize("width", [40, 60, 80, NARROW_WIDTH - 1, NARROW_WIDTH, 150, 220])
def test_lines_fit_the_width(width: int) -> None:
    text = render(ALL, width=width, skip=True)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    flat = "".join(text.split())
    # nothing is cropped: every principal and witness survives folding
    assert f"arn:aws:iam::{OUTSIDER}:root" in flat
    assert f"arn:aws:iam::{OUTSIDER}:user/attacker" in flat


def test_narrow_terminal_gets_blocks_not_a_table() -> None:
    text = render(ALL, width=80)
    assert "Who can get in" not in text
    assert "who:" in text
    assert "fix:" in text
    assert "FAIL  PartnerAccess" in text


def test_no_trailing_whitespace() -> None:
    for width in (80, 140):
        assert all(line == line.rstrip() for line in render(ALL, width=width).splitlines())


@pytest.mark.parametrize("code", sorted(RULES))
def test_every_rule_has_a_short_fix(code: str) -> None:
    fix = short_fix(code)
    assert fix == RULES[code].short_fix
    assert len(fix) < 120


def test_unknown_rule_points_at_docs() -> None:
    assert "TW999" in short_fix("TW999")
