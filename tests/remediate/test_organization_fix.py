"""fix --organization as a library: plan per member, one journal, rollback across accounts."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.aws.helpers import TRUST_OTHER_ACCOUNT, assumed_client, seed_org, trust_account
from tests.cli.runner import invoke
from tests.moto_server import MotoServer
from trustwarden.aws.session import make_session
from trustwarden.model import Settings
from trustwarden.remediate.apply import OutcomeKind
from trustwarden.remediate.journal import Journal, read_journal
from trustwarden.remediate.mapping import ExternalIds
from trustwarden.remediate.organization import (
    apply_organization,
    member_enter,
    plan_organization,
    rollback_organization,
    select_accounts,
)
from trustwarden.remediate.plan import FixOptions, PlanAction
from trustwarden.remediate.rollback import RollbackKind

pytestmark = pytest.mark.moto_server

MEMBER_ROLE = "TrustwardenAuditRole"
OPTIONS = FixOptions(external_ids=ExternalIds(default="vendor-issued-9f8e7d6c"))


def test_select_accounts() -> None:
    active = ["333333333333", "111111111111", "222222222222"]
    assert select_accounts(active) == ["111111111111", "222222222222", "333333333333"]
    assert select_accounts(
        active, accounts={"222222222222", "333333333333"}, exclude={"333333333333"}
    ) == ["222222222222"]


def test_plan_apply_and_roll_back_across_member_accounts(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    org = seed_org(2, 1, trust=TRUST_OTHER_ACCOUNT)
    ctx = make_session()
    enter = member_enter(ctx, MEMBER_ROLE)
    batches = list(
        plan_organization(
            org.members, enter, Settings(), OPTIONS, keep=lambda r: r.name.startswith("app-")
        )
    )
    assert [b.account_id for b in batches] == org.members
    assert all(b.skipped is None for b in batches)
    assert [[p.action for p in b.plans] for b in batches] == [[PlanAction.CHANGE]] * 2

    path = tmp_path / "journal.jsonl"
    journal = Journal(path)
    journal.open()
    outcomes = list(apply_organization(batches, journal))
    journal.close()
    assert [o.kind for o in outcomes] == [OutcomeKind.APPLIED] * 2
    contents = read_journal(path)
    assert [i.account_id for i in contents.intents] == org.members  # every change names its account

    # Someone edits the role in the second member after the fix: rollback leaves it alone.
    # (seed_org's member list is sorted by account ID, not by creation order.)
    first_arn, second_arn = (b.plans[0].role.arn for b in batches)
    second = assumed_client("iam", f"arn:aws:iam::{org.members[1]}:role/{MEMBER_ROLE}")
    second.update_assume_role_policy(
        RoleName=second_arn.rsplit("/", 1)[-1],
        PolicyDocument=json.dumps(trust_account("222233334444")),
    )
    undo = {o.role_arn: o.kind for o in rollback_organization(contents, enter)}
    assert undo == {first_arn: RollbackKind.RESTORED, second_arn: RollbackKind.CONFLICT}
    first = assumed_client("iam", f"arn:aws:iam::{org.members[0]}:role/{MEMBER_ROLE}")
    restored = first.get_role(RoleName=first_arn.rsplit("/", 1)[-1])["Role"][
        "AssumeRolePolicyDocument"
    ]
    assert "Condition" not in json.dumps(restored)
    # Idempotent: a second run has nothing to do where it restored.
    again = {o.role_arn: o.kind for o in rollback_organization(contents, enter)}
    assert again[first_arn] is RollbackKind.NOTHING


def test_an_account_that_cannot_be_entered_is_skipped(moto_env: MotoServer, tmp_path: Path) -> None:
    org = seed_org(1, 1, trust=TRUST_OTHER_ACCOUNT)
    ctx = make_session()

    def enter(account_id: str) -> object:
        raise ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, "AssumeRole")

    (batch,) = plan_organization(org.members, enter, Settings(), OPTIONS)
    assert batch.store is None
    assert "AccessDenied" in (batch.skipped or "")
    # A journal from a real run, replayed where the account is unreachable.
    good = list(
        plan_organization(
            org.members,
            member_enter(ctx, MEMBER_ROLE),
            Settings(),
            OPTIONS,
            keep=lambda r: r.name.startswith("app-"),
        )
    )
    path = tmp_path / "j.jsonl"
    journal = Journal(path)
    journal.open()
    list(apply_organization(good, journal))
    journal.close()
    (outcome,) = rollback_organization(read_journal(path), enter)
    assert outcome.kind is RollbackKind.SKIPPED
    assert f"cannot enter account {org.members[0]}" in outcome.detail


def test_cli_fix_and_rollback_with_organization(moto_env: MotoServer, tmp_path: Path) -> None:
    org = seed_org(2, 1, trust=TRUST_OTHER_ACCOUNT)
    # A role trusting another account of the organisation: trusted, nothing to fix.
    boto3.client("iam").create_role(
        RoleName="app-intra", AssumeRolePolicyDocument=json.dumps(trust_account(org.members[0]))
    )
    path = tmp_path / "org-journal.jsonl"
    common = ("--external-id", "vendor-issued-9f8e7d6c", "--role", "app-*")
    dry = invoke(("fix", "--organization", *common), env={}, cwd=tmp_path, tty=False)
    assert dry.code == 0, dry.err
    assert "3 accounts: 3 roles: 2 to change, 0 not fixable as asked, 1 nothing to do" in dry.err
    one = invoke(
        ("fix", "--organization", "--accounts", org.members[0], *common),
        env={},
        cwd=tmp_path,
        tty=False,
    )
    assert "1 account: 1 role: 1 to change" in one.err
    applied = invoke(
        ("fix", "--organization", *common, "--apply", "--yes", "--journal", str(path)),
        env={},
        cwd=tmp_path,
        tty=False,
    )
    assert applied.code == 0, applied.err
    assert f"to undo: trustwarden rollback {path} --organization" in applied.err
    assert sorted(i.account_id for i in read_journal(path).intents) == org.members
    undone = invoke(
        ("rollback", str(path), "--organization", "--yes"), env={}, cwd=tmp_path, tty=False
    )
    assert undone.code == 0, undone.err
    assert undone.out.count(": restored:") == 2
    assert "restored 2 of 2 roles" in undone.err
    stray = invoke(("fix", "--member-role", "X", *common), env={}, cwd=tmp_path, tty=False)
    assert stray.code == 2
    assert "--member-role needs --organization" in stray.err
