"""Baselines: an earlier JSON report whose findings are known and not news (``--baseline``).

A finding of this scan whose fingerprint (:func:`~trustwarden.formats.findings.
finding_fingerprint`, role ARN and rule ID) is in the baseline is marked ``baseline`` and does
not count for ``--fail-on``; the table lists only new findings. Only ``fail`` and ``warn``
findings of the baseline are read (a ``pass`` has nothing to accept). A report of another
``schema_version`` (or not a report at all) is a :class:`ConfigError` (exit 2).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from trustwarden.errors import ConfigError
from trustwarden.files import read_utf8
from trustwarden.formats.findings import finding_fingerprint
from trustwarden.formats.json_format import SCHEMA_VERSION
from trustwarden.model import RoleResult


def fingerprints_of(report: object, where: str = "baseline") -> frozenset[str]:
    """The finding fingerprints of a parsed JSON report (``where`` names it in errors)."""
    if not isinstance(report, dict) or "schema_version" not in report:
        raise ConfigError(f"{where}: not a trustwarden JSON report (no schema_version)")
    version = report["schema_version"]
    if version != SCHEMA_VERSION:
        raise ConfigError(
            f"{where}: report schema_version {version!r}, but this trustwarden reads "
            f"schema_version {SCHEMA_VERSION}",
            hint="scan again with this version (--format json) to make a new baseline",
        )
    results = report.get("results")
    if not isinstance(results, list):
        raise ConfigError(f"{where}: results must be a list")
    found: set[str] = set()
    for position, result in enumerate(results):
        found.update(_result_fingerprints(result, f"{where}: results[{position}]"))
    return frozenset(found)


def _result_fingerprints(result: Any, where: str) -> set[str]:
    if not isinstance(result, dict) or not isinstance(result.get("role_arn"), str):
        raise ConfigError(f"{where}: a result needs a role_arn")
    arn = result["role_arn"]
    found: set[str] = set()
    for finding in result.get("findings") or []:
        if not isinstance(finding, dict) or not isinstance(finding.get("code"), str):
            raise ConfigError(f"{where}: a finding needs a code")
        if finding.get("status") not in ("fail", "warn"):
            continue
        fingerprint = finding.get("fingerprint")
        if not isinstance(fingerprint, str):  # a report written before findings had one
            fingerprint = finding_fingerprint(arn, finding["code"])
        found.add(fingerprint)
    return found


def load_baseline(path: Path) -> Baseline:
    """Read a baseline report; :class:`ConfigError` for anything that is not one."""
    text = read_utf8(path)
    try:
        report = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ConfigError(f"{path}: not a JSON report: {exc}") from None
    return Baseline(fingerprints_of(report, str(path)))


class Baseline:
    """Marks the findings whose fingerprint is in the baseline."""

    def __init__(self, fingerprints: frozenset[str]) -> None:
        self.fingerprints = fingerprints

    def mark(self, result: RoleResult) -> RoleResult:
        """``result`` with its known findings' codes in ``baseline`` (unchanged if none)."""
        if not self.fingerprints or not result.findings:
            return result
        arn = result.role.arn
        known = frozenset(
            f.code for f in result.findings if finding_fingerprint(arn, f.code) in self.fingerprints
        )
        if not known:
            return result
        return replace(result, baseline=result.baseline | known)


__all__ = ["Baseline", "fingerprints_of", "load_baseline"]
