"""Suppression and baseline marks on a finding row reach each format's native field."""

from __future__ import annotations

from dataclasses import replace

from tests.formats.builders import fail_result
from trustwarden.formats.asff import row_to_asff
from trustwarden.formats.csv_format import COLUMNS, row_cells
from trustwarden.formats.findings import FindingRow, Suppression, finding_rows
from trustwarden.formats.sarif import result_to_sarif


def marked_row() -> FindingRow:
    [row] = finding_rows(fail_result())
    return replace(row, suppressed=Suppression("vendor fix due", "2030-01-31"), baseline=True)


def test_unmarked_rows_carry_no_marks() -> None:
    [row] = finding_rows(fail_result())
    assert "suppressions" not in result_to_sarif(row, 0)
    assert "baselineState" not in result_to_sarif(row, 0)
    assert "trustwarden/Suppressed" not in row_to_asff(row, "us-east-1", "T")["ProductFields"]
    cells = dict(zip(COLUMNS, row_cells(row), strict=True))
    assert cells["suppressed"] == ""
    assert cells["baseline"] == ""


def test_sarif_uses_its_own_suppressions_and_baseline_state() -> None:
    data = result_to_sarif(marked_row(), 0)
    assert data["suppressions"] == [{"kind": "external", "justification": "vendor fix due"}]
    assert data["baselineState"] == "unchanged"


def test_asff_and_csv_show_the_marks() -> None:
    fields = row_to_asff(marked_row(), "us-east-1", "T")["ProductFields"]
    assert fields["trustwarden/Suppressed"] == "vendor fix due"
    assert fields["trustwarden/Baseline"] == "true"
    cells = dict(zip(COLUMNS, row_cells(marked_row()), strict=True))
    assert cells["suppressed"] == "vendor fix due (until 2030-01-31)"
    assert cells["baseline"] == "true"
