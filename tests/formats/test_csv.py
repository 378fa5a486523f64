"""CSV: one row per finding, fixed columns, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from dataclasses import replace

import pytest

from tests.formats.builders import fail_result
from tests.formats.sample import SETTINGS, sample_report
from trustwarden.formats import render_report
from trustwarden.formats.csv_format import COLUMNS, safe_cell
from trustwarden.model import Report


def rows(report: Report | None = None) -> list[dict[str, str]]:
    out = io.StringIO(newline="")
    render_report(report or sample_report(), out, "csv", settings=SETTINGS)
    text = out.getvalue()
    assert text.endswith("\r\n")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def test_one_row_per_finding_and_per_role_without_findings() -> None:
    report = sample_report()
    got = rows(report)
    expected = sum(max(len(r.findings), 1) for r in report.results) + len(report.skipped)
    assert len(got) == expected
    first = got[0]
    assert first["account_id"] == "111122223333"
    assert first["status"] == "fail"
    assert first["severity"] == "high"
    assert first["rule"] == "TW001"
    assert first["principals"] == "arn:aws:iam::999999999999:root"
    assert "calls sts:AssumeRole" in first["witness"]
    assert first["remediation"].startswith("Require the External ID")
    assert "NIST 800-53" in first["compliance"]
    assert first["suppressed"] == ""
    assert first["source"] == "estate.json:12"
    passing = next(r for r in got if r["role_name"] == "Internal")
    assert passing["status"] == "pass"
    assert passing["remediation"] == ""
    assert got[-1]["status"] == "skipped"
    assert "AccessDenied" in got[-1]["message"]


@pytest.mark.parametrize(
    "hostile",
    ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "\x00=1"],
)
def test_formula_cells_are_neutralised(hostile: str) -> None:
    result = fail_result("Role")
    result = replace(result, role=replace(result.role, name=hostile))
    [row] = rows(Report(results=(result,)))
    assert row["role_name"].startswith("'")
    for value in row.values():
        assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_control_characters_are_removed() -> None:
    assert safe_cell("a\x07b\x1b[31mc\nd") == "ab[31mc d"
    assert safe_cell("plain") == "plain"
    assert safe_cell("x-1") == "x-1"  # only a leading sign is a formula
