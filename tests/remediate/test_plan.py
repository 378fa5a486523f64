"""The planner: which roles get which fix, and when it refuses."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from tests.remediate.helpers import (
    EXTERNAL_ID,
    FRIEND,
    OTHER,
    OUTSIDER,
    OWN,
    SETTINGS,
    allow,
    outsider_policy,
    policy,
    role,
)
from trustwarden.engine import analyze_role
from trustwarden.model import Role, RoleFacts, RoleResult, Settings, Status
from trustwarden.remediate.document import policy_size
from trustwarden.remediate.mapping import ExternalIds
from trustwarden.remediate.plan import FixOptions, PlanAction, plan_role, render_diff

EXT = FixOptions(external_ids=ExternalIds(default=EXTERNAL_ID))
MFA = FixOptions(require_mfa=True)


def reanalyze(r: Role, doc: Any) -> RoleResult:
    return analyze_role(dataclasses.replace(r, trust_document=doc), SETTINGS)


def test_external_id_fix_passes_and_shows_a_diff() -> None:
    r = role(json.dumps(outsider_policy()))  # a JSON string, as some sources deliver it
    plan = plan_role(r, SETTINGS, EXT)
    assert plan.action is PlanAction.CHANGE
    assert (plan.status_before, plan.status_after) == (Status.FAIL, Status.PASS)
    assert plan.after is not None
    assert plan.after["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": EXTERNAL_ID}
    }
    assert reanalyze(r, plan.after).status is Status.PASS
    assert plan.size == policy_size(plan.after)
    diff = render_diff(plan)
    assert diff.startswith(f"--- {r.arn} (current)\n+++ {r.arn} (planned)\n")
    assert f'+          "sts:ExternalId": "{EXTERNAL_ID}"' in diff
    assert plan.written == json.dumps(plan.after, separators=(",", ":"))


def test_mfa_fix_uses_bool_not_bool_if_exists() -> None:
    doc = policy(allow({"AWS": OUTSIDER}, {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}))
    plan = plan_role(role(doc), SETTINGS, MFA)
    assert plan.action is PlanAction.CHANGE
    assert plan.after is not None
    assert plan.after["Statement"][0]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"}
    }
    assert any("removed BoolIfExists" in c for c in plan.changes)


def test_both_conditions_together() -> None:
    plan = plan_role(role(outsider_policy()), SETTINGS, dataclasses.replace(EXT, require_mfa=True))
    assert plan.after is not None
    assert plan.after["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": EXTERNAL_ID},
        "Bool": {"aws:MultiFactorAuthPresent": "true"},
    }


def test_only_exposing_allow_statements_are_touched() -> None:
    doc = policy(
        allow({"AWS": f"arn:aws:iam::{OWN}:root"}, sid="Own"),
        allow({"AWS": FRIEND}, sid="Friend"),
        allow({"Service": "ec2.amazonaws.com"}, sid="Svc"),
        {"Sid": "Guard", "Effect": "Deny", "Principal": {"AWS": OTHER}, "Action": "sts:AssumeRole"},
        allow({"AWS": OUTSIDER}, {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, sid="Vendor"),
    )
    plan = plan_role(role(doc), SETTINGS, EXT)
    assert plan.action is PlanAction.CHANGE
    assert plan.after is not None
    assert plan.after["Statement"][:4] == doc["Statement"][:4]
    assert plan.after["Statement"][4]["Condition"] == {
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
        "StringEquals": {"sts:ExternalId": EXTERNAL_ID},
    }


def test_single_statement_object_keeps_its_shape() -> None:
    doc = {"Version": "2012-10-17", "Statement": allow({"AWS": OUTSIDER})}
    plan = plan_role(role(doc), SETTINGS, EXT)
    assert plan.after is not None
    assert isinstance(plan.after["Statement"], dict)
    assert plan.before == doc  # the input is not mutated


def test_finds_every_exposing_statement_even_if_the_engine_names_one() -> None:
    doc = policy(allow({"AWS": OUTSIDER}, sid="A"), allow({"AWS": OTHER}, sid="B"))

    def first_finding_only(r: Role, s: Settings) -> RoleResult:
        result = analyze_role(r, s)
        return dataclasses.replace(result, findings=result.findings[:1])

    plan = plan_role(role(doc), SETTINGS, EXT, analyze=first_finding_only)
    assert plan.action is PlanAction.CHANGE
    assert plan.after is not None
    assert all("Condition" in s for s in plan.after["Statement"])


@pytest.mark.parametrize(
    ("doc", "options", "action", "reason"),
    [
        (policy(allow({"AWS": OWN})), EXT, PlanAction.NOTHING, "passes"),
        (
            policy(allow("*", {"StringEquals": {"sts:ExternalId": "some-vendor-id"}})),
            EXT,
            PlanAction.NOTHING,
            "--include-warn",
        ),
        ('{"Statement": [', EXT, PlanAction.REFUSED, "cannot evaluate the role"),
        (
            outsider_policy(),
            FixOptions(remove_principals=(OTHER,)),
            PlanAction.REFUSED,
            "changes nothing",
        ),
        (
            policy(allow({"AWS": [OUTSIDER, OTHER]})),
            FixOptions(remove_principals=(OUTSIDER,)),
            PlanAction.REFUSED,
            "would still be fail",
        ),
        (
            outsider_policy(),
            FixOptions(remove_principals=(OUTSIDER,)),
            PlanAction.REFUSED,
            "no statement",
        ),
        (
            outsider_policy(),
            FixOptions(
                external_ids=ExternalIds(by_role={"other-role": "id-aaaa"}, source="map.csv")
            ),
            PlanAction.REFUSED,
            "no External ID for this role in map.csv",
        ),
    ],
)
def test_nothing_and_refusals(
    doc: Any, options: FixOptions, action: PlanAction, reason: str
) -> None:
    plan = plan_role(role(doc), SETTINGS, options)
    assert plan.action is action
    assert reason in plan.reason
    if action is PlanAction.REFUSED and plan.status_before is not Status.ERROR:
        assert plan.before is not None


def test_warn_roles_with_include_warn() -> None:
    warn_doc = policy(
        allow("*", {"StringEquals": {"sts:ExternalId": "some-vendor-id"}}, sid="Any"),
        allow({"AWS": OWN}, sid="Own"),
    )
    with_ext = dataclasses.replace(EXT, include_warn=True)
    refused = plan_role(role(warn_doc), SETTINGS, with_ext)
    # Adding an External ID cannot fix a "*" principal: the role is left alone.
    assert refused.action is PlanAction.REFUSED
    assert "changes nothing" in refused.reason
    assert "--remove-principal '*'" in refused.reason
    removal = FixOptions(remove_principals=("*",), include_warn=True)
    plan = plan_role(role(warn_doc), SETTINGS, removal)
    assert plan.action is PlanAction.CHANGE
    assert plan.status_after is Status.PASS
    assert plan.after is not None
    assert plan.after["Statement"] == [allow({"AWS": OWN}, sid="Own")]


def test_fail_to_warn_is_accepted_and_what_remains_is_reported() -> None:
    stale = "AROAEXAMPLEEXAMPLE123"
    doc = policy(allow({"AWS": [stale, OUTSIDER]}))
    plan = plan_role(role(doc), SETTINGS, EXT)
    assert plan.action is PlanAction.CHANGE
    assert plan.status_after is Status.WARN
    assert any(r.startswith("TW003") for r in plan.remaining)
    # With --include-warn the same role (fail) is still fixed as far as the fix goes.
    assert plan_role(role(doc), SETTINGS, dataclasses.replace(EXT, include_warn=True)).action is (
        PlanAction.CHANGE
    )


def test_size_quota() -> None:
    doc = outsider_policy()
    fits = plan_role(role(doc), SETTINGS, EXT)
    assert fits.size is not None
    exact = plan_role(role(doc), SETTINGS, dataclasses.replace(EXT, max_policy_size=fits.size))
    assert exact.action is PlanAction.CHANGE
    over = plan_role(role(doc), SETTINGS, dataclasses.replace(EXT, max_policy_size=fits.size - 1))
    assert over.action is PlanAction.REFUSED
    assert f"would be {fits.size} characters" in over.reason
    assert f"quota of {fits.size - 1}" in over.reason
    assert "--max-policy-size" in over.reason


def test_size_counts_no_white_space() -> None:
    doc = policy(allow({"AWS": OUTSIDER}, sid="A"))
    doc["Statement"][0]["Condition"] = {
        "StringLike": {"aws:PrincipalTag/team": "a b*"}  # tag values may hold spaces
    }
    plan = plan_role(role(doc), SETTINGS, EXT)
    assert plan.after is not None
    text = json.dumps(plan.after, separators=(",", ":"))
    assert plan.size == len(text) - 1


def test_service_linked_roles_are_not_touched() -> None:
    r = dataclasses.replace(role(outsider_policy()), facts=RoleFacts(path="/aws-service-role/x/"))
    plan = plan_role(r, SETTINGS, EXT)
    assert plan.action is PlanAction.REFUSED
    assert "service-linked" in plan.reason


def test_a_repeated_sid_fixes_only_the_exposing_statement() -> None:
    # Sids need not be unique: the finding's statement index, not its Sid, picks the target,
    # so the other vendor's statement (and its own External ID) is left as written.
    guarded = {"StringEquals": {"sts:ExternalId": "other-vendors-id"}}
    doc = policy(
        allow({"AWS": OUTSIDER}, sid="Vendor"),
        allow({"AWS": OTHER}, guarded, sid="Vendor"),
    )
    plan = plan_role(role(doc), SETTINGS, EXT)
    assert plan.action is PlanAction.CHANGE
    assert plan.after is not None
    first, second = plan.after["Statement"]
    assert first["Condition"] == {"StringEquals": {"sts:ExternalId": EXTERNAL_ID}}
    assert second == doc["Statement"][1]
