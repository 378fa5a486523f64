"""JUnit XML (``--format junit``) for CI systems: one test case per role.

A ``fail`` role is a ``<failure>``, an ``error`` role an ``<error>``; ``warn`` and ``pass``
roles pass (a ``warn`` says why in ``<system-out>``). Every case carries ``<properties>``
(status, severity, rules, fingerprint). A skipped item (an account or file that could not be
audited) is a case with an ``<error>``. Text from the input is escaped, and characters XML
1.0 cannot hold (control characters) are removed.

The totals go on the root element, so the cases are kept (as rendered text) until
:meth:`JunitReportWriter.close`.
"""

from __future__ import annotations

from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from trustwarden.formats import RenderOptions, RunInfo
from trustwarden.formats.findings import finding_rows, printable
from trustwarden.formats.location import file_line_text
from trustwarden.model import RoleResult, Skipped, Status

SUITE_NAME = "trustwarden"


def _attr(value: str) -> str:
    return quoteattr(_xml_text(value))


def _xml_text(value: str) -> str:
    """``value`` with only characters XML 1.0 allows (and no line breaks)."""
    return "".join(ch for ch in printable(value) if ch not in "\ufffe\uffff")


def _text(value: str) -> str:
    return escape(_xml_text(value))


def testcase_xml(result: RoleResult) -> str:
    """The ``<testcase>`` element of one role."""
    role = result.role
    rows = finding_rows(result)
    properties = {
        "status": result.status.value,
        "severity": result.severity.value,
        "rules": ",".join(sorted({r.rule.id for r in rows if r.finding is not None})),
        "fingerprint": result.fingerprint,
        "account_id": role.account_id,
    }
    if role.origin.file:
        properties["file"] = role.origin.file
        if role.origin.line:
            properties["line"] = str(role.origin.line)
    parts = [
        f"    <testcase classname={_attr(f'{SUITE_NAME}.{role.account_id}')} "
        f"name={_attr(role.arn)}"
        + (f" file={_attr(role.origin.file)}" if role.origin.file else "")
        + ' time="0">',
        "      <properties>",
        *(
            f"        <property name={_attr(k)} value={_attr(v)}/>"
            for k, v in properties.items()
            if v
        ),
        "      </properties>",
    ]
    detail = "\n".join(
        f"[{r.rule.id}] "
        + (f"{where}: " if (where := file_line_text(role.origin.file, r.line)) else "")
        + r.message
        + (f" Witness: {r.witness}." if r.witness else "")
        + f" Fix: {r.rule.remediation}"
        for r in rows
        if r.finding is not None or r.status is Status.ERROR
    )
    first = rows[0]
    if result.status in (Status.FAIL, Status.ERROR):
        tag = "failure" if result.status is Status.FAIL else "error"
        parts.append(
            f"      <{tag} message={_attr(first.message)} type={_attr(first.rule.id)}>"
            + "\n".join(_text(line) for line in detail.split("\n"))
            + f"</{tag}>"
        )
    elif result.status is Status.WARN:
        parts.append(f"      <system-out>{_text(detail)}</system-out>")
    parts.append("    </testcase>")
    return "\n".join(parts)


def skipped_xml(skipped: Skipped) -> str:
    """A skipped item as a test case with an ``<error>``."""
    return (
        f"    <testcase classname={_attr(f'{SUITE_NAME}.skipped')} "
        f'name={_attr(skipped.what)} time="0">\n'
        f'      <error message={_attr(skipped.reason)} type="skipped"/>\n'
        "    </testcase>"
    )


class JunitReportWriter:
    """Renders a ``<testsuites>`` document with one ``<testsuite>``."""

    def __init__(self, stream: TextIO, run: RunInfo, options: RenderOptions | None = None) -> None:
        del options  # JUnit has no presentation choices
        self._stream = stream
        self._run = run
        self._cases: list[str] = []
        self._failures = 0
        self._errors = 0
        self._closed = False

    def add_result(self, result: RoleResult) -> None:
        """Render the role's case (kept until :meth:`close`)."""
        self._cases.append(testcase_xml(result))
        self._failures += result.status is Status.FAIL
        self._errors += result.status is Status.ERROR

    def add_skipped(self, skipped: Skipped) -> None:
        """Render a case with an error for something that could not be audited."""
        self._cases.append(skipped_xml(skipped))
        self._errors += 1

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """Write the document. Calling it twice does nothing."""
        del complete
        if self._closed:
            return
        self._closed = True
        counts = (
            f'tests="{len(self._cases)}" failures="{self._failures}" errors="{self._errors}" '
            'skipped="0" time="0"'
        )
        stamp = self._run.started_at or finished_at
        timestamp = f" timestamp={_attr(stamp.removesuffix('Z'))}" if stamp else ""
        self._stream.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<testsuites name="{SUITE_NAME}" {counts}>\n'
            f'  <testsuite name="{SUITE_NAME}" {counts}{timestamp}>\n'
        )
        for case in self._cases:
            self._stream.write(case + "\n")
        self._stream.write("  </testsuite>\n</testsuites>\n")
        self._stream.flush()


__all__ = ["JunitReportWriter", "skipped_xml", "testcase_xml"]
