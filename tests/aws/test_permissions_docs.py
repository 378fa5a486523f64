"""docs/permissions/ stays true: the policies cover every call trustwarden makes, and the
StackSet template deploys (in moto's CloudFormation) a role with exactly the member policy."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.aws.helpers import TRUST_OTHER_ACCOUNT, CallCounter, seed_org
from tests.moto_server import MotoServer
from trustwarden.model import RoleResult, Settings, Status
from trustwarden.sources.aws.defaults import DEFAULT_MEMBER_ROLE
from trustwarden.sources.aws.scanner import LiveScan, LiveScanOptions

pytestmark = pytest.mark.moto_server

DOCS = Path(__file__).resolve().parents[2] / "docs" / "permissions"
# Calls any identity may make without permissions.
NEEDS_NO_PERMISSION = {"sts:GetCallerIdentity"}


def _policy(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((DOCS / name).read_text())
    return loaded


def _actions(policy: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        value = statement["Action"]
        actions.update([value] if isinstance(value, str) else value)
    return actions


def _used_actions(counter: CallCounter) -> set[str]:
    return {op.replace(".", ":", 1) for op in counter.calls} - NEEDS_NO_PERMISSION


def test_policies_cover_every_call_of_an_enriched_org_scan(moto_env: MotoServer) -> None:
    seed_org(2, 2, trust=TRUST_OTHER_ACCOUNT, management_roles=1)
    iam = boto3.client("iam")
    doc = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        }
    )
    arn = iam.create_policy(PolicyName="p", PolicyDocument=doc)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="mgmt-00000", PolicyArn=arn)
    iam.put_role_policy(RoleName="mgmt-00000", PolicyName="inline", PolicyDocument=doc)
    counter = CallCounter()
    options = LiveScanOptions(organization=True, enrich=True, trust_organization=True)
    list(LiveScan(options, hooks=counter.hooks).events())
    used = _used_actions(counter)
    scanner = _actions(_policy("scanner-policy.json"))
    member = _actions(_policy("member-role-policy.json"))
    assert used <= scanner
    assert {a for a in used if a.startswith("iam:")} <= member
    # Nothing granted that trustwarden never calls.
    assert scanner == used
    assert not any(a.startswith(("sts:", "organizations:")) for a in member)


def test_scanner_policy_assumes_only_the_default_member_role() -> None:
    [statement] = [
        s for s in _policy("scanner-policy.json")["Statement"] if s["Action"] == "sts:AssumeRole"
    ]
    assert statement["Resource"] == f"arn:aws:iam::*:role/{DEFAULT_MEMBER_ROLE}"


def test_policies_are_read_only() -> None:
    for name in ("scanner-policy.json", "member-role-policy.json"):
        for action in _actions(_policy(name)):
            verb = action.split(":", 1)[1]
            assert verb.startswith(("List", "Get", "Describe")) or action == "sts:AssumeRole", (
                action
            )


def test_stackset_template_deploys_the_member_role(moto_env: MotoServer) -> None:
    template = (DOCS / "member-role-stackset.yaml").read_text()
    cfn = boto3.client("cloudformation")
    cfn.create_stack(
        StackName="trustwarden-audit",
        TemplateBody=template,
        Parameters=[
            {"ParameterKey": "ScannerAccountId", "ParameterValue": "111122223333"},
            {"ParameterKey": "OrganizationId", "ParameterValue": "o-abcdefghij"},
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    iam = boto3.client("iam")
    role = iam.get_role(RoleName=DEFAULT_MEMBER_ROLE)["Role"]
    [statement] = role["AssumeRolePolicyDocument"]["Statement"]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::111122223333:root"}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {
        "ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/TrustwardenScanner"},
        "StringEquals": {"aws:PrincipalOrgID": "o-abcdefghij"},
    }
    [name] = iam.list_role_policies(RoleName=DEFAULT_MEMBER_ROLE)["PolicyNames"]
    inline = iam.get_role_policy(RoleName=DEFAULT_MEMBER_ROLE, PolicyName=name)["PolicyDocument"]
    if isinstance(inline, str):  # moto's CloudFormation stores the document as a Python repr
        inline = ast.literal_eval(inline)
    assert inline == _policy("member-role-policy.json")


def test_default_member_role_trust_passes_with_trusted_scanner_account(
    moto_env: MotoServer,
) -> None:
    """The audit role itself is cross-account; trusting the scanner account makes it pass."""
    template = (DOCS / "member-role-stackset.yaml").read_text()
    boto3.client("cloudformation").create_stack(
        StackName="trustwarden-audit",
        TemplateBody=template,
        Parameters=[
            {"ParameterKey": "ScannerAccountId", "ParameterValue": "111122223333"},
            {"ParameterKey": "OrganizationId", "ParameterValue": "o-abcdefghij"},
        ],
        Capabilities=["CAPABILITY_NAMED_IAM"],
    )
    settings = Settings(trusted_accounts=frozenset({"111122223333"}))
    [result] = [
        e for e in LiveScan(LiveScanOptions(), settings).events() if isinstance(e, RoleResult)
    ]
    assert result.role.name == DEFAULT_MEMBER_ROLE
    assert result.status is Status.PASS
