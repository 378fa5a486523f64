"""Real-world shapes that once gave wrong verdicts, hid roles or hung (red-team findings)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.iac.helpers import OWN, results, skipped, statuses
from trustwarden.engine import analyze_roles
from trustwarden.model import Role, RoleResult, Settings, Skipped
from trustwarden.postscan import after_engine
from trustwarden.sources.iac import load_paths, merge_results
from trustwarden.sources.iac.common import UNKNOWN_ACCOUNT

_OWN_STATEMENT = """
  statement {
    sid     = "Own"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::111111111111:root"]
    }
  }
"""


def scan_events(paths: list[Path], account_id: str) -> dict[str, RoleResult]:
    """Results as ``scan`` reports them: merged variants, then the External ID checks."""
    items = [i for i in load_paths(paths, account_id) if isinstance(i, Role)]
    merged = merge_results(analyze_roles(items, Settings()), account_id)
    return {r.role.name: r for r in after_engine(merged) if isinstance(r, RoleResult)}


def _write(directory: Path, text: str, name: str = "main.tf") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_text(text)
    return directory


def test_unknown_source_and_override_documents_are_assumed_the_worst(tmp_path: Path) -> None:
    for attribute in ("source_policy_documents", "override_policy_documents"):
        root = _write(
            tmp_path / attribute,
            f'variable "extra" {{ type = string }}\n'
            f'data "aws_iam_policy_document" "t" {{\n  {attribute} = [var.extra]\n'
            f"{_OWN_STATEMENT}}}\n"
            'resource "aws_iam_role" "r" {\n'
            "  assume_role_policy = data.aws_iam_policy_document.t.json\n}\n",
        )
        (result,) = results([root], OWN).values()
        assert result.status.value == "fail", attribute
        assert UNKNOWN_ACCOUNT in result.findings[0].principals[0]
        assert any("var.extra" in note for note in result.role.origin.notes)


def test_policy_documents_with_for_each_or_count_are_evaluated_per_instance(
    tmp_path: Path,
) -> None:
    root = _write(
        tmp_path,
        """
variable "partners" {
  default = { acme = "464622532012", globex = "198361731867" }
}
variable "ids" {
  default = { acme = "a8f3e2b1-77c4-4c1e-9a2f-0b6d5e4c3a21" }
}
data "aws_iam_policy_document" "p" {
  for_each = var.partners
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${each.value}:root"]
    }
    dynamic "condition" {
      for_each = contains(keys(var.ids), each.key) ? [var.ids[each.key]] : []
      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}
resource "aws_iam_role" "p" {
  for_each           = var.partners
  assume_role_policy = data.aws_iam_policy_document.p[each.key].json
}
data "aws_iam_policy_document" "c" {
  count = 2
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [count.index == 0 ? "111111111111" : "222222222222"]
    }
  }
}
resource "aws_iam_role" "c0" {
  assume_role_policy = data.aws_iam_policy_document.c[0].json
}
resource "aws_iam_role" "c1" {
  assume_role_policy = data.aws_iam_policy_document.c[1].json
}
""",
    )
    found = results([root], OWN)
    assert statuses(found) == {
        'aws_iam_role.p["acme"]': "pass",  # its own External ID
        'aws_iam_role.p["globex"]': "fail",  # no External ID for this partner
        "aws_iam_role.c0": "pass",
        "aws_iam_role.c1": "fail",
    }
    globex = found['aws_iam_role.p["globex"]']
    assert globex.findings[0].principals == ("arn:aws:iam::198361731867:root",)
    assert not globex.role.origin.notes  # nothing was unknown


def test_an_unknown_external_id_is_not_judged_guessable_or_shared(tmp_path: Path) -> None:
    template = tmp_path / "vendors.yaml"
    template.write_text(
        """
Parameters:
  AcmeExternalId: {Type: String, NoEcho: true}
  GlobexExternalId: {Type: String, NoEcho: true}
Resources:
  Acme:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::464622532012:root"}
            Action: sts:AssumeRole
            Condition: {StringEquals: {sts:ExternalId: !Ref AcmeExternalId}}
  Globex:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: "arn:aws:iam::198361731867:root"}
            Action: sts:AssumeRole
            Condition: {StringEquals: {sts:ExternalId: !Sub "${GlobexExternalId}"}}
