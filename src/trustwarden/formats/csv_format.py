"""CSV (``--format csv``): one row per finding, one per role without findings (``pass``), and
one per skipped item (status ``skipped``).

Columns an auditor filters on, in a fixed order (:data:`COLUMNS`). Cells are safe to open in
a spreadsheet: control characters are removed and a cell that starts (after any spaces) with
``=``, ``+``, ``-`` or ``@`` is prefixed with ``'`` so it is never run as a formula (CSV
injection). Written as results arrive. For results read from files, ``source`` is the role's
``path:line`` and ``line`` the finding's (its statement's when known, else the role's).
"""

from __future__ import annotations

import csv
from typing import TextIO

from trustwarden.formats import RenderOptions, RunInfo
from trustwarden.formats.findings import FindingRow, finding_rows, printable
from trustwarden.model import RoleResult, Skipped, Status

COLUMNS = (
    "account_id",
    "role_arn",
    "role_name",
    "status",
    "severity",
    "rule",
    "title",
    "statement",
    "principals",
    "witness",
    "message",
    "remediation",
    "compliance",
    "suppressed",
    "baseline",
    "fingerprint",
    "source",
    "line",
)
FORMULA_PREFIXES = ("=", "+", "-", "@")  # tabs and CRs are already spaces


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: no control characters, no leading formula sign."""
    value = printable(value)
    return "'" + value if value.lstrip().startswith(FORMULA_PREFIXES) else value


def row_cells(row: FindingRow) -> list[str]:
    """The cells of one row, in :data:`COLUMNS` order (not yet made safe)."""
    role = row.result.role
    origin = role.origin
    source = origin.file or origin.source
    if origin.file and origin.line:
        source = f"{origin.file}:{origin.line}"
    suppressed = ""
    if row.suppressed is not None:
        suppressed = row.suppressed.reason
        if row.suppressed.expires:
            suppressed += f" (until {row.suppressed.expires})"
    return [
        role.account_id,
        role.arn,
        role.name,
        row.status.value,
        row.severity.value,
        row.rule.id,
        row.rule.title,
        row.statement,
        row.principals,
        row.witness,
        row.message,
        "" if row.status is Status.PASS else row.rule.remediation,
        "; ".join(row.rule.compliance),
        suppressed,
        "true" if row.baseline else "",
        row.fingerprint,
        source,
        str(row.line or ""),
    ]


class CsvReportWriter:
    """Streams CSV rows (RFC 4180 quoting, ``\\r\\n`` line ends) with a header row."""

    def __init__(self, stream: TextIO, run: RunInfo, options: RenderOptions | None = None) -> None:
        del run, options  # the rows carry everything
        self._stream = stream
        self._writer = csv.writer(stream, lineterminator="\r\n")
        self._writer.writerow(COLUMNS)
        self._closed = False

    def add_result(self, result: RoleResult) -> None:
        """Write the role's rows at once."""
        for row in finding_rows(result):
            self._writer.writerow([safe_cell(c) for c in row_cells(row)])

    def add_skipped(self, skipped: Skipped) -> None:
        """A row with status ``skipped``: what could not be audited, and why."""
        cells = dict.fromkeys(COLUMNS, "")
        cells.update(
            account_id=skipped.account_id or "",
            status="skipped",
            message=f"{skipped.what}: {skipped.reason}",
        )
        self._writer.writerow([safe_cell(cells[c]) for c in COLUMNS])

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """Flush. Calling it twice does nothing."""
        del finished_at, complete
        if self._closed:
            return
        self._closed = True
        self._stream.flush()


__all__ = ["COLUMNS", "CsvReportWriter", "row_cells", "safe_cell"]
