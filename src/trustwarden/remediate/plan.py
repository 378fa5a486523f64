"""Plan trust-policy fixes: pure, no I/O. A plan says what would change and shows the diff.

For each role that is ``fail`` (and ``warn`` when asked), the planner edits a copy of the
document, re-evaluates it with the engine and keeps the change only if the verdict gets
better (``fail`` → ``warn``/``pass``, ``warn`` → ``pass``) and the result fits the size quota.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from trustwarden.engine import analyze_role
from trustwarden.engine.describe import principal_account
from trustwarden.errors import ConfigError, PolicyError
from trustwarden.evidence.model import Evidence
from trustwarden.evidence.replay import cut_off_calls
from trustwarden.model import Finding, Role, RoleResult, Settings, Status
from trustwarden.policy import decode_document
from trustwarden.remediate.document import minify, policy_size, pretty
from trustwarden.remediate.edit import (
    EXTERNAL_ID_KEY,
    MFA_KEY,
    remove_principals,
    require_condition,
    statement_name,
    statements_of,
)
from trustwarden.remediate.evidence_fix import pin_from_evidence
from trustwarden.remediate.mapping import ExternalIds
from trustwarden.rules import RULES
from trustwarden.rules.catalog import WILDCARD_WEAK_PROTECTION

DEFAULT_MAX_POLICY_SIZE = 2048
SERVICE_LINKED_PATH = "/aws-service-role/"

# Findings whose statement lets an outsider in: the statements a condition fix targets.
# TW002 ("*" protected only by External ID/MFA) is not one: another condition cannot fix it,
# and the statement's existing External ID may belong to another third party.
_EXPOSING_CODES = frozenset(rule.id for rule in RULES.values() if rule.exposure)

Analyzer = Callable[[Role, Settings], RoleResult]


class PlanAction(StrEnum):
    """What a plan would do to a role."""

    CHANGE = "change"  # a fix is planned
    NOTHING = "nothing-to-do"  # the role needs no fix (or not one that was asked for)
    REFUSED = "refused"  # the role needs a fix but the requested one cannot be made safely


@dataclass(frozen=True, slots=True)
class FixOptions:
    """What the user asked ``fix`` to do."""

    external_ids: ExternalIds = field(default_factory=ExternalIds)
    require_mfa: bool = False
    remove_principals: tuple[str, ...] = ()
    include_warn: bool = False
    max_policy_size: int = DEFAULT_MAX_POLICY_SIZE
    # CloudTrail evidence: every plan must keep the observed successful calls working;
    # ``from_evidence`` pins the External IDs the outside callers already send.
    evidence: Evidence | None = None
    from_evidence: bool = False

    @property
    def requested(self) -> bool:
        """True when at least one kind of fix was asked for."""
        return (
            self.external_ids.requested
            or self.require_mfa
            or bool(self.remove_principals)
            or self.from_evidence
        )


@dataclass(frozen=True, slots=True)
class Plan:
    """The planned fix for one role.

    ``before``/``after`` are decoded documents (``after`` only for ``CHANGE``); ``changes``
    lists the edits in words; ``reason`` says why a role is ``NOTHING`` or ``REFUSED``;
    ``remaining`` lists findings the fixed policy would still have; ``outside_accounts``
    the outside accounts that can get in today (sorted).
    """

    role: Role
    action: PlanAction
    status_before: Status
    status_after: Status | None = None
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    changes: tuple[str, ...] = ()
    reason: str = ""
    remaining: tuple[str, ...] = ()
    size: int | None = None
    outside_accounts: tuple[str, ...] = ()  # the accounts the exposing findings name
    proposals: tuple[str, ...] = ()  # suggestions from evidence, never applied

    @property
    def written(self) -> str:
        """The exact text ``apply`` sends to IAM (minified ``after``)."""
        if self.after is None:
            raise ValueError("only a CHANGE plan has a document to write")
        return minify(self.after)


def plan_roles(
    roles: Iterable[Role],
    settings: Settings,
    options: FixOptions,
    *,
    analyze: Analyzer | None = None,
) -> Iterator[Plan]:
    """One plan per role, in input order."""
    for role in roles:
        yield plan_role(role, settings, options, analyze=analyze)


def plan_role(
    role: Role, settings: Settings, options: FixOptions, *, analyze: Analyzer | None = None
) -> Plan:
    """Plan the fix for one role (see the module docstring for the acceptance rule).

    ``analyze`` defaults to :func:`trustwarden.engine.analyze_role`.
    """
    if analyze is None:
        analyze = analyze_role
    result = analyze(role, settings)
    status = result.status
    if status is Status.ERROR:
        why = result.error or "the trust policy cannot be read"
        return Plan(role, PlanAction.REFUSED, status, reason=f"cannot evaluate the role: {why}")
    if status is Status.PASS or (status is Status.WARN and not options.include_warn):
        reason = "passes" if status is Status.PASS else "warn only (use --include-warn)"
        return Plan(role, PlanAction.NOTHING, status, reason=reason)
    if (role.facts.path or "").startswith(SERVICE_LINKED_PATH):
        return Plan(
            role,
            PlanAction.REFUSED,
            status,
            reason="a service-linked role: IAM does not allow editing its trust policy",
        )
    try:
        before = decode_document(role.trust_document)
    except PolicyError as exc:
        return Plan(role, PlanAction.REFUSED, status, reason=f"cannot read the policy: {exc}")
    return _plan_change(role, settings, options, analyze=analyze, first=result, before=before)


def _plan_change(
    role: Role,
    settings: Settings,
    options: FixOptions,
    *,
    analyze: Analyzer,
    first: RoleResult,
    before: dict[str, Any],
) -> Plan:
    status = first.status
    outsiders = outside_accounts(first)

    proposals: tuple[str, ...] = ()

    def refuse(reason: str, **extra: Any) -> Plan:
        return Plan(
            role,
            PlanAction.REFUSED,
            status,
            before=before,
            reason=reason,
            outside_accounts=outsiders,
            proposals=proposals,
            **extra,
        )

    external_id = options.external_ids.for_role(role.arn, role.name, outsiders)
    if options.external_ids.requested and external_id is None:
        source = options.external_ids.source or "the External ID map"
        return refuse(
            f"no External ID for this role in {source} (trustwarden never invents one: "
            "ask the third party for the ID it issued to you)"
        )
    doc = copy.deepcopy(before)
    changes: list[str] = []
    latest: RoleResult | None = first  # the engine's verdict on ``doc`` as it is now
    if options.remove_principals:
        removed = remove_principals(doc, options.remove_principals)
        if not statements_of(doc):
            return refuse("removing the principal would leave no statement in the trust policy")
        if removed:
            changes += removed
            latest = None
    if options.from_evidence:
        evidence = options.evidence
        pin = pin_from_evidence(
            doc,
            _exposing_statements(
                (latest or analyze(_with(role, doc), settings)).findings, statements_of(doc)
            ),
            evidence.for_role(role.account_id, role.name) if evidence else None,
            trusted=frozenset({role.account_id}) | settings.trusted_accounts,
            window=evidence.window if evidence else None,
        )
        proposals = tuple(pin.proposals)
        if pin.refusal is not None:
            return refuse(pin.refusal, remaining=_describe(first))
        if pin.changes:
            changes += pin.changes
            latest = None
    if external_id is not None or options.require_mfa:
        added, latest = _add_conditions(
            role,
            settings,
            analyze,
            doc,
            external_id=external_id,
            require_mfa=options.require_mfa,
            latest=latest,
        )
        changes += added
    if not changes:
        reason = "the requested fix changes nothing here"
        if any(f.code == WILDCARD_WEAK_PROTECTION.id for f in first.findings):
            reason += (
                ' (a "*" principal stays open to anyone who learns the External ID or has MFA:'
                " name the third party's account instead, or --remove-principal '*')"
            )
        return refuse(reason, remaining=_describe(first))
    after_result = latest or analyze(dataclasses.replace(role, trust_document=doc), settings)
    after_status = after_result.status
    remaining = _describe(after_result)
    if after_status not in (Status.PASS, Status.WARN) or after_status.rank >= status.rank:
        return refuse(
            f"the fixed policy would still be {after_status.value}",
            status_after=after_status,
            after=doc,
            changes=tuple(changes),
            remaining=remaining,
        )
    size = policy_size(doc)
    if size > options.max_policy_size:
        return refuse(
            f"the fixed policy would be {size} characters (white space not counted), over the "
            f"quota of {options.max_policy_size}; raise --max-policy-size if the account's "
            "quota is higher, or shorten the policy",
            status_after=after_status,
            after=doc,
            changes=tuple(changes),
            size=size,
        )
    lost = _cut_off(role, options.evidence, before, doc)
    if lost:
        return refuse(
            f"the fixed policy would cut off {len(lost)} caller(s) seen in the evidence: "
            + "; ".join(lost),
            status_after=after_status,
            after=doc,
            changes=tuple(changes),
            size=size,
        )
    return Plan(
        role,
        PlanAction.CHANGE,
        status,
        status_after=after_status,
        before=before,
        after=doc,
        changes=tuple(changes),
        remaining=remaining,
        size=size,
        outside_accounts=outsiders,
        proposals=proposals,
    )


def outside_accounts(result: RoleResult) -> tuple[str, ...]:
    """The accounts of the principals that the role's exposing findings name, sorted."""
    accounts = {
        account
        for finding in result.findings
        if finding.code in _EXPOSING_CODES or finding.code == "TW002"
        for account in map(principal_account, finding.principals)
        if account is not None
    }
    return tuple(sorted(accounts))


