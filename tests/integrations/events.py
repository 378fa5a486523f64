"""AWS Config rule events shaped exactly like AWS's documented examples.

The envelopes copy "Example Events for AWS Config Rules" (AWS Config Developer Guide):
``invokingEvent`` and ``ruleParameters`` are JSON *strings*; the configuration item of an
``AWS::IAM::Role`` carries the RoleId as ``resourceId``, ``awsRegion`` ``global`` and a
URL-encoded ``assumeRolePolicyDocument``.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from botocore.awsrequest import AWSResponse

from tests.aws.helpers import _StaticRaw

REGION = "us-east-1"
CAPTURE_TIME = "2016-02-17T01:36:34.043Z"


def envelope(
    invoking: Mapping[str, Any],
    account: str,
    *,
    parameters: Mapping[str, Any] | None = None,
    token: str = "TESTMODE",
    left_scope: bool = False,
) -> dict[str, Any]:
    """The outer event, as Lambda receives it."""
    return {
        "invokingEvent": json.dumps(invoking),
        "ruleParameters": json.dumps(dict(parameters or {})),
        "resultToken": token,
        "eventLeftScope": left_scope,
        "executionRoleArn": f"arn:aws:iam::{account}:role/config-role",
        "configRuleArn": f"arn:aws:config:{REGION}:{account}:config-rule/config-rule-0123456",
        "configRuleName": "trustwarden-cross-account-trust",
        "configRuleId": "config-rule-0123456",
        "accountId": account,
        "version": "1.0",
    }


def role_item(
    account: str,
    name: str,
    document: object,
    *,
    role_id: str | None = None,
    status: str = "OK",
    partition: str = "aws",
) -> dict[str, Any]:
    """A configuration item for an IAM role (document URL-encoded unless it is text already)."""
    encoded = document if isinstance(document, str) else quote(json.dumps(document))
    arn = f"arn:{partition}:iam::{account}:role/{name}"
    rid = role_id or f"AROA{zlib.crc32(f'{account}/{name}'.encode()):017d}"
    configuration: dict[str, Any] | None = None
    if status not in ("ResourceDeleted", "ResourceDeletedNotRecorded"):
        configuration = {
            "path": "/",
            "roleName": name,
            "roleId": rid,
            "arn": arn,
            "createDate": "2016-02-17T01:30:00.000Z",
            "assumeRolePolicyDocument": encoded,
            "instanceProfileList": [],
            "rolePolicyList": [],
            "attachedManagedPolicies": [],
            "permissionsBoundary": None,
            "tags": [],
            "roleLastUsed": None,
        }
    return {
        "relatedEvents": [],
        "relationships": [],
        "configuration": configuration,
        "supplementaryConfiguration": {},
        "tags": {},
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": CAPTURE_TIME,
        "configurationStateId": 1455672994043,
        "awsAccountId": account,
        "configurationItemStatus": status,
        "resourceType": "AWS::IAM::Role",
        "resourceId": rid,
        "resourceName": name,
        "ARN": arn,
        "awsRegion": "global",
        "availabilityZone": "Not Applicable",
        "configurationStateMd5Hash": "",
        "resourceCreationTime": "2016-02-17T01:30:00.000Z",
    }


def change_event(item: Mapping[str, Any], account: str, **kwargs: Any) -> dict[str, Any]:
    invoking = {
        "configurationItem": dict(item),
        "notificationCreationTime": CAPTURE_TIME,
        "messageType": "ConfigurationItemChangeNotification",
        "recordVersion": "1.3",
    }
    return envelope(invoking, account, **kwargs)


def oversized_event(
    account: str, name: str, role_id: str, *, status: str = "OK", **kwargs: Any
) -> dict[str, Any]:
    summary = {
        "changeType": "UPDATE",
        "configurationItemVersion": "1.3",
        "configurationItemCaptureTime": CAPTURE_TIME,
        "configurationStateId": 0,
        "awsAccountId": account,
        "configurationItemStatus": status,
        "resourceType": "AWS::IAM::Role",
        "resourceId": role_id,
        "resourceName": name,
        "ARN": f"arn:aws:iam::{account}:role/{name}",
        "awsRegion": "global",
        "availabilityZone": "Not Applicable",
        "configurationStateMd5Hash": "8f1ee69b287895a0f8bc5753eca68e96",
        "resourceCreationTime": CAPTURE_TIME,
    }
    invoking = {
        "configurationItemSummary": summary,
        "messageType": "OversizedConfigurationItemChangeNotification",
        "notificationCreationTime": CAPTURE_TIME,
        "recordVersion": "1.0",
    }
    return envelope(invoking, account, **kwargs)


def scheduled_event(account: str, **kwargs: Any) -> dict[str, Any]:
    invoking = {
        "awsAccountId": account,
        "notificationCreationTime": "2016-07-13T21:50:00.373Z",
        "messageType": "ScheduledNotification",
        "recordVersion": "1.0",
    }
    return envelope(invoking, account, **kwargs)


class Calls:
    """botocore hooks: every call's ``service.Operation`` and parameters, in order.

    With ``stub_put`` the ``PutEvaluations`` requests are answered here in Config's JSON
    protocol (moto accepts only ``TestMode`` ones); everything else goes to moto.
    """

    def __init__(self, *, stub_put: bool = False) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.stub_put = stub_put

    def on_call(self, event_name: str, params: Any = None, **_: Any) -> None:
        _event, service, operation = event_name.split(".", 2)
        self.calls.append((f"{service}.{operation}", dict(params or {})))

    def on_send(self, request: Any, **_: Any) -> AWSResponse | None:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        if not self.stub_put or not target.endswith(".PutEvaluations"):
            return None
        body = json.dumps({"FailedEvaluations": []}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, 200, headers, _StaticRaw(body))

    @staticmethod
    def on_history(response_dict: dict[str, Any], **_: Any) -> None:
        """moto's ``GetResourceConfigHistory`` sends an IAM role's ``tags`` as a list; the
        API (and botocore's model) has a map. Rewrite that one field so botocore can parse it."""
        answer = json.loads(response_dict["body"] or b"{}")
        for item in answer.get("configurationItems", []):
            if isinstance(item.get("tags"), list):
                item["tags"] = {t["Key"]: t["Value"] for t in item["tags"]}
        response_dict["body"] = json.dumps(answer).encode()

    @property
    def hooks(self) -> list[tuple[str, Any]]:
        return [
            ("before-parameter-build.*.*", self.on_call),
            ("before-send.config-service.*", self.on_send),
            ("before-parse.config-service.GetResourceConfigHistory", self.on_history),
        ]

    def named(self, operation: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == operation]


# The IAM action behind every AWS call the handler can make (service as botocore names it).
# tests/deploy checks the templates grant exactly these; test_aws_config checks the handler
# makes no other call. sts:GetCallerIdentity needs no permission.
HANDLER_ACTIONS = {
    "config-service.PutEvaluations": "config:PutEvaluations",
    "config-service.GetResourceConfigHistory": "config:GetResourceConfigHistory",
    "iam.ListRoles": "iam:ListRoles",
    "iam.GetRole": "iam:GetRole",
    "organizations.ListAccounts": "organizations:ListAccounts",
    "organizations.DescribeOrganization": "organizations:DescribeOrganization",
    "s3.GetObject": "s3:GetObject",
    "sts.AssumeRole": "sts:AssumeRole",
    "sts.GetCallerIdentity": "sts:GetCallerIdentity",
}
