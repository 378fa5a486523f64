"""The CloudTrail log files of the README's worked example (docs/examples/cloudtrail/).

Calls to the bundled sample estate's roles (account 111111111111), in the trail layout.
``python -m tests.evidence.example`` rewrites the directory; a test keeps it in step.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

from tests.evidence.cloudtrail import ROLE_ACCOUNT, assume_role, other_event, write_log_file

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cloudtrail"
VENDOR = "387546586013"
DATADOG = "464622532012"
CONTRACTOR = "444455556666"
STRANGER = "999988887777"
VENDOR_ID = "b7e3f1a2-5c4d-4e6f-8a9b-0c1d2e3f4a5b"


def example_files() -> dict[tuple[str, str], list[dict[str, Any]]]:
    """(region, delivery time) → records of that log file."""
    files: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def add(region: str, when: str, record: dict[str, Any]) -> None:
        delivered = when[:14] + "55:00Z"
        files.setdefault((region, delivered), []).append(record)

    seq = 0

    def call(region: str, when: str, **kw: Any) -> None:
        nonlocal seq
        seq += 1
        add(region, when, assume_role(when=when, seq=seq, region=region, **kw))

    for day in ("2026-10-01", "2026-10-15", "2026-11-02"):
        # The global endpoint (us-east-1) and a regional one (eu-west-1).
        call(
            "us-east-1",
            f"{day}T08:00:00Z",
            role="vendor-admin-access",
            caller_account=VENDOR,
            external_id=VENDOR_ID,
        )
        call(
            "eu-west-1",
            f"{day}T09:30:00Z",
            role="vendor-admin-access",
            caller_account=VENDOR,
            external_id=VENDOR_ID,
        )
        call(
            "us-east-1", f"{day}T10:00:00Z", role="legacy-monitoring-vendor", caller_account=VENDOR
        )
        call(
            "us-east-1",
            f"{day}T11:00:00Z",
            role="contractor-mfa-ifexists",
            caller_account=CONTRACTOR,
            caller="user/contractor",
            serial_number=f"arn:aws:iam::{CONTRACTOR}:mfa/contractor",
        )
        call(
            "us-east-1",
            f"{day}T12:00:00Z",
            role="security-audit-vendor",
            caller_account=DATADOG,
            caller="assumed-role/scanner/scan",
            external_id="acme-7781",
        )
        call(
            "us-east-1",
            f"{day}T12:05:00Z",
            role="security-audit-vendor",
            caller_account=VENDOR,
            caller="assumed-role/scanner/scan",
            external_id="acme-7782",
        )
    # A caller that switched External IDs.
    call(
        "us-east-1",
        "2026-10-03T07:00:00Z",
        role="cost-tool-any-external-id",
        caller_account=VENDOR,
        caller="assumed-role/cost-collector/run",
        external_id="ct-2f9e8d7c6b5a",
    )
    call(
        "us-east-1",
        "2026-11-03T07:00:00Z",
        role="cost-tool-any-external-id",
        caller_account=VENDOR,
        caller="assumed-role/cost-collector/run",
        external_id="ct-2f9e8d7c6b5b",
    )
    # Someone else trying their luck: refused, never counted as use.
    call(
        "us-east-1",
        "2026-11-04T03:00:00Z",
        role="vendor-admin-access",
        caller_account=STRANGER,
        external_id="guess",
        error_code="AccessDenied",
    )
    add("us-east-1", "2026-11-04T03:10:00Z", other_event("2026-11-04T03:10:00Z", 1))
    return files


def build(root: Path) -> None:
    """Write the example's log files under ``root`` (replacing what is there)."""
    if root.exists():
        shutil.rmtree(root)
    for (region, when), records in sorted(example_files().items()):
        write_log_file(root, ROLE_ACCOUNT, region, when, records)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else EXAMPLE_DIR)
