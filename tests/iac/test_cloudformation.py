"""CloudFormation, SAM and CDK output: roles, intrinsic functions, lines, variants."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.iac.helpers import DATA, OWN, results, roles, skipped, statuses
from trustwarden.model import Role
from trustwarden.sources.iac.cfn import Template, _Pass
from trustwarden.sources.iac.common import UNKNOWN_ACCOUNT, Unknown
from trustwarden.sources.iac.yamlload import load_json, load_yaml

OUTSIDER = "222222222222"


def tdoc(role: Role) -> Any:
    """The role's trust document, to index into (the model types it ``object``)."""
    return role.trust_document


def _principal(role: Any) -> Any:
    return tdoc(role)["Statement"][0]["Principal"]["AWS"]


def test_vendor_integrations_verdicts_lines_and_notes() -> None:
    found = results([DATA / "cfn" / "vendor-integrations.yaml"])
    assert statuses(found) == {
        "DatadogIntegrationRole": "pass",  # External ID from a parameter without default
        "CostVendorRole": "fail",  # parameter default, no condition
        "BreakGlassRole": "fail",  # the Fn::If branch with an imported principal
        "AuditorRole": "pass",  # own account (AWS::AccountId) with MFA
    }
    datadog = found["DatadogIntegrationRole"].role
    assert datadog.origin.line == 24
    assert datadog.origin.statement_lines == ((0, 31),)
    assert datadog.origin.file == str(Path("tests/iac/data/cfn/vendor-integrations.yaml"))
    assert "!Ref DatadogExternalId" in datadog.origin.notes[0]
    assert tdoc(datadog)["Statement"][0]["Principal"]["AWS"] == (
        "arn:aws:iam::464622532012:root"  # FindInMap inside the Sub variable map
    )
    cost = found["CostVendorRole"]
    assert cost.role.origin.statement_lines == (("CostVendorReadOnly", 48),)
    assert cost.findings[0].principals == ("arn:aws:iam::444455556666:root",)
    breakglass = found["BreakGlassRole"]
    assert breakglass.role.origin.variant == "IsProd=false"
    notes = " ".join(breakglass.findings[0].notes)
    assert "!ImportValue shared-partner-account-arn" in notes
    assert "2 variants" in notes


def test_if_yields_one_role_per_branch() -> None:
    variants = roles([DATA / "cfn" / "vendor-integrations.yaml"])["BreakGlassRole"]
    assert sorted(v.origin.variant or "" for v in variants) == ["IsProd=false", "IsProd=true"]
    by_variant = {v.origin.variant: _principal(v) for v in variants}
    assert by_variant["IsProd=true"] == "arn:aws:iam::000000000000:role/auditor"
    assert by_variant["IsProd=false"] == UNKNOWN_ACCOUNT


def test_account_id_makes_own_account_literals_trusted(tmp_path: Path) -> None:
    template = tmp_path / "t.json"
    document = {
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": OWN}, "Action": "sts:AssumeRole"}]
    }
    template.write_text(json.dumps({"Resources": {"R": _role(document)}}))
    assert statuses(results([template])) == {"R": "fail"}
    assert statuses(results([template], OWN)) == {"R": "pass"}
    (role,) = roles([template], OWN)["R"]
    assert role.account_id == OWN
    assert role.arn == f"arn:aws:iam::{OWN}:role/R"


def test_literal_account_note_is_given_once(tmp_path: Path) -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": OUTSIDER}, "Action": "sts:AssumeRole"}
        ]
    }
    template = tmp_path / "t.json"
    template.write_text(json.dumps({"Resources": {"A": _role(document), "B": _role(document)}}))
    found = results([template])
    notes = [n for r in found.values() for f in r.findings for n in f.notes]
    assert sum("--account-id" in n for n in notes) == 1
    with_id = results([template], OWN)
    assert not [n for r in with_id.values() for f in r.findings for n in f.notes]


def test_ci_oidc_json_and_comma_delimited_list_parameter() -> None:
    found = results([DATA / "cfn" / "ci-oidc.json"])
    assert statuses(found) == {"GitHubDeployRole": "pass", "ToolingRole": "fail"}
    deploy: Any = found["GitHubDeployRole"].role.trust_document
    statement = deploy["Statement"][0]
    assert statement["Principal"]["Federated"] == (
        "arn:aws:iam::000000000000:oidc-provider/token.actions.githubusercontent.com"
    )
    sub = statement["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"]
    assert sub == "repo:example-org/payments:ref:refs/heads/main"
    assert found["ToolingRole"].findings[0].principals == ("777777777777",)
    assert found["GitHubDeployRole"].role.origin.line == 8
    assert found["GitHubDeployRole"].role.origin.statement_lines == ((0, 14),)


