"""The remediation journal: an append-only JSON-lines file, flushed and fsynced per record.

``fix --apply`` writes an ``intent`` record (role, original document, planned document,
time) *before* it changes a role, and an outcome record after. ``rollback`` needs only the
intents, so a journal cut short by a crash, a kill or a full disk still restores every role
that may have been changed. A torn last line (the process died mid-write) is ignored.

Record shape (``v`` is the format version; documents keep their key order)::

    {"v": 1, "event": "run", "run_id": ..., "time": ..., "tool_version": ..., "account_id": ...}
    {"v": 1, "event": "intent", "run_id": ..., "time": ..., "role_arn": ..., "role_name": ...,
     "account_id": ..., "original": {...}, "planned": {...}}
    {"v": 1, "event": "applied", ..., "role_arn": ..., "stored": {...}}
    {"v": 1, "event": "conflict" | "rolled-back" | "restore-failed" | "restored" |
     "rollback-conflict" | "rollback-failed", ..., "role_arn": ..., "detail": "..."}
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from trustwarden.errors import InputError, RemediationError

FORMAT_VERSION = 1
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def timestamp(moment: datetime) -> str:
    """ISO-8601 UTC with seconds, e.g. ``2024-05-01T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def default_journal_path(
    clock: Clock = utc_now,
    account_id: str | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> Path:
    """``$XDG_STATE_HOME/trustwarden/journal-<time>[-<account>].jsonl`` (~/.local/state)."""
    environ = os.environ if env is None else env
    home = environ.get("HOME")
    base = environ.get("XDG_STATE_HOME") or str(
        (Path(home) if home else Path.home()) / ".local" / "state"
    )
    stamp = clock().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = f"-{account_id}" if account_id else ""
    return Path(base) / "trustwarden" / f"journal-{stamp}{suffix}.jsonl"


class JournalWriteError(RemediationError):
    """The journal could not be written: nothing more may be changed."""


class Journal:
    """An open journal file. Every :meth:`record` is on disk when it returns."""

    def __init__(self, path: Path, *, clock: Clock = utc_now, run_id: str | None = None) -> None:
        self.path = path
        self.clock = clock
        self.run_id = run_id or uuid.uuid4().hex
        self._file: IO[str] | None = None

    def __enter__(self) -> Journal:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Create (mode 0600) or append to the journal file."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            self._file = os.fdopen(fd, "a", encoding="utf-8")
            if created:
                _fsync_dir(self.path.parent)
        except OSError as exc:
            raise JournalWriteError(
                f"cannot open the journal {self.path}: {exc.strerror or exc}",
                hint="choose a writable path with --journal",
            ) from exc

    def close(self) -> None:
        """Close the file (records are already on disk)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def record(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one record and fsync it; returns the record."""
        if self._file is None:
            raise JournalWriteError(f"the journal {self.path} is not open")
        entry = {
            "v": FORMAT_VERSION,
            "event": event,
            "run_id": self.run_id,
            "time": timestamp(self.clock()),
            **fields,
        }
        # Not sort_keys: the documents must keep their key order for a faithful restore.
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        try:
            self._file.write(line + "\n")
            self._file.flush()
            os.fsync(self._file.fileno())
        except OSError as exc:
            raise JournalWriteError(
                f"cannot write the journal {self.path}: {exc.strerror or exc}"
            ) from exc
        return entry


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class Intent:
    """A change ``fix`` was about to make (and may have made)."""

    run_id: str
    time: str
    role_arn: str
    role_name: str
    account_id: str
    original: Mapping[str, Any]
    planned: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class JournalContents:
    """What a journal says: intents in file order, plus documents IAM was seen to store."""

    intents: tuple[Intent, ...]
    # (role ARN, run id) -> the document IAM showed after the write (its own spelling).
    stored: Mapping[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)
    torn_tail: bool = False  # the last line was cut short (process died mid-write)

    def roles(self) -> list[str]:
        """Role ARNs with intents, in first-seen order."""
        return list(dict.fromkeys(i.role_arn for i in self.intents))


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the journal's records; a torn last line is skipped, other bad lines raise."""
    records, _torn = _load(path)
    yield from records


def _load(path: Path) -> tuple[list[dict[str, Any]], bool]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError(f"no journal at {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the journal {path}: {exc}") from exc
    lines = text.split("\n")
    last = len(lines) - 1
    records: list[dict[str, Any]] = []
    torn = False
    for number, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == last:  # no newline after it: a write cut short
                torn = True
                break
            raise InputError(f"{path}:{number + 1}: not a journal record ({exc.msg})") from exc
        if not isinstance(record, dict) or record.get("v") != FORMAT_VERSION:
            raise InputError(f"{path}:{number + 1}: not a trustwarden journal record (v1)")
        records.append(record)
    return records, torn


def read_journal(path: Path) -> JournalContents:
    """Parse a journal file into intents (:class:`InputError` if it is not one)."""
    intents: list[Intent] = []
    stored: dict[tuple[str, str], Mapping[str, Any]] = {}
    records, torn = _load(path)
    for record in records:
        event = record.get("event")
        if event == "intent":
            intents.append(_intent(path, record))
        elif event == "applied" and isinstance(record.get("stored"), dict):
            stored[(str(record.get("role_arn")), str(record.get("run_id")))] = record["stored"]
    if not records:
        raise InputError(f"{path} holds no journal records")
    return JournalContents(
        intents=tuple(intents),
        stored=stored,
        torn_tail=torn,
    )


def _intent(path: Path, record: Mapping[str, Any]) -> Intent:
    try:
        original = record["original"]
        planned = record["planned"]
        intent = Intent(
            run_id=str(record["run_id"]),
            time=str(record["time"]),
            role_arn=str(record["role_arn"]),
            role_name=str(record["role_name"]),
            account_id=str(record["account_id"]),
            original=original,
            planned=planned,
        )
    except KeyError as exc:
        raise InputError(f"{path}: an intent record without {exc}") from exc
    if not isinstance(original, dict) or not isinstance(planned, dict):
        raise InputError(f"{path}: an intent record whose documents are not JSON objects")
    return intent
