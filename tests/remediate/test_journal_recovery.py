"""Damaged journals and journal write failures, end to end against the moto server.

A torn or damaged line costs only itself: the next ``fix`` starts on a fresh line and
``rollback`` restores every role whose record is whole, names the lines it skipped and exits 5.
A journal that cannot be written stops ``fix`` before its next change (exit 2), naming what
was already changed.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import trustwarden
from tests.moto_server import MotoServer
from tests.remediate.cli_runner import Run, run_cli
from tests.remediate.live import client, current, exposed, seed
from trustwarden.remediate.journal import read_journal

pytestmark = pytest.mark.moto_server

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(trustwarden.__file__).resolve().parents[1]
EXT_ID = "vendor-issued-7f3a"
ARN = "arn:aws:iam::123456789012:role/"


def zurich_policy() -> dict[str, Any]:
    """Exposed to an outsider, with a non-ASCII value the journal must carry byte-exact."""
    doc = exposed(sid="Vendor")
    doc["Statement"].append(
        {
            "Sid": "NotFromZurich",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"aws:PrincipalTag/office": "Zürich"}},
        }
    )
    return doc


ORIGINALS = {"vendor-a": zurich_policy(), "vendor-b": exposed(sid="B"), "vendor-c": exposed()}


@pytest.fixture
def estate(moto_env: MotoServer) -> Any:
    iam = client()
    seed(iam, ORIGINALS)
    return iam


def fix(tmp_path: Path, journal: Path, *args: str) -> Run:
    return run_cli(
        "fix",
        "--external-id",
        EXT_ID,
        "--apply",
        "--yes",
        "--journal",
        str(journal),
        *args,
        cwd=tmp_path,
    )


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n")


def assert_all_restored(iam: Any) -> None:
    for name, doc in ORIGINALS.items():
        assert current(iam, name) == doc, name


def test_torn_last_line_then_a_second_run_then_rollback_restores_both_runs(
    estate: Any, tmp_path: Path
) -> None:
    journal = tmp_path / "j.jsonl"
    assert fix(tmp_path, journal, "--role", "vendor-b").code == 0
    data = journal.read_bytes()
    journal.write_bytes(data[:-30])  # the last record ("applied") torn, no newline
    torn_line = line_count(journal) + 1
    second = fix(tmp_path, journal, "--role", "vendor-c")
    assert second.code == 0, second.err
    assert current(estate, "vendor-c") != ORIGINALS["vendor-c"]

    back = run_cli("rollback", str(journal), "--yes", cwd=tmp_path)
    assert back.code == 5, back.err
    assert back.out.count(": restored:") == 2
    assert f"skipped line {torn_line}:" in back.err
    assert "Traceback" not in back.err
    assert_all_restored(estate)


def test_tear_inside_a_multibyte_character(estate: Any, tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    assert fix(tmp_path, journal, "--role", "vendor-a").code == 0
    data = journal.read_bytes()
    cut = data.rindex("ü".encode()) + 1  # between the two bytes of the last "ü"
    journal.write_bytes(data[:cut])
    torn_line = line_count(journal) + 1
    second = fix(tmp_path, journal, "--role", "vendor-b")
    assert second.code == 0, second.err

    back = run_cli("rollback", str(journal), "--yes", cwd=tmp_path)
    assert back.code == 5, back.err
    assert back.out.count(": restored:") == 2
    assert f"skipped line {torn_line}:" in back.err
    assert_all_restored(estate)


def test_garbage_line_in_the_middle(estate: Any, tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    assert fix(tmp_path, journal, "--role", "vendor-a").code == 0
    with journal.open("ab") as out:
        out.write(b"\x00\x00\xff garbage {\n")
    garbage_line = line_count(journal)
    assert fix(tmp_path, journal, "--role", "vendor-b").code == 0
    assert fix(tmp_path, journal, "--role", "vendor-c").code == 0
    assert read_journal(journal).damaged == (garbage_line,)

    back = run_cli("rollback", str(journal), "--yes", cwd=tmp_path)
    assert back.code == 5, back.err
    assert back.out.count(": restored:") == 3
    assert f"skipped line {garbage_line}:" in back.err
    assert_all_restored(estate)
    # Whole again: a second rollback has nothing to do but still reports the damaged line.
    again = run_cli("rollback", str(journal), "--dry-run", cwd=tmp_path)
    assert again.code == 5
    assert again.out.count(": nothing-to-do:") == 3


def _limit_file_size(limit: int) -> Any:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # so write() fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_file_size_limit_stops_before_the_next_change(estate: Any, tmp_path: Path) -> None:
    # How many bytes one role's run takes (run, intent, applied), measured and undone.
    reference = tmp_path / "reference.jsonl"
    assert fix(tmp_path, reference, "--role", "vendor-b").code == 0
    one_role = reference.stat().st_size
    assert run_cli("rollback", str(reference), "--yes", cwd=tmp_path).code == 0

    journal = tmp_path / "j.jsonl"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(ROOT)])
    command = [sys.executable, "-c", "from trustwarden.cli.main import entry_point; entry_point()"]
    args = ["fix", "--external-id", EXT_ID, "--role", "vendor-[bc]", "--apply", "--yes"]
    proc = subprocess.run(
        [*command, *args, "--journal", str(journal)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        preexec_fn=_limit_file_size(one_role),
    )
    assert proc.returncode == 2, proc.stderr
    assert "internal error" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"cannot write the journal {journal}: File too large" in proc.stderr
    assert "stopped before the next change: 1 of 2 roles not attempted" in proc.stderr
    assert "changed before the journal failed (1 of 2; " in proc.stderr
    changed = [n for n in ("vendor-b", "vendor-c") if current(estate, n) != ORIGINALS[n]]
    assert len(changed) == 1  # the other was never attempted
    assert f"in the journal, complete up to that point): {ARN}{changed[0]}\n" in proc.stderr

    back = run_cli("rollback", str(journal), "--yes", cwd=tmp_path)
    assert back.out.count(": restored:") == 1
    assert back.code in (0, 5), back.err  # 5 when the failed write left a torn line
    assert_all_restored(estate)


def test_journal_directory_that_is_a_file_exits_2_and_changes_nothing(
    estate: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "state"
    blocker.write_text("a file where the journal directory should be\n")
    run = fix(tmp_path, blocker / "trustwarden" / "j.jsonl")
    assert run.code == 2, run.err
    assert "cannot open the journal" in run.err
    assert "Not a directory" in run.err
    assert "no role was changed" in run.err
    assert "rolled back" not in run.err
    assert_all_restored(estate)  # nothing was changed
