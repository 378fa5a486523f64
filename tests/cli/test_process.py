"""The console entry point as a real process: pipes, signals, stdout/stderr separation."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

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


def _shell(redirect: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``trustwarden ARGS`` started by a shell with ``redirect`` (e.g. ``2>&-``)."""
    return subprocess.run(
        ["sh", "-c", f'exec "$@" {redirect}', "sh", *ENTRY, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("scan", "--input", data("estate.json")), 1),  # findings
        (("scan", "--input", "/nonexistent/roles.json"), 2),  # usage error
        (("scan", "--input", data("estate.json"), "--format", "nope"), 2),
    ],
)
def test_closed_stderr_keeps_the_exit_code(args: tuple[str, ...], code: int) -> None:
    done = _shell("2>&-", *args)
    assert done.returncode == code


@pytest.mark.parametrize("redirect", [">&-", ">/dev/full"], ids=["closed", "full"])
def test_stdout_closed_or_full_is_one_line_and_exit_2(redirect: str) -> None:
    if redirect == ">/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    done = _shell(redirect, "scan", "--input", data("estate.json"), "--format", "json")
    assert done.returncode == 2
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("trustwarden: error: cannot write to standard output: ")
    assert "internal error" not in done.stderr
