"""Witness realism on broad generated policies, and the oracle's verdict as a lower bound.

Policies mix every principal form, operator family and key the contract talks about, with
values of every type (so some conditions are type mismatches the engine must treat as
TW004). Whatever the engine answers:

- each ``fail`` witness is a request STS accepts from an attacker (12 ASCII digits, valid
  External ID, organisation ID, tag and session name, no MFA, no root user, MFA key present
  for role sessions), and a TW001 witness is allowed by the independent evaluator;
- an outsider request the oracle finds allowed means the engine says ``fail``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine_exact.judge import (
    FRIEND,
    OTHER,
    OUTSIDER,
    OWN,
    SETTINGS,
    TRUSTED_ORG,
    is_exposed,
    run,
    show,
    witness_verdicts,
)
from tests.engine_exact.oracle import find_allowed
from tests.engine_exact.policies import root

PRINCIPALS: list[Any] = [
    "*",
    {"AWS": "*"},
    {"AWS": OUTSIDER},
    {"AWS": root(OTHER)},
    {"AWS": root(FRIEND)},
    {"AWS": f"arn:aws:iam::{OUTSIDER}:user/alice"},
    {"AWS": f"arn:aws:iam::{OUTSIDER}:role/pipeline"},
    {"AWS": f"arn:aws:sts::{OUTSIDER}:assumed-role/pipeline/build-7"},
    {"AWS": [root(OTHER), f"arn:aws:iam::{OWN}:role/admin"]},
    {"Service": "ec2.amazonaws.com"},
]
ACTIONS: list[Any] = ["sts:AssumeRole", "sts:*", ["sts:AssumeRole", "sts:TagSession"], "*"]
OPERATORS = [
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIgnoreCase",
    "StringEqualsIfExists",
    "StringNotEqualsIfExists",
    "ForAnyValue:StringEquals",
    "ForAllValues:StringLike",
    "ForAnyValue:StringLike",
    "Bool",
    "BoolIfExists",
    "Null",
    "NumericLessThan",
    "NumericGreaterThan",
    "DateGreaterThan",
    "IpAddress",
    "NotIpAddress",
    "ArnLike",
    "ArnNotLike",
]
KEYS = [
    "sts:ExternalId",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "aws:PrincipalOrgID",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalType",
    "aws:username",
    "aws:SourceIp",
    "aws:PrincipalTag/team",
    "aws:TagKeys",
    "sts:RoleSessionName",
    "aws:CurrentTime",
]
VALUES: list[Any] = [
    "vendor-7Hq2",
    "v*",
    "*",
    "ab?",
    True,
    "false",
    "3600",
    "10.0.0.0/8",
    "2031-01-01T00:00:00Z",
    "o-partner0001",
    TRUSTED_ORG,
    OUTSIDER,
    "44444444444?",
    f"arn:aws:iam::{OUTSIDER}:role/p*",
    "arn:aws:iam::*:user/alice",
    "${aws:PrincipalAccount}",
    "${aws:PrincipalTag/team}",
    "${aws:username}",
    "User",
    "AssumedRole",
    "team",
    "ops-*",
]

conditions = st.dictionaries(
    st.sampled_from(OPERATORS),
    st.dictionaries(
        st.sampled_from(KEYS),
        st.one_of(
            st.sampled_from(VALUES), st.lists(st.sampled_from(VALUES), min_size=1, max_size=3)
        ),
        min_size=1,
        max_size=2,
    ),
    min_size=1,
    max_size=3,
)


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    effect = draw(st.sampled_from(["Allow", "Allow", "Deny"]))
    stmt: dict[str, Any] = {
        "Effect": effect,
        "Principal": draw(st.sampled_from(PRINCIPALS)),
        "Action": draw(st.sampled_from(ACTIONS)),
    }
    if draw(st.booleans()):
        stmt["Condition"] = draw(conditions)
    return stmt


documents = st.builds(
    lambda statements, version: {"Version": version, "Statement": statements},
    st.lists(statements(), min_size=1, max_size=3),
    st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17"]),
)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(document=documents)
def test_witnesses_are_real_requests_and_oracle_hits_are_fails(document: dict[str, Any]) -> None:
    result = run(document)
    problems = witness_verdicts(document, result)
    assert not problems, f"{problems}\n{document}\n{show(result)}"
    outcome = find_allowed(
        document, OWN, SETTINGS.trusted_accounts, SETTINGS.trusted_orgs, limit=1500
    )
    if outcome.request is not None:
        assert is_exposed(result), (
            f"the oracle gets in with {outcome.request.describe()}\n{document}\n{show(result)}"
        )