def test_sam_functions_get_their_implicit_roles() -> None:
    found = results([DATA / "sam" / "template.yaml"])
    assert statuses(found) == {
        "ThumbnailFunctionRole": "pass",  # Lambda's default trust
        "PartnerCallbackFunctionRole": "fail",  # AssumeRolePolicyDocument admits an account
    }  # ExistingRoleFunction names its Role: no implicit role


def test_cdk_output_is_read_and_assets_and_node_modules_are_skipped() -> None:
    found = results([DATA / "cdk"])
    assert statuses(found) == {
        "CrossAccountDeployRole8F7A9B1C": "fail",
        "HandlerServiceRoleFCDC14AE": "pass",
    }
    assert found["CrossAccountDeployRole8F7A9B1C"].findings[0].principals == (
        "arn:aws:iam::999988887777:root",
    )


# --------------------------------------------------------------------------- intrinsic tags

TAG_CASES = [
    ("!Ref AWS::AccountId", OWN),
    ("!Ref Vendor", OUTSIDER),
    ("!Ref NoDefault", UNKNOWN_ACCOUNT),
    ('!Sub "arn:aws:iam::${AWS::AccountId}:root"', f"arn:aws:iam::{OWN}:root"),
    ('!Sub "arn:${AWS::Partition}:iam::${Vendor}:root"', f"arn:aws:iam::{OUTSIDER}:root"),
    ('!Sub ["arn:aws:iam::${A}:root", {A: "333333333333"}]', "arn:aws:iam::333333333333:root"),
    ('!Sub "arn:aws:iam::${!Literal}:root"', "arn:aws:iam::${Literal}:root"),
    ('!Sub "arn:aws:iam::${NoDefault}:root"', f"arn:aws:iam::{UNKNOWN_ACCOUNT}:root"),
    ("!GetAtt Other.Arn", f"arn:aws:iam::{OWN}:role/other-role"),
    ("!GetAtt [Other, Arn]", f"arn:aws:iam::{OWN}:role/other-role"),
    ("!GetAtt Bucket.Arn", UNKNOWN_ACCOUNT),
    ('!Join ["", ["arn:aws:iam::", !Ref Vendor, ":root"]]', f"arn:aws:iam::{OUTSIDER}:root"),
    ('!Join [":", [a, !ImportValue x]]', f"a:{UNKNOWN_ACCOUNT}"),
    ('!Select [1, ["111111111111", "444444444444"]]', "444444444444"),
    ("!Select [0, !Ref Accounts]", "555555555555"),
    ("!FindInMap [Partners, Acme, Account]", "666666666666"),
    ("!FindInMap [Partners, Missing, Account]", UNKNOWN_ACCOUNT),
    ('!Select [2, !Split [",", "a,b,777777777777"]]', "777777777777"),
    ("!ImportValue partner-account", UNKNOWN_ACCOUNT),
    ('!Select [0, !GetAZs ""]', UNKNOWN_ACCOUNT),
    ("!If [Cond, !Ref Vendor, !Ref AWS::AccountId]", None),  # two variants
    ('!Base64 "x"', "eA=="),
    ("{Ref: Vendor}", OUTSIDER),
    ('{"Fn::Sub": "${Vendor}"}', OUTSIDER),
    ('{"Fn::Join": ["", ["2222", "22222222"]]}', OUTSIDER),
]

_TEMPLATE = """\
Parameters:
  Vendor: {{Type: String, Default: "222222222222"}}
  NoDefault: {{Type: String}}
  Accounts: {{Type: CommaDelimitedList, Default: "555555555555, 888888888888"}}
Mappings:
  Partners:
    Acme: {{Account: "666666666666"}}
Conditions:
  Cond: !Equals [!Ref Vendor, "x"]
Resources:
  Other:
    Type: AWS::IAM::Role
    Properties:
      RoleName: other-role
      AssumeRolePolicyDocument: {{Statement: []}}
  Bucket:
    Type: AWS::S3::Bucket
  Subject:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal:
              AWS: {value}
            Action: sts:AssumeRole
"""


