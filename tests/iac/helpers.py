"""Scanning templates in tests: roles and results by name."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from trustwarden.engine import analyze_roles
from trustwarden.model import Role, RoleResult, Settings, Skipped
from trustwarden.sources.iac import load_paths, merge_results

DATA = Path(__file__).parent / "data"
OWN = "111111111111"


def roles(paths: Iterable[Path], account_id: str | None = None) -> dict[str, list[Role]]:
    """The roles read from ``paths``, by name (variants of one role together)."""
    out: dict[str, list[Role]] = {}
    for item in load_paths(list(paths), account_id):
        if isinstance(item, Role):
            out.setdefault(item.name, []).append(item)
    return out


def skipped(paths: Iterable[Path], account_id: str | None = None) -> list[Skipped]:
    """What could not be read under ``paths``."""
    return [i for i in load_paths(list(paths), account_id) if isinstance(i, Skipped)]


def results(
    paths: Iterable[Path], account_id: str | None = None, settings: Settings | None = None
) -> dict[str, RoleResult]:
    """Final results (worst variant per role) by role name."""
    items = [i for i in load_paths(list(paths), account_id) if isinstance(i, Role)]
    merged = merge_results(analyze_roles(items, settings or Settings()), account_id)
    return {r.role.name: r for r in merged if isinstance(r, RoleResult)}


def statuses(found: dict[str, RoleResult]) -> dict[str, str]:
    """Role name → verdict."""
    return {name: result.status.value for name, result in found.items()}