"""
    )
    events = scan_events([template], OWN)
    assert {name: r.status.value for name, r in events.items()} == {
        "Acme": "pass",
        "Globex": "pass",
    }
    assert all(not r.findings for r in events.values())


def test_ssm_parameter_types_are_unknown_not_their_default(tmp_path: Path) -> None:
    template = tmp_path / "ssm.yaml"
    template.write_text(
        """
Parameters:
  VendorAccount:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /org/vendor/account-id
Resources:
  Vendor:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${VendorAccount}:root"}
            Action: sts:AssumeRole
          - Effect: Allow
            Principal: {AWS: !Ref VendorAccount}
            Action: sts:AssumeRole
"""
    )
    (result,) = results([template], OWN).values()
    assert result.status.value == "fail"  # an outsider, not a malformed principal
    assert any("/org/vendor/account-id" in note for note in result.role.origin.notes)


def test_utf16_and_utf32_templates_are_read_when_found_by_walking(tmp_path: Path) -> None:
    text = (
        '{"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {'
        '"AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", '
        '"Principal": {"AWS": "222222222222"}, "Action": "sts:AssumeRole"}]}}}}}'
    )
    for encoding in ("utf-16", "utf-16-be", "utf-32"):
        data = text.encode(encoding)
        if encoding == "utf-16-be":
            data = b"\xfe\xff" + data
        (tmp_path / f"{encoding}.json").write_bytes(data)
    (tmp_path / "yaml16.yaml").write_bytes(text.encode("utf-16"))
    found = results([tmp_path], OWN)
    assert statuses(found) == {"R": "fail"}
    files = {r.role.origin.file for r in results([tmp_path / "utf-32.json"], OWN).values()}
    assert files == {str(tmp_path / "utf-32.json")}
    roles_found = [i for i in load_paths([tmp_path], OWN) if isinstance(i, Role) and i.name == "R"]
    assert len(roles_found) == 4  # one per file, none skipped silently


def _laughs(levels: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines.extend(
        f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels + 1)
    )
    return "\n".join(lines) + "\n"


def test_yaml_aliases_of_aliases_do_not_hang_and_other_roles_are_read(tmp_path: Path) -> None:
    template = tmp_path / "laughs.yaml"
    template.write_text(
        "Metadata:\n"
        + "\n".join("  " + line for line in _laughs(12).splitlines())
        + """
Resources:
  Tagged:
    Type: AWS::IAM::Role
    Properties:
      Tags: *a12
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {AWS: "222222222222"}, Action: sts:AssumeRole}
  Bomb:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {AWS: "222222222222"}
            Action: sts:AssumeRole
            Condition: {StringEquals: {aws:SourceArn: *a12}}
  After:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {AWS: "111111111111"}, Action: sts:AssumeRole}