@pytest.mark.parametrize(("value", "expected"), TAG_CASES, ids=[c[0] for c in TAG_CASES])
def test_intrinsic_tag_forms(value: str, expected: str | None, tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(_TEMPLATE.format(value=value))
    variants = roles([path], OWN)["Subject"]
    if expected is None:
        assert sorted(_principal(v) for v in variants) == sorted([OUTSIDER, OWN])
        assert {v.origin.variant for v in variants} == {"Cond=true", "Cond=false"}
        return
    (role,) = variants
    assert _principal(role) == expected
    if expected == UNKNOWN_ACCOUNT or UNKNOWN_ACCOUNT in expected:
        assert role.origin.notes, "an unknown value must be named in the notes"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('!Equals [!Ref Vendor, "222222222222"]', True),
        ("!Equals [!Ref Vendor, x]", False),
        ("!Not [!Equals [a, a]]", False),
        ("!And [!Equals [a, a], !Equals [b, b]]", True),
        ("!Or [!Equals [a, b], !Equals [b, b]]", True),
        ("!Condition IsVendor", True),
        ("!Equals [!Ref NoDefault, x]", None),
    ],
)
def test_condition_functions(expression: str, expected: bool | None) -> None:
    text = _TEMPLATE.format(value="x").replace(
        "Conditions:\n", 'Conditions:\n  IsVendor: !Equals [!Ref Vendor, "222222222222"]\n'
    )
    data = load_yaml(f"{text}Extra: {expression}\n", "t.yaml")
    template = Template(data, "t.yaml")
    value = template.resolve(data["Extra"], _Pass(choices={}, own=OWN))
    if expected is None:
        assert isinstance(value, Unknown)
    else:
        assert value is expected


def test_unquoted_version_stays_text() -> None:
    data = load_yaml("Version: 2012-10-17\nOn: yes\nN: 12\n", "t.yaml")
    assert data == {"Version": "2012-10-17", "On": True, "N": 12}


def test_too_many_variants_is_reported_not_guessed(tmp_path: Path) -> None:
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"AWS": {"Fn::If": [f"C{i}", OUTSIDER, OWN]}},
            "Action": "sts:AssumeRole",
        }
        for i in range(6)
    ]
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {"R": _role({"Statement": statements})}}))
    (problem,) = skipped([path])
    assert "more than 16 combinations" in problem.reason
    assert problem.what == str(path) or problem.what.endswith("t.json")


def _role(document: Any) -> dict[str, Any]:
    return {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": document}}


def test_if_with_no_value_drops_the_statement_in_one_variant(tmp_path: Path) -> None:
    open_statement = {"Effect": "Allow", "Principal": {"AWS": OUTSIDER}, "Action": "sts:AssumeRole"}
    document = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            },
            {"Fn::If": ["AllowVendor", open_statement, {"Ref": "AWS::NoValue"}]},
        ]
    }
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {"R": _role(document)}}))
    variants = {v.origin.variant: v for v in roles([path], OWN)["R"]}
    assert len(tdoc(variants["AllowVendor=true"])["Statement"]) == 2
    assert len(tdoc(variants["AllowVendor=false"])["Statement"]) == 1
    (result,) = results([path], OWN).values()
    assert result.status.value == "fail"
    assert result.role.origin.variant == "AllowVendor=true"


def test_json_that_yaml_cannot_read_is_still_read_without_lines(tmp_path: Path) -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": OUTSIDER}, "Action": "sts:AssumeRole"}
        ]
    }
    document["Statement"][0]["Sid"] = "Vendor\U0001f600"  # YAML rejects surrogate-pair escapes
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Resources": {"R": _role(document)}}, indent=2))
    (role,) = roles([path], OWN)["R"]
    assert role.trust_document == document
    assert role.origin.line is None


def test_json_scalars_keep_their_json_types(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{"Resources": {}, "N": 1, "T": true, "Z": null, "S": "1"}')
    assert load_json(path.read_text(), "t.json") == {
        "Resources": {},
        "N": 1,
        "T": True,
        "Z": None,
        "S": "1",
    }


def test_yaml_merge_keys_and_anchors(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        """
Resources:
  A:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: &doc
        Statement:
          - &stmt
            Effect: Allow
            Principal: {AWS: "222222222222"}
            Action: sts:AssumeRole
  B:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - <<: *stmt
            Condition: {StringEquals: {"sts:ExternalId": "abc-123"}}
"""
    )
    assert statuses(results([path], OWN)) == {"A": "fail", "B": "pass"}