def _with(role: Role, doc: dict[str, Any]) -> Role:
    return dataclasses.replace(role, trust_document=doc)


def _cut_off(
    role: Role, evidence: Evidence | None, before: dict[str, Any], after: dict[str, Any]
) -> list[str]:
    """The observed successful calls the planned policy would refuse (none without evidence)."""
    if evidence is None:
        return []
    found = evidence.for_role(role.account_id, role.name)
    if found is None:
        return []
    return [c.describe() for c in cut_off_calls(before, after, found.observed, role.partition)]


def _add_conditions(
    role: Role,
    settings: Settings,
    analyze: Analyzer,
    doc: dict[str, Any],
    *,
    external_id: str | None,
    require_mfa: bool,
    latest: RoleResult | None,
) -> tuple[list[str], RoleResult]:
    """Add the requested conditions to every Allow statement the engine says exposes the role.

    Repeats until the engine names no new statement (an engine may report only the first
    statement that lets an outsider in). ``latest`` is the verdict on ``doc`` as given, if
    known; returns the changes and the verdict on the edited ``doc``.
    """
    changes: list[str] = []
    done: set[int] = set()
    result = latest or analyze(dataclasses.replace(role, trust_document=doc), settings)
    for _ in range(len(statements_of(doc)) + 1):
        targets = _exposing_statements(result.findings, statements_of(doc)) - done
        if not targets:
            break
        statements = statements_of(doc)
        for index in sorted(targets):
            done.add(index)
            statement = statements[index]
            where = statement_name(statement, index)
            if external_id is not None:
                changes += require_condition(
                    statement,
                    operator="StringEquals",
                    key=EXTERNAL_ID_KEY,
                    value=external_id,
                    where=where,
                )
            if require_mfa:
                changes += require_condition(
                    statement, operator="Bool", key=MFA_KEY, value="true", where=where
                )
        result = analyze(dataclasses.replace(role, trust_document=doc), settings)
    return changes, result


