"""Concrete IAM evaluation of one ``sts:AssumeRole`` request against a trust policy.

Explicit Deny wins; otherwise a matching Allow; otherwise implicit deny. A condition that
cannot be evaluated is resolved in the attacker's favour (true in an Allow, false in a
Deny) unless ``strict`` is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from trustwarden.engine.conditions import ContextValue, evaluate_condition, glob_regex
from trustwarden.model import Principal, PrincipalForm, Statement, TrustPolicy, Witness
from trustwarden.policy import is_account_id, parse_aws_principal

ASSUME_ROLE = "sts:assumerole"


@dataclass(frozen=True, slots=True)
class Request:
    """One ``sts:AssumeRole`` call: who makes it and its condition context.

    ``principal_arn`` is what ``aws:PrincipalArn`` holds (the IAM user or role ARN, or a
    federated-user ARN); ``session_arn`` is the assumed-role session ARN when the caller is
    a role session. ``context`` maps lower-cased condition keys to values; a key that is
    missing is absent from the request.
    """

    partition: str
    account_id: str
    principal_arn: str
    session_arn: str | None = None
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    @classmethod
    def from_witness(cls, witness: Witness, partition: str = "aws") -> Request:
        """The request a witness describes, ready to re-evaluate."""
        context: dict[str, ContextValue] = {k.lower(): v for k, v in witness.context.items()}
        context.setdefault("aws:principalaccount", witness.account_id)
        context.setdefault("aws:principalarn", witness.principal_arn)
        if witness.external_id is not None:
            context["sts:externalid"] = witness.external_id
        return cls(
            partition=partition,
            account_id=witness.account_id,
            principal_arn=witness.principal_arn,
            session_arn=witness.session_arn,
            context=context,
        )


@lru_cache(maxsize=1024)
def action_covers(pattern: str, action: str = ASSUME_ROLE) -> bool:
    """Whether an Action entry (case-insensitive, ``*``/``?`` wildcards) covers ``action``."""
    low = pattern.lower()
    if low in (action, "*"):
        return True
    return glob_regex(low).fullmatch(action) is not None


def statement_covers_assume_role(statement: Statement) -> bool:
    """Whether the statement's Action/NotAction includes ``sts:AssumeRole``."""
    if statement.not_actions is not None:
        return not any(action_covers(a) for a in statement.not_actions)
    return any(action_covers(a) for a in statement.actions)


def principal_matches(principal: Principal, request: Request) -> bool:
    """Whether one Principal entry names the request's caller."""
    if principal.kind == "*":
        return True
    if principal.kind != "AWS":
        return False
    value = principal.value
    if value == "*":
        return True
    if principal.form is PrincipalForm.ACCOUNT:
        return value == request.account_id
    if principal.partition is None:
        return False  # a deleted principal's unique ID matches nobody
    if principal.partition != request.partition or principal.account_id != request.account_id:
        return False
    if principal.form is PrincipalForm.ROOT:
        return True
    if principal.form is PrincipalForm.ASSUMED_ROLE:
        return request.session_arn == value
    return request.principal_arn == value


def statement_names(statement: Statement, request: Request) -> bool:
    """Whether the statement's Principal / NotPrincipal element covers the caller."""
    if statement.not_principals is not None:
        return not not_principal_exempts(statement.not_principals, request)
    return any(principal_matches(p, request) for p in statement.principals)


def not_principal_exempts(entries: tuple[Principal, ...], request: Request) -> bool:
    """Whether a NotPrincipal list exempts the caller.

    IAM checks every principal the request carries: the account and the user (or, for a
    role session, the session or its role). Only when both are listed is the caller
    exempt, so an account root ARN alone exempts none of the account's users and roles
    (AWS docs, "NotPrincipal": list the account ARN *and* the user/role).
    """
    if any(p.kind == "*" or (p.kind == "AWS" and p.value == "*") for p in entries):
        return True
    account = any(p.kind == "AWS" and _names_whole_account(p.value, request) for p in entries)
    if not account:
        return False
    own = {request.principal_arn, request.session_arn}
    return any(p.kind == "AWS" and p.value in own for p in entries)


def _names_whole_account(value: str, request: Request) -> bool:
    if is_account_id(value):
        return value == request.account_id
    parts = parse_aws_principal(value)
    return (
        parts is not None
        and parts[0] == request.partition
        and parts[1] == "iam"
        and parts[2] == request.account_id
        and parts[3] == "root"
    )


def conditions_hold(statement: Statement, request: Request, *, strict: bool = False) -> bool:
    """All conditions true. Unevaluable ones count for the attacker unless ``strict``.

    For the attacker: true in an Allow, false in a Deny. ``strict`` does the opposite.
    """
    favour = (statement.effect == "Allow") != strict
    for cond in statement.conditions:
        outcome = evaluate_condition(cond, request.context)
        if outcome is None:
            outcome = favour
        if not outcome:
            return False
    return True


def statement_applies(statement: Statement, request: Request, *, strict: bool = False) -> bool:
    """Whether the statement matches the request (principal, action and conditions)."""
    return (
        statement_covers_assume_role(statement)
        and statement_names(statement, request)
        and conditions_hold(statement, request, strict=strict)
    )


def evaluate_request(policy: TrustPolicy, request: Request, *, strict: bool = False) -> bool:
    """IAM's decision for this request: explicit Deny, else Allow, else implicit deny."""
    allowed = False
    for statement in policy.statements:
        if statement_applies(statement, request, strict=strict):
            if statement.effect == "Deny":
                return False
            allowed = True
    return allowed
