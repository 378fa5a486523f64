"""The journal: fsynced JSON lines, readable after a crash."""

from __future__ import annotations

import errno
import json
import os
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trustwarden.errors import InputError
from trustwarden.remediate.journal import (
    Journal,
    JournalWriteError,
    default_journal_path,
    describe_lines,
    read_journal,
)

ORIGINAL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*"}]}
PLANNED = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "1"}}]}


def fixed_clock() -> datetime:
    return datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def write_intent(journal: Journal, name: str = "r") -> None:
    journal.record(
        "intent",
        role_arn=f"arn:aws:iam::111111111111:role/{name}",
        role_name=name,
        account_id="111111111111",
        original=ORIGINAL,
        planned=PLANNED,
    )


def test_records_are_json_lines_on_disk_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "sub" / "j.jsonl"
    synced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(fd)
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    with Journal(path, clock=fixed_clock, run_id="run1") as journal:
        journal.record("run", tool_version="0.1.0", account_id="111111111111")
        write_intent(journal)
        # On disk (and fsynced once per record) before the journal is closed.
        lines = path.read_text().splitlines()
        assert len(lines) == 2
        assert len(synced) >= 2
    record = json.loads(lines[1])
    assert record["event"] == "intent"
    assert record["time"] == "2024-05-01T12:00:00Z"
    assert record["run_id"] == "run1"
    assert record["original"] == ORIGINAL
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_read_back_intents(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path, clock=fixed_clock) as journal:
        write_intent(journal, "a")
        journal.record("applied", role_arn="arn:aws:iam::111111111111:role/a", stored=PLANNED)
        write_intent(journal, "b")
    # A second run appends to the same file.
    with Journal(path, clock=fixed_clock) as journal:
        write_intent(journal, "a")
    contents = read_journal(path)
    assert [i.role_name for i in contents.intents] == ["a", "b", "a"]
    assert contents.roles() == [
        "arn:aws:iam::111111111111:role/a",
        "arn:aws:iam::111111111111:role/b",
    ]
    assert contents.intents[0].original == ORIGINAL
    assert contents.intents[0].planned == PLANNED
    assert len(contents.stored) == 1
    assert contents.damaged == ()


def test_a_lone_surrogate_is_written_as_an_ascii_escape_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path, clock=fixed_clock) as journal:
        write_intent(journal, "plain-Zürich")
        write_intent(journal, "x\ud800-Zürich")  # no UTF-8 for it: the line is \\uXXXX JSON
        write_intent(journal, "after")
    lines = path.read_bytes().split(b"\n")
    assert "Zürich".encode() in lines[0]  # other records keep their text as written
    assert b"\\ud800" in lines[1]
    assert lines[1].isascii()
    contents = read_journal(path)
    assert [i.role_name for i in contents.intents] == ["plain-Zürich", "x\ud800-Zürich", "after"]
    assert contents.damaged == ()


def test_a_torn_last_line_is_skipped_and_named(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path) as journal:
        write_intent(journal, "a")
        write_intent(journal, "b")
    text = path.read_text()
    path.write_text(text[: len(text) - 25])  # the process died while writing "b"
    contents = read_journal(path)
    assert [i.role_name for i in contents.intents] == ["a"]
    assert contents.damaged == (2,)


def test_an_append_after_a_tear_starts_on_a_fresh_line(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path) as journal:
        write_intent(journal, "a")
        write_intent(journal, "b")
    data = path.read_bytes()
    path.write_bytes(data[:-25])  # torn "b", no newline at the end
    with Journal(path) as journal:
        write_intent(journal, "c")
    contents = read_journal(path)
    assert [i.role_name for i in contents.intents] == ["a", "c"]
    assert contents.damaged == (2,)
    assert path.read_bytes().endswith(b"\n")


