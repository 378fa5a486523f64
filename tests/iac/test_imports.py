"""Scanning files and templates never loads the AWS SDK (it costs ~0.3 s of start-up)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.iac.helpers import DATA

SRC = Path(__file__).resolve().parents[2] / "src"

_PROBE = """
import io, json, sys
from trustwarden.cli.main import main
code = main(sys.argv[1:], stdout=io.StringIO(), stderr=io.StringIO(), env={})
aws = sorted(m for m in sys.modules if m.split(".")[0] in ("boto3", "botocore", "s3transfer"))
print(json.dumps({"code": code, "aws": aws}))
"""


@pytest.mark.parametrize(
    "args",
    [
        (str(DATA / "cfn"), str(DATA / "terraform" / "live"), str(DATA / "plan" / "plan.json")),
        (str(DATA / "cfn"), "--format", "sarif"),
        ("--sample", "--format", "json"),
    ],
    ids=["templates-table", "templates-sarif", "sample-json"],
)
def test_file_scans_do_not_import_boto3(args: tuple[str, ...]) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "scan", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    assert probe["code"] in (0, 1, 2)  # a finished scan, whatever its verdicts
    assert probe["aws"] == []


def test_live_scan_still_loads_boto3_on_use() -> None:
    """The lazy imports are real imports: the live option types resolve to botocore-backed code."""
    from trustwarden.sources import aws  # noqa: PLC0415

    assert aws.AccountSource.__module__ == "trustwarden.sources.aws.scanner"
    assert "botocore" in sys.modules
