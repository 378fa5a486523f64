"""The remediation journal: an append-only JSON-lines file, flushed and fsynced per record.

``fix --apply`` writes an ``intent`` record (role, original document, planned document,
time) *before* it changes a role, and an outcome record after. ``rollback`` needs only the
intents, so a journal cut short by a crash, a kill or a full disk still restores every role
that may have been changed. Every append starts on a fresh line and every line is read on its
own, so a torn or damaged line (anywhere) costs only itself: it is skipped and reported.

Record shape (``v`` is the format version; documents keep their key order)::

    {"v": 1, "event": "run", "run_id": ..., "time": ..., "tool_version": ..., "account_id": ...}
    {"v": 1, "event": "intent", "run_id": ..., "time": ..., "role_arn": ..., "role_name": ...,
     "account_id": ..., "original": {...}, "planned": {...}}
    {"v": 1, "event": "applied", ..., "role_arn": ..., "stored": {...}}
    {"v": 1, "event": "conflict" | "rolled-back" | "restore-failed" | "restored" |
     "rollback-conflict" | "rollback-failed", ..., "role_arn": ..., "detail": "..."}
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from trustwarden.errors import ConfigError, ExitCode, InputError, RemediationError
from trustwarden.files import open_through, writes_through

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
    """The journal could not be written: nothing more may be changed.

    Exit code 2: what was changed before is in the journal; what was not, was not attempted.
    """

    exit_code = ExitCode.USAGE


class Journal:
    """An open journal file. Every :meth:`record` is on disk when it returns.

    Records are written unbuffered, one ``os.write`` loop per line, and every append starts
    on a fresh line: a line torn by an earlier crash or full disk stays one damaged line
    instead of swallowing the next record. After a failed write the journal refuses every
    further record, so the caller stops before its next change.
    """

    def __init__(self, path: Path, *, clock: Clock = utc_now, run_id: str | None = None) -> None:
        self.path = path
        self.clock = clock
        self.run_id = run_id or uuid.uuid4().hex
        self._fd: int | None = None
        self._regular = False
        self.failure: str | None = None  # why the last write failed (then nothing more is written)

    def __enter__(self) -> Journal:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Create (mode 0600) or append to the journal: a regular file, a device or a FIFO."""
        try:
            if writes_through(self.path, "the journal"):
                self._fd = open_through(self.path, "the journal", append=True)
                return
        except ConfigError as exc:
            raise JournalWriteError(exc.message, exc.hint) from None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW
            self._fd = os.open(self.path, flags, 0o600)
            self._regular = True
            if created:
                _fsync_dir(self.path.parent)
            size = os.fstat(self._fd).st_size
            if size and os.pread(self._fd, 1, size - 1) != b"\n":
                self._write(b"\n")  # the last line was torn: start on a fresh one
        except OSError as exc:
            self.close()
            raise JournalWriteError(
                f"cannot open the journal {self.path}: {exc.strerror or exc}",
                hint="choose a writable path with --journal",
            ) from exc

    def close(self) -> None:
        """Close the file (records are already on disk; nothing is written here)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def record(self, event: str, **fields: Any) -> dict[str, Any]:
        """Append one record and fsync it; returns the record."""
        if self._fd is None:
            raise JournalWriteError(f"the journal {self.path} is not open")
        if self.failure is not None:
            raise JournalWriteError(f"cannot write the journal {self.path}: {self.failure}")
        entry = {
            "v": FORMAT_VERSION,
            "event": event,
            "run_id": self.run_id,
            "time": timestamp(self.clock()),
            **fields,
        }
        # Not sort_keys: the documents must keep their key order for a faithful restore.
        text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        try:
            data = (text + "\n").encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: keep the record readable as \\uXXXX
            data = (json.dumps(entry, separators=(",", ":"), allow_nan=False) + "\n").encode()
        try:
            self._write(data)
        except OSError as exc:
            self.failure = exc.strerror or str(exc)
            raise JournalWriteError(
                f"cannot write the journal {self.path}: {self.failure}"
            ) from exc
        return entry

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            raise OSError(errno.EBADF, "the journal is not open")
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        if self._regular:  # a device or FIFO has nothing to sync
            os.fsync(self._fd)


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
    # 1-based numbers of the lines that are not whole records (torn by a crash or a full
    # disk, or damaged otherwise); every other line was used.
    damaged: tuple[int, ...] = ()

    def roles(self) -> list[str]:
        """Role ARNs with intents, in first-seen order."""
        return list(dict.fromkeys(i.role_arn for i in self.intents))


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the journal's whole records (damaged lines are left out)."""
    records, _damaged = _load(path)
    for _number, record in records:
        yield record


