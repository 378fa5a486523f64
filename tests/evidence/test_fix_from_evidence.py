"""fix --from-evidence: pin what callers send, refuse what only the vendor can answer,
and never plan a policy that refuses a call the evidence shows working."""

from __future__ import annotations

from typing import Any

from tests.evidence.cloudtrail import ROLE_ACCOUNT, assume_role
from trustwarden.engine import analyze_role
from trustwarden.evidence import Evidence, call_from_record
from trustwarden.evidence.aggregate import Aggregator
from trustwarden.model import Origin, Role, Settings, Status
from trustwarden.remediate import FixOptions, PlanAction, plan_role
from trustwarden.remediate.mapping import ExternalIds

VENDOR = "387546586013"
OTHER = "464622532012"
SETTINGS = Settings()


def role(name: str, statements: list[dict[str, Any]]) -> Role:
    return Role(
        arn=f"arn:aws:iam::{ROLE_ACCOUNT}:role/{name}",
        name=name,
        account_id=ROLE_ACCOUNT,
        trust_document={"Version": "2012-10-17", "Statement": statements},
        origin=Origin(source="test"),
    )


def allow(*principals: str, **condition: Any) -> dict[str, Any]:
    stmt: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": list(principals) if len(principals) > 1 else principals[0]},
        "Action": "sts:AssumeRole",
    }
    if condition:
        stmt["Condition"] = condition
    return stmt


def evidence(*calls: dict[str, Any]) -> Evidence:
    agg = Aggregator("test")
    agg.add_all(call_from_record(c) for c in calls)
    return agg.evidence()


def call(role_name: str, account: str, seq: int, **kw: Any) -> dict[str, Any]:
    when = f"2026-10-{seq:02d}T08:00:00Z"
    return assume_role(role=role_name, caller_account=account, when=when, seq=seq, **kw)


def plan(r: Role, ev: Evidence, **options: Any) -> Any:
    opts = FixOptions(evidence=ev, from_evidence=options.pop("from_evidence", True), **options)
    return plan_role(r, SETTINGS, opts)


def test_pins_the_external_id_the_vendor_sends() -> None:
    r = role("vendor", [allow(f"arn:aws:iam::{VENDOR}:root")])
    ev = evidence(*(call("vendor", VENDOR, i, external_id="7f3a9c21-e0b4") for i in (1, 2, 3)))
    p = plan(r, ev)
    assert p.action is PlanAction.CHANGE
    assert p.status_after is Status.PASS
    assert p.after["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": "7f3a9c21-e0b4"}
    }


def test_refuses_a_caller_that_sends_no_external_id() -> None:
    r = role("legacy", [allow(f"arn:aws:iam::{VENDOR}:root")])
    p = plan(r, evidence(call("legacy", VENDOR, 1), call("legacy", VENDOR, 2)))
    assert p.action is PlanAction.REFUSED
    assert f"{VENDOR} assumed the role 2 times without an External ID" in p.reason
    assert "ask the vendor" in p.reason
    assert "\n" not in p.reason


def test_mfa_only_caller_is_pointed_at_require_mfa() -> None:
    r = role("contractor", [allow(f"arn:aws:iam::{VENDOR}:root")])
    mfa = f"arn:aws:iam::{VENDOR}:mfa/c"
    p = plan(r, evidence(call("contractor", VENDOR, 1, serial_number=mfa)))
    assert p.action is PlanAction.REFUSED
    assert "--require-mfa would keep it working" in p.reason


def test_refuses_a_caller_that_switched_external_ids() -> None:
    r = role("cost", [allow(f"arn:aws:iam::{VENDOR}:root")])
    ev = evidence(
        call("cost", VENDOR, 1, external_id="ct-aaaaaaaaaaaa"),
        call("cost", VENDOR, 2, external_id="ct-bbbbbbbbbbbb"),
    )
    p = plan(r, ev)
    assert p.action is PlanAction.REFUSED
    assert "sent 2 different External IDs" in p.reason
    assert "'ct-aaaaaaaaaaaa', 'ct-bbbbbbbbbbbb'" in p.reason


