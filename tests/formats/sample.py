"""One fixed report with every verdict, trust documents and hostile names, for format tests.

Hand-built (no engine), so a golden file changes only when a format does.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from tests.formats.builders import error_result, fail_result, pass_result, skipped, warn_result
from trustwarden.model import Origin, Report, RoleResult, Settings, Severity

OTHER = "444455556666"
HOSTILE = "<script>alert(1)</script><img src=http://127.0.0.1:9/leak>\"'&=cmd\x07\x1b[31m"
STARTED = "2024-05-01T12:00:00Z"
FINISHED = "2024-05-01T12:00:07Z"

PARTNER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Internal",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
            "Action": "sts:AssumeRole",
        },
        {
            "Sid": "Partner",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
            "Action": "sts:AssumeRole",
        },
    ],
}


def _with(result: RoleResult, **role_changes: Any) -> RoleResult:
    return replace(result, role=replace(result.role, **role_changes))


def sample_results() -> list[RoleResult]:
    """fail (from a file, with a line), warn, pass, error, a hostile-named fail, a live pass."""
    partner = _with(
        fail_result("PartnerAccess"),
        trust_document=PARTNER_POLICY,
        origin=Origin(source="authz", file="estate.json", pointer="/RoleDetailList/0", line=12),
    )
    hostile = _with(
        replace(fail_result("x"), severity=Severity.CRITICAL, fingerprint="e" * 32),
        name=HOSTILE,
        arn=f"arn:aws:iam::{OTHER}:role/{HOSTILE}",
        account_id=OTHER,
        trust_document='{"Statement": {"Sid": "Partner", "Effect": "Allow", '
        '"Principal": {"AWS": "</pre><script>alert(2)</script>"}, "Action": "sts:*"}}',
    )
    live = _with(
        pass_result("LiveRole"),
        account_id=OTHER,
        arn=f"arn:aws:iam::{OTHER}:role/LiveRole",
        origin=Origin(source="aws", pointer=f"arn:aws:iam::{OTHER}:role/LiveRole"),
    )
    return [
        partner,
        warn_result(),
        pass_result(),
        error_result(),
        hostile,
        live,
    ]


def sample_report() -> Report:
    return Report(
        results=tuple(sample_results()),
        skipped=(skipped(),),
        started_at=STARTED,
        finished_at=FINISHED,
        tool_version="9.9.9",
    )


SETTINGS = Settings(trusted_accounts=frozenset({"123456789012"}))
