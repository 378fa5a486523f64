"""Organisation scans against moto: members entered through assumed roles, faults injected."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import boto3
import pytest

from tests.aws.helpers import CallCounter, Injector, seed_org, trust_account
from tests.moto_server import MotoServer
from trustwarden import AwsOptions, OrganizationSource, RoleResult, Settings, Skipped, Status, scan
from trustwarden.errors import AwsAccessError, ConfigError
from trustwarden.sources.aws.organization import member_role_arn, parse_account_ids
from trustwarden.sources.aws.scanner import ScanProgress

pytestmark = pytest.mark.moto_server

ORG = OrganizationSource(workers=4)


def run(source: OrganizationSource, settings: Settings | None = None) -> list[RoleResult | Skipped]:
    return list(scan(source, settings))


def _roles(events: list[RoleResult | Skipped]) -> list[RoleResult]:
    return [e for e in events if isinstance(e, RoleResult)]


def _skipped(events: list[RoleResult | Skipped]) -> list[Skipped]:
    return [e for e in events if isinstance(e, Skipped)]


def test_scans_every_member_and_management_account_once(moto_env: MotoServer) -> None:
    org = seed_org(3, 4, management_roles=2)
    counter = CallCounter()
    seen: list[ScanProgress] = []
    events = run(replace(ORG, hooks=counter.hooks, progress=seen.append))
    roles = _roles(events)
    assert _skipped(events) == []
    per_account = Counter(r.role.account_id for r in roles)
    # 4 app roles + the audit role in each member; 2 roles in the management account.
    assert per_account == {**dict.fromkeys(org.members, 5), org.management: 2}
    assert len({r.role.arn for r in roles}) == len(roles)
    # Stream order: accounts by id, roles by ARN.
    assert [r.role.arn for r in roles] == sorted(r.role.arn for r in roles)
    # The management account is read with the caller's own credentials.
    assert counter.calls["sts.AssumeRole"] == 3
    assert counter.calls["organizations.ListAccounts"] == 1
    assert counter.calls["iam.ListRoles"] == 4
    assert seen[-1] == ScanProgress(accounts_total=4, accounts_done=4, roles_seen=17, errors=0)


def test_member_role_is_assumed_by_name(moto_env: MotoServer) -> None:
    org = seed_org(1, 1, member_role="AuditRO")
    spy = Injector(lambda p, _: None)
    events = run(OrganizationSource(member_role="AuditRO", hooks=[("before-send.sts", spy)]))
    assert Counter(r.role.account_id for r in _roles(events)) == {org.members[0]: 2}
    assert (
        member_role_arn("111122223333", "/audit/RO/") == "arn:aws:iam::111122223333:role/audit/RO"
    )


def test_organization_is_trusted_by_default_and_can_be_judged(moto_env: MotoServer) -> None:
    org = seed_org(2, 0)
    iam = boto3.client("iam")
    iam.create_role(
        RoleName="from-member",
        AssumeRolePolicyDocument=json.dumps(trust_account(org.members[0])),
    )
    only_management = frozenset({org.management})
    trusting = scan(OrganizationSource(accounts=only_management))
    assert trusting.settings.trusted_orgs == frozenset({org.org_id})
    assert set(org.members) <= trusting.settings.trusted_accounts
    assert trusting.notes == (
        f"trusted the organization {org.org_id} and its 3 accounts "
        "(--no-trust-organization to judge them as outsiders)",
    )
    [result] = _roles(list(trusting))
    assert result.status is Status.PASS

    plain = scan(OrganizationSource(accounts=only_management, trust_organization=False))
    assert plain.notes == ()
    [result] = _roles(list(plain))
    assert result.status is Status.FAIL


def test_account_that_cannot_be_entered_is_skipped_others_scanned(moto_env: MotoServer) -> None:
    org = seed_org(4, 3)
    denied = org.members[1]
    deny = Injector(
        lambda p, _: (
            (403, "AccessDenied", "User is not authorized to perform: sts:AssumeRole")
            if p.get("Action") == "AssumeRole" and f"::{denied}:" in p.get("RoleArn", "")
            else None
        )
    )
    events = run(replace(ORG, hooks=[("before-send.sts", deny)]))
    [skip] = _skipped(events)
    assert skip.account_id == denied
    assert skip.what == f"account {denied}"
    assert "cannot assume arn:aws:iam::" in skip.reason
    assert "AccessDenied" in skip.reason
    scanned = Counter(r.role.account_id for r in _roles(events))
    assert scanned == {m: 4 for m in org.members if m != denied}


def test_listing_failure_in_one_member_keeps_the_rest(moto_env: MotoServer) -> None:
    org = seed_org(3, 2)
    # Sessions for member accounts are the only ones with assumed-role tokens; deny the
    # ListRoles of the second request to IAM so exactly one account fails mid-listing.
    deny = Injector(
        lambda p, n: (
            (403, "AccessDenied", "no iam:ListRoles")
            if p.get("Action") == "ListRoles" and n == 2
            else None
        )
    )
    events = run(OrganizationSource(workers=1, hooks=[("before-send.iam", deny)]))
    [skip] = _skipped(events)
    assert "listing roles failed after 0 roles" in skip.reason
    assert "AccessDenied" in skip.reason
    # Whichever account got the failing call, every other account is complete.
    expected = {m: 3 for m in org.members if m != skip.account_id}
    assert Counter(r.role.account_id for r in _roles(events)) == expected


def test_suspended_unknown_and_excluded_accounts(moto_env: MotoServer) -> None:
    org = seed_org(3, 1)
    boto3.client("organizations").close_account(AccountId=org.members[0])
    wanted = frozenset({org.members[0], org.members[1], org.members[2], "000000000000"})
    events = run(OrganizationSource(accounts=wanted, exclude_accounts=frozenset({org.members[2]})))
    skipped = {s.account_id: s.reason for s in _skipped(events)}
    assert skipped == {
        org.members[0]: "account status is SUSPENDED: not scanned",
        "000000000000": "not an account of the organization",
    }
    assert {r.role.account_id for r in _roles(events)} == {org.members[1]}


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_throttling_is_retried_and_every_role_evaluated_once(
    moto_env: MotoServer, mode: str
) -> None:
    seed_org(4, 6, management_roles=3)
    # Every third request to IAM/STS/Organizations is throttled (retries land on other numbers).
    throttle = Injector(lambda p, n: (400, "Throttling", "Rate exceeded") if n % 3 == 0 else None)
    counter = CallCounter()
    hooks: list[tuple[str, Callable[..., Any]]] = [
        *counter.hooks,
        ("before-send.iam", throttle),
        ("before-send.sts", throttle),
        ("before-send.organizations", throttle),
    ]
    aws = AwsOptions(retry_mode=mode, max_attempts=5)
    events = run(OrganizationSource(aws=aws, workers=3, hooks=hooks))
    assert _skipped(events) == []
    arns = [r.role.arn for r in _roles(events)]
    assert len(arns) == len(set(arns)) == 4 * 7 + 3
    assert sum(throttle.injected.values()) >= 3
    assert throttle.sent == sum(counter.calls.values()) + sum(throttle.injected.values())


def test_throttling_beyond_max_attempts_skips_that_account(moto_env: MotoServer) -> None:
    org = seed_org(2, 1)
    victim = org.members[0]
    always = Injector(
        lambda p, _: (
            (400, "Throttling", "Rate exceeded")
            if p.get("Action") == "AssumeRole" and f"::{victim}:" in p.get("RoleArn", "")
            else None
        )
    )
    aws = AwsOptions(retry_mode="standard", max_attempts=2)
    events = run(OrganizationSource(aws=aws, hooks=[("before-send.sts", always)]))
    [skip] = _skipped(events)
    assert skip.account_id == victim
    assert "Throttling" in skip.reason
    assert always.injected["AssumeRole:Throttling"] == 2


def test_closing_the_stream_stops_pending_accounts(moto_env: MotoServer) -> None:
    seed_org(12, 1)
    counter = CallCounter()
    stream = scan(OrganizationSource(workers=1, hooks=counter.hooks))
    first = next(stream)
    assert isinstance(first, RoleResult)
    stream.close()
    entered = counter.calls["sts.AssumeRole"]
    assert entered < 12


def test_progress_interrupt_propagates_and_stops(moto_env: MotoServer) -> None:
    seed_org(10, 1)
    counter = CallCounter()

    def interrupt(p: ScanProgress) -> None:
        if p.accounts_done >= 1:
            raise KeyboardInterrupt

    source = OrganizationSource(workers=1, hooks=counter.hooks, progress=interrupt)
    with pytest.raises(KeyboardInterrupt):
        list(scan(source))
    assert counter.calls["sts.AssumeRole"] < 10


def test_organization_listing_denied_is_access_error(moto_env: MotoServer) -> None:
    # No organisation exists: Organizations answers AWSOrganizationsNotInUseException.
    with pytest.raises(AwsAccessError, match="listing the organization") as info:
        scan(ORG)
    assert "management account" in (info.value.hint or "")


def test_account_id_parsing() -> None:
    assert parse_account_ids(["111122223333,222233334444", " 333344445555 "]) == {
        "111122223333",
        "222233334444",
        "333344445555",
    }
    with pytest.raises(ConfigError, match="not an AWS account id"):
        parse_account_ids(["12345"])
    with pytest.raises(ConfigError, match="not an IAM role name"):
        member_role_arn("111122223333", "bad name!")
