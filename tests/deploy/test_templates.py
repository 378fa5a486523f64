"""The CloudFormation templates under ``deploy/``: cfn-lint clean, and in step with the handler."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integrations.events import HANDLER_ACTIONS
from trustwarden import analyze_policy
from trustwarden.integrations.aws_config_rule import PARAMETER_NAMES, parse_parameters
from trustwarden.integrations.lambda_package import HANDLER

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "deploy").glob("*.yaml"))
ALL_TEMPLATES = [*TEMPLATES, ROOT / "docs" / "permissions" / "member-role-stackset.yaml"]
ORG = "o-a1b2c3d4e5"
FUNCTION_ACCOUNT = "111122223333"
MEMBER = "444455556666"


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "deploy" / name).read_text())
    assert isinstance(data, dict)
    return data


def resources(template: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [r["Properties"] for r in template["Resources"].values() if r["Type"] == kind]


def substitute(text: str, values: dict[str, str]) -> str:
    """``Fn::Sub`` for the parameters and pseudo parameters the tests need."""
    return re.sub(r"\$\{([^}]+)\}", lambda m: values[m.group(1)], text)


def defaults(template: dict[str, Any]) -> dict[str, str]:
    return {k: str(v.get("Default", "")) for k, v in template["Parameters"].items()}


def cfn_lint() -> str:
    found = shutil.which("cfn-lint", path=str(Path(sys.executable).parent)) or shutil.which(
        "cfn-lint"
    )
    if found is None:
        pytest.fail("cfn-lint is not installed (it is in the test extra: pip install '.[test]')")
    return found


def test_templates_exist() -> None:
    assert [t.name for t in TEMPLATES] == [
        "config-member-role-stackset.yaml",
        "config-org-rule.yaml",
        "config-rule.yaml",
    ]


@pytest.mark.parametrize("template", ALL_TEMPLATES, ids=lambda p: p.name)
def test_cfn_lint_passes(template: Path) -> None:
    run = subprocess.run(
        [cfn_lint(), "--format", "parseable", str(template)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("name", ["config-rule.yaml", "config-org-rule.yaml"])
def test_functions_use_the_packaged_handler(name: str) -> None:
    (function,) = resources(load(name), "AWS::Lambda::Function")
    assert function["Handler"] == HANDLER
    assert function["Timeout"] == 900
    # the per-event summary is logged at INFO, below the runtime's default WARNING
    assert function["LoggingConfig"]["ApplicationLogLevel"] == "INFO"
    assert function["LoggingConfig"]["LogFormat"] == "JSON"


def test_account_rule_parameters_are_the_handlers() -> None:
    template = load("config-rule.yaml")
    (rule,) = resources(template, "AWS::Config::ConfigRule")
    params = rule["InputParameters"]
    assert set(params) <= set(PARAMETER_NAMES)
    values = {k: defaults(template)[v["Ref"]] for k, v in params.items()}
    parsed = parse_parameters(json.dumps(values))
    assert parsed.fail_on == "fail"
    assert parsed.member_role is None
    assert rule["Scope"]["ComplianceResourceTypes"] == ["AWS::IAM::Role"]
    details = [d["Fn::If"][1] if "Fn::If" in d else d for d in rule["Source"]["SourceDetails"]]
    kinds = [d["MessageType"] for d in details]
    assert kinds == [
        "ConfigurationItemChangeNotification",
        "OversizedConfigurationItemChangeNotification",
        "ScheduledNotification",
    ]


def test_org_rule_parameters_are_the_handlers_and_fit_1024_characters() -> None:
    template = load("config-org-rule.yaml")
    (rule,) = resources(template, "AWS::Config::OrganizationConfigRule")
    metadata = rule["OrganizationCustomRuleMetadata"]
    values = {**defaults(template), "OrganizationId": ORG}
    text = substitute(metadata["InputParameters"]["Fn::Sub"], values)
    assert len(text) <= 1024
    raw = json.loads(text)
    assert set(raw) <= set(PARAMETER_NAMES)
    parsed = parse_parameters(text)
    assert (
        parsed.member_role == defaults(load("config-member-role-stackset.yaml"))["MemberRoleName"]
    )
    assert parsed.trust_organization is True
    assert metadata["ResourceTypesScope"] == ["AWS::IAM::Role"]
    with_periodic, changes_only = metadata["OrganizationConfigRuleTriggerTypes"]["Fn::If"][1:]
    assert set(with_periodic) - set(changes_only) == {"ScheduledNotification"}


def _actions(template: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for role in resources(template, "AWS::IAM::Role"):
        for policy in role.get("Policies", []):
            for written in policy["PolicyDocument"]["Statement"]:
                statement = written["Fn::If"][1] if "Fn::If" in written else written
                action = statement["Action"]
                found.update([action] if isinstance(action, str) else action)
    return found


CALLED = set(HANDLER_ACTIONS.values()) - {"sts:GetCallerIdentity"}  # that one needs no grant
LOGS = {"logs:CreateLogStream", "logs:PutLogEvents"}
OPTIONAL = {  # granted only when the parameter that needs them is set
    "organizations:DescribeOrganization": "TrustsOrganization",
    "organizations:ListAccounts": "TrustsOrganization",
    "s3:GetObject": "HasKnownAccounts",
}
MEMBER_CALLS = {  # in the member account: read roles, put evaluations, the org id fallback
    "iam:ListRoles",
    "iam:GetRole",
    "config:PutEvaluations",
    "config:GetResourceConfigHistory",
    "organizations:DescribeOrganization",
}


@pytest.mark.parametrize(
    ("name", "granted"),
    [
        ("config-rule.yaml", (CALLED - {"sts:AssumeRole"}) | LOGS),
        ("config-org-rule.yaml", CALLED | LOGS),
        ("config-member-role-stackset.yaml", MEMBER_CALLS),
    ],
)
def test_roles_grant_exactly_what_the_handler_calls(name: str, granted: set[str]) -> None:
    """Least privilege: nothing the handler never calls (tests/integrations checks the calls)."""
    assert _actions(load(name)) == granted


@pytest.mark.parametrize("name", ["config-rule.yaml", "config-org-rule.yaml"])
def test_optional_grants_follow_their_parameter(name: str) -> None:
    (role,) = resources(load(name), "AWS::IAM::Role")
    for written in role["Policies"][0]["PolicyDocument"]["Statement"]:
        statement = written["Fn::If"][1] if "Fn::If" in written else written
        action = statement["Action"]
        for one in [action] if isinstance(action, str) else action:
            if one in OPTIONAL:
                assert written.get("Fn::If", [None])[0] == OPTIONAL[one], (name, one)


def test_function_may_only_enter_roles_inside_the_organization() -> None:
    (role,) = resources(load("config-org-rule.yaml"), "AWS::IAM::Role")
    statements = role["Policies"][0]["PolicyDocument"]["Statement"]
    (enter,) = [s for s in statements if s.get("Action") == "sts:AssumeRole"]
    assert enter["Condition"] == {"StringEquals": {"aws:ResourceOrgID": {"Ref": "OrganizationId"}}}


def test_member_role_passes_the_rule_it_serves_when_the_organization_is_trusted() -> None:
    template = load("config-member-role-stackset.yaml")
    (role,) = resources(template, "AWS::IAM::Role")
    values = {
        **defaults(template),
        "AWS::Partition": "aws",
        "FunctionAccountId": FUNCTION_ACCOUNT,
        "OrganizationId": ORG,
    }
    document = json.loads(
        json.dumps(role["AssumeRolePolicyDocument"]),
        object_hook=lambda d: (
            substitute(d["Fn::Sub"], values)
            if set(d) == {"Fn::Sub"}
            else values[d["Ref"]]
            if set(d) == {"Ref"}
            else d
        ),
    )
    assert analyze_policy(document, MEMBER).status == "fail"  # an outside account, no ID
    trusted = analyze_policy(
        document, MEMBER, trusted_accounts=[FUNCTION_ACCOUNT], trusted_orgs=[ORG]
    )
    assert trusted.status == "pass"
