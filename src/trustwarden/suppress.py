"""Suppressions: accepted risks, from ``[[suppress]]`` tables in the configuration file.

Each entry names a rule (an ID such as ``TW001``, or a shell pattern), a role (an ARN or a
name, or a shell pattern on either), a required ``reason`` and an optional ``expires``
(``YYYY-MM-DD``; the suppression applies through that day)::

    [[suppress]]
    rule = "TW001"
    role = "arn:aws:iam::111122223333:role/vendor-*"
    reason = "Vendor cannot send an External ID; compensating control in ticket SEC-42"
    expires = "2026-12-31"

A suppressed finding stays in every report, marked with the reason and expiry, and does not
count for ``--fail-on``. An expired entry no longer applies and is reported; so is an entry
that matched no finding. "Today" comes from the caller (an injected clock), never from here.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from trustwarden.errors import ConfigError
from trustwarden.model import RoleResult, Suppression

KEYS = ("rule", "role", "reason", "expires")


@dataclass(frozen=True, slots=True)
class SuppressRule:
    """One ``[[suppress]]`` entry; ``index`` is its position in the file (from 0)."""

    rule: str
    role: str
    reason: str
    expires: date | None = None
    index: int = 0

    def label(self) -> str:
        """How messages name the entry: ``suppress[0] (TW001 on role-pattern)``."""
        return f"suppress[{self.index}] ({self.rule} on {self.role})"

    def expired(self, today: date) -> bool:
        """Whether the entry has run out (it applies through its ``expires`` day)."""
        return self.expires is not None and today > self.expires

    def matches(self, code: str, arn: str, name: str) -> bool:
        """Whether the entry covers finding ``code`` of the role ``arn`` called ``name``."""
        if not fnmatch.fnmatchcase(code, self.rule):
            return False
        return self.role in (arn, name) or any(
            fnmatch.fnmatchcase(text, self.role) for text in (arn, name)
        )

    def mark(self) -> Suppression:
        """The mark a matched finding carries."""
        return Suppression(
            reason=self.reason, expires=self.expires.isoformat() if self.expires else None
        )


def parse_suppressions(value: object, path: Path | None = None) -> tuple[SuppressRule, ...]:
    """The ``suppress`` key of a configuration table (a TOML array of tables).

    Raises :class:`ConfigError` naming the file and the entry for anything malformed.
    """
    where = f"{path}: " if path is not None else ""
    if not isinstance(value, list):
        raise ConfigError(f"{where}suppress must be an array of tables ([[suppress]])")
    return tuple(_parse_one(item, i, where) for i, item in enumerate(value))


def _parse_one(item: object, index: int, where: str) -> SuppressRule:
    prefix = f"{where}suppress[{index}]"
    if not isinstance(item, Mapping):
        raise ConfigError(f"{prefix} must be a table with rule, role and reason")
    unknown = sorted(set(item) - set(KEYS))
    if unknown:
        raise ConfigError(f"{prefix}: unknown key {unknown[0]!r} (known: {', '.join(KEYS)})")
    texts: dict[str, str] = {}
    for key in ("rule", "role", "reason"):
        text = item.get(key)
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"{prefix}: {key} is required (a non-empty string)")
        texts[key] = text.strip()
    return SuppressRule(
        rule=texts["rule"],
        role=texts["role"],
        reason=texts["reason"],
        expires=_expiry(item.get("expires"), prefix),
        index=index,
    )


def _expiry(value: Any, prefix: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):  # TOML's bare 2026-12-31
        return value
    text = value.strip() if isinstance(value, str) else ""
    if len(text) == 10:  # YYYY-MM-DD
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise ConfigError(f"{prefix}: expires must be a date YYYY-MM-DD, not {value!r}")


class Suppressor:
    """Marks the findings that active suppressions cover; remembers which entries matched.

    ``today`` decides expiry. Expired entries never apply.
    """

    def __init__(self, rules: Iterable[SuppressRule], today: date) -> None:
        self.rules = tuple(rules)
        self.today = today
        self._active = tuple(r for r in self.rules if not r.expired(today))
        self._used: set[int] = set()

    def __bool__(self) -> bool:
        return bool(self.rules)

    def mark(self, result: RoleResult) -> RoleResult:
        """``result`` with its covered findings in ``suppressed`` (unchanged if none)."""
        if not self._active or not result.findings:
            return result
        role = result.role
        marks: dict[str, Suppression] = {}
        for finding in result.findings:
            if finding.code in marks:
                continue
            for rule in self._active:
                if rule.matches(finding.code, role.arn, role.name):
                    self._used.add(rule.index)
                    marks[finding.code] = rule.mark()
                    break
        if not marks:
            return result
        return replace(result, suppressed={**result.suppressed, **marks})

    def problems(self) -> list[str]:
        """One line per entry that is expired or (for a complete scan) matched nothing."""
        lines: list[str] = []
        for rule in self.rules:
            if rule.expired(self.today) and rule.expires is not None:
                lines.append(
                    f"{rule.label()} expired on {rule.expires.isoformat()} and no longer "
                    "applies; renew or remove it"
                )
            elif rule.index not in self._used:
                lines.append(f"{rule.label()} matched no finding; remove it if the risk is gone")
        return lines


__all__ = ["SuppressRule", "Suppressor", "parse_suppressions"]
