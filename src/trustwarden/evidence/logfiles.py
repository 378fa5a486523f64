"""CloudTrail log files: a trail's ``AWSLogs/…/CloudTrail/REGION/YYYY/MM/DD/*.json.gz``
objects, each a gzip-compressed JSON object with a top-level ``Records`` array.

Files are read one at a time (CloudTrail delivers a file about every five minutes per
region, so each is small) and reduced to calls at once; only the aggregate is kept.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import zlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import IO

from trustwarden.evidence.aggregate import Aggregator
from trustwarden.evidence.records import call_from_record
from trustwarden.formats.escape import escape

# Progress: (files done, files in total, calls counted so far).
Progress = Callable[[int, int, int], None]

_DATED = re.compile(r"/CloudTrail/[^/]+/(\d{4})/(\d{2})/(\d{2})/")
MAX_PROBLEMS = 20


def is_log_file(name: str) -> bool:
    """A CloudTrail log file (not a digest file, which holds no records)."""
    return name.endswith((".json.gz", ".json")) and "/CloudTrail-Digest/" not in name


def delivered_before(name: str, since: str | None) -> bool:
    """True when the file's ``YYYY/MM/DD`` folder is a day before ``since``'s.

    A file is delivered after the records it holds, so a file delivered on an earlier day
    cannot hold a record at or after ``since``: it is not read at all.
    """
    if not since:
        return False
    match = _DATED.search("/" + name.replace(os.sep, "/"))
    if match is None:
        return False
    return "-".join(match.groups()) < since[:10]


def read_records(handle: IO[bytes], compressed: bool) -> list[object]:
    """The ``Records`` of one log file (``ValueError`` when it is not one)."""
    data = gzip.GzipFile(fileobj=handle).read() if compressed else handle.read()
    document = json.loads(data)
    if not isinstance(document, dict) or not isinstance(document.get("Records"), list):
        raise ValueError("no top-level Records array")  # noqa: TRY004 - a content error
    records: list[object] = document["Records"]
    return records


def add_file(aggregator: Aggregator, name: str, opener: Callable[[], IO[bytes]]) -> None:
    """Read one file into ``aggregator``; a file that cannot be read becomes a problem note."""
    try:
        with opener() as handle:
            records = read_records(handle, name.endswith(".gz"))
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        if len(aggregator.problems) < MAX_PROBLEMS:
            aggregator.problems.append(f"{escape(name)}: not a CloudTrail log file ({_why(exc)})")
        return
    aggregator.files_read += 1
    aggregator.add_all(call_from_record(r) for r in records)


def _why(exc: BaseException) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"JSON: {exc.msg} at line {exc.lineno}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def local_files(root: Path, since: str | None) -> list[Path]:
    """The log files under ``root`` in path order (a single file is its own list)."""
    if root.is_file():
        return [root]
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if is_log_file(str(path)) and not delivered_before(str(path), since):
                found.append(path)
    return found


def read_directory(root: Path, aggregator: Aggregator, progress: Progress | None = None) -> None:
    """Read every log file under ``root`` (a directory, or one file) into ``aggregator``."""
    paths = local_files(root, aggregator.since)
    for done, path in enumerate(paths, 1):
        add_file(aggregator, str(path), partial(_open_binary, path))
        if progress is not None:
            progress(done, len(paths), aggregator.counted)


def _open_binary(path: Path) -> IO[bytes]:
    return path.open("rb")
