"""The JSON report (``--format json``), schema version 1, written as results arrive.

Each result is written when it is added, so a scan of many accounts never holds its results
in memory. Every item of ``results`` and ``skipped`` is one line (``grep``-able, and a reader
can parse a result line on its own); ``jq .`` pretty-prints the whole. Lines are encoded by the
standard library's C encoder (indented encoding is pure Python and several times slower). Key
order is fixed and every mapping from the input is sorted, so the same input (and the same
clock) gives byte-identical output.

Layout (fields marked * are optional)::

    {"schema_version": 1,
     "tool": {"name": "trustwarden", "version": "..."},
     "results": [{"role_arn", "role_name", "account_id", "status", "severity",
                  "findings": [{"code", "title"*, "status", "statement", "statement_index",
                                "principals", "message", "witness"*, "owners"*, "notes",
                                "help_uri"*, "remediation"*, "compliance"*, "line"*, "fingerprint",
                                "suppressed"* {"reason", "expires"}, "baseline"*}],
                  "error"* (status error only), "origin", "facts"*, "fingerprint"*,
                  "evidence"*}],
     "skipped": [{"what", "reason", "account_id"}],
     "summary": {"fail", "warn", "pass", "error"},
     "run": {"started_at"*, "finished_at"*, "complete", "trusted_accounts", "trusted_orgs",
             "notes"*}}

``facts`` holds what the source knows about the role besides its trust policy (``path``,
``last_used``, ``last_used_region``, ``tags``, ``enriched``, ``enrich_error``,
``permission_problems``, ``permissions``); only known facts are written.

The JSON Schema of this layout ships in the package (:func:`report_schema`, ``trustwarden
schema``). ``title``, ``help_uri``, ``remediation`` and ``compliance`` come from the rule
catalog (left out for a code the catalog does not know).

A result read from a file has ``origin.file`` and ``origin.line`` (the role or resource) and,
for templates, ``origin.statement_lines``; each of its findings has ``line``: the line of its
statement when known, else the resource's.

``owners`` maps the accounts of a finding's principals and witness to their owners' names,
for the accounts that ``Settings.known_accounts`` names (``--known-accounts``); it is left out
when none is known.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any, TextIO

from trustwarden.formats import RenderOptions, RunInfo
from trustwarden.formats.evidence_text import evidence_to_json
from trustwarden.formats.findings import finding_fingerprint
from trustwarden.formats.location import finding_line
from trustwarden.model import (
    ExplainedStatement,
    Finding,
    Origin,
    Principal,
    Role,
    RoleResult,
    Skipped,
    Status,
    Witness,
)
from trustwarden.rules import RULES

SCHEMA_VERSION = 1
TOOL_NAME = "trustwarden"

_ITEM_SEPARATOR = ",\n    "
_SEPARATORS = (", ", ": ")


def witness_to_json(witness: Witness) -> dict[str, Any]:
    """A witness as JSON: the request a user can replay in the IAM policy simulator."""
    return {
        "principal_arn": witness.principal_arn,
        "account_id": witness.account_id,
        "mfa": witness.mfa,
        "external_id": witness.external_id,
        "context": {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in sorted(witness.context.items())
        },
        "session_arn": witness.session_arn,
        "description": witness.describe(),
    }


def finding_owners(finding: Finding, known: Mapping[str, str]) -> dict[str, str]:
    """The known owners of the finding's principals' and witness's accounts, by account id."""
    accounts = {Principal.aws(p).account_id for p in finding.principals}
    if finding.witness is not None:
        accounts.add(finding.witness.account_id)
    return {a: known[a] for a in sorted(a for a in accounts if a is not None and a in known)}


