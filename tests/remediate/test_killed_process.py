"""A ``fix --apply`` process killed mid-run leaves a journal that ``rollback`` fully undoes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import trustwarden
from tests.moto_server import MotoServer
from tests.remediate.cli_runner import run_cli
from tests.remediate.live import client, current, exposed, seed
from trustwarden.remediate.journal import read_journal

pytestmark = pytest.mark.moto_server

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(trustwarden.__file__).resolve().parents[1]


@pytest.mark.parametrize("k", [1, 3])
def test_kill_after_kth_update_then_rollback(moto_env: MotoServer, tmp_path: Path, k: int) -> None:
    iam = client()
    originals = {f"vendor-{i}": exposed(sid=f"V{i}") for i in range(5)}
    seed(iam, originals)
    journal = tmp_path / "journal.jsonl"
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SRC), str(ROOT)])
    args = ["fix", "--external-id", "vendor-issued-7f3a", "--apply", "--yes", "--journal"]
    proc = subprocess.run(
        [sys.executable, "-m", "tests.remediate.kill_after_update", str(k), *args, str(journal)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr

    changed = [n for n, doc in originals.items() if current(iam, n) != doc]
    assert len(changed) == k  # the k-th change is live but was never verified
    contents = read_journal(journal)
    assert sorted(i.role_name for i in contents.intents) == sorted(changed)

    run = run_cli("rollback", str(journal), "--yes", cwd=tmp_path)
    assert run.code == 0, run.err
    assert run.out.count(": restored:") == k
    for name, doc in originals.items():
        assert current(iam, name) == doc
