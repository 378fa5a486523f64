"""OCSF 1.5.0 Detection Findings (``--format ocsf``), a JSON array like Prowler's ``json-ocsf``.

One Detection Finding (``class_uid`` 2004, activity Create) per role verdict, passes
included: ``status_code`` is the verdict (``FAIL``/``WARN``/``PASS``/``ERROR``), ``status_id``
the triage state (New, or Suppressed for a suppressed role), ``finding_info.uid`` a stable key
of the role and its main rule, and ``unmapped`` keeps every finding with its witness and the
rule's compliance list. ``time`` is the scan's start in milliseconds since the epoch.
Written as results arrive.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from trustwarden.formats import RenderOptions, RunInfo
from trustwarden.formats.findings import EPOCH, FindingRow, finding_rows, iso_to_epoch_ms
from trustwarden.formats.json_format import origin_to_json
from trustwarden.model import RoleResult, Severity, Skipped, Status

OCSF_VERSION = "1.5.0"
CLASS_UID = 2004  # Detection Finding
CATEGORY_UID = 2  # Findings
ACTIVITY_CREATE = 1
SEVERITY_ID = {
    Severity.INFORMATIONAL: 1,
    Severity.LOW: 2,
    Severity.MEDIUM: 3,
    Severity.HIGH: 4,
    Severity.CRITICAL: 5,
}
STATUS_NEW, STATUS_SUPPRESSED = 1, 3


def main_row(rows: list[FindingRow]) -> FindingRow:
    """The row that decides the role's verdict (the first at the role's status)."""
    status = rows[0].result.status
    return next((r for r in rows if r.status is status), rows[0])


def result_to_ocsf(result: RoleResult, run: RunInfo) -> dict[str, Any]:
    """One Detection Finding for one role."""
    role = result.role
    rows = finding_rows(result)
    main = main_row(rows)
    started = run.started_at or EPOCH
    time_ms = iso_to_epoch_ms(started)
    suppressed = all(r.suppressed is not None for r in rows) and result.status is not Status.PASS
    findings = [
        {
            "rule": r.rule.id,
            "title": r.rule.title,
            "status": r.status.value,
            "severity": r.severity.value,
            "statement": r.statement,
            "principals": list(r.finding.principals) if r.finding else [],
            "message": r.message,
            "witness": r.witness,
            "fingerprint": r.fingerprint,
        }
        | ({"line": line} if (line := r.line) is not None else {})
        for r in rows
        if r.finding is not None
    ]
    return {
        "message": f"{role.arn}: {main.message}",
        "metadata": {
            "event_code": main.rule.id,
            "product": {
                "name": "trustwarden",
                "uid": "trustwarden",
                "vendor_name": "trustwarden",
                "version": run.tool_version,
            },
            "profiles": ["cloud", "datetime"],
            "tenant_uid": role.account_id,
            "version": OCSF_VERSION,
        },
        "severity_id": SEVERITY_ID[result.severity],
        "severity": result.severity.value.capitalize(),
        "status": "Suppressed" if suppressed else "New",
        "status_code": result.status.value.upper(),
        "status_detail": " ".join(r.message for r in rows),
        "status_id": STATUS_SUPPRESSED if suppressed else STATUS_NEW,
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": CATEGORY_UID,
        "category_name": "Findings",
        "class_uid": CLASS_UID,
        "class_name": "Detection Finding",
        "type_uid": CLASS_UID * 100 + ACTIVITY_CREATE,
        "type_name": "Detection Finding: Create",
        "time": time_ms,
        "time_dt": started,
        "finding_info": {
            "uid": f"trustwarden-{main.fingerprint}",
            "title": main.rule.title,
            "desc": main.rule.description,
            "types": ["Software and Configuration Checks/AWS Security Best Practices"],
            "created_time": time_ms,
            "created_time_dt": started,
        },
        "resources": [
            {
                "uid": role.arn,
                "name": role.name,
                "type": "AwsIamRole",
                "region": "global",
                "cloud_partition": role.partition,
                "data": {"origin": origin_to_json(role.origin)},
                "labels": [],
            }
        ],
        "cloud": {
            "account": {
                "uid": role.account_id,
                "name": role.account_id,
                "type": "AWS Account",
                "type_id": 10,
            },
            "provider": "aws",
            "region": "global",
        },
        "remediation": {"desc": main.rule.remediation, "references": [main.rule.help_uri]},
        "risk_details": main.rule.description,
        "unmapped": {
            "compliance": list(main.rule.compliance),
            "findings": findings,
            "fingerprint": result.fingerprint,
        },
    }


class OcsfReportWriter:
    """Streams a JSON array of OCSF Detection Findings, one per role."""

    def __init__(self, stream: TextIO, run: RunInfo, options: RenderOptions | None = None) -> None:
        del options  # OCSF has no presentation choices
        self._stream = stream
        self._run = run
        self._count = 0
        self._closed = False
        stream.write("[")

    def add_result(self, result: RoleResult) -> None:
        """Write the role's finding at once."""
        separator = ",\n  " if self._count else "\n  "
        self._stream.write(separator + json.dumps(result_to_ocsf(result, self._run)))
        self._count += 1

    def add_skipped(self, skipped: Skipped) -> None:
        """Nothing: a skipped item has no resource to describe."""
        del skipped

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """End the array. Calling it twice does nothing."""
        del finished_at, complete
        if self._closed:
            return
        self._closed = True
        self._stream.write("\n]\n" if self._count else "]\n")
        self._stream.flush()


__all__ = ["OCSF_VERSION", "OcsfReportWriter", "result_to_ocsf"]
