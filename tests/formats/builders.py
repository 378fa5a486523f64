"""Small builders for hand-made results (format tests must not depend on the engine)."""

from __future__ import annotations

from trustwarden.model import (
    ExplainedStatement,
    Finding,
    Origin,
    Role,
    RoleResult,
    Severity,
    Skipped,
    Status,
    Witness,
)

OWN = "111122223333"
OUTSIDER = "999999999999"


def role(name: str = "PartnerAccess", account: str = OWN) -> Role:
    return Role(
        arn=f"arn:aws:iam::{account}:role/{name}",
        name=name,
        account_id=account,
        trust_document={},
        origin=Origin(source="authz", file="estate.json", pointer="/RoleDetailList/0"),
    )


def witness(**context: str | tuple[str, ...]) -> Witness:
    return Witness(
        principal_arn=f"arn:aws:iam::{OUTSIDER}:user/attacker",
        account_id=OUTSIDER,
        mfa="absent (long-term keys)",
        external_id=None,
        context=dict(context),
    )


def fail_result(name: str = "PartnerAccess", /, **context: str | tuple[str, ...]) -> RoleResult:
    return RoleResult(
        role=role(name),
        status=Status.FAIL,
        severity=Severity.HIGH,
        findings=(
            Finding(
                code="TW001",
                statement="Partner",
                principals=(f"arn:aws:iam::{OUTSIDER}:root",),
                message=f"account {OUTSIDER} can assume the role without an External ID or MFA",
                status=Status.FAIL,
                witness=witness(**context),
                notes=("the caller's own account must also allow it",),
            ),
        ),
        explanation=(
            ExplainedStatement(
                label="Partner",
                effect="Allow",
                covers_assume_role=True,
                admits=(f"account {OUTSIDER}",),
                outsiders=(f"arn:aws:iam::{OUTSIDER}:root",),
                conditions=(),
                verdict="lets outsiders in",
            ),
        ),
        fingerprint="f" * 32,
    )


def warn_result(name: str = "AnyAccount") -> RoleResult:
    return RoleResult(
        role=role(name),
        status=Status.WARN,
        severity=Severity.MEDIUM,
        findings=(
            Finding(
                code="TW002",
                statement=0,
                principals=("*",),
                message="any AWS account with the External ID can assume it",
                status=Status.WARN,
            ),
        ),
    )


def pass_result(name: str = "Internal") -> RoleResult:
    return RoleResult(role=role(name), status=Status.PASS, severity=Severity.MEDIUM)


def error_result(name: str = "Broken") -> RoleResult:
    return RoleResult(
        role=role(name),
        status=Status.ERROR,
        severity=Severity.MEDIUM,
        findings=(
            Finding(
                code="TW005",
                statement=None,
                principals=(),
                message="Cannot read the trust policy: not JSON.",
                status=Status.ERROR,
            ),
        ),
        error="not JSON",
    )


def skipped(what: str = "account 222233334444") -> Skipped:
    return Skipped(what=what, reason="AccessDenied", account_id="222233334444")
