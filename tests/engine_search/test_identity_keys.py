"""Identity-bound condition keys: the attacker picks who they are, within their own account."""

from __future__ import annotations

from typing import Any

import pytest

from trustwarden.engine import Request, analyze_role, evaluate_request
from trustwarden.model import Role, Settings, Status
from trustwarden.policy import parse_policy


def _analyze(condition: dict[str, Any], principal: Any = "*") -> tuple[Status, Any]:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": principal,
                "Action": "sts:AssumeRole",
                "Condition": condition,
            }
        ],
    }
    role = Role("arn:aws:iam::111111111111:role/r", "r", "111111111111", doc)
    result = analyze_role(role, Settings())
    witness = result.findings[0].witness if result.findings else None
    if witness is not None:
        assert evaluate_request(parse_policy(doc), Request.from_witness(witness))
    return result.status, witness


@pytest.mark.parametrize(
    ("condition", "principal_part"),
    [
        ({"StringEquals": {"aws:username": "alice"}}, ":user/alice"),
        ({"StringLike": {"aws:username": "adm*"}}, ":user/adm"),
        ({"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/vendor-*"}}, ":role/vendor-"),
    ],
)
def test_wildcard_attacker_takes_the_identity_the_condition_wants(
    condition: dict[str, Any], principal_part: str
) -> None:
    status, witness = _analyze(condition)
    assert status is Status.FAIL
    assert principal_part in witness.principal_arn


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalType": "FederatedUser"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:sts::*:federated-user/*"}},
    ],
)
def test_federated_user_sessions_are_no_attackers(condition: dict[str, Any]) -> None:
    """GetFederationToken sessions cannot call STS AssumeRole: no witness STS would accept."""
    status, _ = _analyze(condition)
    assert status is Status.PASS


def test_named_account_root_admits_any_user_name_of_that_account() -> None:
    status, witness = _analyze(
        {"StringEquals": {"aws:username": "alice"}}, {"AWS": "arn:aws:iam::222222222222:root"}
    )
    assert status is Status.FAIL
    assert witness.principal_arn == "arn:aws:iam::222222222222:user/alice"


def test_role_session_witness_carries_mfa_false() -> None:
    status, witness = _analyze({}, {"AWS": "arn:aws:iam::222222222222:role/vendor"})
    assert status is Status.FAIL
    assert witness.session_arn is not None
    assert witness.context["aws:MultiFactorAuthPresent"] == "false"
