"""Verdicts: roles + settings in, :class:`RoleResult` out. Pure, no I/O."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol

from trustwarden.engine.attacker import AttackerSearch, Hit, Outsider, to_witness
from trustwarden.engine.describe import (
    describe_condition,
    explain_statement,
    label_principal,
    principal_account,
)
from trustwarden.engine.evaluate import statement_covers_assume_role
from trustwarden.engine.exact import ExactSearch, Undecided, needs_solver
from trustwarden.engine.severity import role_severity
from trustwarden.errors import PolicyError
from trustwarden.model import (
    ExplainedStatement,
    Finding,
    PrincipalForm,
    Role,
    RoleResult,
    Settings,
    Severity,
    Statement,
    Status,
    TrustPolicy,
)
from trustwarden.policy import decode_document, parse_policy
from trustwarden.rules.catalog import (
    INVALID_POLICY,
    OUTSIDER_CAN_ASSUME,
    STALE_PRINCIPAL,
    UNEVALUATED_CONSTRUCT,
    WILDCARD_WEAK_PROTECTION,
    get_rule,
    result_severity,
)

MEMO_LIMIT = 20_000


def analyze_roles(roles: Iterable[Role], settings: Settings) -> Iterator[RoleResult]:
    """Analyse roles lazily, in input order.

    Estates repeat trust documents (service roles, SSO roles, one vendor across many
    roles), so verdicts are memoised per (document, account, partition) for this call only;
    the memo is bounded and never outlives the iteration.
    """
    memo: dict[tuple[str, str, str], tuple[Status, tuple[Finding, ...], str | None]] = {}
    for role in roles:
        key = _memo_key(role)
        cached = memo.get(key) if key is not None else None
        if cached is None:
            result = analyze_role(role, settings)
            if key is not None:
                if len(memo) >= MEMO_LIMIT:
                    memo.clear()
                memo[key] = (result.status, result.findings, result.error)
            yield result
        else:
            status, findings, error = cached
            yield _result(role, status, role_severity(role), findings, error=error)


def _memo_key(role: Role) -> tuple[str, str, str] | None:
    doc = role.trust_document
    if isinstance(doc, str):
        text = doc
    elif isinstance(doc, dict):
        text = repr(doc)  # exact for JSON data; key order only costs a cache miss
    else:
        return None
    return (text, role.account_id, role.partition)


def analyze_role(role: Role, settings: Settings, *, explain: bool = False) -> RoleResult:
    """The verdict for one role. Never raises for a bad document: that is an ``error``."""
    severity = role_severity(role)
    try:
        policy = parse_policy(decode_document(role.trust_document))
    except PolicyError as exc:
        finding = Finding(
            code=INVALID_POLICY.id,
            statement=None,
            principals=(),
            message=f"Cannot read the trust policy: {exc.message}.",
            status=INVALID_POLICY.status,
        )
        return _result(role, INVALID_POLICY.status, severity, (finding,), error=exc.message)
    trusted = frozenset({role.account_id}) | settings.trusted_accounts
    search: Search = (
        ExactSearch(policy, role.partition, trusted, settings.trusted_orgs)
        if needs_solver(policy)
        else AttackerSearch(policy, role.partition, trusted, settings.trusted_orgs)
    )
    findings: list[Finding] = []
    per_statement: dict[int, tuple[list[Outsider], Hit | None]] = {}
    for statement in search.relevant:
        if statement.effect != "Allow":
            continue
        findings.extend(_stale_findings(statement))
        outsiders = search.outsiders(statement)
        if not outsiders:
            per_statement[statement.index] = (outsiders, None)
            continue
        outsider_finding, hit = _outsider_finding(
            search, statement, outsiders, settings.known_accounts
        )
        per_statement[statement.index] = (outsiders, hit)
        if outsider_finding is not None:
            findings.append(outsider_finding)
    status = max((f.status for f in findings), key=lambda s: s.rank, default=Status.PASS)
    explanation = (
        _explain(policy, search, per_statement, settings.known_accounts) if explain else ()
    )
    return _result(role, status, severity, tuple(findings), explanation=explanation)


def _result(
    role: Role,
    status: Status,
    severity: Severity,
    findings: tuple[Finding, ...],
    *,
    error: str | None = None,
    explanation: tuple[ExplainedStatement, ...] = (),
) -> RoleResult:
    codes = ",".join(sorted({f.code for f in findings}))
    # surrogatepass: an input ARN may hold a lone surrogate ("\ud800"); it is still reported.
    key = f"{role.arn}|{codes}".encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(key).hexdigest()[:32]
    return RoleResult(
        role=role,
        status=status,
        severity=result_severity((f.code for f in findings), severity),
        findings=findings,
        error=error,
        explanation=explanation,
        fingerprint=digest,
    )


def _stale_findings(statement: Statement) -> list[Finding]:
    stale = tuple(p.value for p in statement.principals if p.form is PrincipalForm.UNIQUE_ID)
    if not stale:
        return []
    return [
        Finding(
            code=STALE_PRINCIPAL.id,
            statement=statement.label,
            statement_index=statement.index,
            principals=stale,
            message=(
                f"Statement {statement.label} names {', '.join(stale)}: the unique ID of a "
                "deleted user or role. It matches nobody; remove it or name the intended principal."
            ),
            status=STALE_PRINCIPAL.status,
        )
    ]


class Search(Protocol):
    """What verdicts need from a search: the fast candidate search or the exact solver."""

    relevant: tuple[Statement, ...]
    trusted: frozenset[str]
    spelling: dict[str, str]

    def outsiders(self, statement: Statement) -> list[Outsider]: ...

    def reach(self, statement: Statement, outsider: Outsider) -> Hit | None: ...

    def weak(self, statement: Statement, outsider: Outsider) -> bool: ...


def _outsider_finding(
    search: Search,
    statement: Statement,
    outsiders: list[Outsider],
    known: Mapping[str, str],
) -> tuple[Finding | None, Hit | None]:
    reachable: list[str] = []
    reasons: list[str] = []
    first: Hit | None = None
    for outsider in outsiders:
        try:
            hit = search.reach(statement, outsider)
        except Undecided as exc:
            reachable.append(outsider.written)
            reasons.append(exc.reason)
            continue
        if hit is not None:
            reachable.append(outsider.written)
            first = first or hit
    if first is not None or reasons:
        finding = _fail_finding(search, statement, tuple(reachable), first, known, reasons)
        return finding, first
    wildcards = [o for o in outsiders if o.wildcard]
    for outsider in wildcards:
        # "Any account": a fresh account the policy never mentions gets in with the ID/MFA.
        if search.weak(statement, outsider):
            return (
                Finding(
                    code=WILDCARD_WEAK_PROTECTION.id,
                    statement=statement.label,
                    statement_index=statement.index,
                    principals=(outsider.written,),
                    message=(
                        f"Statement {statement.label} admits any AWS account "
                        f"({outsider.written}); only an External ID or MFA stands in the way. "
                        "External IDs are not secrets and any MFA user qualifies."
                    ),
                    status=WILDCARD_WEAK_PROTECTION.status,
                ),
                None,
            )
    return None, None


def _fail_finding(  # noqa: PLR0917 - one private call site
    search: Search,
    statement: Statement,
    principals: tuple[str, ...],
    hit: Hit | None,
    known: Mapping[str, str],
    reasons: list[str],
) -> Finding:
    witness = to_witness(hit.request, search.spelling) if hit is not None else None
    who = ", ".join(label_principal(p, known) for p in principals)
    if statement.conditions:
        shown = "; ".join(describe_condition(c) for c in statement.conditions)
        why = f"its conditions ({shown}) do not require the exact External ID or MFA"
    else:
        why = "it has no conditions"
    notes: list[str] = []
    if (
        witness is not None
        and witness.account_id in known
        and not principals_name(principals, witness.account_id)
    ):
        notes.append(f"The witness account {witness.account_id} is {known[witness.account_id]}'s.")
    code = OUTSIDER_CAN_ASSUME.id
    if hit is None or hit.relies_on_unevaluable:
        code = UNEVALUATED_CONSTRUCT.id
        notes.append(
            "Part of the policy could not be evaluated exactly (an unknown operator, a value "
            "that does not parse, a Bool test of a key that is never true or false, or too many "
            "combinations); trustwarden assumed the worst: "
            "that it lets the attacker through an Allow and does not stop them in a Deny."
        )
    notes.extend(f"Not decided exactly: {r}; reported as exposed." for r in dict.fromkeys(reasons))
    message = (
        f"Statement {statement.label} lets {who} (outside the trusted accounts) assume the "
        f"role: {why}."
    )
    return Finding(
        code=code,
        statement=statement.label,
        statement_index=statement.index,
        principals=principals,
        message=message,
        status=get_rule(code).status,
        witness=witness,
        notes=tuple(notes),
    )


def _explain(
    policy: TrustPolicy,
    search: Search,
    per_statement: dict[int, tuple[list[Outsider], Hit | None]],
    known: Mapping[str, str],
) -> tuple[ExplainedStatement, ...]:
    out = []
    for statement in policy.statements:
        outsiders, hit = per_statement.get(statement.index, ([], None))
        out.append(
            explain_statement(
                statement,
                covers=statement_covers_assume_role(statement),
                outsiders=tuple(o.written for o in outsiders),
                witness=to_witness(hit.request, search.spelling) if hit else None,
                trusted=search.trusted,
                known=known,
            )
        )
    return tuple(out)


def principals_name(principals: tuple[str, ...], account: str) -> bool:
    """Whether any of the written principals belongs to ``account``."""
    return any(principal_account(p) == account for p in principals)