def finding_to_json(finding: Finding, known: Mapping[str, str] | None = None) -> dict[str, Any]:
    """One finding as JSON; ``known`` (account id → owner) adds ``owners`` when it names any."""
    rule = RULES.get(finding.code)
    data: dict[str, Any] = {"code": finding.code}
    if rule is not None:
        data["title"] = rule.title
    data["status"] = finding.status.value
    data["statement"] = finding.statement
    data["statement_index"] = finding.statement_index
    data["principals"] = list(finding.principals)
    data["message"] = finding.message
    if finding.witness is not None:
        data["witness"] = witness_to_json(finding.witness)
    owners = finding_owners(finding, known) if known else {}
    if owners:
        data["owners"] = owners
    data["notes"] = list(finding.notes)
    if rule is not None:
        data["help_uri"] = rule.help_uri
        data["remediation"] = rule.remediation
        data["compliance"] = list(rule.compliance)
    return data


def origin_to_json(origin: Origin) -> dict[str, Any]:
    """Where the role came from; fields the source did not know are left out."""
    data: dict[str, Any] = {"source": origin.source}
    for key in ("file", "pointer", "line", "account_id"):
        value = getattr(origin, key)
        if value is not None:
            data[key] = value
    if origin.statement_lines:
        data["statement_lines"] = {str(label): line for label, line in origin.statement_lines}
    if origin.notes:
        data["notes"] = list(origin.notes)
    if origin.variant is not None:
        data["variant"] = origin.variant
    return data


def explained_statement_to_json(statement: ExplainedStatement) -> dict[str, Any]:
    """One statement of an ``explain`` answer as JSON."""
    return {
        "statement": statement.label,
        "effect": statement.effect,
        "covers_assume_role": statement.covers_assume_role,
        "admits": list(statement.admits),
        "outsiders": list(statement.outsiders),
        "conditions": list(statement.conditions),
        "verdict": statement.verdict,
    }


