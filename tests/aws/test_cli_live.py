"""``trustwarden scan`` without --input: live scans through main([...]) and a real process."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import boto3
import pytest

from tests.aws.helpers import TRUST_OTHER_ACCOUNT, TRUST_SERVICE, create_roles, seed_org
from tests.aws.proxy import proxy, slow_proxy
from tests.moto_server import MotoServer
from trustwarden.cli.main import main

pytestmark = pytest.mark.moto_server

SRC = Path(__file__).resolve().parents[2] / "src"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(*args: str, stderr: io.StringIO | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    code = main(list(args), stdout=out, stderr=err, env=dict(os.environ))
    return code, out.getvalue(), err.getvalue()


def test_single_account_json_report(moto_env: MotoServer) -> None:
    iam = boto3.client("iam")
    create_roles(iam, 3, prefix="svc", trust=TRUST_SERVICE)
    create_roles(iam, 2, prefix="xacct", trust=TRUST_OTHER_ACCOUNT)
    code, out, err = run("scan", "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["summary"] == {"fail": 2, "warn": 0, "pass": 3, "error": 0}
    assert {r["account_id"] for r in report["results"]} == {"123456789012"}
    assert "Traceback" not in err


def test_trusted_account_flag_reaches_live_scan(moto_env: MotoServer) -> None:
    create_roles(boto3.client("iam"), 2, prefix="xacct", trust=TRUST_OTHER_ACCOUNT)
    code, out, _ = run("scan", "--format", "json", "--trusted-account", "999988887777")
    assert code == 0
    assert json.loads(out)["summary"]["pass"] == 2


def test_organization_with_unknown_account_exits_2_and_reports_it(moto_env: MotoServer) -> None:
    org = seed_org(3, 2)
    code, out, err = run(
        "scan",
        "--organization",
        "--trust-organization",
        "--format",
        "json",
        "--accounts",
        f"{org.members[0]},{org.members[1]}",
        "--accounts",
        "000000000000",
    )
    report = json.loads(out)
    assert code == 2
    assert report["skipped"] == [
        {
            "what": "account 000000000000",
            "reason": "not an account of the organization",
            "account_id": "000000000000",
        }
    ]
    assert {r["account_id"] for r in report["results"]} == set(org.members[:2])
    assert org.org_id in report["run"]["trusted_orgs"]
    assert "skipped account 000000000000" in err


def test_missing_credentials_exit_3_one_line(
    moto_env: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    code, out, err = run("scan")
    assert code == 3
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "trustwarden: error: reading AWS credentials: no AWS credentials found"
    assert lines[1].startswith("hint: ")
    assert len(lines) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--sample", "--profile", "p"), "--profile cannot be combined with --input/--sample"),
        (("--trust-organization",), "--trust-organization needs --organization"),
        (("--workers", "4"), "--workers needs --organization"),
        (("--organization", "--accounts", "12"), "not an AWS account id: '12'"),
        (("--external-id", "x"), "--external-id needs --assume-role"),
    ],
)
def test_bad_live_options_exit_2(moto_env: MotoServer, args: tuple[str, ...], message: str) -> None:
    code, out, err = run("scan", *args)
    assert code == 2
    assert message in err
    assert out == ""


def test_retry_env_is_validated(moto_env: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_RETRY_MODE", "turbo")
    code, _, err = run("scan")
    assert code == 2
    assert "AWS_RETRY_MODE" in err


def test_progress_bar_only_on_terminal_and_not_quiet(moto_env: MotoServer, tmp_path: Path) -> None:
    seed_org(2, 1)
    report = str(tmp_path / "r.json")
    tty = Tty()
    code, _, _ = run("scan", "--organization", "--format", "json", "--output", report, stderr=tty)
    assert code == 1  # each member's audit role trusts the management account
    assert "scanning accounts" in tty.getvalue()
    quiet = Tty()
    run("scan", "--organization", "--format", "json", "--output", report, "-q", stderr=quiet)
    assert "scanning accounts" not in quiet.getvalue()
    _, _, plain = run("scan", "--organization", "--format", "json", "--output", report)
    assert "scanning accounts" not in plain


# The child starts with SIGINT as an interactive shell gives it, even when pytest runs where
# SIGINT is ignored (nohup, a background job): Python keeps an inherited SIG_IGN.
CHILD = (
    "import signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from trustwarden.cli.main import entry_point; entry_point()"
)


def spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """``trustwarden ARGS`` as a real process, unbuffered, with pipes for stdout and stderr."""
    return subprocess.Popen(
        [sys.executable, "-u", "-c", CHILD, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**env, "PYTHONPATH": str(SRC)},
        text=True,
    )


def read_until_result(proc: subprocess.Popen[str]) -> list[str]:
    """Lines of stdout up to and including the first result (at most 60 s)."""
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if '"role_arn"' in line:
            break
    return lines


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """The rest of stdout and all of stderr, once the process has exited.

    Reads through the same buffered stream as :func:`read_until_result`
    (``communicate()`` would skip its read-ahead).
    """
    assert proc.stdout is not None
    assert proc.stderr is not None
    out = proc.stdout.read()
    err = proc.stderr.read()
    proc.wait(timeout=60)
    return out, err


@pytest.mark.parametrize("parent_sigint", ["default", "ignored"])
def test_ctrl_c_exits_130_with_what_finished(moto_env: MotoServer, parent_sigint: str) -> None:
    org = seed_org(20, 2)
    with slow_proxy(moto_env.endpoint, 0.05) as proxy:
        env = {**os.environ, "AWS_ENDPOINT_URL": proxy}
        previous = signal.getsignal(signal.SIGINT)
        if parent_sigint == "ignored":  # as under nohup or in a background job
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            proc = spawn(["scan", "--organization", "--workers", "1", "--format", "json"], env)
        finally:
            signal.signal(signal.SIGINT, previous)
        lines = read_until_result(proc)
        proc.send_signal(signal.SIGINT)
        rest, err = finish(proc)
    report = json.loads("".join(lines) + rest)
    assert proc.returncode == 130
    assert report["run"]["complete"] is False
    assert 0 < len(report["results"]) < 3 * len(org.members)
    assert "interrupted" in err
    assert "Traceback" not in err


class SlowAfterFirstListing:
    """A proxy delay: the first ListRoles is quick, every later one takes ``seconds``.

    :attr:`slow` is set when the first slow one arrives (the scan is then waiting on it).
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.listings = 0
        self.slow = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, action: str) -> float:
        if action != "ListRoles":
            return 0.0
        with self._lock:
            self.listings += 1
            if self.listings == 1:
                return 0.0
        self.slow.set()
        return self.seconds


