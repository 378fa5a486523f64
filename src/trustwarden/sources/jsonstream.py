"""An incremental JSON reader: walk a document's top level and stream large arrays.

Only the standard library's C decoder is used (``JSONDecoder.raw_decode``) on a sliding text
buffer, so a 100,000-role file is read element by element in bounded memory instead of being
decoded as one huge object. The reader tracks line numbers for error messages and origins.
Numbers Python cannot hold faithfully (``1e999``, ``NaN``, a 5,000-digit integer) come out as
:class:`~trustwarden.jsonvalues.BadNumber` values, and a value nested deeper than the decoder
can follow is skipped whole and comes out as :data:`TOO_DEEP`, so they spoil only their role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TextIO

from trustwarden.errors import InputError
from trustwarden.jsonvalues import BadNumber, decoder

_WS = re.compile(r"[ \t\n\r]*")
CHUNK_SIZE = 1 << 20
_NUMBER_TAIL = frozenset("0123456789.eE+-")


class TooDeep:
    """The place of a value nested too deeply to decode (it was skipped whole)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "TOO_DEEP"


TOO_DEEP = TooDeep()


def _end_of_nested(buf: str, pos: int) -> int | None:
    """The end of the array or object at ``buf[pos]``, by counting brackets; ``None`` if cut."""
    depth = 0
    in_string = False
    i = pos
    while i < len(buf):
        char = buf[i]
        if in_string:
            if char == "\\":
                i += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


class JsonStream:
    """Read one JSON document from ``handle`` piece by piece.

    Use :meth:`peek` to see what comes next, :meth:`object_keys` to walk an object (the caller
    must consume each value with :meth:`value`, :meth:`array` or :meth:`skip` before asking for
    the next key), :meth:`array` to stream an array's elements, and :meth:`end` to check that
    nothing follows the document. Errors are :class:`InputError` naming ``name`` and the line.
    """

    def __init__(self, handle: TextIO, name: str, chunk_size: int | None = None) -> None:
        self._handle = handle
        self._name = name
        self._chunk = chunk_size or CHUNK_SIZE
        self._decoder = decoder()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._line = 1  # line number at self._line_pos
        self._line_pos = 0

    # ------------------------------------------------------------------ buffer

    def _read(self, size: int) -> None:
        try:
            data = self._handle.read(size)
        except UnicodeDecodeError:
            raise InputError(f"{self._name}: not UTF-8 text") from None
        except OSError as exc:
            raise InputError(f"{self._name}: cannot read: {exc.strerror or exc}") from None
        if not data:
            self._eof = True
            return
        if self._pos:
            self._line += self._buf.count("\n", self._line_pos, self._pos)
            self._buf = self._buf[self._pos :]
            self._pos = 0
            self._line_pos = 0
        self._buf += data

    def _line_at(self, pos: int) -> int:
        return self._line + self._buf.count("\n", self._line_pos, pos)

    def line(self) -> int:
        """The 1-based line of the next character."""
        self._line = self._line_at(self._pos)
        self._line_pos = self._pos
        return self._line

    def error(self, message: str, pos: int | None = None) -> InputError:
        """An :class:`InputError` for ``message`` at ``pos`` (default: the current position)."""
        line = self._line_at(self._pos if pos is None else pos)
        return InputError(f"{self._name}: {message} (line {line})")

    # ------------------------------------------------------------------ tokens

    def peek(self) -> str:
        """The next non-blank character, or ``""`` at the end of the input."""
        while True:
            match = _WS.match(self._buf, self._pos)
            self._pos = match.end() if match else self._pos
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if self._eof:
                return ""
            self._read(self._chunk)

    def expect(self, char: str, what: str) -> None:
        """Consume ``char`` (after blanks) or raise an error naming ``what`` was expected."""
        found = self.peek()
        if found != char:
            shown = repr(found) if found else "end of file"
            raise self.error(f"not valid JSON: expected {what}, found {shown}")
        self._pos += 1

    def value(self) -> object:
        """Decode the next complete JSON value."""
        if not self.peek():
            raise self.error("not valid JSON: unexpected end of file")
        while True:
            try:
                obj, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof:
                    raise self.error(f"not valid JSON: {exc.msg}", exc.pos) from None
                # Maybe the value is cut by the buffer end: read more (geometrically).
                self._read(max(self._chunk, len(self._buf) - self._pos))
                continue
            except RecursionError:
                skipped = _end_of_nested(self._buf, self._pos)
                if skipped is None:
                    if self._eof:
                        raise self.error("not valid JSON: nested too deeply") from None
                    self._read(max(self._chunk, len(self._buf) - self._pos))
                    continue
                self._pos = skipped
                return TOO_DEEP
            if not self._eof and (
                end == len(self._buf)
                or (self._buf[end] in _NUMBER_TAIL and type(obj) in (int, float, BadNumber))
            ):
                self._read(self._chunk)  # a number may go on in the next chunk ("1" | "e+16")
                continue
            self._pos = end
            return obj

    def skip(self) -> None:
        """Consume the next value, streaming through it if it is an array."""
        if self.peek() == "[":
            for _ in self.array():
                pass
        else:
            self.value()

    def array(self) -> Iterator[tuple[int, int, object]]:
        """Yield ``(index, line, element)`` for each element of the array that comes next."""
        self.expect("[", "an array")
        if self.peek() == "]":
            self._pos += 1
            return
        index = 0
        while True:
            line = self.line()
            yield index, line, self.value()
            index += 1
            char = self.peek()
            self._pos += 1
            if char == "]":
                return
            if char != ",":
                self._pos -= 1
                raise self.error("not valid JSON: expected ',' or ']' after an array element")

    def object_keys(self, *, resume: bool = False) -> Iterator[str]:
        """Walk the object that comes next, yielding each key with the reader at its value.

        With ``resume``, the reader is just after a member's value inside an object (see
        :meth:`member` and :func:`~trustwarden.sources.policies_probe.probe_policies`): the
        walk goes on with the object's remaining members.
        """
        if resume:
            if not self._next_member():
                return
        else:
            self.expect("{", "an object")
            if self.peek() == "}":
                self._pos += 1
                return
        while True:
            yield self.member()
            if not self._next_member():
                return

    def member(self) -> str:
        """Read a property name and its ``:``; the reader is then at the value."""
        if self.peek() != '"':
            raise self.error("not valid JSON: expected a property name in double quotes")
        key = self.value()
        if not isinstance(key, str):  # pragma: no cover - a '"' always decodes to a str
            raise self.error("not valid JSON: expected a property name")
        self.expect(":", "':'")
        return key

    def _next_member(self) -> bool:
        char = self.peek()
        self._pos += 1
        if char == "}":
            return False
        if char != ",":
            self._pos -= 1
            raise self.error("not valid JSON: expected ',' or '}' after a property")
        return True

    def rest(self) -> str:
        """All remaining text (for inputs that are not JSON at all)."""
        parts = [self._buf[self._pos :]]
        while not self._eof:
            self._pos = len(self._buf)
            self._read(self._chunk)
            parts.append(self._buf[self._pos :])
        self._pos = len(self._buf)
        return "".join(parts)

    def end(self) -> None:
        """Check that only blanks follow the document."""
        if self.peek():
            raise self.error("not valid JSON: unexpected data after the document")