def test_refused_calls_do_not_count_as_what_the_vendor_sends() -> None:
    r = role("vendor", [allow(f"arn:aws:iam::{VENDOR}:root")])
    ev = evidence(
        call("vendor", VENDOR, 1, external_id="good-id-123456"),
        call("vendor", VENDOR, 2, external_id="probe", error_code="AccessDenied"),
    )
    p = plan(r, ev)
    assert p.action is PlanAction.CHANGE
    assert "good-id-123456" in p.changes[0]


def test_one_condition_per_account_when_ids_differ() -> None:
    stmt = allow(f"arn:aws:iam::{VENDOR}:role/scanner", f"arn:aws:iam::{OTHER}:role/scanner")
    stmt["Sid"] = "Scanners"
    r = role("audit", [stmt])
    ev = evidence(
        call("audit", VENDOR, 1, external_id="vendor-id-9f8e7d"),
        call("audit", OTHER, 2, external_id="other-id-1a2b3c"),
    )
    p = plan(r, ev)
    assert p.action is PlanAction.CHANGE, p.reason
    statements = p.after["Statement"]
    assert [
        (s["Sid"], s["Principal"]["AWS"], s["Condition"]["StringEquals"]["sts:ExternalId"])
        for s in statements
    ] == [
        (f"Scanners{VENDOR}", f"arn:aws:iam::{VENDOR}:role/scanner", "vendor-id-9f8e7d"),
        (f"Scanners{OTHER}", f"arn:aws:iam::{OTHER}:role/scanner", "other-id-1a2b3c"),
    ]
    assert analyze_role(Role(r.arn, r.name, r.account_id, p.after), SETTINGS).status is Status.PASS


def test_never_seen_principal_gets_a_removal_proposal_only() -> None:
    r = role("two", [allow(f"arn:aws:iam::{VENDOR}:root", f"arn:aws:iam::{OTHER}:root")])
    p = plan(r, evidence(call("two", VENDOR, 1, external_id="vendor-id-9f8e7d")))
    assert p.action is PlanAction.CHANGE
    assert p.proposals == (
        f"{OTHER} never assumed the role in the evidence (2026-10-01 to 2026-10-01): "
        "if it no longer needs it, "
        f"--remove-principal {OTHER} (not applied)",
    )
    # The proposal is text: the principal is still in the planned policy.
    assert f"arn:aws:iam::{OTHER}:root" in p.after["Statement"][0]["Principal"]["AWS"]


def test_role_nobody_outside_used_is_refused_with_a_proposal() -> None:
    r = role("idle", [allow(f"arn:aws:iam::{VENDOR}:root")])
    p = plan(r, evidence(call("other-role", VENDOR, 1, external_id="x-123456789")))
    assert p.action is PlanAction.REFUSED
    assert "no outside account assumed the role" in p.reason
    assert len(p.proposals) == 1
    assert f"--remove-principal {VENDOR}" in p.proposals[0]


def test_a_wrong_external_id_would_cut_off_the_vendor() -> None:
    # Not --from-evidence: the user's guess is checked against what CloudTrail saw.
    r = role("vendor", [allow(f"arn:aws:iam::{VENDOR}:root")])
    ev = evidence(call("vendor", VENDOR, 1, external_id="real-id-123456"))
    p = plan(r, ev, from_evidence=False, external_ids=ExternalIds(default="guessed-id-999"))
    assert p.action is PlanAction.REFUSED
    assert "would cut off 1 caller(s)" in p.reason
    assert f"account {VENDOR} (External ID 'real-id-123456', 1 call)" in p.reason
    right = plan(r, ev, from_evidence=False, external_ids=ExternalIds(default="real-id-123456"))
    assert right.action is PlanAction.CHANGE


def test_replay_uses_the_named_principal_when_the_copy_has_no_arn() -> None:
    # The role account's copy names no ARN; the policy names a role in that account.
    r = role("named", [allow(f"arn:aws:iam::{VENDOR}:role/collector")])
    ev = evidence(
        call("named", VENDOR, 1, external_id="real-id-123456", caller="assumed-role/collector/s")
    )
    wrong = plan(r, ev, from_evidence=False, external_ids=ExternalIds(default="guessed-id-999"))
    assert wrong.action is PlanAction.REFUSED
    assert "cut off" in wrong.reason