"""
    )
    items = list(load_paths([template], OWN))
    assert {i.name: "role" for i in items if isinstance(i, Role)} == {
        "Tagged": "role",
        "After": "role",
    }
    (problem,) = [i for i in items if isinstance(i, Skipped)]
    assert problem.what == str(template)
    assert problem.reason.startswith("line 23: Bomb: more than 100000 lists and mappings")


def test_terraform_json_files_with_roles_are_reported_not_skipped_silently(
    tmp_path: Path,
) -> None:
    role = {
        "resource": {
            "aws_iam_role": {
                "r": {
                    "assume_role_policy": '{"Statement": [{"Effect": "Allow", '
                    '"Principal": {"AWS": "222222222222"}, "Action": "sts:AssumeRole"}]}'
                }
            }
        }
    }
    (tmp_path / "cdk.tf.json").write_text(json.dumps(role))
    (tmp_path / "providers.tf.json").write_text(json.dumps({"provider": {"aws": {}}}))
    (problem,) = skipped([tmp_path])
    assert problem.what == str(tmp_path / "cdk.tf.json")
    assert "Terraform JSON configuration (.tf.json) is not evaluated" in problem.reason


def test_plans_leave_out_data_sources_that_read_existing_roles(tmp_path: Path) -> None:
    trust = json.dumps(
        {
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": "222222222222"},
                    "Action": "sts:AssumeRole",
                }
            ]
        }
    )
    role = {"type": "aws_iam_role", "name": "r", "values": {"assume_role_policy": trust}}
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {**role, "address": "aws_iam_role.r", "mode": "managed"},
                    {**role, "address": "data.aws_iam_role.existing", "mode": "data"},
                ]
            }
        },
        "resource_changes": [
            {
                "address": address,
                "mode": mode,
                "type": "aws_iam_role",
                "name": "r",
                "change": {"actions": [action], "after": {"assume_role_policy": trust}},
            }
            for address, mode, action in (
                ("aws_iam_role.r", "managed", "create"),
                ("data.aws_iam_role.existing", "data", "read"),
            )
        ],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan))
    assert statuses(results([path], OWN)) == {"aws_iam_role.r": "fail"}
    del plan["resource_changes"]
    path.write_text(json.dumps(plan))
    assert statuses(results([path], OWN)) == {"aws_iam_role.r": "fail"}


def test_template_directives_if_else_and_for_are_evaluated(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        """
variable "env" {}
variable "partners" { default = ["464622532012", "198361731867"] }
resource "aws_iam_role" "loop" {
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
      %{~ for i, a in var.partners ~}
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::${a}:root"},
         "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {"sts:ExternalId":
           "%{ if i == 0 }a8f3e2b1-77c4-4c1e%{ else }c1d2e3f4-a5b6-4c7d%{ endif }"}}}
        %{ if i < length(var.partners) - 1 },%{ endif }
      %{~ endfor ~}
      ]
    }
  EOT
}
resource "aws_iam_role" "choice" {
  assume_role_policy = <<-EOT
    {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
      "Principal": {"AWS": "arn:aws:iam::464622532012:root"}
      %{ if var.env == "prod" }
      ,"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
      %{ endif }
    }]}
  EOT
}
""",
    )
    found = results([root], OWN)
    assert statuses(found) == {"aws_iam_role.loop": "pass", "aws_iam_role.choice": "fail"}
    loop = found["aws_iam_role.loop"].role.trust_document
    assert isinstance(loop, dict)
    assert [s["Condition"]["StringEquals"]["sts:ExternalId"] for s in loop["Statement"]] == [
        "a8f3e2b1-77c4-4c1e",
        "c1d2e3f4-a5b6-4c7d",
    ]
    choice = found["aws_iam_role.choice"]
    assert choice.role.origin.variant is not None  # both ways: the worst (no MFA) is shown
    assert "=false" in choice.role.origin.variant


def test_hcl_syntax_errors_point_past_the_start_of_the_broken_block(tmp_path: Path) -> None:
    unclosed = _write(
        tmp_path / "unclosed",
        'resource "aws_iam_role" "x" {\n  assume_role_policy = jsonencode({\n'
        "    Statement = [\n}\n",
    )
    (problem,) = skipped([unclosed])
    assert problem.reason == "line 1: syntax error somewhere in lines 1-4 (not valid HCL)"
    no_value = _write(
        tmp_path / "no_value",
        'locals {\n  a = 1\n  b =\n}\nresource "aws_iam_role" "y" {\n  name = "y"\n}\n',
    )
    (problem,) = skipped([no_value])
    assert problem.reason.startswith("line 4: missing")  # the parser's guess, not line 1


def test_an_instance_of_a_repeated_role_is_the_own_account(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        """
resource "aws_iam_role" "base" {
  for_each = toset(["a", "b"])
  name     = "base-${each.key}"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { Service = "ec2.amazonaws.com" } }] })
}
resource "aws_iam_role" "counted" {
  count = 2
  name  = "counted-${count.index}"
  assume_role_policy = aws_iam_role.base["a"].assume_role_policy
}
resource "aws_iam_role" "chain" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = [aws_iam_role.base["b"].arn, aws_iam_role.counted[1].arn] } }] })
}
""",
    )
    found = results([root], OWN)
    assert found["aws_iam_role.chain"].status.value == "pass"
    document = found["aws_iam_role.chain"].role.trust_document
    assert isinstance(document, dict)
    assert document["Statement"][0]["Principal"]["AWS"] == [
        f"arn:aws:iam::{OWN}:role/base-b",
        f"arn:aws:iam::{OWN}:role/counted-1",
    ]


def test_outputs_of_a_repeated_module_call_are_that_instances(tmp_path: Path) -> None:
    _write(
        tmp_path / "m",
        """
variable "n" {}
resource "aws_iam_role" "r" {
  name = "svc-${var.n}"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { Service = "ec2.amazonaws.com" } }] })
}
output "arn" { value = aws_iam_role.r.arn }
output "partner" { value = var.n == "x" ? "arn:aws:iam::222222222222:root" : "${var.n}" }
""",
    )
    root = _write(
        tmp_path / "live",
        """