def result_to_json(
    result: RoleResult, *, explain: bool = False, known: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """One role's result as JSON (with the per-statement explanation if ``explain``).

    ``known`` (account id → owner name, :attr:`Settings.known_accounts`) adds ``owners`` to
    the findings that involve those accounts.
    """
    role = result.role
    data: dict[str, Any] = {
        "role_arn": role.arn,
        "role_name": role.name,
        "account_id": role.account_id,
        "status": result.status.value,
        "severity": result.severity.value,
        "findings": [_with_marks(finding_to_json(f, known), result, f) for f in result.findings],
    }
    if result.status is Status.ERROR:
        data["error"] = result.error or "the role could not be evaluated"
    data["origin"] = origin_to_json(role.origin)
    facts = facts_to_json(role)
    if facts:
        data["facts"] = facts
    if result.fingerprint:
        data["fingerprint"] = result.fingerprint
    if result.evidence is not None:
        data["evidence"] = evidence_to_json(result.evidence, role.account_id)
    if explain:
        data["explanation"] = [explained_statement_to_json(s) for s in result.explanation]
    return data


def facts_to_json(role: Role) -> dict[str, Any]:
    """What the source knows about the role besides its trust policy; unknown facts are left
    out (``{}`` when none is known). ``permissions`` summarises what severity was judged on."""
    facts = role.facts
    data: dict[str, Any] = {}
    for key in ("path", "last_used", "last_used_region"):
        value = getattr(facts, key)
        if value is not None:
            data[key] = value
    if facts.tags:
        data["tags"] = dict(sorted(facts.tags))
    if facts.enriched:
        data["enriched"] = True
    if facts.enrich_error:
        data["enrich_error"] = facts.enrich_error
    if facts.permission_problems:
        data["permission_problems"] = list(facts.permission_problems)
    if role.permissions is not None:
        data["permissions"] = {
            "managed_policies": list(role.permissions.managed_policy_arns),
            "documents": len(role.permissions.documents),
        }
    return data


def _with_marks(data: dict[str, Any], result: RoleResult, finding: Finding) -> dict[str, Any]:
    """Add the finding's line in its file (results from files), fingerprint and marks."""
    line = finding_line(result, finding)
    if line is not None:
        data["line"] = line
    data["fingerprint"] = finding_fingerprint(result.role.arn, finding.code)
    suppression = result.suppressed.get(finding.code)
    if suppression is not None:
        data["suppressed"] = {"reason": suppression.reason, "expires": suppression.expires}
    if finding.code in result.baseline:
        data["baseline"] = True
    return data


def skipped_to_json(skipped: Skipped) -> dict[str, Any]:
    """Something that could not be audited, as JSON."""
    return {"what": skipped.what, "reason": skipped.reason, "account_id": skipped.account_id}


def tool_to_json(version: str) -> dict[str, str]:
    """The ``tool`` object."""
    return {"name": TOOL_NAME, "version": version}


def report_schema() -> str:
    """The JSON Schema of the report (``trustwarden/data/report.schema.json``), as text."""
    return (resources.files("trustwarden") / "data" / "report.schema.json").read_text("utf-8")


def _line(value: object) -> str:
    """``value`` as one line of JSON."""
    return json.dumps(value, separators=_SEPARATORS, allow_nan=False)


def _items(values: list[dict[str, Any]]) -> str:
    """A top-level array with one item per line."""
    if not values:
        return "[]"
    return "[\n    " + _ITEM_SEPARATOR.join(_line(v) for v in values) + "\n  ]"


class JsonReportWriter:
    """Streams a schema-version-1 JSON report to ``stream``.

    Results are written as they are added; skipped items (few: one per file or account)
    are kept until :meth:`close` writes them with the summary and the ``run`` object.
    """

    def __init__(self, stream: TextIO, run: RunInfo, options: RenderOptions | None = None) -> None:
        del options  # JSON has no presentation choices
        self._stream = stream
        self._run = run
        self._skipped: list[Skipped] = []
        self._summary = {s.value: 0 for s in (Status.FAIL, Status.WARN, Status.PASS, Status.ERROR)}
        self._count = 0
        self._closed = False
        stream.write(
            "{\n"
            f'  "schema_version": {SCHEMA_VERSION},\n'
            f'  "tool": {_line(tool_to_json(run.tool_version))},\n'
            '  "results": ['
        )

    def add_result(self, result: RoleResult) -> None:
        """Write one result at once."""
        separator = _ITEM_SEPARATOR if self._count else "\n    "
        known = self._run.settings.known_accounts
        self._stream.write(separator + _line(result_to_json(result, known=known)))
        self._count += 1
        self._summary[result.status.value] += 1

    def add_skipped(self, skipped: Skipped) -> None:
        """Keep a skipped item for the ``skipped`` array."""
        self._skipped.append(skipped)

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """Write the rest of the document. Calling it twice does nothing."""
        if self._closed:
            return
        self._closed = True
        run: dict[str, Any] = {}
        if self._run.started_at:
            run["started_at"] = self._run.started_at
        if finished_at:
            run["finished_at"] = finished_at
        run["complete"] = complete
        run["trusted_accounts"] = sorted(self._run.settings.trusted_accounts)
        run["trusted_orgs"] = sorted(self._run.settings.trusted_orgs)
        if self._run.notes:
            run["notes"] = list(self._run.notes)
        self._stream.write(
            ("\n  ]" if self._count else "]")
            + ",\n"
            + f'  "skipped": {_items([skipped_to_json(s) for s in self._skipped])},\n'
            + f'  "summary": {_line(self._summary)},\n'
            + f'  "run": {_line(run)}\n'
            + "}\n"
        )
        self._stream.flush()


__all__ = [
    "SCHEMA_VERSION",
    "JsonReportWriter",
    "explained_statement_to_json",
    "facts_to_json",
    "finding_owners",
    "finding_to_json",
    "origin_to_json",
    "report_schema",
    "result_to_json",
    "skipped_to_json",
    "tool_to_json",
    "witness_to_json",
]