def test_a_tear_inside_a_multibyte_character_damages_only_its_line(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path) as journal:
        write_intent(journal, "a")
        journal.record("conflict", role_arn="x", detail="Zürich")
    data = path.read_bytes()
    cut = data.index("ü".encode()) + 1  # between the two bytes of "ü"
    path.write_bytes(data[:cut])
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")
    with Journal(path) as journal:
        write_intent(journal, "b")
    contents = read_journal(path)
    assert [i.role_name for i in contents.intents] == ["a", "b"]
    assert contents.damaged == (2,)


@pytest.mark.parametrize(
    "garbage",
    [
        b"not json",
        b'{"v": 2, "event": "run"}',
        b'["a list"]',
        b"\xff\xfe\x00\x00",
        b'{"v": 1, "event": "intent", "role_arn": "x"}',
        b'{"v":1,"event":"intent","run_id":"r","time":"t","role_arn":"a","role_name":"n",'
        b'"account_id":"1","original":"x","planned":{}}',
    ],
)
def test_a_damaged_line_in_the_middle_costs_only_itself(tmp_path: Path, garbage: bytes) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path) as journal:
        write_intent(journal, "a")
    with path.open("ab") as out:
        out.write(garbage + b"\n")
    with Journal(path) as journal:
        write_intent(journal, "b")
    contents = read_journal(path)
    assert [i.role_name for i in contents.intents] == ["a", "b"]
    assert contents.damaged == (2,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json\n", "holds no journal records \\(line 1 is not"),
        ('{"v": 2, "event": "run"}\n', "holds no journal records"),
        ("\n\n", "holds no journal records$"),
    ],
)
def test_files_without_any_record_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_journal(path)


def test_describe_lines() -> None:
    assert describe_lines([3]) == "line 3"
    assert describe_lines([3, 7, 9]) == "lines 3, 7 and 9"
    assert describe_lines(list(range(1, 13))) == "lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more"


def test_missing_journal(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no journal at"):
        read_journal(tmp_path / "missing.jsonl")


def test_unwritable_journal_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(JournalWriteError, match="cannot open the journal") as caught:
        Journal(blocker / "j.jsonl").open()
    assert caught.value.exit_code == 2  # nothing was attempted: not "rolled back" (4)
    journal = Journal(tmp_path / "j.jsonl")
    with pytest.raises(JournalWriteError, match="not open"):
        journal.record("run")


def test_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    path = default_journal_path(fixed_clock, "111111111111")
    assert path == tmp_path / "trustwarden" / "journal-20240501T120000Z-111111111111.jsonl"


def test_a_failed_write_stops_every_later_record_and_close_is_quiet(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.open()
    write_intent(journal, "a")
    real_write = os.write
    calls = {"n": 0}

    def full_disk(fd: int, data: bytes) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            return real_write(fd, bytes(data[:10]))  # part of the line reaches the file
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))

    monkeypatch.setattr(os, "write", full_disk)
    with pytest.raises(JournalWriteError, match="File too large"):
        write_intent(journal, "b")
    attempts = calls["n"]
    with pytest.raises(JournalWriteError, match="File too large"):
        write_intent(journal, "c")
    assert calls["n"] == attempts  # not even tried: the caller must stop
    journal.close()  # nothing buffered to retry: no second error hides the first
    assert calls["n"] == attempts
    monkeypatch.setattr(os, "write", real_write)
    contents = read_journal(path)
    assert [i.role_name for i in contents.intents] == ["a"]
    assert contents.damaged == (2,)


def test_a_symlinked_journal_is_refused(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.write_text("keep\n")
    link = tmp_path / "j.jsonl"
    link.symlink_to(precious)
    with pytest.raises(JournalWriteError, match="symbolic link") as caught:
        Journal(link).open()
    assert caught.value.exit_code == 2
    assert precious.read_text() == "keep\n"


def test_a_journal_on_a_fifo_is_written_through(tmp_path: Path) -> None:
    fifo = tmp_path / "j.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    with Journal(fifo) as journal:
        write_intent(journal, "a")
    reader.join(timeout=30)
    assert json.loads(got[0])["role_name"] == "a"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
