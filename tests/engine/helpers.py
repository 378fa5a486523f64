"""Builders and checks shared by the engine contract tests.

Accounts used throughout: ``OWN`` owns the role, ``FRIEND`` is a trusted account,
``OUTSIDER`` and ``OTHER`` are outside every trusted account and organisation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from trustwarden.engine import Request, analyze_role, evaluate_request
from trustwarden.model import Permissions, Role, RoleResult, Settings, Status, Witness
from trustwarden.policy import decode_document, parse_policy

OWN = "111111111111"
FRIEND = "333333333333"
OUTSIDER = "222222222222"
OTHER = "444444444444"
TRUSTED_ORG = "o-trusted0001"
OTHER_ORG = "o-otherorg0001"
EXTERNAL_ID = "vendor-issued-7f3a"

SETTINGS = Settings(trusted_accounts=frozenset({FRIEND}), trusted_orgs=frozenset({TRUSTED_ORG}))

ASSUME = "sts:AssumeRole"
MFA_PRESENT = "aws:MultiFactorAuthPresent"
MFA_AGE = "aws:MultiFactorAuthAge"
EXT_KEY = "sts:ExternalId"

_UNSET: Any = object()


def arn(
    account: str, resource: str = "root", *, partition: str = "aws", service: str = "iam"
) -> str:
    """An IAM/STS ARN such as ``arn:aws:iam::222222222222:root``."""
    return f"arn:{partition}:{service}::{account}:{resource}"


def aws(*values: str) -> dict[str, Any]:
    """An ``{"AWS": ...}`` principal block (a string for one value, else a list)."""
    return {"AWS": values[0] if len(values) == 1 else list(values)}


def statement(
    principal: Any = _UNSET,
    *,
    effect: str = "Allow",
    action: Any = ASSUME,
    not_action: Any = None,
    not_principal: Any = None,
    condition: Mapping[str, Any] | None = None,
    sid: str | None = None,
) -> dict[str, Any]:
    """One trust-policy statement. The principal defaults to the outsider's account root."""
    stmt: dict[str, Any] = {"Effect": effect}
    if sid is not None:
        stmt["Sid"] = sid
    if not_principal is not None:
        stmt["NotPrincipal"] = not_principal
    elif principal is _UNSET:
        stmt["Principal"] = aws(arn(OUTSIDER))
    elif principal is not None:
        stmt["Principal"] = principal
    if not_action is not None:
        stmt["NotAction"] = not_action
    elif action is not None:
        stmt["Action"] = action
    if condition is not None:
        stmt["Condition"] = dict(condition)
    return stmt


def policy(*statements: Mapping[str, Any]) -> dict[str, Any]:
    """A trust-policy document holding ``statements`` as a list."""
    return {"Version": "2012-10-17", "Statement": [dict(s) for s in statements]}


def make_role(
    document: object,
    *,
    partition: str = "aws",
    account: str = OWN,
    permissions: Permissions | None = None,
) -> Role:
    """A role named ``r`` in ``account`` whose trust policy is ``document``."""
    return Role(
        arn=f"arn:{partition}:iam::{account}:role/r",
        name="r",
        account_id=account,
        trust_document=document,
        permissions=permissions,
    )


def analyze(
    document: object,
    settings: Settings = SETTINGS,
    *,
    partition: str = "aws",
    permissions: Permissions | None = None,
    explain: bool = False,
) -> RoleResult:
    """Run the engine on a one-role estate."""
    role = make_role(document, partition=partition, permissions=permissions)
    return analyze_role(role, settings, explain=explain)


def codes(result: RoleResult) -> set[str]:
    """The finding codes of a result."""
    return {f.code for f in result.findings}


