"""No regressions on the bundled sample estate: realistic roles keep today's verdicts.

The verdicts below are what the sampling engine gave before the exact engine (each was
reviewed against AWS's documentation and agrees with the independent oracle); the oracle
and the witness checks are applied too, so a verdict that changes for a good reason shows
which side moved.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest

from tests.engine_exact.judge import is_exposed, show, witness_verdicts
from tests.engine_exact.oracle import find_allowed
from trustwarden.engine import analyze_roles
from trustwarden.model import Role, Settings, Status
from trustwarden.sources.sample import sample_paths

SAMPLE_ACCOUNT = "111111111111"
SAMPLE_SETTINGS = Settings(trusted_accounts=frozenset({"222222222222"}))  # trustwarden.toml
FAIL, WARN, PASS, ERROR = Status.FAIL, Status.WARN, Status.PASS, Status.ERROR
VERDICTS = {
    "datadog-integration": PASS,
    "legacy-monitoring-vendor": FAIL,
    "cost-tool-any-external-id": FAIL,
    "vendor-with-deny-guard": PASS,
    "vendor-notaction": FAIL,
    "vendor-admin-access": FAIL,
    "url-encoded-vendor": PASS,
    "security-audit-vendor": PASS,
    "contractor-mfa-ifexists": FAIL,
    "auditor-mfa-required": PASS,
    "public-with-external-id": WARN,
    "org-wide-readonly": FAIL,
    "partner-account-narrowed": PASS,
    "partner-data-sync": PASS,
    "partner-reporting": PASS,
    "ci-deployer": PASS,
    "account-root-admin": PASS,
    "breakglass-admin": PASS,
    "stale-principal-role": WARN,
    "lambda-orders-processor": PASS,
    "ecs-task-execution": PASS,
    "ec2-app-server": PASS,
    "saml-sso-admin": PASS,
    "github-oidc-deploy": PASS,
    "multi-statement-mixed": FAIL,
}


def _roles() -> list[Role]:
    roles: list[Role] = []
    for path in sample_paths():
        data = json.loads(path.read_text(encoding="utf-8"))
        roles.extend(
            Role(
                arn=raw["Arn"],
                name=raw["RoleName"],
                account_id=SAMPLE_ACCOUNT,
                trust_document=raw["AssumeRolePolicyDocument"],
            )
            for raw in data.get("RoleDetailList", [])
        )
    return roles


def test_the_sample_estate_is_the_one_reviewed() -> None:
    assert sorted(r.name for r in _roles()) == sorted(VERDICTS)


@pytest.mark.parametrize("role", _roles(), ids=lambda r: r.name)
def test_sample_role_keeps_its_verdict(role: Role) -> None:
    (result,) = analyze_roles([role], SAMPLE_SETTINGS)
    assert result.status is VERDICTS[role.name], show(result)
    if result.status is ERROR:
        return
    document: Any = role.trust_document
    if isinstance(document, str):  # URL-encoded JSON, as the IAM API delivers it
        document = json.loads(unquote(document))
    assert not witness_verdicts(document, result, SAMPLE_SETTINGS), show(result)
    outcome = find_allowed(
        document, SAMPLE_ACCOUNT, SAMPLE_SETTINGS.trusted_accounts, SAMPLE_SETTINGS.trusted_orgs
    )
    assert (outcome.request is not None) == is_exposed(result), show(result)
