"""SARIF 2.1.0 (``--format sarif``) for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` holds every catalog rule (id, name, descriptions, ``help``,
``helpUri``, ``security-severity``). Each finding of a role that is not ``pass`` is one
result: ``level`` from its severity, ``partialFingerprints`` from the finding fingerprint
(:func:`~trustwarden.formats.findings.finding_fingerprint`), the file and line the role came
from as the physical location (when it came from a file) and the role ARN as a logical
location. Results are written as they arrive; ``invocations`` (skipped items as
notifications, completeness) comes last.

A suppressed finding (when suppressions exist) gets SARIF's own ``suppressions`` entry and a
baseline mark ``baselineState``, so viewers hide or label them without a custom property.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any, TextIO
from urllib.parse import quote

from trustwarden.formats import RenderOptions, RunInfo
from trustwarden.formats.findings import FindingRow, finding_rows
from trustwarden.model import RoleResult, Severity, Skipped, Status
from trustwarden.rules import RULES, Rule

SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/trustwarden/trustwarden"

LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFORMATIONAL: "note",
}
# GitHub: >= 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFORMATIONAL: "0.1",
}

_SEPARATORS = (", ", ": ")


def rule_to_sarif(rule: Rule) -> dict[str, Any]:
    """A ``reportingDescriptor`` for one catalog rule."""
    compliance = "".join(f"\n- {c}" for c in rule.compliance)
    markdown = f"{rule.description}\n\n**Fix:** {rule.remediation}"
    if compliance:
        markdown += f"\n\n**Compliance:**{compliance}"
    return {
        "id": rule.id,
        "name": rule.name,
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": f"{rule.description} Fix: {rule.remediation}", "markdown": markdown},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": ["security", "aws", "iam", "confused-deputy"],
            "precision": "very-high",
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }


def artifact_uri(file: str) -> str:
    """A file name as a SARIF URI: relative paths stay relative (``/`` separators)."""
    if PureWindowsPath(file).drive:
        return PureWindowsPath(file).as_uri()
    path = PurePosixPath(file.replace("\\", "/"))
    if path.is_absolute():
        return path.as_uri()
    try:  # a file name that was not UTF-8 on disk (os.fsdecode) gets its original bytes back
        return quote(str(path), safe="/", errors="surrogateescape")
    except UnicodeEncodeError:
        return quote(str(path), safe="/", errors="surrogatepass")


def result_to_sarif(row: FindingRow, rule_index: int) -> dict[str, Any]:
    """One SARIF ``result`` for one finding row."""
    role = row.result.role
    location: dict[str, Any] = {}
    if role.origin.file:
        location["physicalLocation"] = {
            "artifactLocation": {"uri": artifact_uri(role.origin.file)},
            "region": {"startLine": role.origin.line or 1},
        }
    location["logicalLocations"] = [
        {"name": role.name, "fullyQualifiedName": role.arn, "kind": "resource"}
    ]
    properties: dict[str, Any] = {
        "status": row.status.value,
        "severity": row.severity.value,
        "account_id": role.account_id,
        "role_arn": role.arn,
    }
    if row.finding is not None:
        properties["statement"] = row.finding.statement
        properties["principals"] = list(row.finding.principals)
    if row.witness:
        properties["witness"] = row.witness
    data: dict[str, Any] = {
        "ruleId": row.rule.id,
        "level": LEVELS[row.severity],
        "message": {"text": f"{role.arn}: {row.message}"},
        "locations": [location],
        "partialFingerprints": {
            "primaryLocationLineHash": row.fingerprint,
            "trustwarden/finding/v1": row.fingerprint,
        },
        "properties": properties,
    }
    if rule_index >= 0:
        data["ruleIndex"] = rule_index
    if row.suppressed is not None:
        data["suppressions"] = [{"kind": "external", "justification": row.suppressed.reason}]
    if row.baseline:
        data["baselineState"] = "unchanged"
    return data


class SarifReportWriter:
    """Streams a SARIF 2.1.0 log with one run."""

    def __init__(self, stream: TextIO, run: RunInfo, options: RenderOptions | None = None) -> None:
        del options  # SARIF has no presentation choices
        self._stream = stream
        self._run = run
        self._rule_index = {rule_id: i for i, rule_id in enumerate(RULES)}
        self._skipped: list[Skipped] = []
        self._count = 0
        self._closed = False
        driver = {
            "name": "trustwarden",
            "version": run.tool_version,
            "semanticVersion": run.tool_version,
            "informationUri": INFORMATION_URI,
            "rules": [rule_to_sarif(rule) for rule in RULES.values()],
        }
        stream.write(
            "{\n"
            f'  "$schema": "{SARIF_SCHEMA_URI}",\n'
            '  "version": "2.1.0",\n'
            '  "runs": [{\n'
            f'    "tool": {{"driver": {_line(driver)}}},\n'
            '    "automationDetails": {"id": "trustwarden/"},\n'
            '    "columnKind": "unicodeCodePoints",\n'
            '    "results": ['
        )

    def add_result(self, result: RoleResult) -> None:
        """Write one result per finding of a role that is not ``pass``."""
        if result.status is Status.PASS:
            return
        for row in finding_rows(result):
            index = self._rule_index.get(row.rule.id, -1)
            separator = ",\n      " if self._count else "\n      "
            self._stream.write(separator + _line(result_to_sarif(row, index)))
            self._count += 1

    def add_skipped(self, skipped: Skipped) -> None:
        """Keep a skipped item for the invocation's notifications."""
        self._skipped.append(skipped)

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """Write the invocation and end the log. Calling it twice does nothing."""
        if self._closed:
            return
        self._closed = True
        invocation: dict[str, Any] = {"executionSuccessful": complete and not self._skipped}
        if self._run.started_at:
            invocation["startTimeUtc"] = self._run.started_at
        if finished_at:
            invocation["endTimeUtc"] = finished_at
        if self._skipped:
            invocation["toolExecutionNotifications"] = [
                {"level": "error", "message": {"text": f"skipped {s.what}: {s.reason}"}}
                for s in self._skipped
            ]
        self._stream.write(
            ("\n    ]" if self._count else "]")
            + f',\n    "invocations": [{_line(invocation)}]\n'
            + "  }]\n}\n"
        )
        self._stream.flush()


def _line(value: object) -> str:
    return json.dumps(value, separators=_SEPARATORS)


__all__ = ["SarifReportWriter", "artifact_uri", "result_to_sarif", "rule_to_sarif"]
