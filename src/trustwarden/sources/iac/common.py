"""What the template readers share: unknown values, line-carrying containers, role building.

Template values that cannot be known before deployment (a parameter without a default, an
import, an attribute known only after apply) are :class:`Unknown`. When a trust document is
rendered for the engine, an unknown value becomes :data:`UNKNOWN_ACCOUNT` — a 12-digit value
that no trusted account has, so an unknown principal counts as an outsider and an unknown
condition value as some literal — and the role's origin notes say which value it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trustwarden.model import UNKNOWN_ACCOUNT as _UNKNOWN_ACCOUNT
from trustwarden.model import Origin, Role

# The role's own account when --account-id is not given (AWS issues no account 000000000000).
OWN_PLACEHOLDER = "000000000000"
# What an unknown value stands for in a rendered document: an account nobody trusts.
UNKNOWN_ACCOUNT = _UNKNOWN_ACCOUNT  # its home is trustwarden.model
MAX_VARIANTS = 16  # branch combinations evaluated per role; more are reported as not evaluated


class LineDict(dict[str, Any]):
    """A mapping read from a template, with the line it starts on (0 when unknown)."""

    line: int = 0


class LineList(list[Any]):
    """A sequence read from a template, with the line it starts on (0 when unknown)."""

    line: int = 0


def with_line(value: Any, line: int) -> Any:
    """``value`` (a dict or list) as a :class:`LineDict`/:class:`LineList` starting at ``line``."""
    out: LineDict | LineList
    if isinstance(value, dict):
        out = LineDict(value)
    elif isinstance(value, list):
        out = LineList(value)
    else:
        return value
    out.line = line
    return out


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value that is not known before deployment; ``what`` says which, as written."""

    what: str


class TemplateError(Exception):
    """A template that cannot be read: ``message`` names the file and, when known, the line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class Render:
    """Turns a resolved trust document into plain JSON data, noting the unknown values."""

    unknown: list[str] = field(default_factory=list)

    def value(self, value: Any) -> Any:
        """Plain JSON data for ``value``; unknown values become :data:`UNKNOWN_ACCOUNT`."""
        if type(value) is str:  # most values: checked first, cheaply
            return value
        if isinstance(value, Unknown):
            self.note(value.what)
            return UNKNOWN_ACCOUNT
        if isinstance(value, dict):
            return {str(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        return value

    def note(self, what: str) -> None:
        """Record an unknown value (once)."""
        if what not in self.unknown:
            self.unknown.append(what)

    def notes(self) -> tuple[str, ...]:
        """One note per unknown value, for the role's origin."""
        return tuple(
            f"{what} is not known before deployment; trustwarden assumed the worst: an "
            f"outside account (shown as {UNKNOWN_ACCOUNT})"
            for what in self.unknown
        )


def statement_lines(document: Any) -> tuple[tuple[str | int, int], ...]:
    """``(label, line)`` for each statement of a resolved document whose line is known."""
    if not isinstance(document, dict):
        return ()
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return ()
    out: list[tuple[str | int, int]] = []
    for index, statement in enumerate(statements):
        line = getattr(statement, "line", 0)
        if not line:
            continue
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        out.append((sid if isinstance(sid, str) and sid else index, line))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """What a template says about one role, before it becomes a :class:`Role`."""

    name: str  # CloudFormation logical ID or Terraform address
    role_name: str | None  # the IAM role name, when the template fixes it
    document: Any  # resolved trust document (dicts, lists, scalars, Unknown)
    file: str
    line: int | None
    source: str  # "cloudformation" | "terraform" | "terraform-plan"
    pointer: str | None = None
    variant: str | None = None
    unknown: tuple[str, ...] = ()  # unknown values already spliced into strings


def build_role(spec: RoleSpec, account_id: str | None) -> Role:
    """The :class:`Role` the engine evaluates for ``spec``, deployed to ``account_id``."""
    own = account_id or OWN_PLACEHOLDER
    render = Render(unknown=list(spec.unknown))
    document = spec.document
    notes: tuple[str, ...] = ()
    if isinstance(document, Unknown):
        trust: object = None  # the engine reports the role as not evaluated (error)
        notes = (f"{document.what}: the whole trust policy is unknown, so it was not evaluated",)
    else:
        trust = render.value(document)
    iam_name = spec.role_name or spec.name.rsplit(".", 1)[-1]
    return Role(
        arn=f"arn:aws:iam::{own}:role/{iam_name}",
        name=spec.name,
        account_id=own,
        trust_document=trust,
        origin=Origin(
            source=spec.source,
            file=spec.file,
            pointer=spec.pointer,
            line=spec.line,
            account_id=account_id,
            statement_lines=statement_lines(document),
            notes=notes + render.notes(),
            variant=spec.variant,
        ),
    )


def display_name(path: Path) -> str:
    """How reports name a file: relative to the working directory when under it."""
    text = str(path)
    if os.sep == "/":  # as below, in string operations (called for every file of a scan)
        if not text.startswith("/"):
            return text  # relative already: to the working directory
        cwd = os.getcwd()  # noqa: PTH109 - a str, not a Path: the point of this branch
        if text == cwd:
            return "."
        prefix = cwd if cwd.endswith("/") else cwd + "/"
        return text[len(prefix) :] if text.startswith(prefix) else text
    absolute = path.absolute()
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def variants_label(choices: Iterable[tuple[str, bool]]) -> str:
    """``IsProd=true, UseVendor=false``: which branches a variant took."""
    return ", ".join(f"{name}={'true' if value else 'false'}" for name, value in choices)
