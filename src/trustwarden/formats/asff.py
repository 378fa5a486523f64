"""AWS Security Finding Format (``--format asff``): a JSON array for ``BatchImportFindings``.

One finding per finding of a role that is not ``pass``, with every field Security Hub
requires (the 10 of the API shape plus ``Severity`` and ``Types``), within its length limits.
``Id`` is ``trustwarden/<finding fingerprint>``, stable across runs, so importing again updates
a finding instead of adding a duplicate. ``ProductArn`` is the custom-integration ARN
``arn:<partition>:securityhub:<region>:<account>:product/<account>/default``: Security Hub
accepts it only from the finding's own account. The region is a writer option
(:attr:`RenderOptions.region`, default ``us-east-1``). Written as results arrive.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from trustwarden.formats import RenderOptions, RunInfo
from trustwarden.formats.findings import EPOCH, FindingRow, finding_rows
from trustwarden.model import RoleResult, Skipped, Status

SCHEMA_VERSION = "2018-10-08"
DEFAULT_REGION = "us-east-1"
TYPES = ("Software and Configuration Checks/AWS Security Best Practices",)
COMPLIANCE_TYPE = (
    "Software and Configuration Checks/Industry and Regulatory Standards/NIST 800-53 Controls (USA)"
)
COMPLIANCE_STATUS = {
    Status.FAIL: "FAILED",
    Status.WARN: "WARNING",
    Status.PASS: "PASSED",
    Status.ERROR: "NOT_AVAILABLE",
}
# Security Hub's limits (characters).
MAX_ID, MAX_TITLE, MAX_DESCRIPTION, MAX_RECOMMENDATION, MAX_FIELD = 512, 256, 1024, 512, 2048


def product_arn(partition: str, region: str, account: str) -> str:
    """The ProductArn of a custom integration in ``account``."""
    return f"arn:{partition}:securityhub:{region}:{account}:product/{account}/default"


def row_to_asff(row: FindingRow, region: str, timestamp: str) -> dict[str, Any]:
    """One ASFF finding for one finding row."""
    role = row.result.role
    rule = row.rule
    label = row.severity.value.upper()
    types = [*TYPES, COMPLIANCE_TYPE] if rule.compliance else list(TYPES)
    product_fields = {
        "trustwarden/RuleId": rule.id,
        "trustwarden/Status": row.status.value,
        "trustwarden/Fingerprint": row.fingerprint,
    }
    if row.statement:
        product_fields["trustwarden/Statement"] = row.statement
    origin = role.origin
    if origin.file:  # read from a file: the resource's line and the finding's
        product_fields["trustwarden/File"] = origin.file
        if origin.line:
            product_fields["trustwarden/ResourceLine"] = str(origin.line)
        if row.line:
            product_fields["trustwarden/Line"] = str(row.line)
    if row.principals:
        product_fields["trustwarden/Principals"] = row.principals
    if row.witness:
        product_fields["trustwarden/Witness"] = row.witness
    if row.suppressed is not None:
        product_fields["trustwarden/Suppressed"] = row.suppressed.reason
    if row.baseline:
        product_fields["trustwarden/Baseline"] = "true"
    compliance: dict[str, Any] = {"Status": COMPLIANCE_STATUS[row.status]}
    if rule.compliance:
        compliance["RelatedRequirements"] = list(rule.compliance[:32])
    return {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": _cut(f"trustwarden/{row.fingerprint}", MAX_ID),
        "ProductArn": product_arn(role.partition, region, role.account_id),
        "ProductName": "trustwarden",
        "CompanyName": "trustwarden",
        "GeneratorId": f"trustwarden/{rule.id}",
        "AwsAccountId": role.account_id,
        "Types": types,
        "CreatedAt": timestamp,
        "UpdatedAt": timestamp,
        "Severity": {"Label": label, "Original": row.severity.value},
        "Title": _cut(rule.title, MAX_TITLE),
        "Description": _cut(f"{role.arn}: {row.message}", MAX_DESCRIPTION),
        # No Url/SourceUrl: the rule page is a file of this installation (Rule.help_uri), not
        # a page Security Hub's readers could open; the text says what to do.
        "Remediation": {"Recommendation": {"Text": _cut(rule.remediation, MAX_RECOMMENDATION)}},
        "ProductFields": {k: _cut(v, MAX_FIELD) for k, v in product_fields.items()},
        "Resources": [
            {
                "Type": "AwsIamRole",
                "Id": role.arn,
                "Partition": role.partition,
                "Region": region,
                "Details": {"AwsIamRole": {"RoleName": role.name}},
            }
        ],
        "Compliance": compliance,
        "RecordState": "ACTIVE",
        "FindingProviderFields": {"Severity": {"Label": label}, "Types": types},
    }


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AsffReportWriter:
    """Streams a JSON array of ASFF findings."""

    def __init__(self, stream: TextIO, run: RunInfo, options: RenderOptions | None = None) -> None:
        self._stream = stream
        self._region = (options.region if options else None) or DEFAULT_REGION
        self._timestamp = run.started_at or EPOCH
        self._count = 0
        self._closed = False
        stream.write("[")

    def add_result(self, result: RoleResult) -> None:
        """Write one finding per finding of a role that is not ``pass``."""
        if result.status is Status.PASS:
            return
        for row in finding_rows(result):
            separator = ",\n  " if self._count else "\n  "
            self._stream.write(
                separator + json.dumps(row_to_asff(row, self._region, self._timestamp))
            )
            self._count += 1

    def add_skipped(self, skipped: Skipped) -> None:
        """Nothing: ASFF describes resources, and a skipped item is not one."""
        del skipped

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """End the array. Calling it twice does nothing."""
        del finished_at, complete
        if self._closed:
            return
        self._closed = True
        self._stream.write("\n]\n" if self._count else "]\n")
        self._stream.flush()


__all__ = ["AsffReportWriter", "product_arn", "row_to_asff"]
