"""The AWS Config rule handler, in-process, against a moto server on 127.0.0.1.

moto implements IAM, STS, Organizations, S3, ``GetResourceConfigHistory`` for IAM roles and
``PutEvaluations`` in ``TestMode`` only; the non-test-mode path is answered by a botocore
``before-send`` hook speaking Config's JSON protocol (``tests/integrations/events.py``).
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from tests.aws.helpers import (
    TRUST_OTHER_ACCOUNT,
    TRUST_SERVICE,
    _StaticRaw,
    assumed_client,
    create_roles,
    error_response,
)
from tests.integrations.events import (
    HANDLER_ACTIONS,
    Calls,
    change_event,
    oversized_event,
    role_item,
    scheduled_event,
)
from tests.moto_server import MotoServer
from trustwarden.integrations import aws_config
from trustwarden.integrations.aws_config import evaluate, handler

pytestmark = pytest.mark.moto_server

OUTSIDER = "999988887777"
EXACT_EXTERNAL_ID = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{OUTSIDER}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "vendor-issued-1"}},
        }
    ],
}
ANY_ACCOUNT_WITH_ID = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "vendor-issued-1"}},
        }
    ],
}


@pytest.fixture
def account(moto_env: MotoServer) -> str:
    aws_config.clear_caches()
    return str(boto3.client("sts").get_caller_identity()["Account"])


def run(event: Any, calls: Calls | None = None) -> list[dict[str, Any]]:
    return evaluate(event, None, hooks=(calls or Calls()).hooks)


def test_change_notification_fail_names_rule_principal_and_control(account: str) -> None:
    calls = Calls()
    item = role_item(account, "vendor", TRUST_OTHER_ACCOUNT)
    put = run(change_event(item, account), calls)
    assert len(put) == 1
    evaluation = put[0]
    assert evaluation["ComplianceType"] == "NON_COMPLIANT"
    assert evaluation["ComplianceResourceType"] == "AWS::IAM::Role"
    assert evaluation["ComplianceResourceId"] == item["resourceId"]
    assert evaluation["OrderingTimestamp"].isoformat().startswith("2016-02-17T01:36:34.043")
    note = evaluation["Annotation"]
    assert len(note) <= 256
    assert "TW001" in note
    assert f"arn:aws:iam::{OUTSIDER}:root" in note
    assert "External ID or MFA" in note
    (sent,) = calls.named("config-service.PutEvaluations")
    assert sent["TestMode"] is True
    assert sent["ResultToken"] == "TESTMODE"
    assert sent["Evaluations"] == put
    assert not calls.named("iam.ListRoles")  # the item carries the document


def test_change_notification_pass_and_warn_follow_fail_on(account: str) -> None:
    safe = run(change_event(role_item(account, "safe", EXACT_EXTERNAL_ID), account))
    assert safe[0]["ComplianceType"] == "COMPLIANT"
    warn_item = role_item(account, "any-account", ANY_ACCOUNT_WITH_ID)
    default = run(change_event(warn_item, account))
    strict = run(change_event(warn_item, account, parameters={"FailOn": "warn"}))
    assert default[0]["ComplianceType"] == "COMPLIANT"
    assert strict[0]["ComplianceType"] == "NON_COMPLIANT"
    assert "TW002" in strict[0]["Annotation"]


def test_trusted_accounts_parameter(account: str) -> None:
    item = role_item(account, "vendor", TRUST_OTHER_ACCOUNT)
    put = run(change_event(item, account, parameters={"TrustedAccounts": f"{OUTSIDER}"}))
    assert put[0]["ComplianceType"] == "COMPLIANT"


def test_malformed_trust_document_is_non_compliant_with_the_reason(account: str) -> None:
    item = role_item(account, "broken", '{"Version": "2012-10-17", "Statement": [')
    put = run(change_event(item, account))
    assert put[0]["ComplianceType"] == "NON_COMPLIANT"
    assert "TW005" in put[0]["Annotation"]
    assert "not valid JSON" in put[0]["Annotation"]


@pytest.mark.parametrize("status", ["ResourceDeleted", "ResourceDeletedNotRecorded"])
def test_deleted_role_is_not_applicable(account: str, status: str) -> None:
    item = role_item(account, "gone", TRUST_OTHER_ACCOUNT, status=status)
    put = run(change_event(item, account))
    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in put] == [
        (item["resourceId"], "NOT_APPLICABLE")
    ]
    assert "Annotation" not in put[0]


def test_event_left_scope_is_not_applicable(account: str) -> None:
    item = role_item(account, "vendor", TRUST_OTHER_ACCOUNT)
    put = run(change_event(item, account, left_scope=True))
    assert put[0]["ComplianceType"] == "NOT_APPLICABLE"


def test_oversized_notification_reads_the_item_from_config(account: str) -> None:
    iam = boto3.client("iam")
    role = iam.create_role(
        RoleName="big", AssumeRolePolicyDocument=json.dumps(TRUST_OTHER_ACCOUNT)
    )["Role"]
    calls = Calls()
    put = run(oversized_event(account, "big", role["RoleId"]), calls)
    assert [e["ComplianceType"] for e in put] == ["NON_COMPLIANT"]
    assert put[0]["ComplianceResourceId"] == role["RoleId"]
    assert calls.named("config-service.GetResourceConfigHistory")
    assert not calls.named("iam.GetRole")


def test_oversized_notification_falls_back_to_get_role(account: str) -> None:
    iam = boto3.client("iam")
    iam.create_role(RoleName="big", AssumeRolePolicyDocument=json.dumps(EXACT_EXTERNAL_ID))
    calls = Calls()
    # a resource id Config never recorded: the handler reads the role itself
    put = run(oversized_event(account, "big", "AROANOTRECORDED00001"), calls)
    assert [e["ComplianceType"] for e in put] == ["COMPLIANT"]
    assert put[0]["ComplianceResourceId"] == "AROANOTRECORDED00001"
    assert calls.named("iam.GetRole") == [{"RoleName": "big"}]


def test_oversized_notification_for_a_vanished_role_is_not_applicable(account: str) -> None:
    put = run(oversized_event(account, "vanished", "AROAVANISHED00000001"))
    assert [e["ComplianceType"] for e in put] == ["NOT_APPLICABLE"]


def test_scheduled_notification_lists_every_role_and_puts_batches_of_100(account: str) -> None:
    create_roles(boto3.client("iam"), 250, cross_every=10)
    calls = Calls()
    put = run(scheduled_event(account), calls)
    assert len(put) == 250
    batches = calls.named("config-service.PutEvaluations")
    assert [len(b["Evaluations"]) for b in batches] == [100, 100, 50]
    assert all(b["TestMode"] is True for b in batches)
    by_type = [e["ComplianceType"] for e in put]
    assert by_type.count("NON_COMPLIANT") == 25
    ids = {r["RoleId"] for r in boto3.client("iam").list_roles(MaxItems=1000)["Roles"]}
    assert {e["ComplianceResourceId"] for e in put} == ids
    assert all(e["OrderingTimestamp"].year == 2016 for e in put)


def test_a_real_result_token_is_passed_without_test_mode(account: str) -> None:
    calls = Calls(stub_put=True)
    item = role_item(account, "vendor", TRUST_OTHER_ACCOUNT)
    put = run(change_event(item, account, token="eyJyZXN1bHRUb2tlbiI6ImFiYyJ9"), calls)
    (sent,) = calls.named("config-service.PutEvaluations")
    assert sent["TestMode"] is False
    assert sent["ResultToken"] == "eyJyZXN1bHRUb2tlbiI6ImFiYyJ9"
    assert put[0]["ComplianceType"] == "NON_COMPLIANT"


def test_organization_rule_enters_the_member_account_through_the_member_role(
    account: str,
) -> None:
    member = "210987654321"
    role = "TrustwardenConfigRuleRole"
    iam = assumed_client("iam", f"arn:aws:iam::{member}:role/{role}")
    create_roles(iam, 3, prefix="member", cross_every=3)
    calls = Calls()
    event = scheduled_event(member, parameters={"MemberRoleName": role})
    put = run(event, calls)
    assert [p["RoleArn"] for p in calls.named("sts.AssumeRole")] == [
        f"arn:aws:iam::{member}:role/{role}"
    ]
    assert len(put) == 3
    assert [e["ComplianceType"] for e in put].count("NON_COMPLIANT") == 1
    # the function's own account has no roles: the listing was the member's
    assert not boto3.client("iam").list_roles()["Roles"]


def test_member_account_without_member_role_is_refused(
    account: str, caplog: pytest.LogCaptureFixture
) -> None:
    calls = Calls()
    with caplog.at_level(logging.ERROR, logger="trustwarden.aws_config"):
        assert run(scheduled_event("210987654321"), calls) == []
    assert "210987654321" in caplog.text
    assert "MemberRoleName" in caplog.text
    assert "event not evaluated" in caplog.text
    assert not calls.named("config-service.PutEvaluations")


def test_assume_execution_role_mode_uses_the_event_role(account: str) -> None:
    member = "210987654321"
    calls = Calls()
    event = scheduled_event(member, parameters={"AssumeExecutionRole": "true"})
    run(event, calls)
    assert [p["RoleArn"] for p in calls.named("sts.AssumeRole")] == [
        f"arn:aws:iam::{member}:role/config-role"
    ]


def test_trust_organization_trusts_the_organizations_accounts(account: str) -> None:
    org = boto3.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(AccountName="m", Email="m@example.com")["CreateAccountStatus"][
        "AccountId"
    ]
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{member}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    item = role_item(account, "sibling", document)
    assert run(change_event(item, account))[0]["ComplianceType"] == "NON_COMPLIANT"
    trusted = run(change_event(item, account, parameters={"TrustOrganization": "true"}))
    assert trusted[0]["ComplianceType"] == "COMPLIANT"


def test_known_accounts_from_s3_name_the_owner(account: str) -> None:
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="lists")
    s3.put_object(
        Bucket="lists",
        Key="accounts.yaml",
        Body=f"- name: 'Example Vendor'\n  accounts: ['{OUTSIDER}']\n".encode(),
    )
    item = role_item(account, "vendor", TRUST_OTHER_ACCOUNT)
    params = {"KnownAccountsS3Uri": "s3://lists/accounts.yaml"}
    put = run(change_event(item, account, parameters=params))
    assert put[0]["ComplianceType"] == "NON_COMPLIANT"
    assert "(Example Vendor)" in put[0]["Annotation"]
    # a list that cannot be read never stops the evaluation
    missing = {"KnownAccountsS3Uri": "s3://lists/missing.yaml"}
    assert run(change_event(item, account, parameters=missing))[0]["ComplianceType"] == (
        "NON_COMPLIANT"
    )


def _bad_events(account: str) -> list[Any]:
    item = role_item(account, "vendor", TRUST_SERVICE)
    good = change_event(item, account)
    no_token = {k: v for k, v in good.items() if k != "resultToken"}
    invoking = json.loads(good["invokingEvent"])
    return [
        None,
        "not an event",
        {**good, "invokingEvent": "{not json"},
        {**good, "invokingEvent": json.dumps({"messageType": "SomethingNew"})},
        {
            **good,
            "invokingEvent": json.dumps({"messageType": "ConfigurationItemChangeNotification"}),
        },
        no_token,
        {**good, "ruleParameters": json.dumps({"TrustedAcounts": OUTSIDER})},
        {**good, "ruleParameters": json.dumps({"FailOn": "never"})},
        {**good, "ruleParameters": json.dumps({"TrustedAccounts": "12345"})},
        {**good, "ruleParameters": "[1, 2]"},
        {**good, "ruleParameters": json.dumps({"TrustedAccounts": 111122223333})},
        {**good, "ruleParameters": json.dumps({"TrustOrganization": "yes"})},
        {**good, "invokingEvent": "[" * 100_000 + "]" * 100_000},
        # the SNS notification's list form, not the rule event's object
        {**good, "invokingEvent": json.dumps({**invoking, "configurationItem": [item]})},
        change_event({**item, "configuration": None}, account),
        change_event({**item, "configurationItemCaptureTime": "yesterday"}, account),
        change_event({k: v for k, v in item.items() if k != "resourceId"}, account),
        change_event({**item, "configuration": "{not json"}, account),
        {
            **good,
            "invokingEvent": json.dumps(
                {"messageType": "OversizedConfigurationItemChangeNotification"}
            ),
        },
    ]


def test_malformed_events_are_logged_and_never_raise(
    account: str, caplog: pytest.LogCaptureFixture
) -> None:
    for event in _bad_events(account):
        calls = Calls()
        caplog.clear()
        with caplog.at_level(logging.ERROR, logger="trustwarden.aws_config"):
            assert run(event, calls) == [], event
        assert "event not evaluated" in caplog.text, event
        assert not calls.named("config-service.PutEvaluations")


def test_handler_is_the_lambda_entry_point(account: str) -> None:
    item = role_item(account, "vendor", TRUST_OTHER_ACCOUNT)
    put = handler(change_event(item, account), object())
    assert put[0]["ComplianceType"] == "NON_COMPLIANT"
    # the runtime JSON-encodes the return value; a datetime there fails the invocation
    (encoded,) = json.loads(json.dumps(put))
    assert encoded["OrderingTimestamp"].startswith("2016-02-17T01:36:34.043")


def test_handler_imports_no_cli_libraries() -> None:
    code = (
        "import sys\n"
        "from trustwarden.integrations.aws_config import handler\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'click', 'rich', 'yaml'}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_trust_organization_without_list_accounts_trusts_the_org_id_only(
    account: str, caplog: pytest.LogCaptureFixture
) -> None:
    org = boto3.client("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    member = org.create_account(AccountName="m", Email="m@example.com")["CreateAccountStatus"][
        "AccountId"
    ]

    def deny(request: Any, **_: Any) -> Any:
        return error_response(request.url, 400, "AccessDeniedException", "not allowed", query=False)

    calls = Calls()
    hooks = [*calls.hooks, ("before-send.organizations.ListAccounts", deny)]
    sibling = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{member}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    org_wide = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": org_id}},
            }
        ],
    }
    params = {"TrustOrganization": "true"}
    with caplog.at_level(logging.WARNING, logger="trustwarden.aws_config"):
        named = evaluate(
            change_event(role_item(account, "sibling", sibling), account, parameters=params),
            None,
            hooks=hooks,
        )
        wide = evaluate(
            change_event(role_item(account, "org-wide", org_wide), account, parameters=params),
            None,
            hooks=hooks,
        )
    assert named[0]["ComplianceType"] == "NON_COMPLIANT"
    assert wide[0]["ComplianceType"] == "COMPLIANT"
    assert f"trusting only aws:PrincipalOrgID {org_id}" in caplog.text
    # the listing was tried once, then remembered for the warm container
    assert len(calls.named("organizations.ListAccounts")) == 1
    assert len(calls.named("organizations.DescribeOrganization")) == 2


def test_a_failed_batch_stops_the_run_and_the_accepted_ones_are_returned(
    account: str, caplog: pytest.LogCaptureFixture
) -> None:
    create_roles(boto3.client("iam"), 250)
    sent: list[int] = []

    def second_put_fails(request: Any, **_: Any) -> Any:
        target = request.headers.get("X-Amz-Target", b"")
        if b"PutEvaluations" not in (target if isinstance(target, bytes) else target.encode()):
            return None
        sent.append(1)
        if len(sent) != 2:
            return None
        return error_response(
            request.url, 400, "InvalidParameterValueException", "bad batch", query=False
        )

    with caplog.at_level(logging.INFO, logger="trustwarden.aws_config"):
        put = evaluate(
            scheduled_event(account),
            None,
            hooks=[("before-send.config-service.PutEvaluations", second_put_fails)],
        )
    assert len(put) == 100
    assert len(sent) == 2  # nothing after the failed batch
    assert "event not evaluated: AWS: " in caplog.text
    assert "InvalidParameterValueException" in caplog.text
    assert "put 100 evaluations" in caplog.text


def test_a_throttled_put_is_retried_and_every_evaluation_lands(account: str) -> None:
    create_roles(boto3.client("iam"), 150)
    attempts: list[int] = []

    def first_attempt_throttled(request: Any, **_: Any) -> Any:
        attempts.append(1)
        if len(attempts) != 1:
            return None
        return error_response(request.url, 400, "ThrottlingException", "Rate exceeded", query=False)

    calls = Calls()
    hooks = [*calls.hooks, ("before-send.config-service.PutEvaluations", first_attempt_throttled)]
    put = evaluate(scheduled_event(account), None, hooks=hooks)
    assert len(put) == 150
    assert [len(b["Evaluations"]) for b in calls.named("config-service.PutEvaluations")] == [
        100,
        50,
    ]
    assert len(attempts) == 3  # the throttled attempt was sent again by botocore's retries


def test_a_long_annotation_is_clipped_to_256_characters(account: str) -> None:
    outsiders = [
        f"arn:aws:iam::{100000000000 + i}:role/some-rather-long-role-name-{i}" for i in range(30)
    ]
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": outsiders}, "Action": "sts:AssumeRole"}
        ],
    }
    put = run(change_event(role_item(account, "many", document), account))
    note = put[0]["Annotation"]
    assert put[0]["ComplianceType"] == "NON_COMPLIANT"
    assert len(note) == 256
    assert note.startswith("trustwarden TW001: arn:aws:iam::100000000000:role/")
    assert note.endswith("\u2026")


def test_every_call_the_handler_makes_is_one_the_templates_grant(account: str) -> None:
    """Every path, one event each; the calls seen are exactly :data:`HANDLER_ACTIONS`."""
    iam = boto3.client("iam")
    role = iam.create_role(RoleName="big", AssumeRolePolicyDocument=json.dumps(TRUST_SERVICE))[
        "Role"
    ]
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="lists")
    s3.put_object(Bucket="lists", Key="a.yaml", Body=b"- name: V\n  accounts: ['999988887777']\n")
    boto3.client("organizations").create_organization(FeatureSet="ALL")
    member = "210987654321"
    assumed_client("iam", f"arn:aws:iam::{member}:role/Member").create_role(
        RoleName="m", AssumeRolePolicyDocument=json.dumps(TRUST_OTHER_ACCOUNT)
    )
    params = {"TrustOrganization": "true", "KnownAccountsS3Uri": "s3://lists/a.yaml"}
    calls = Calls()
    for event in (
        change_event(role_item(account, "vendor", TRUST_OTHER_ACCOUNT), account, parameters=params),
        oversized_event(account, "big", role["RoleId"]),
        oversized_event(account, "big", "AROANOTRECORDED00001"),
        scheduled_event(member, parameters={"MemberRoleName": "Member"}),
    ):
        assert run(event, calls)
    assert {name for name, _ in calls.calls} == set(HANDLER_ACTIONS)


def test_evaluations_config_rejects_are_not_reported_as_put(
    account: str, caplog: pytest.LogCaptureFixture
) -> None:
    create_roles(boto3.client("iam"), 3)
    ids = sorted(r["RoleId"] for r in boto3.client("iam").list_roles()["Roles"])

    def reject_first(request: Any, **_: Any) -> Any:
        sent = json.loads(request.body)["Evaluations"]
        failed = [e for e in sent if e["ComplianceResourceId"] == ids[0]]
        body = json.dumps({"FailedEvaluations": failed}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, 200, headers, _StaticRaw(body))

    with caplog.at_level(logging.INFO, logger="trustwarden.aws_config"):
        put = evaluate(
            scheduled_event(account),
            None,
            hooks=[("before-send.config-service.PutEvaluations", reject_first)],
        )
    assert sorted(e["ComplianceResourceId"] for e in put) == ids[1:]
    assert "Config rejected 1 of 3" in caplog.text
    assert "put 2 evaluations" in caplog.text


def test_a_transient_organization_failure_is_not_judged_nor_remembered(
    account: str, caplog: pytest.LogCaptureFixture
) -> None:
    org = boto3.client("organizations")
    org.create_organization(FeatureSet="ALL")
    member = org.create_account(AccountName="m", Email="m@example.com")["CreateAccountStatus"][
        "AccountId"
    ]
    sibling = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{member}:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    event = change_event(
        role_item(account, "sibling", sibling), account, parameters={"TrustOrganization": "true"}
    )

    def busy(request: Any, **_: Any) -> Any:  # not retried by botocore, not a denial
        return error_response(
            request.url, 400, "ConcurrentModificationException", "busy", query=False
        )

    calls = Calls()
    with caplog.at_level(logging.ERROR, logger="trustwarden.aws_config"):
        failed = evaluate(
            event, None, hooks=[*calls.hooks, ("before-send.organizations.ListAccounts", busy)]
        )
    assert failed == []  # not a NON_COMPLIANT built on the organization id alone
    assert "ConcurrentModificationException" in caplog.text
    assert not calls.named("config-service.PutEvaluations")
    # the next event lists the organization again, and the sibling is trusted
    assert run(event)[0]["ComplianceType"] == "COMPLIANT"
