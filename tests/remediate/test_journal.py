"""The journal: fsynced JSON lines, readable after a crash."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trustwarden.errors import InputError
from trustwarden.remediate.journal import (
    Journal,
    JournalWriteError,
    default_journal_path,
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
    assert not contents.torn_tail


def test_a_torn_last_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    with Journal(path) as journal:
        write_intent(journal, "a")
        write_intent(journal, "b")
    text = path.read_text()
    path.write_text(text[: len(text) - 25])  # the process died while writing "b"
    contents = read_journal(path)
    assert [i.role_name for i in contents.intents] == ["a"]
    assert contents.torn_tail


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('not json\n{"v": 1, "event": "run"}\n', ":1: not a journal record"),
        ('{"v": 2, "event": "run"}\n', "not a trustwarden journal record"),
        ('["a list"]\n', "not a trustwarden journal record"),
        ("\n\n", "holds no journal records"),
        ('{"v": 1, "event": "intent", "role_arn": "x"}\n', "an intent record without"),
        (
            '{"v":1,"event":"intent","run_id":"r","time":"t","role_arn":"a","role_name":"n",'
            '"account_id":"1","original":"x","planned":{}}\n',
            "not JSON objects",
        ),
    ],
)
def test_bad_journals(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(text)
    with pytest.raises(InputError, match=message):
        read_journal(path)


def test_missing_journal(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no journal at"):
        read_journal(tmp_path / "missing.jsonl")


def test_unwritable_journal_is_an_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(JournalWriteError, match="cannot open the journal"):
        Journal(blocker / "j.jsonl").open()
    journal = Journal(tmp_path / "j.jsonl")
    with pytest.raises(JournalWriteError, match="not open"):
        journal.record("run")


def test_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    path = default_journal_path(fixed_clock, "111111111111")
    assert path == tmp_path / "trustwarden" / "journal-20240501T120000Z-111111111111.jsonl"
