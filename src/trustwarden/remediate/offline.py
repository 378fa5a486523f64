"""Fixes for offline and IaC sources: write the fixed documents to files, never call AWS."""

from __future__ import annotations

import re
from pathlib import Path

from trustwarden.errors import ConfigError
from trustwarden.files import write_text
from trustwarden.remediate.document import pretty
from trustwarden.remediate.plan import Plan, PlanAction

_UNSAFE = re.compile(r"[^\w+=,.@-]", re.ASCII)
SUFFIX = ".trust.json"


class OutDir:
    """Writes ``<role-name>.trust.json`` files into one directory.

    A second role with the same name (another account) gets ``<role-name>.<account>.trust.json``.
    Files are written as pretty JSON by :func:`trustwarden.files.write_text`: atomically, or
    straight through to a device or FIFO already at that name.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._used: set[str] = set()
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create --out-dir {path}: {exc.strerror or exc}") from exc

    def file_name(self, plan: Plan, suffix: str = SUFFIX) -> str:
        """The file name for this plan's role (unique within this run)."""
        stem = _UNSAFE.sub("_", plan.role.name) or "role"
        name = f"{stem}{suffix}"
        if name in self._used:
            name = f"{stem}.{_UNSAFE.sub('_', plan.role.account_id) or 'unknown'}{suffix}"
        counter = 2
        base = name
        while name in self._used:
            name = base.replace(suffix, f".{counter}{suffix}")
            counter += 1
        self._used.add(name)
        return name

    def write(self, plan: Plan) -> Path:
        """Write the fixed document of a ``CHANGE`` plan; returns the file's path."""
        if plan.action is not PlanAction.CHANGE or plan.after is None:
            raise ValueError("only a CHANGE plan has a fixed document")
        target = self.path / self.file_name(plan)
        write_text(target, pretty(plan.after) + "\n")
        return target

    def write_text(self, plan: Plan, text: str, suffix: str) -> Path:
        """Write ``text`` (a fixed document in a template's syntax) as ``<role-name><suffix>``."""
        target = self.path / self.file_name(plan, suffix)
        write_text(target, text)
        return target
