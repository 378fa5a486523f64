"""Builders for trust-policy documents used by the exact-engine tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.engine_exact.judge import SETTINGS
from trustwarden.model import Settings, Status

ASSUME = "sts:AssumeRole"
EXT = "sts:ExternalId"
ANYONE = {"AWS": "*"}
_UNSET: Any = object()


def root(account: str) -> str:
    """An account's root ARN (the whole account as a principal)."""
    return f"arn:aws:iam::{account}:root"


def allow(
    principal: Any, condition: Mapping[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    """An Allow statement for ``sts:AssumeRole``."""
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": ASSUME}
    if condition:
        stmt["Condition"] = dict(condition)
    stmt.update(extra)
    return stmt


def deny(
    condition: Mapping[str, Any] | None = None, principal: Any = ANYONE, **extra: Any
) -> dict[str, Any]:
    """A Deny statement for ``sts:AssumeRole`` (everyone by default)."""
    stmt: dict[str, Any] = {"Effect": "Deny", "Action": ASSUME}
    if principal is not None:
        stmt["Principal"] = principal
    if condition:
        stmt["Condition"] = dict(condition)
    stmt.update(extra)
    return stmt


def doc(*statements: Mapping[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    """A trust-policy document; ``version=None`` leaves ``Version`` out."""
    out: dict[str, Any] = {"Statement": [dict(s) for s in statements]}
    if version is not None:
        out = {"Version": version, **out}
    return out


@dataclass(frozen=True)
class Case:
    """A hand-written policy and the verdicts AWS's documentation allows for it."""

    id: str
    document: dict[str, Any]
    expect: frozenset[Status]
    why: str
    settings: Settings = SETTINGS
    error_names: str = ""  # text the error message must contain
    oracle_finds: bool | None = field(default=None)  # default: True iff only FAIL is expected

    @property
    def exposed(self) -> bool:
        """Whether an outsider gets in (only ``fail`` is acceptable)."""
        return self.expect == frozenset({Status.FAIL})


def case(id: str, document: dict[str, Any], *expect: Status, why: str, **kw: Any) -> Case:
    """Shorthand for a :class:`Case`."""
    return Case(id, document, frozenset(expect), why, **kw)
