"""The console entry point as a real process: pipes, signals, stdout/stderr separation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.conftest import data

ENTRY = [sys.executable, "-c", "from trustwarden.cli.main import entry_point; entry_point()"]


def many_passing_roles(path: Path, count: int) -> Path:
    roles = [
        {
            "RoleName": f"internal-{i:05d}",
            "Arn": f"arn:aws:iam::111122223333:role/internal-{i:05d}",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
        }
        for i in range(count)
    ]
    path.write_text(json.dumps({"Roles": roles}))
    return path


def test_reader_closing_the_pipe_is_a_quiet_exit_2(tmp_path: Path) -> None:
    source = many_passing_roles(tmp_path / "roles.json", 3000)  # far more than a pipe buffer
    proc = subprocess.Popen(
        [*ENTRY, "scan", "--input", str(source), "--format", "json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    assert proc.stdout.readline() == b"{\n"
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 2  # every role passes: only the closed pipe makes it 2
    assert err == b""


def test_process_exit_codes_and_streams(tmp_path: Path) -> None:
    done = subprocess.run(
        [*ENTRY, "scan", "--input", data("estate.json"), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 1
    assert json.loads(done.stdout)["summary"]["fail"] == 1
    assert done.stderr == ""
    bad = subprocess.run(
        [*ENTRY, "scan", "--input", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith("trustwarden: error: Invalid value for '--input'")
    assert "Traceback" not in bad.stderr
