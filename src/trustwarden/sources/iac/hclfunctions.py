"""Terraform's built-in functions that trust policies are written with, and value helpers.

Each function takes evaluated arguments (never :class:`Unknown`, except ``jsonencode``, which
keeps them) and returns a value or raises; the evaluator turns an exception into an unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from trustwarden.sources.iac.common import UNKNOWN_ACCOUNT, Unknown

_FORMAT_VERB = re.compile(r"%(?:%|[-+# 0]*\d*(?:\.\d+)?[sdvqftxXbeEgGo])")


class JsonText(str):
    """The result of ``jsonencode``: JSON text that still knows the value it encodes."""

    __slots__ = ("data",)

    def __new__(cls, data: Any) -> JsonText:
        out = super().__new__(cls, _COMPACT.encode(data))
        out.data = data
        return out

    data: Any


def _unknown_json(value: Any) -> str:
    return UNKNOWN_ACCOUNT if isinstance(value, Unknown) else str(value)


# Built once: json.dumps with arguments builds a new encoder on every call.
_COMPACT = json.JSONEncoder(default=_unknown_json, separators=(",", ":"))
_TEXT = json.JSONEncoder(default=_unknown_json)


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return _TEXT.encode(value)
    return str(value)


def number(value: Any) -> float | int:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    number = float(str(value))
    return int(number) if number.is_integer() else number


def _format(spec: str, *args: Any) -> str:
    values = iter(args)

    def replace(match: re.Match[str]) -> str:
        verb = match[0]
        if verb == "%%":
            return "%"
        value = next(values)
        if verb.endswith("d"):
            return str(int(number(value)))
        if verb.endswith("q"):
            return json.dumps(as_text(value))
        return as_text(value)

    return _FORMAT_VERB.sub(replace, spec)


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in maps:
        if item is None:
            continue
        if not isinstance(item, dict):
            raise TypeError(item)
        out.update(item)
    return out


def _flatten(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in value:
        out.extend(_flatten(item) if isinstance(item, list) else [item])
    return out


def _distinct(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if item not in out:
            out.append(item)
    return out


def _lookup(mapping: Any, key: Any, *default: Any) -> Any:
    if isinstance(mapping, dict) and str(key) in mapping:
        return mapping[str(key)]
    if default:
        return default[0]
    raise KeyError(key)


def _coalesce(*values: Any) -> Any:
    for value in values:
        if value is not None and value != "":
            return value
    raise ValueError("no non-null value")


def _tostring(value: Any) -> str:
    if isinstance(value, dict | list):
        raise TypeError(value)
    return as_text(value)


def _replace(value: str, old: str, new: str) -> str:
    if len(old) > 1 and old.startswith("/") and old.endswith("/"):
        raise ValueError("a regular expression")  # Terraform's RE2 syntax: left unknown
    return value.replace(old, new)


_WORD_START = re.compile(r"(?<!\w)\w")  # a letter or digit not after one (nor "_")


def _title(value: str) -> str:
    return _WORD_START.sub(lambda m: m[0].upper(), value)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sensitive": lambda value: value,  # hides a value in Terraform's output only
    "nonsensitive": lambda value: value,
    "title": _title,
    "setunion": lambda *sets: _distinct([item for s in sets for item in s]),
    "coalescelist": lambda *lists: next(lst for lst in lists if lst),
    "reverse": lambda value: list(reversed(value)),
    "slice": lambda value, start, end: value[int(start) : int(end)],
    "jsonencode": JsonText,
    "jsondecode": json.loads,
    "format": _format,
    "formatlist": lambda spec, *lists: [
        _format(spec, *items) for items in zip(*lists, strict=True)
    ],
    "join": lambda sep, *lists: sep.join(as_text(v) for lst in lists for v in lst),
    "split": lambda sep, value: value.split(sep),
    "concat": lambda *lists: [item for lst in lists for item in lst],
    "merge": _merge,
    "lookup": _lookup,
    "tolist": list,
    "toset": _distinct,
    "tomap": dict,
    "tostring": _tostring,
    "tonumber": number,
    "tobool": lambda value: (
        value if isinstance(value, bool) else {"true": True, "false": False}[value]
    ),
    "flatten": _flatten,
    "distinct": _distinct,
    "compact": lambda value: [v for v in value if v not in (None, "")],
    "lower": lambda value: value.lower(),
    "upper": lambda value: value.upper(),
    "trimspace": lambda value: value.strip(),
    "trimprefix": lambda value, prefix: value.removeprefix(prefix),
    "trimsuffix": lambda value, suffix: value.removesuffix(suffix),
    "trim": lambda value, chars: value.strip(chars),
    "startswith": lambda value, prefix: value.startswith(prefix),
    "endswith": lambda value, suffix: value.endswith(suffix),
    "substr": lambda value, offset, length: value[offset:][: length if length >= 0 else None],
    "min": min,
    "max": max,
    "abs": abs,
    "replace": _replace,
    "element": lambda value, index: value[int(index) % len(value)],
    "length": len,
    "coalesce": _coalesce,
    "keys": sorted,
    "values": lambda value: [value[k] for k in sorted(value)],
    "contains": lambda value, item: item in value,
    "zipmap": lambda keys, values: dict(zip(keys, values, strict=True)),
    "sort": sorted,
    "one": lambda value: value[0] if len(value) == 1 else [][len(value)],
}