def _exposing_statements(findings: Iterable[Finding], statements: list[Any]) -> set[int]:
    """Indexes of the Allow statements that the exposing findings point at."""
    out: set[int] = set()
    for finding in findings:
        if finding.code not in _EXPOSING_CODES:
            continue
        label = finding.statement
        for index, statement in enumerate(statements):
            if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
                continue
            sid = statement.get("Sid")
            if finding.statement_index is not None:
                if finding.statement_index == index:  # exact even when Sids repeat
                    out.add(index)
            elif label is None:
                # No location: every Allow statement with an AWS principal may be it.
                if _has_aws_principal(statement):
                    out.add(index)
            elif (isinstance(label, int) and label == index) or (
                isinstance(label, str) and label == sid
            ):
                out.add(index)
    return out


def _has_aws_principal(statement: dict[str, Any]) -> bool:
    principal = statement.get("Principal")
    return principal == "*" or (isinstance(principal, dict) and "AWS" in principal)


def _describe(result: RoleResult) -> tuple[str, ...]:
    return tuple(f"{f.code} {f.message}" for f in result.findings)


def render_diff(plan: Plan, *, context: int = 3) -> str:
    """A unified diff of the pretty-printed documents (empty when nothing changes)."""
    if plan.before is None or plan.after is None:
        return ""
    # Split on "\n" only: str.splitlines() would also break a line at a U+2028 or U+0085
    # inside a JSON string (pretty() keeps non-ASCII characters as they are).
    lines = difflib.unified_diff(
        [line + "\n" for line in pretty(plan.before).split("\n")],
        [line + "\n" for line in pretty(plan.after).split("\n")],
        fromfile=f"{plan.role.arn} (current)",
        tofile=f"{plan.role.arn} (planned)",
        n=context,
    )
    return "".join(lines)


def check_one_vendor(plans: Sequence[Plan], ids: ExternalIds) -> None:
    """Refuse ``--external-id`` (without ``--role``) for roles that trust different outsiders.

    Each third party issues its own External ID: one value on roles that trust different
    outside accounts would hand one vendor's ID to another's roles. Roles the map covers
    are exempt.
    """
    if ids.default is None:
        return
    groups: dict[tuple[str, ...], list[str]] = {}
    for plan in plans:
        if plan.action is PlanAction.NOTHING:
            continue
        if ids.mapped(plan.role.arn, plan.role.name, plan.outside_accounts) is not None:
            continue
        groups.setdefault(plan.outside_accounts, []).append(plan.role.name)
    if len(groups) <= 1:
        return
    shown = "; ".join(
        f"{', '.join(accounts) or 'any account'}: {', '.join(names[:3])}"
        + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        for accounts, names in sorted(groups.items())
    )
    raise ConfigError(
        "--external-id would put one External ID on roles that trust different outside "
        f"accounts ({shown}); nothing changed",
        hint="give --role for the roles of one vendor, or --external-id-map with a line per "
        "role or per outside account ID (e.g. 999988887777,ID-from-that-vendor)",
    )
