"""JSON decoding that keeps a crafted value to itself, and the check that finds such values.

The standard decoder turns ``NaN`` and ``Infinity`` (not JSON) into floats, ``1e999`` into
``inf``, and raises ``ValueError`` for an integer of more than ``sys.get_int_max_str_digits()``
digits (4,300), which throws away the whole document: every other role in the file. The
decoder here (:func:`decoder`, :func:`loads`) turns each of those numbers into a
:class:`BadNumber` instead, so one crafted value spoils only the value it is in.
:func:`find_problem` then says where a decoded document holds a value no IAM policy can hold
(a :class:`BadNumber`, a non-finite float from another decoder, a lone surrogate in a
string); the trust-policy decoder rejects such documents, so nothing non-finite is ever
written back.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

_SHOWN = 24  # characters of a long literal shown in messages
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class BadNumber:
    """A JSON number literal that has no faithful Python value, kept as written."""

    literal: str
    problem: str

    def __str__(self) -> str:
        if len(self.literal) <= _SHOWN:
            return self.literal
        return f"{self.literal[:_SHOWN]}… ({len(self.literal)} characters)"


def _parse_int(text: str) -> int | BadNumber:
    try:
        return int(text)
    except ValueError:  # more digits than sys.get_int_max_str_digits() allows
        return BadNumber(text, "has too many digits to be read as a number")


def _parse_float(text: str) -> float | BadNumber:
    value = float(text)
    if math.isfinite(value):
        return value
    return BadNumber(text, "is too large: it is not a finite number")


def _parse_constant(text: str) -> BadNumber:
    return BadNumber(text, "is not a number JSON allows (NaN and Infinity are not JSON)")


def decoder() -> json.JSONDecoder:
    """A JSON decoder that yields :class:`BadNumber` for the numbers described above."""
    return json.JSONDecoder(
        parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant
    )


_DECODER = decoder()


def loads(text: str) -> object:
    """Decode one JSON document (raises :class:`json.JSONDecodeError` as ``json.loads``)."""
    return _DECODER.decode(text)


def find_problem(value: object) -> str | None:
    """Where and why ``value`` holds something no JSON policy can hold; ``None`` if nothing.

    The answer names the JSON pointer of the first such value, e.g.
    ``"/Statement/0/Condition/NumericLessThan/n: the number 1e999 is too large: ..."``.
    """
    if _clean(value):
        return None
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        path, item = stack.pop()
        problem = _problem(item)
        if problem is not None:
            return f"{path or '/'}: {problem}"
        if isinstance(item, Mapping):
            entries = list(item.items())
            for key, _ in entries:
                if isinstance(key, str) and _SURROGATE.search(key):
                    return f"{path or '/'}: a key {_UNICODE}"
            stack.extend((f"{path}/{_pointer(k)}", v) for k, v in reversed(entries))
        elif isinstance(item, list):
            stack.extend((f"{path}/{i}", v) for i, v in reversed(list(enumerate(item))))
    return None


_UNICODE = "is not valid Unicode text (it holds a lone surrogate)"


def _clean(value: object) -> bool:
    """Whether ``value`` certainly holds nothing :func:`find_problem` reports: a quick walk
    over the plain types JSON decodes to (no paths built); anything else is left to the full
    walk."""
    stack = [value]
    search = _SURROGATE.search
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if search(item):
                return False
        elif isinstance(item, dict):
            for key in item:
                if not isinstance(key, str) or search(key):
                    return False
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, float):
            if not math.isfinite(item):
                return False
        elif not (item is None or isinstance(item, int)):
            return False
    return True


def _problem(item: object) -> str | None:
    if isinstance(item, BadNumber):
        return f"the number {item} {item.problem}"
    if isinstance(item, float) and not math.isfinite(item):
        return f"the number {item} is not finite"
    if isinstance(item, str) and _SURROGATE.search(item):
        return f"a string {_UNICODE}"
    return None


def _pointer(key: object) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


__all__ = ["BadNumber", "decoder", "find_problem", "loads"]