@pytest.mark.parametrize("signals", [1, 2], ids=["once", "twice"])
def test_ctrl_c_does_not_wait_for_calls_in_flight(moto_env: MotoServer, signals: int) -> None:
    """A 12 s ListRoles is in flight when Ctrl-C comes: exit 130 within the 2 s grace."""
    seed_org(3, 1, management_roles=1)
    with proxy(moto_env.endpoint, delay=SlowAfterFirstListing(12.0)) as url:
        env = {**os.environ, "AWS_ENDPOINT_URL": url}
        proc = spawn(["scan", "--organization", "--workers", "1", "--format", "json"], env)
        lines = read_until_result(proc)
        assert lines, "no result before the slow listing"
        proc.send_signal(signal.SIGINT)
        start = time.monotonic()
        if signals == 2:
            time.sleep(0.5)
            proc.send_signal(signal.SIGINT)
        out, err = finish(proc)
        elapsed = time.monotonic() - start
    assert proc.returncode == 130
    assert elapsed < 6.0  # the grace is 2 s; without it, the 12 s call is waited for
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    assert json.loads("".join(lines) + out)["run"]["complete"] is False


def test_sigterm_closes_the_report_and_leaves_no_temporary_file(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    seed_org(3, 1, management_roles=1)
    report = tmp_path / "report.json"
    delay = SlowAfterFirstListing(12.0)
    with proxy(moto_env.endpoint, delay=delay) as url:
        env = {**os.environ, "AWS_ENDPOINT_URL": url}
        args = ["scan", "--organization", "--workers", "1", "--format", "json"]
        proc = spawn([*args, "--output", str(report)], env)
        assert delay.slow.wait(60)  # one account is done, the next one's listing in flight
        assert list(tmp_path.glob(".report.json.*.tmp"))
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    document = json.loads(report.read_text())
    assert document["run"]["complete"] is False
    assert len(document["results"]) >= 1
    assert "terminated" in err
    assert "Traceback" not in err
