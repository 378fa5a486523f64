"""One live account through the public API: events, call counts, enrichment, --role, options."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.aws.helpers import (
    TRUST_OTHER_ACCOUNT,
    TRUST_SERVICE,
    CallCounter,
    Injector,
    create_roles,
)
from tests.moto_server import MotoServer
from trustwarden import AccountSource, AwsOptions, RoleResult, Settings, Skipped, Status, scan
from trustwarden.errors import ConfigError
from trustwarden.model import Severity
from trustwarden.sources.aws.scanner import OrganizationSource

pytestmark = pytest.mark.moto_server


def _results(events: list[RoleResult | Skipped]) -> dict[str, RoleResult]:
    return {e.role.name: e for e in events if isinstance(e, RoleResult)}


def scan_live(
    settings: Settings | None = None, *, enrich: bool = False, hooks: Any = ()
) -> list[RoleResult | Skipped]:
    return list(scan(AccountSource(enrich=enrich, hooks=hooks), settings))


def test_single_account_verdicts_without_per_role_calls(moto_env: MotoServer) -> None:
    iam = boto3.client("iam")
    create_roles(iam, 12, prefix="svc", trust=TRUST_SERVICE)
    create_roles(iam, 8, prefix="xacct", trust=TRUST_OTHER_ACCOUNT)
    counter = CallCounter()
    events = scan_live(hooks=counter.hooks)
    results = _results(events)
    assert len(events) == 20
    assert {r.status for n, r in results.items() if n.startswith("svc")} == {Status.PASS}
    assert {r.status for n, r in results.items() if n.startswith("xacct")} == {Status.FAIL}
    assert [e.role.arn for e in events if isinstance(e, RoleResult)] == sorted(
        e.role.arn for e in events if isinstance(e, RoleResult)
    )
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "iam.ListRoles": 1}


def test_trusted_account_setting_is_applied(moto_env: MotoServer) -> None:
    create_roles(boto3.client("iam"), 2, prefix="xacct", trust=TRUST_OTHER_ACCOUNT)
    settings = Settings(trusted_accounts=frozenset({"999988887777"}))
    events = scan_live(settings)
    assert {e.status for e in events if isinstance(e, RoleResult)} == {Status.PASS}


def test_enrich_fetches_only_non_pass_roles_and_raises_severity(moto_env: MotoServer) -> None:
    iam = boto3.client("iam")
    create_roles(iam, 5, prefix="svc", trust=TRUST_SERVICE)
    create_roles(iam, 3, prefix="xacct", trust=TRUST_OTHER_ACCOUNT)
    admin_doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    read_doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}],
    }
    admin = iam.create_policy(PolicyName="admin", PolicyDocument=json.dumps(admin_doc))
    iam.attach_role_policy(RoleName="xacct-00000", PolicyArn=admin["Policy"]["Arn"])
    iam.put_role_policy(
        RoleName="xacct-00001", PolicyName="inline", PolicyDocument=json.dumps(admin_doc)
    )
    custom = iam.create_policy(PolicyName="ro", PolicyDocument=json.dumps(read_doc))
    custom_arn = custom["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="xacct-00002", PolicyArn=custom_arn)
    iam.attach_role_policy(RoleName="xacct-00001", PolicyArn=custom_arn)
    iam.tag_role(RoleName="xacct-00002", Tags=[{"Key": "team", "Value": "blue"}])

    plain = _results(scan_live())
    assert {plain[f"xacct-0000{i}"].severity for i in range(3)} == {Severity.MEDIUM}

    counter = CallCounter()
    results = _results(scan_live(enrich=True, hooks=counter.hooks))
    assert results["xacct-00000"].severity is Severity.HIGH
    assert results["xacct-00001"].severity is Severity.HIGH
    assert results["xacct-00002"].severity is Severity.MEDIUM
    assert results["xacct-00002"].role.facts.tags == (("team", "blue"),)
    assert results["xacct-00002"].role.facts.enriched
    assert results["xacct-00002"].role.permissions is not None
    assert results["xacct-00002"].role.permissions.managed_policy_arns == (custom_arn,)
    assert len(results["xacct-00002"].role.permissions.documents) == 1
    assert results["xacct-00000"].role.facts.enrich_error is None
    assert results["svc-00000"].role.permissions is None
    # Only the three non-pass roles cost extra calls; each customer policy is read once.
    assert counter.calls["iam.GetRole"] == 3
    assert counter.calls["iam.ListAttachedRolePolicies"] == 3
    assert counter.calls["iam.ListRolePolicies"] == 3
    assert counter.calls["iam.GetRolePolicy"] == 1
    assert counter.calls["iam.GetPolicy"] == 2
    assert counter.calls["iam.GetPolicyVersion"] == 2
    assert results["xacct-00000"].status is Status.FAIL


def test_enrich_failure_keeps_verdict_and_records_reason(moto_env: MotoServer) -> None:
    create_roles(boto3.client("iam"), 2, prefix="xacct", trust=TRUST_OTHER_ACCOUNT)
    deny = Injector(
        lambda p, _: (
            (403, "AccessDenied", "no iam:GetRole")
            if p.get("Action") == "GetRole" and p.get("RoleName") == "xacct-00001"
            else None
        )
    )
    results = _results(scan_live(enrich=True, hooks=[("before-send.iam", deny)]))
    assert results["xacct-00001"].status is Status.FAIL
    assert "AccessDenied" in (results["xacct-00001"].role.facts.enrich_error or "")
    assert not results["xacct-00001"].role.facts.enriched
    assert results["xacct-00000"].role.permissions is not None


def test_role_filter_is_case_insensitive_glob(moto_env: MotoServer) -> None:
    iam = boto3.client("iam")
    create_roles(iam, 3, prefix="Deploy")
    create_roles(iam, 3, prefix="other")
    events = scan_live(Settings(roles=("deploy-*", "other-00001")))
    assert sorted(_results(events)) == [
        "Deploy-00000",
        "Deploy-00001",
        "Deploy-00002",
        "other-00001",
    ]


def test_listing_failure_is_account_level_skip(moto_env: MotoServer) -> None:
    create_roles(boto3.client("iam"), 3)
    deny = Injector(
        lambda p, _: (
            (403, "AccessDenied", "no iam:ListRoles") if p.get("Action") == "ListRoles" else None
        )
    )
    events = scan_live(hooks=[("before-send.iam", deny)])
    assert len(events) == 1
    assert isinstance(events[0], Skipped)
    assert events[0].account_id == "123456789012"
    assert "ListRoles: AccessDenied" in events[0].reason


def test_bad_trust_document_is_one_error_result(moto_env: MotoServer) -> None:
    iam = boto3.client("iam")
    create_roles(iam, 2, prefix="ok", trust=TRUST_SERVICE)
    iam.create_role(RoleName="broken", AssumeRolePolicyDocument='{"Statement": "nope"}')
    results = _results(scan_live())
    assert results["broken"].status is Status.ERROR
    assert {results["ok-00000"].status, results["ok-00001"].status} == {Status.PASS}


def test_engine_crash_on_one_role_does_not_stop_scan(
    moto_env: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    create_roles(boto3.client("iam"), 3)
    import trustwarden.engine as engine  # noqa: PLC0415

    real = engine.analyze_roles

    def flaky(roles: Any, settings: Settings) -> Any:
        for result in real(roles, settings):
            if result.role.name == "role-00001":
                raise RuntimeError("boom")
            yield result

    monkeypatch.setattr(engine, "analyze_roles", flaky)
    results = _results(scan_live())
    assert results["role-00001"].status is Status.ERROR
    assert "boom" in (results["role-00001"].error or "")
    assert results["role-00002"].status is Status.PASS


@pytest.mark.parametrize(
    "source",
    [
        OrganizationSource(workers=0),
        OrganizationSource(workers=1000),
        AccountSource(aws=AwsOptions(assume_role_external_id="x")),
        AccountSource(aws=AwsOptions(retry_mode="fast")),
    ],
)
def test_inconsistent_options_are_config_errors(source: Any) -> None:
    with pytest.raises(ConfigError):
        source.open(Settings())
