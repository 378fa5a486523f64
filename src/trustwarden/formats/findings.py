"""Flat per-finding rows shared by the formats that list findings (SARIF, ASFF, OCSF, CSV, ...).

One home for the facts every such format needs: a finding's rule, severity, fingerprint and
plain-words principal/witness, and the marks a later pipeline stage may set (``suppressed``,
``baseline``). A format renders :class:`FindingRow` values and never re-derives them.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime

from trustwarden.formats.location import finding_line
from trustwarden.model import Finding, RoleResult, Severity, Status, Suppression
from trustwarden.rules import RULES, Rule
from trustwarden.rules.catalog import INVALID_POLICY, OUTSIDER_CAN_ASSUME

EPOCH = "1970-01-01T00:00:00Z"

SEVERITY_ORDER = (
    Severity.INFORMATIONAL,
    Severity.LOW,
    Severity.MEDIUM,
    Severity.HIGH,
    Severity.CRITICAL,
)


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One finding of one role, or the role itself when it has none (a ``pass``).

    ``finding`` is ``None`` for a role without findings; ``rule`` is then the rule the role
    was checked against (TW001 for ``pass``, TW005 for an ``error`` without a finding).
    ``suppressed``/``baseline`` are the finding's marks, from the result's
    (:attr:`RoleResult.suppressed`, :attr:`RoleResult.baseline`): formats render them.
    """

    result: RoleResult
    finding: Finding | None
    rule: Rule
    status: Status
    severity: Severity
    fingerprint: str
    suppressed: Suppression | None = None
    baseline: bool = False

    @property
    def principals(self) -> str:
        """The finding's principals, comma-separated (``""`` without a finding)."""
        return ", ".join(self.finding.principals) if self.finding else ""

    @property
    def witness(self) -> str:
        """The witness request in plain words (``""`` when there is none)."""
        if self.finding is None or self.finding.witness is None:
            return ""
        return self.finding.witness.describe()

    @property
    def message(self) -> str:
        """What is wrong, in one sentence (for a pass: that nothing is)."""
        if self.finding is not None:
            return self.finding.message
        if self.status is Status.ERROR:
            return self.result.error or "the role could not be evaluated"
        return "no principal outside the trusted accounts can assume the role"

    @property
    def line(self) -> int | None:
        """The line in the role's file the finding points at: its statement's, else the
        resource's (``None`` for a role that did not come from a file)."""
        return finding_line(self.result, self.finding)

    @property
    def statement(self) -> str:
        """The statement's Sid or index as text (``""`` without one)."""
        label = self.finding.statement if self.finding else None
        return "" if label is None else str(label)


def finding_fingerprint(role_arn: str, code: str) -> str:
    """A stable key for one rule on one role: the SARIF fingerprint and the ASFF ``Id``.

    It hashes ``role ARN|rule id`` like the engine's role fingerprint hashes ``role ARN|rule
    ids``, so for a role with one rule the two are equal.
    """
    return hashlib.sha256(f"{role_arn}|{code}".encode("utf-8", "surrogatepass")).hexdigest()[:32]


def finding_severity(result: RoleResult, finding: Finding | None) -> Severity:
    """The role's severity for findings at the role's verdict, else the rule's default."""
    if finding is None or finding.status is result.status:
        return result.severity
    rule = RULES.get(finding.code)
    return rule.severity if rule is not None else result.severity


def finding_rows(result: RoleResult) -> list[FindingRow]:
    """The rows of one result: one per finding, or one for the role when it has none."""
    arn = result.role.arn
    if not result.findings:
        rule = INVALID_POLICY if result.status is Status.ERROR else OUTSIDER_CAN_ASSUME
        return [
            FindingRow(
                result=result,
                finding=None,
                rule=rule,
                status=result.status,
                severity=result.severity,
                fingerprint=finding_fingerprint(arn, rule.id),
            )
        ]
    return [
        FindingRow(
            result=result,
            finding=f,
            rule=RULES.get(f.code) or _unknown_rule(f),
            status=f.status,
            severity=finding_severity(result, f),
            fingerprint=finding_fingerprint(arn, f.code),
            suppressed=result.suppressed.get(f.code),
            baseline=f.code in result.baseline,
        )
        for f in result.findings
    ]


def _unknown_rule(finding: Finding) -> Rule:
    """A stand-in for a finding code the catalog does not know (a plug-in's, say)."""
    return Rule(
        id=finding.code,
        name=finding.code.lower(),
        title=finding.message,
        status=finding.status,
        severity=Severity.MEDIUM,
        description=finding.message,
        remediation="See the finding's message.",
        short_fix="See the finding's message",
    )


def iso_to_epoch_ms(timestamp: str) -> int:
    """An ISO 8601 UTC timestamp (``...Z``) as milliseconds since the epoch (0 if empty)."""
    if not timestamp:
        return 0
    when = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def printable(text: str) -> str:
    """``text`` without control characters (C0, C1, DEL; tab and newline become spaces)."""
    if text.isprintable():
        return text
    return "".join(
        " " if ch in "\t\n\r" else ch
        for ch in text
        if ch in "\t\n\r" or unicodedata.category(ch) not in ("Cc", "Cs")
    )


__all__ = [
    "EPOCH",
    "SEVERITY_ORDER",
    "FindingRow",
    "Suppression",
    "finding_fingerprint",
    "finding_rows",
    "finding_severity",
    "iso_to_epoch_ms",
    "printable",
]