def show(result: RoleResult) -> str:
    """A compact description of a result for assertion messages."""
    lines = [
        f"status={result.status.value} severity={result.severity.value} error={result.error!r}"
    ]
    for f in result.findings:
        lines.append(f"  {f.code} {f.status.value} stmt={f.statement!r} {f.principals} {f.message}")
        if f.notes:
            lines.append(f"    notes={f.notes}")
        if f.witness is not None:
            lines.append(f"    witness={f.witness}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- table rows


@dataclass(frozen=True)
class Case:
    """One table row: a document and the verdict the contract requires for it."""

    id: str
    document: object
    status: Status
    codes: tuple[str, ...] = ()
    settings: Settings = SETTINGS
    partition: str = "aws"
    principals: tuple[str, ...] = ()  # substrings expected among the TW001 finding's principals
    notes: str = field(default="", compare=False)  # why this is the contract's answer


def params(cases: Iterable[Case]) -> list[Any]:
    """``pytest.param`` per case, with the case id."""
    return [pytest.param(c, id=c.id) for c in cases]


def check_case(case: Case) -> RoleResult:
    """Analyse a row's document and assert the verdict, codes and result consistency."""
    result = analyze(case.document, case.settings, partition=case.partition)
    assert result.status is case.status, f"{case.id}: {case.notes}\n{show(result)}"
    found = codes(result)
    for code in case.codes:
        assert code in found, f"{case.id}: expected {code}\n{show(result)}"
    check_consistency(result)
    if case.principals:
        admitted = [p for f in result.findings if f.code == "TW001" for p in f.principals]
        for wanted in case.principals:
            assert any(wanted in p for p in admitted), f"{case.id}: {wanted} not in {admitted}"
    return result


def check_consistency(result: RoleResult) -> None:
    """Invariants every result must satisfy whatever the document."""
    assert result.status in (Status.FAIL, Status.WARN, Status.PASS, Status.ERROR)
    if result.status is Status.ERROR:
        assert result.error, show(result)
        assert "\n" not in result.error, "error must be one line"
        return
    assert result.error is None, show(result)
    worst = max((f.status.rank for f in result.findings), default=Status.PASS.rank)
    assert worst == result.status.rank, f"status must be the worst finding's status\n{show(result)}"
    if result.status is Status.FAIL:
        assert any(f.witness is not None for f in result.findings), show(result)
    for f in result.findings:
        if f.code == "TW001":
            assert f.witness is not None, f"TW001 without witness\n{show(result)}"


# --------------------------------------------------------------------------- witnesses


_SET_PREFIX = re.compile(r"^(ForAllValues|ForAnyValue):")
# What AssumeRole accepts as ExternalId (reference B3: length 2-1224, botocore pattern).
_VALID_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    raw = document.get("Statement")
    items = raw if isinstance(raw, list) else [raw]
    return [s for s in items if isinstance(s, Mapping)]


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def literal_external_ids(document: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """The literal External IDs a policy names, with ``True`` where the operator ignores case.

    Values with a policy variable, and wildcard patterns under ``…Like`` operators, are not
    literals (the contract gives them to the attacker).
    """
    found: list[tuple[str, bool]] = []
    for stmt in _statements(document):
        cond = stmt.get("Condition")
        if not isinstance(cond, Mapping):
            continue
        for operator, block in cond.items():
            if not isinstance(block, Mapping):
                continue
            base = _SET_PREFIX.sub("", str(operator)).removesuffix("IfExists")
            for key, values in block.items():
                if str(key).lower() != "sts:externalid":
                    continue
                for value in _as_list(values):
                    text = str(value)
                    if "${" in text:
                        continue
                    if "Like" in base and ("*" in text or "?" in text):
                        continue
                    found.append((text, "IgnoreCase" in base))
    return found


def _context_value(context: Mapping[str, Any], key: str) -> Any:
    for k, v in context.items():
        if k.lower() == key.lower():
            return v
    return None


def witness_problems(
    document: object, role: Role, settings: Settings, witness: Witness
) -> list[str]:
    """Everything wrong with a fail's witness under the contract (empty list: fine)."""
    problems: list[str] = []
    decoded = decode_document(document)
    parsed = parse_policy(decoded)
    if not evaluate_request(parsed, Request.from_witness(witness, role.partition)):
        problems.append("the witness request is not allowed by its own policy")
    trusted = {role.account_id, *settings.trusted_accounts}
    if not re.fullmatch(r"\d{12}", witness.account_id):
        problems.append(f"witness account {witness.account_id!r} is not a 12-digit id")
    if witness.account_id in trusted:
        problems.append(f"witness account {witness.account_id} is trusted")
    if f"::{witness.account_id}:" not in witness.principal_arn:
        problems.append(f"principal {witness.principal_arn} is not in account {witness.account_id}")
    if not witness.principal_arn.startswith(f"arn:{role.partition}:"):
        problems.append(f"principal {witness.principal_arn} is not in partition {role.partition}")
    context = witness.context
    if str(_context_value(context, MFA_PRESENT)).lower() == "true":
        problems.append("witness uses MFA")
    if _context_value(context, MFA_AGE) is not None:
        problems.append("witness has aws:MultiFactorAuthAge (only MFA sessions have it)")
    if not witness.mfa.lower().startswith(("absent", "false")):
        problems.append(f"witness MFA state {witness.mfa!r} is not absent/false")
    ext = witness.external_id
    ctx_ext = _context_value(context, EXT_KEY)
    if ctx_ext is not None and ctx_ext != ext:
        problems.append(f"context ExternalId {ctx_ext!r} differs from external_id {ext!r}")
    if ext is not None and not _VALID_EXTERNAL_ID.fullmatch(ext):
        problems.append(f"sts:AssumeRole rejects the External ID {ext!r} (2-1224 of [\\w+=,.@:/-])")
    if ext is not None:
        for literal, ignore_case in literal_external_ids(decoded):
            if ext == literal or (ignore_case and ext.lower() == literal.lower()):
                problems.append(f"witness sends the customer's External ID {literal!r}")
    org = _context_value(context, "aws:PrincipalOrgID")
    if org is not None and org in settings.trusted_orgs:
        problems.append(f"witness is in the trusted organisation {org}")
    paths = _context_value(context, "aws:PrincipalOrgPaths")
    problems.extend(
        f"witness org path {path} is in a trusted organisation"
        for path in ([paths] if isinstance(paths, str) else list(paths or ()))
        if str(path).split("/", 1)[0] in settings.trusted_orgs
    )
    account = _context_value(context, "aws:PrincipalAccount")
    if account is not None and account != witness.account_id:
        problems.append(f"aws:PrincipalAccount {account} differs from the caller's account")
    principal_arn = _context_value(context, "aws:PrincipalArn")
    if principal_arn is not None and f"::{witness.account_id}:" not in str(principal_arn):
        problems.append(f"aws:PrincipalArn {principal_arn} is not in the caller's account")
    return problems


def check_witnesses(document: object, result: RoleResult, settings: Settings = SETTINGS) -> None:
    """Every witness a result carries satisfies the contract."""
    for finding in result.findings:
        if finding.witness is None:
            continue
        problems = witness_problems(document, result.role, settings, finding.witness)
        assert not problems, f"{problems}\n{show(result)}"


def all_cases(*tables: Sequence[Case]) -> list[Case]:
    """Rows of several tables in one list."""
    return [c for table in tables for c in table]
