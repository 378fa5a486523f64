"""Find an authorization-details file's top-level ``Policies`` by reading from its end.

The AWS CLI writes ``Policies`` after ``RoleDetailList``, but every role's permissions need
the customer-managed policy documents ``Policies`` holds. Rather than decoding the whole
role list twice, :func:`probe_policies` searches the file backwards for the bytes
``"Policies"`` and checks each candidate by parsing from it to the end of the file as the
rest of the top-level object: a key, its array, any further members, ``}`` and nothing
after. For valid JSON only the top-level key passes that check: a candidate inside a string
is ruled out by the backslashes before its quote, and one nested deeper leaves closing
brackets after the ``}`` it reaches. When no candidate passes (no such key, a key written
with escapes, a file that cannot be re-read), the probe returns ``None`` and the caller
falls back to reading the file twice.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from trustwarden.errors import InputError
from trustwarden.sources.jsonstream import JsonStream
from trustwarden.sources.permissions import index_entry

NEEDLE = b'"Policies"'
CHUNK_SIZE = 1 << 20
_LOOK_BEHIND = 64
# Keys after which the candidate cannot stand for all the file's policies.
_CONFLICTING_KEYS = frozenset({"Policies", "RoleDetailList"})


def read_policy_index(stream: JsonStream) -> dict[str, Mapping[str, Any]]:
    """Read a ``Policies`` array (the reader is at its ``[``) into an ARN -> document index."""
    if stream.peek() != "[":
        raise stream.error("Policies is not a list")
    index: dict[str, Mapping[str, Any]] = {}
    for _, _, entry in stream.array():
        index_entry(index, entry)
    return index


def probe_policies(path: Path, name: str) -> dict[str, Mapping[str, Any]] | None:
    """The policy index of the top-level ``Policies`` array, or ``None`` if not found so."""
    try:
        with path.open("rb") as handle:
            end = handle.seek(0, io.SEEK_END)
            while end > 0:
                start = max(0, end - CHUNK_SIZE)
                low = max(0, start - _LOOK_BEHIND)  # to count backslashes before a needle
                handle.seek(low)
                data = handle.read(end - low + len(NEEDLE) - 1)  # needles that cross `end` too
                found = data.rfind(NEEDLE, start - low)
                while found >= 0:
                    escapes = _backslashes_before(data, found)
                    if escapes == found and low > 0:
                        return None  # the backslashes go on before what was read: unsure
                    if escapes % 2 == 0:
                        index = _verify(path, low + found, name)
                        if index is not None:
                            return index
                    found = data.rfind(NEEDLE, start - low, found)
                end = start
    except OSError:
        return None
    return None


def _backslashes_before(data: bytes, pos: int) -> int:
    count = 0
    while pos - count > 0 and data[pos - count - 1] == 0x5C:  # "\"
        count += 1
    return count


def _verify(path: Path, offset: int, name: str) -> dict[str, Mapping[str, Any]] | None:
    """The index if the file from ``offset`` is ``"Policies": [...]`` and the object's end."""
    try:
        with path.open("rb") as raw:
            raw.seek(offset)
            stream = JsonStream(io.TextIOWrapper(raw, encoding="utf-8"), name)
            if stream.member() != "Policies":
                return None
            index = read_policy_index(stream)
            for key in stream.object_keys(resume=True):
                if key in _CONFLICTING_KEYS:
                    return None
                stream.skip()
            stream.end()
    except (InputError, OSError, UnicodeDecodeError):
        return None
    return index