def _load(path: Path) -> tuple[list[tuple[int, dict[str, Any]]], list[int]]:
    """``(line number, record)`` for every whole record, and the numbers of the other lines.

    Each line is decoded on its own, so a tear inside a multi-byte character damages only
    its line. :class:`InputError` when the file cannot be read or holds no record at all.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise InputError(f"no journal at {path}") from exc
    except OSError as exc:
        raise InputError(f"cannot read the journal {path}: {exc.strerror or exc}") from exc
    records: list[tuple[int, dict[str, Any]]] = []
    damaged: list[int] = []
    for index, raw in enumerate(data.split(b"\n")):
        if not raw.strip():
            continue
        record = _record(raw)
        if record is None:
            damaged.append(index + 1)
        else:
            records.append((index + 1, record))
    if not records:
        why = f" (line {damaged[0]} is not a trustwarden journal record)" if damaged else ""
        raise InputError(f"{path} holds no journal records{why}")
    return records, damaged


def _record(raw: bytes) -> dict[str, Any] | None:
    """One line as a v1 record, or ``None`` when it is not a whole one."""
    try:
        record = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or record.get("v") != FORMAT_VERSION:
        return None
    if record.get("event") == "intent" and _intent(record) is None:
        return None
    return record


def read_journal(path: Path) -> JournalContents:
    """Parse a journal file into intents; damaged lines are skipped and listed.

    :class:`InputError` when the file cannot be read or holds no journal record at all.
    """
    intents: list[Intent] = []
    stored: dict[tuple[str, str], Mapping[str, Any]] = {}
    records, damaged = _load(path)
    for _number, record in records:
        event = record.get("event")
        if event == "intent":
            intent = _intent(record)
            if intent is not None:  # always: _load keeps only records _intent accepts
                intents.append(intent)
        elif event == "applied" and isinstance(record.get("stored"), dict):
            stored[(str(record.get("role_arn")), str(record.get("run_id")))] = record["stored"]
    return JournalContents(intents=tuple(intents), stored=stored, damaged=tuple(damaged))


def _intent(record: Mapping[str, Any]) -> Intent | None:
    """The intent a record holds, or ``None`` when a field is missing or malformed."""
    original = record.get("original")
    planned = record.get("planned")
    if not isinstance(original, dict) or not isinstance(planned, dict):
        return None
    fields = ("run_id", "time", "role_arn", "role_name", "account_id")
    if not all(isinstance(record.get(name), str) for name in fields):
        return None
    return Intent(
        run_id=record["run_id"],
        time=record["time"],
        role_arn=record["role_arn"],
        role_name=record["role_name"],
        account_id=record["account_id"],
        original=original,
        planned=planned,
    )


def describe_lines(numbers: Sequence[int]) -> str:
    """``line 3`` / ``lines 3, 7 and 9`` (the first 10, then a count)."""
    shown = [str(n) for n in numbers[:10]]
    more = len(numbers) - len(shown)
    if more:
        shown.append(f"{more} more")
    if len(shown) == 1:
        return f"line {shown[0]}"
    return f"lines {', '.join(shown[:-1])} and {shown[-1]}"
