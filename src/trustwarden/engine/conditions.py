"""IAM condition operators evaluated on one concrete request.

A condition evaluates to ``True``, ``False`` or ``None`` (cannot be evaluated: unknown
operator or a value that does not parse). Callers decide how to treat ``None``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from fractions import Fraction
from functools import lru_cache

from trustwarden.model import Condition

ContextValue = str | tuple[str, ...]
Context = Mapping[str, ContextValue]

NEGATED = frozenset(
    {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "NumericNotEquals",
        "DateNotEquals",
        "ArnNotEquals",
        "ArnNotLike",
        "NotIpAddress",
    }
)

STRING_OPS = frozenset(
    {
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
    }
)
ARN_OPS = frozenset({"ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"})
NUMERIC_OPS = frozenset(
    {
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
    }
)
DATE_OPS = frozenset(
    {
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
    }
)
IP_OPS = frozenset({"IpAddress", "NotIpAddress"})
WILDCARD_OPS = frozenset({"StringLike", "StringNotLike"}) | ARN_OPS
IGNORE_CASE_OPS = frozenset({"StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"})
KNOWN_OPS = (
    STRING_OPS | ARN_OPS | NUMERIC_OPS | DATE_OPS | IP_OPS | {"Bool", "BinaryEquals", "Null"}
)

_VARIABLE_RE = re.compile(r"\$\{([^}]*)\}")


class Unevaluable(Exception):  # noqa: N818 - a signal, not an error for users
    """Raised internally when a value cannot be interpreted."""


@lru_cache(maxsize=4096)
def glob_regex(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    """Compile an IAM ``*``/``?`` wildcard pattern (everything else literal)."""
    collapsed = re.sub(r"\*+", "*", pattern)  # "**" is "*"; avoids runaway backtracking
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in collapsed)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def has_variable(value: str) -> bool:
    """Whether a condition value contains a policy variable (``${...}``)."""
    return "${" in value


def substitute(value: str, context: Context, *, wildcard: bool) -> str | None:
    """Replace policy variables with request values; None if one cannot be resolved.

    Inside wildcard operators a substituted value is matched literally, so its ``*`` and
    ``?`` are escaped with the ``${*}``/``${?}`` convention handled by :func:`_literal_glob`.
    """
    failed = False

    def repl(match: re.Match[str]) -> str:
        nonlocal failed
        inner = match.group(1).strip()
        if inner in ("*", "?", "$"):
            return "\x00" + inner if wildcard else inner
        key, _, default = inner.partition(",")
        got = context.get(key.strip().lower())
        if isinstance(got, str):
            text = got
        elif default.strip().startswith("'") and default.strip().endswith("'"):
            text = default.strip()[1:-1]
        else:
            failed = True
            return ""
        if wildcard:
            return "".join("\x00" + c if c in "*?" else c for c in text)
        return text

    out = _VARIABLE_RE.sub(repl, value)
    return None if failed else out


def _literal_glob(pattern: str, ignore_case: bool = False) -> re.Pattern[str]:
    if "\x00" not in pattern:
        return glob_regex(pattern, ignore_case)
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\x00" and i + 1 < len(pattern):
            parts.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        parts.append(".*" if ch == "*" else "." if ch == "?" else re.escape(ch))
        i += 1
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


# A decimal as IAM writes one: ASCII digits only. Python's float() and Fraction() also take
# full-width or Arabic-Indic digits, "1_000", "inf" and "nan", which AWS does not.
_NUMBER_TEXT = re.compile(
    r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*", re.ASCII
)


def parse_number(text: str) -> Fraction:
    """Parse a ``Numeric…`` value exactly; :class:`Unevaluable` unless ASCII decimal text."""
    if not _NUMBER_TEXT.fullmatch(text):
        raise Unevaluable(text)
    return Fraction(text.strip())


def parse_date(text: str) -> datetime:
    """Parse an IAM date: ISO 8601 or epoch seconds."""
    if not text.isascii():  # Python's parsers also take non-ASCII digits; IAM's do not
        raise Unevaluable(text)
    try:
        if re.fullmatch(r"-?\d+(\.\d+)?", text, re.ASCII):
            return datetime.fromtimestamp(float(text), tz=UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError) as exc:
        raise Unevaluable(text) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _arn_like(request: str, pattern: str) -> bool:
    r_parts = request.split(":", 5)
    p_parts = pattern.split(":", 5)
    if len(r_parts) != 6 or len(p_parts) != 6:
        return False
    return all(
        _literal_glob(p).fullmatch(r) is not None for r, p in zip(r_parts, p_parts, strict=True)
    )


def _ip_in(request: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(request) in ipaddress.ip_network(network, strict=False)
    except ValueError as exc:
        raise Unevaluable(network) from exc


def _bool(text: str) -> str:
    low = text.lower()
    if low not in ("true", "false"):
        raise Unevaluable(text)
    return low


Matcher = Callable[[str, str], bool]

_POSITIVE: dict[str, Matcher] = {
    "StringEquals": lambda r, p: r == p.replace("\x00", ""),
    "StringEqualsIgnoreCase": lambda r, p: r.casefold() == p.replace("\x00", "").casefold(),
    "StringLike": lambda r, p: _literal_glob(p).fullmatch(r) is not None,
    "ArnEquals": _arn_like,
    "ArnLike": _arn_like,
    "NumericEquals": lambda r, p: parse_number(r) == parse_number(p),
    "NumericLessThan": lambda r, p: parse_number(r) < parse_number(p),
    "NumericLessThanEquals": lambda r, p: parse_number(r) <= parse_number(p),
    "NumericGreaterThan": lambda r, p: parse_number(r) > parse_number(p),
    "NumericGreaterThanEquals": lambda r, p: parse_number(r) >= parse_number(p),
    "DateEquals": lambda r, p: parse_date(r) == parse_date(p),
    "DateLessThan": lambda r, p: parse_date(r) < parse_date(p),
    "DateLessThanEquals": lambda r, p: parse_date(r) <= parse_date(p),
    "DateGreaterThan": lambda r, p: parse_date(r) > parse_date(p),
    "DateGreaterThanEquals": lambda r, p: parse_date(r) >= parse_date(p),
    "Bool": lambda r, p: _bool(r) == _bool(p),
    "BinaryEquals": lambda r, p: r == p,
    "IpAddress": _ip_in,
}
_NEGATED_OF = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NotIpAddress": "IpAddress",
}


def _present(value: ContextValue | None) -> bool:
    return value is not None and value != ()


def evaluate_condition(cond: Condition, context: Context) -> bool | None:
    """Evaluate one condition against a request context (keys lower-cased).

    Returns None when the operator is unknown or a value cannot be interpreted.
    """
    value = context.get(cond.key)
    base = cond.base
    if base == "Null":
        if cond.if_exists or cond.set_op:
            return None
        try:
            wanted = [_bool(v) == "true" for v in cond.values]
        except Unevaluable:
            return None
        return any(absent == (not _present(value)) for absent in wanted)
    if base not in KNOWN_OPS:
        return None
    if value is None or not _present(value):
        if cond.if_exists:
            return True
        if cond.set_op == "ForAllValues":
            return True
        if cond.set_op == "ForAnyValue":
            return False
        return base in NEGATED
    request_values = value if isinstance(value, tuple) else (value,)
    negated = base in NEGATED
    matcher = _POSITIVE[_NEGATED_OF.get(base, base)]
    wildcard = base in WILDCARD_OPS
    try:
        policy_values = [
            s
            for v in cond.values
            if (
                s := (
                    substitute(v, context, wildcard=wildcard)
                    if cond.variables and has_variable(v)
                    else v
                )
            )
            is not None
        ]

        def ok(rv: str) -> bool:
            hit = any(matcher(rv, pv) for pv in policy_values)
            return not hit if negated else hit

        if cond.set_op == "ForAllValues":
            return all(ok(rv) for rv in request_values)
        if cond.set_op == "ForAnyValue" or not negated:
            return any(ok(rv) for rv in request_values)
        return all(ok(rv) for rv in request_values)
    except Unevaluable:
        return None
