"""The table as a triage list: what is listed, in which order, and the per-account summary."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest

from tests.formats.builders import (
    OUTSIDER,
    error_result,
    fail_result,
    pass_result,
    role,
    warn_result,
)
from trustwarden.formats import RenderOptions, RunInfo
from trustwarden.formats.table import TableReportWriter, break_words
from trustwarden.model import RoleResult, Settings, Severity, Suppression

OTHER = "444455556666"


def in_account(result: RoleResult, account: str) -> RoleResult:
    return replace(result, role=role(result.role.name, account))


def render(
    *results: RoleResult, width: int = 160, settings: Settings | None = None, **options: object
) -> str:
    out = io.StringIO()
    writer = TableReportWriter(
        out,
        RunInfo(tool_version="1", settings=settings or Settings()),
        RenderOptions(width=width, **options),  # type: ignore[arg-type]
    )
    for result in results:
        writer.add_result(result)
    writer.close()
    return out.getvalue()


ESTATE = (
    pass_result("Quiet"),
    warn_result("Zeta"),
    in_account(warn_result("Alpha"), OTHER),
    warn_result("Alpha"),
    error_result("Broken"),
    in_account(fail_result("Later"), OTHER),
    fail_result("Worst"),
)


@pytest.mark.parametrize("width", [160, 100])  # table and blocks
def test_non_pass_listed_by_severity_then_account_then_name(width: int) -> None:
    text = render(*ESTATE, width=width)
    order = ["Worst", "Later", "Alpha", "Broken", "Zeta"]
    # fail (high) of 111122223333, then of 444455556666; then medium: Alpha, Broken, Zeta of
    # 111122223333; then Alpha of 444455556666.
    listing = text[: text.index("\nAccount ")]
    positions = [listing.index(name) for name in order]
    assert positions == sorted(positions)
    assert listing.rindex("Alpha") > listing.index("Zeta")  # the other account's Alpha
    assert "Quiet" not in text


def test_show_pass_lists_passes_last_without_severity() -> None:
    text = render(*ESTATE, width=100, show_pass=True)
    line = next(ln for ln in text.splitlines() if "Quiet" in ln)
    # no severity on a pass; its file, as for listed rows (no line in this estate's origin)
    assert line == "PASS  Quiet  111122223333  estate.json"
    assert text.index("Quiet") > text.index("Zeta")
    wide = render(pass_result("Quiet"), show_pass=True)
    rows = wide[wide.index("Quiet") : wide.index("\nAccount ")]
    assert "medium" not in rows


def test_summary_per_account_and_totals() -> None:
    text = render(*ESTATE)
    summary = text[text.index("\nAccount ") + 1 :].splitlines()
    assert summary[0].split() == ["Account", "Fail", "Warn", "Error", "Pass", "Suppressed"]
    assert summary[2].split() == ["111122223333", "1", "2", "1", "1", "0"]
    assert summary[3].split() == [OTHER, "1", "1", "0", "0", "0"]
    assert summary[-2] == "1 pass not listed (--show-pass lists them)."
    assert summary[-1] == "Scanned 7 roles: 2 fail, 3 warn, 1 pass, 1 error."


def test_severity_lists_only_at_or_above_and_keeps_errors() -> None:
    text = render(*ESTATE, min_severity=Severity.HIGH)
    listing = text[: text.index("\nAccount ")]
    assert "Worst" in listing
    assert "Later" in listing
    assert "Broken" in listing
    assert "Zeta" not in listing
    assert "Alpha" not in listing
    assert "3 below severity high (not listed)" in text


def test_suppressed_listed_after_open_ones_with_the_reason() -> None:
    accepted = replace(
        fail_result("Accepted"), suppressed={"TW001": Suppression("vendor SEC-9", "2027-01-31")}
    )
    text = render(accepted, warn_result("Open"), width=100)
    assert text.index("Open") < text.index("Accepted")
    assert "suppressed: vendor SEC-9 (until 2027-01-31)" in text
    assert "1 with suppressed findings (listed, not counted)" in text


def test_baseline_findings_are_not_listed() -> None:
    known = replace(fail_result("Known"), baseline=frozenset({"TW001"}))
    text = render(known, warn_result("New"), width=100)
    assert "Known" not in text[: text.index("\nAccount ")]
    assert "New" in text
    assert "1 with findings only in the baseline (not listed)" in text


def test_vendor_names_on_the_who_line() -> None:
    settings = Settings(known_accounts={OUTSIDER: "Example Vendor"})
    blocks = render(fail_result(), width=100, settings=settings)
    assert f"  who: arn:aws:iam::{OUTSIDER}:root (Example Vendor)\n" in blocks
    table = render(fail_result(), width=160, settings=settings).splitlines()
    column = table[0].index("Who can get in")
    assert table[2][column:].startswith(f"arn:aws:iam::{OUTSIDER}:root ")
    assert table[3][column:].startswith("(Example Vendor) ")


LONG = f"arn:aws:iam::{OUTSIDER}:role/service-role/a-rather-long-vendor-integration-role-name"


@pytest.mark.parametrize("width", [60, 100, 150])
def test_arns_are_broken_only_after_a_separator(width: int) -> None:
    result = fail_result()
    finding = replace(result.findings[0], principals=(LONG,))
    text = render(replace(result, findings=(finding,)), width=width)
    who = next(i for i, ln in enumerate(text.splitlines()) if LONG[:13] in ln)
    pieces: list[str] = []
    for line in text.splitlines()[who:]:
        match = re.search(r"(arn:\S*|service-role/\S*|a-rather\S*)", line)
        if match is None or (pieces and "".join(pieces) == LONG):
            break
        pieces.append(match.group(1))
        if "".join(pieces) == LONG:
            break
    assert "".join(pieces) == LONG
    assert all(p.endswith((":", "/")) for p in pieces[:-1])


def test_break_words() -> None:
    assert break_words("see arn:aws:iam::123456789012:role/x now", 20) == (
        "see arn:aws:iam::\n123456789012:role/x now"
    )
    assert break_words("short", 3) == "short"  # no separator: left to fold
    assert break_words("anything", None) == "anything"
