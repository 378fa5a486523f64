"""Output files: atomic for regular files, written through for devices, FIFOs and /dev/stdout.

Never touches the real /dev/null: character devices are private ``mknod`` nodes in tmp_path.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import trustwarden
from tests.cli.conftest import data
from tests.cli.runner import Run, invoke
from trustwarden.errors import ConfigError
from trustwarden.files import OutputFile, OutputKind, output_kind, stream_alias, write_text
from trustwarden.remediate.journal import Journal

STDOUT = ["--output", "/dev/stdout"]
SRC = Path(trustwarden.__file__).resolve().parents[1]
ENTRY = [sys.executable, "-c", "from trustwarden.cli.main import entry_point; entry_point()"]


def scan_to(path: Path, cwd: Path) -> Run:
    return invoke(
        ["scan", "--input", data("estate.json"), "--format", "json", "--output", str(path)],
        env={},
        cwd=cwd,
    )


def null_device(tmp_path: Path) -> Path:
    """A private character device like /dev/null (1, 3), mode 0666; skip where mknod is denied."""
    if os.geteuid() != 0:
        pytest.skip("creating a character device (mknod) needs root")
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("mknod of a character device is not allowed in this container")
    node.chmod(0o666)  # exactly, whatever the umask
    return node


class FifoReader:
    """Reads a FIFO to its end in a thread (the writer's open blocks until a reader opens)."""

    def __init__(self, path: Path) -> None:
        os.mkfifo(path, 0o640)
        self.path = path
        self.data = b""
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        with self.path.open("rb") as pipe:
            self.data = pipe.read()

    def result(self) -> bytes:
        self._thread.join(timeout=30)
        assert not self._thread.is_alive()
        return self.data


@pytest.fixture
def fifo(tmp_path: Path) -> FifoReader:
    return FifoReader(tmp_path / "report.fifo")


def test_a_fifo_reader_receives_the_full_report(fifo: FifoReader, tmp_path: Path) -> None:
    run = scan_to(fifo.path, tmp_path)
    assert run.code == 1, run.err  # the estate has a failing role
    report = json.loads(fifo.result())
    assert report["run"]["complete"] is True
    assert len(report["results"]) >= 3
    assert stat.S_ISFIFO(fifo.path.lstat().st_mode)  # still a FIFO, not a regular file
    assert stat.S_IMODE(fifo.path.lstat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.fifo"]  # no temporary left


def test_a_character_device_stays_a_device_with_its_mode(tmp_path: Path) -> None:
    node = null_device(tmp_path)
    before = node.lstat()
    run = scan_to(node, tmp_path)
    assert run.code == 1, run.err
    after = node.lstat()
    assert stat.S_ISCHR(after.st_mode)
    assert after.st_mode == before.st_mode
    assert after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino  # the same node, not a replacement
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def test_dev_stdout_is_written_through_in_a_real_process(tmp_path: Path) -> None:
    before = os.lstat("/dev/stdout")
    done = subprocess.run(
        [*ENTRY, "scan", "--input", data("estate.json"), "--format", "json", *STDOUT],
        capture_output=True,
        check=False,
        timeout=60,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["run"]["complete"] is True
    after = os.lstat("/dev/stdout")
    assert stat.S_ISLNK(after.st_mode)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)


def test_dev_stdout_in_process_goes_to_the_given_stdout(tmp_path: Path) -> None:
    run = scan_to(Path("/dev/stdout"), tmp_path)
    assert run.code == 1, run.err
    assert json.loads(run.out)["run"]["complete"] is True


def test_a_regular_file_is_replaced_atomically_with_mode_0600(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    out = OutputFile(target)
    assert out.atomic
    out.stream.write("new")
    assert target.read_text() == "old"  # untouched until commit
    out.commit()
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_a_symlink_to_a_regular_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.write_text("keep me")
    link = tmp_path / "report.json"
    link.symlink_to(precious)
    run = scan_to(link, tmp_path)
    assert run.code == 2
    assert "refusing to write" in run.err
    assert "symbolic link" in run.err
    assert "Traceback" not in run.err
    assert precious.read_text() == "keep me"
    assert link.is_symlink()
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="symbolic link"):
        output_kind(dangling)
    assert not (tmp_path / "nowhere").exists()


def test_a_symlink_to_a_fifo_is_written_through(fifo: FifoReader, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(fifo.path)
    write_text(link, "hello\n")
    assert fifo.result() == b"hello\n"
    assert link.is_symlink()


def test_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="it is a directory"):
        output_kind(tmp_path)
    run = scan_to(tmp_path, tmp_path)
    assert run.code == 2
    assert "Traceback" not in run.err


def test_kinds_and_aliases(tmp_path: Path) -> None:
    assert output_kind(tmp_path / "new") is OutputKind.FILE
    assert output_kind(tmp_path / "missing-dir" / "new") is OutputKind.FILE
    assert stream_alias(Path("/dev/stdout")) == 1
    assert stream_alias(Path("/dev/stderr")) == 2
    assert stream_alias(Path("/dev/fd/5")) == 5
    assert stream_alias(Path("/proc/self/fd/7")) == 7
    assert stream_alias(tmp_path / "stdout") is None


def test_out_dir_writes_through_a_fifo_at_the_role_file(tmp_path: Path) -> None:
    out_dir = tmp_path / "fixed"
    out_dir.mkdir()
    reader = FifoReader(out_dir / "vendor-admin-access.trust.json")
    dest = [str(out_dir)]
    run = invoke(
        ["fix", "--sample", "--require-mfa", "--role", "vendor-admin-access", "--out-dir", *dest],
        env={},
        cwd=tmp_path,
    )
    assert run.code == 0, run.err
    fixed = json.loads(reader.result())
    assert fixed["Statement"][0]["Condition"]["Bool"] == {"aws:MultiFactorAuthPresent": "true"}
    assert stat.S_ISFIFO(reader.path.lstat().st_mode)


def test_a_journal_on_a_character_device_stays_a_device(tmp_path: Path) -> None:
    node = null_device(tmp_path)
    before = node.lstat()
    with Journal(node) as journal:
        journal.record("run", account_id="111111111111")
    after = node.lstat()
    assert (after.st_mode, after.st_rdev, after.st_ino) == (
        before.st_mode,
        before.st_rdev,
        before.st_ino,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


def fix_into(out_dir: Path, cwd: Path) -> Run:
    args = ["fix", "--sample", "--require-mfa", "--role", "vendor-admin-access"]
    return invoke([*args, "--out-dir", str(out_dir)], env={}, cwd=cwd)


def test_out_dir_role_file_that_is_a_device_stays_a_device(tmp_path: Path) -> None:
    out_dir = tmp_path / "fixed"
    out_dir.mkdir()
    node = null_device(out_dir)
    role_file = out_dir / "vendor-admin-access.trust.json"
    node.rename(role_file)
    before = role_file.lstat()
    run = fix_into(out_dir, tmp_path)
    assert run.code == 0, run.err
    after = role_file.lstat()
    assert (after.st_mode, after.st_rdev, after.st_ino) == (
        before.st_mode,
        before.st_rdev,
        before.st_ino,
    )
    assert [p.name for p in out_dir.iterdir()] == [role_file.name]  # no temporary left


def test_out_dir_role_file_that_is_a_symlink_is_refused_and_its_target_kept(
    tmp_path: Path,
) -> None:
    precious = tmp_path / "precious"
    precious.write_text("keep\n")
    out_dir = tmp_path / "fixed"
    out_dir.mkdir()
    (out_dir / "vendor-admin-access.trust.json").symlink_to(precious)
    run = fix_into(out_dir, tmp_path)
    assert run.code == 2
    assert "it is a symbolic link" in run.err
    assert "Traceback" not in run.err
    assert precious.read_text() == "keep\n"
    assert (out_dir / "vendor-admin-access.trust.json").is_symlink()