module "svc" {
  source   = "../m"
  for_each = toset(["x", "y"])
  n        = each.key
}
module "cnt" {
  source = "../m"
  count  = 1
  n      = "333333333333"
}
resource "aws_iam_role" "own" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = [module.svc["y"].arn, module.cnt[0].arn] } }] })
}
resource "aws_iam_role" "outside" {
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = [module.svc["x"].partner, module.cnt[0].partner] } }] })
}
""",
    )
    found = results([root], OWN)
    assert found["aws_iam_role.own"].status.value == "pass"
    outside = found["aws_iam_role.outside"]
    assert outside.status.value == "fail"
    assert sorted(p for f in outside.findings for p in f.principals) == [
        "333333333333",
        "arn:aws:iam::222222222222:root",
    ]
    assert not outside.role.origin.notes  # every value known


def test_tfvars_files_override_in_terraforms_order(tmp_path: Path) -> None:
    root = _write(
        tmp_path,
        'variable "who" {}\nresource "aws_iam_role" "r" {\n  assume_role_policy = jsonencode('
        '{ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",'
        " Principal = { AWS = var.who } }] })\n}\n",
    )
    (root / "terraform.tfvars").write_text('who = "222222222222"\n')
    (root / "terraform.tfvars.json").write_text(json.dumps({"who": "333333333333"}))
    (root / "a.auto.tfvars.json").write_text(json.dumps({"who": "444444444444"}))
    (root / "b.auto.tfvars").write_text(f'who = "{OWN}"\n')  # the last one wins
    assert statuses(results([root], OWN)) == {"aws_iam_role.r": "pass"}
    (root / "b.auto.tfvars").unlink()
    (result,) = results([root], OWN).values()
    assert result.findings[0].principals == ("444444444444",)


def test_a_role_too_deep_to_evaluate_does_not_stop_the_others_in_its_module(
    tmp_path: Path,
) -> None:
    root = _write(
        tmp_path,
        "locals { deep = " + "[" * 3000 + "1" + "]" * 3000 + " }\n"
        'resource "aws_iam_role" "deep" {\n  assume_role_policy = jsonencode({ Statement = [{'
        ' Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = local.deep } }] })\n}\n'
        'resource "aws_iam_role" "ok" {\n  assume_role_policy = jsonencode({ Statement = [{'
        ' Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "222222222222" } }] })'
        "\n}\n",
    )
    assert statuses(results([root], OWN)) == {"aws_iam_role.ok": "fail"}
    (problem,) = skipped([root])
    assert problem.what == str(root / "main.tf")
    assert problem.reason == "line 2: aws_iam_role.deep: nested too deeply to be evaluated"


_OPTIONAL_VENDOR = """
Parameters:
  VendorAccount:
    Type: String
    Default: ""
Conditions:
  HasVendor: !Not [!Equals [!Ref VendorAccount, ""]]
Resources:
  Audit:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: !If
                - HasVendor
                - !Sub "arn:aws:iam::${VendorAccount}:root"
                - !Sub "arn:aws:iam::${AWS::AccountId}:root"
            Action: sts:AssumeRole
"""


def test_an_optional_parameter_guarded_by_a_condition_is_the_deploy_time_value(
    tmp_path: Path,
) -> None:
    (tmp_path / "t.yaml").write_text(_OPTIONAL_VENDOR)
    result = scan_events([tmp_path], OWN)["Audit"]
    # With a vendor given at deploy time, any account gets in without an External ID.
    assert result.status.value == "fail"
    assert result.role.origin.variant == "HasVendor=true"
    assert any("VendorAccount" in note for note in result.role.origin.notes)


def test_an_exposed_variant_is_shown_before_one_that_could_not_be_evaluated(
    tmp_path: Path,
) -> None:
    bad_then_open = _OPTIONAL_VENDOR.replace(
        '!Sub "arn:aws:iam::${VendorAccount}:root"', '"arn:aws:iam::12:root"'
    ).replace('!Sub "arn:aws:iam::${AWS::AccountId}:root"', '"arn:aws:iam::222222222222:root"')
    (tmp_path / "t.yaml").write_text(bad_then_open)
    result = scan_events([tmp_path], OWN)["Audit"]
    assert result.status.value == "fail"
    assert result.role.origin.variant == "HasVendor=false"
    assert any("HasVendor=true could not be evaluated" in n for n in result.findings[0].notes)
