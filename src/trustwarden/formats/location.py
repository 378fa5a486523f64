"""Where a result came from in its file: ``path:line`` for people, lines for tools.

Results read from files (``--input``, templates) carry ``origin.file`` and ``origin.line``
(the role or resource); templates also give each statement's line (``statement_lines``, by
Sid or index). Live results have no file, so none of these apply to them.
"""

from __future__ import annotations

from trustwarden.model import Finding, Origin, RoleResult


def statement_line(origin: Origin, label: str | int | None) -> int | None:
    """The line of the statement named ``label`` (Sid or index), when the file gives it."""
    if label is None:
        return None
    return next((line for known, line in origin.statement_lines if known == label), None)


def finding_line(result: RoleResult, finding: Finding | None = None) -> int | None:
    """The line a finding points at: its statement's, else the role's (``None``: no file)."""
    origin = result.role.origin
    if not origin.file:
        return None
    line = statement_line(origin, finding.statement) if finding is not None else None
    return line or origin.line or None


def location_text(result: RoleResult, label: str | int | None = None) -> str | None:
    """``path:line`` of the role (or of its statement ``label``), ``path`` when the line is
    not known, ``None`` for a role that did not come from a file. Not escaped."""
    origin = result.role.origin
    if not origin.file:
        return None
    return file_line_text(origin.file, statement_line(origin, label) or origin.line)


def file_line_text(file: str | None, line: int | None) -> str | None:
    """``path:line``, ``path`` without a line, ``None`` without a file. Not escaped."""
    if not file:
        return None
    return f"{file}:{line}" if line else file


__all__ = ["file_line_text", "finding_line", "location_text", "statement_line"]
