"""Plain-words descriptions of conditions, principals and statements (for reports and explain)."""

from __future__ import annotations

from collections.abc import Mapping

from trustwarden.engine.attacker import EXTERNAL_ID, MFA_AGE, MFA_PRESENT
from trustwarden.engine.conditions import IGNORE_CASE_OPS, KNOWN_OPS, NEGATED, WILDCARD_OPS
from trustwarden.model import (
    Condition,
    ExplainedStatement,
    Principal,
    PrincipalForm,
    Statement,
    Witness,
)


def describe_condition(cond: Condition) -> str:
    """``Operator key = values``, plus what it means for this rule when that is known."""
    values = ", ".join(repr(v) for v in cond.values) or "(no values)"
    text = f"{cond.operator} {cond.key_as_written} = {values}"
    meaning = condition_meaning(cond)
    return f"{text} [{meaning}]" if meaning else text


def condition_meaning(cond: Condition) -> str:
    """What one condition does against the confused-deputy attacker, or '' if generic."""
    if cond.base not in KNOWN_OPS:
        return "unknown operator: cannot be evaluated, worst case assumed"
    if cond.key == EXTERNAL_ID:
        return _external_id_meaning(cond)
    if cond.key in (MFA_PRESENT, MFA_AGE):
        return _mfa_meaning(cond)
    return ""


def _external_id_meaning(cond: Condition) -> str:
    if cond.base == "Null":
        return "only checks that some External ID is sent: weak, any value passes"
    if cond.if_exists:
        return "passes when no External ID is sent: exposed"
    if cond.set_op == "ForAllValues":
        return "ForAllValues is true when no External ID is sent: exposed"
    if cond.base in NEGATED:
        return "a negated operator is true when no External ID is sent: exposed in an Allow"
    if any("${" in v for v in cond.values):
        return "value comes from a policy variable: predictable, not a customer-specific ID"
    if cond.base in WILDCARD_OPS and any("*" in v or "?" in v for v in cond.values):
        return "wildcard pattern: an attacker sends any ID that fits it"
    case = " (ignoring case)" if cond.base in IGNORE_CASE_OPS else ""
    return f"requires the exact External ID{case}: protects"


def _mfa_meaning(cond: Condition) -> str:
    wants_true = any(v.lower() == "true" for v in cond.values)
    if cond.key == MFA_PRESENT:
        if cond.base == "Bool" and cond.if_exists and wants_true:
            return "BoolIfExists passes long-term access keys without MFA: weak"
        if cond.base == "Bool" and wants_true and not cond.set_op:
            return "requires MFA: protects"
        if cond.base == "Null":
            return "only checks for temporary credentials, not MFA: weak"
        return "does not require MFA"
    if cond.base == "Null" and any(v.lower() == "false" for v in cond.values):
        return "MFA age exists only after MFA: requires MFA"
    if cond.base.startswith("NumericLessThan") and not cond.if_exists:
        return "requires recent MFA: protects"
    return "does not require MFA"


def principal_account(value: str) -> str | None:
    """The account a written AWS principal belongs to (None for "*" and unique IDs)."""
    return Principal.aws(value).account_id


def label_principal(value: str, known: Mapping[str, str]) -> str:
    """The principal as written, followed by its owner's name when the account is known."""
    account = principal_account(value)
    return f"{value} ({known[account]})" if account and account in known else value


def describe_principal(
    principal: Principal, trusted: frozenset[str], known: Mapping[str, str] | None = None
) -> str:
    """One principal entry in words."""
    if principal.kind == "*" or principal.value == "*":
        return "* (every AWS principal in every account)"
    if principal.kind != "AWS":
        return f"{principal.kind} {principal.value} (not an AWS account principal: out of scope)"
    value = principal.value
    if principal.form is PrincipalForm.UNIQUE_ID:
        return f"{value} (unique ID of a deleted principal: matches nobody)"
    account = principal.account_id
    whole = principal.form in (PrincipalForm.ACCOUNT, PrincipalForm.ROOT)
    label = f"account {account} (any principal in it)" if whole else value
    if known and account is not None and account in known:
        label = f"{label}, {known[account]}"
    if account in trusted:
        return f"{label} [trusted]"
    return f"{label} [outside]"


def explain_statement(
    statement: Statement,
    *,
    covers: bool,
    outsiders: tuple[str, ...],
    witness: Witness | None,
    trusted: frozenset[str],
    known: Mapping[str, str] | None = None,
) -> ExplainedStatement:
    """What one statement does for the confused-deputy question."""
    principals = statement.not_principals or statement.principals
    admits = tuple(describe_principal(p, trusted, known) for p in principals)
    if statement.not_principals is not None:
        admits = ("every principal except: " + "; ".join(admits),)
    conditions = tuple(describe_condition(c) for c in statement.conditions)
    if not covers:
        verdict = "does not cover sts:AssumeRole: irrelevant to this rule"
    elif statement.effect == "Deny":
        verdict = "Deny: blocks matching requests (explicit deny wins over any Allow)"
    elif witness is not None:
        verdict = f"LETS OUTSIDERS IN: {witness.describe()}"
    elif outsiders:
        verdict = "admits outside principals, but its conditions or a Deny stop the attacker"
    else:
        verdict = "admits only the role's own account, trusted accounts or non-AWS principals"
    return ExplainedStatement(
        label=statement.label,
        effect=statement.effect,
        covers_assume_role=covers,
        admits=admits,
        outsiders=outsiders,
        conditions=conditions,
        verdict=verdict,
    )
