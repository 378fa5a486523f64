"""Terraform configurations: modules, variables, count/for_each, policy documents, functions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.iac.helpers import DATA, OWN, results, roles, skipped, statuses
from trustwarden.model import Role
from trustwarden.sources.iac.common import OWN_PLACEHOLDER, UNKNOWN_ACCOUNT

LIVE = DATA / "terraform" / "live"


def tdoc(role: Role) -> Any:
    """The role's trust document, to index into (the model types it ``object``)."""
    return role.trust_document


def test_live_root_with_local_registry_and_missing_modules() -> None:
    found = results([DATA / "terraform"])
    assert statuses(found) == {
        "aws_iam_role.partner": "pass",
        'aws_iam_role.per_partner["acme"]': "pass",
        'aws_iam_role.per_partner["globex"]': "fail",
        "aws_iam_role.replica[0]": "pass",
        "aws_iam_role.replica[1]": "pass",
        "aws_iam_role.from_file": "pass",
        "aws_iam_role.from_template": "fail",
        "module.github_oidc.aws_iam_role.deploy": "pass",
        "module.iam.aws_iam_role.this[0]": "fail",
    }
    (missing,) = skipped([DATA / "terraform"])
    assert missing.what.startswith("module.missing (")
    assert "main.tf:128" in missing.what
    assert "not on disk" in missing.reason


def test_policy_document_sources_dynamic_blocks_and_lines() -> None:
    (partner,) = roles([LIVE])["aws_iam_role.partner"]
    assert partner.name == "aws_iam_role.partner"
    assert partner.arn == f"arn:aws:iam::{OWN_PLACEHOLDER}:role/partner-prod"
    document: Any = partner.trust_document
    assert [s.get("Sid") for s in document["Statement"]] == ["Ec2", "Partner"]
    statement = document["Statement"][1]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::555566667777:root"}  # tfvars
    assert statement["Condition"] == {
        "StringEquals": {"sts:ExternalId": ["partner-issued-9c1d"]}  # *.auto.tfvars
    }
    assert partner.origin.line == 64
    assert dict(partner.origin.statement_lines) == {"Ec2": 33, "Partner": 46}
    assert partner.origin.file == str(Path("tests/iac/data/terraform/live/main.tf"))


def test_for_each_count_heredoc_file_and_templatefile() -> None:
    found = roles([LIVE], OWN)
    globex: Any = found['aws_iam_role.per_partner["globex"]'][0].trust_document
    assert globex["Statement"][0]["Condition"] == {}
    acme: Any = found['aws_iam_role.per_partner["acme"]'][0].trust_document
    assert acme["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": "acme-7f3a"}}
    replica: Any = found["aws_iam_role.replica[1]"][0].trust_document
    assert replica["Statement"][0]["Principal"]["AWS"] == (f"arn:aws:iam::{OWN}:role/replicator-1")
    from_file: Any = found["aws_iam_role.from_file"][0].trust_document
    assert from_file["Statement"][0]["Condition"] == {
        "Bool": {"aws:MultiFactorAuthPresent": "true"}
    }
    template: Any = found["aws_iam_role.from_template"][0].trust_document
    assert template["Statement"][0]["Principal"]["AWS"] == "arn:aws:iam::555566667777:root"


def test_module_arguments_are_bound_and_for_expressions_evaluated() -> None:
    (deploy,) = roles([LIVE], OWN)["module.github_oidc.aws_iam_role.deploy"]
    statement = tdoc(deploy)["Statement"][0]
    assert statement["Principal"] == {
        "Federated": f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com"
    }
    assert statement["Condition"]["StringLike"] == {
        "token.actions.githubusercontent.com:sub": [
            "repo:example-org/api:ref:refs/heads/main",
            "repo:example-org/web:ref:refs/heads/main",
        ]
    }
    assert (deploy.origin.file or "").endswith(str(Path("modules/github-oidc/main.tf")))
    (registry,) = roles([LIVE], OWN)["module.iam.aws_iam_role.this[0]"]
    assert "Condition" not in tdoc(registry)["Statement"][0]  # requires_mfa = false
    assert registry.arn == f"arn:aws:iam::{OWN}:role/vendor-admin"


def test_called_module_directory_is_not_scanned_as_a_root() -> None:
    names = set(roles([DATA / "terraform"]))
    assert "aws_iam_role.deploy" not in names  # only as module.github_oidc.aws_iam_role.deploy


def test_module_directory_alone_is_a_root_with_unknown_variables(tmp_path: Path) -> None:
    found = results([DATA / "terraform" / "modules" / "github-oidc"])
    assert statuses(found) == {"aws_iam_role.deploy": "pass"}
    (role,) = roles([DATA / "terraform" / "modules" / "github-oidc"])["aws_iam_role.deploy"]
    assert "var.repos (no default in the root module)" in role.origin.notes[0]


def _write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "main.tf").write_text(text)
    return tmp_path


def test_unknown_variable_principal_is_an_outsider_with_a_note(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
variable "partner" {}
resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({
    Statement = [{
      Effect = "Allow", Action = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::${var.partner}:root" }
    }]
  })
}
""",
    )
    found = results([tmp_path], OWN)
    result = found["aws_iam_role.r"]
    assert result.status.value == "fail"
    assert result.findings[0].principals == (f"arn:aws:iam::{UNKNOWN_ACCOUNT}:root",)
    assert any("var.partner" in note for note in result.findings[0].notes)


def test_unknown_conditional_evaluates_both_branches(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
variable "strict" { type = bool }
resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({
    Statement = [{
      Effect = "Allow", Action = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::222222222222:root" }
      Condition = var.strict ? { StringEquals = { "sts:ExternalId" = "x-1" } } : {}
    }]
  })
}
""",
    )
    variants = roles([tmp_path], OWN)["aws_iam_role.r"]
    assert len(variants) == 2
    (result,) = results([tmp_path], OWN).values()
    assert result.status.value == "fail"
    assert result.role.origin.variant is not None
    assert "var.strict" in result.role.origin.variant
    assert "=false" in result.role.origin.variant


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('format("arn:aws:iam::%s:root", "222222222222")', "arn:aws:iam::222222222222:root"),
        ('join("", ["arn:aws:iam::", "222222222222", ":root"])', "arn:aws:iam::222222222222:root"),
        ('lookup({a = "222222222222"}, "a", "x")', "222222222222"),
        ('merge({a = "1"}, {a = "222222222222"}).a', "222222222222"),
        ('element(["x", "222222222222"], 1)', "222222222222"),
        ('concat(["222222222222"], ["x"])[0]', "222222222222"),
        ('flatten([["222222222222"]])[0]', "222222222222"),
        ('coalesce("", "222222222222")', "222222222222"),
        ('upper("abc")', "ABC"),
        ('replace("a-b", "-", "222222222222")', "a222222222222b"),
        ('split(",", "x,222222222222")[1]', "222222222222"),
        ("tostring(222222222222)", "222222222222"),
        ('try(var.nope, "222222222222")', "222222222222"),
        ('local.m["k"]', "222222222222"),
        ("local.l[*].id", ["222222222222"]),
        ('[for k, v in local.m : "${k}=${v}"][0]', "k=222222222222"),
        ('{for k, v in local.m : v => k}["222222222222"]', "k"),
        ('1 + 2 == 3 ? "222222222222" : "x"', "222222222222"),
        ('!false && true ? "yes" : "no"', "yes"),
        ('"a\\"b $${lit}"', 'a"b ${lit}'),
        ('jsondecode("{\\"a\\": \\"222222222222\\"}").a', "222222222222"),
        ('unknownfn("x")', UNKNOWN_ACCOUNT),
        ('"%{if true}x%{endif}"', "x"),
        ('"%{if false}x%{else}y%{endif}"', "y"),
        ('"%{for a in [1, 2]}<${a}>%{endfor}"', "<1><2>"),
        ('"%{for a in var.nope}x%{endfor}"', UNKNOWN_ACCOUNT),
        ('sensitive("222222222222")', "222222222222"),
        ("nonsensitive(local.m.k)", "222222222222"),
        ('title("partner datadog-eu x_y")', "Partner Datadog-Eu X_y"),
        ('join(",", setunion(["a"], ["a", "b"]))', "a,b"),
        ('join(",", reverse(slice(["a", "b", "c"], 0, 2)))', "b,a"),
        ('replace("111111111111", "1", "2")', "222222222222"),
        ('replace("111111111111", "/1+/", "2")', UNKNOWN_ACCOUNT),  # RE2: not evaluated
    ],
)
def test_expressions(expression: str, expected: object, tmp_path: Path) -> None:
    _write(
        tmp_path,
        f"""
locals {{
  m = {{ k = "222222222222" }}
  l = [{{ id = "222222222222" }}]
}}
resource "aws_iam_role" "r" {{
  assume_role_policy = jsonencode({{ Value = {expression} }})
}}
""",
    )
    (role,) = roles([tmp_path], OWN)["aws_iam_role.r"]
    assert tdoc(role)["Value"] == expected


def test_unknown_count_gives_one_star_instance(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
variable "n" {}
resource "aws_iam_role" "r" {
  count = var.n
  assume_role_policy = jsonencode({ Statement = [] })
}
""",
    )
    assert set(roles([tmp_path])) == {"aws_iam_role.r[*]"}


def test_self_referencing_locals_do_not_loop(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
locals {
  a = local.b
  b = local.a
}
resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Statement = [{
    Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = local.a }
  }] })
}
""",
    )
    (result,) = results([tmp_path], OWN).values()
    assert result.status.value == "fail"


def test_malformed_tf_is_named_with_its_line_and_other_files_still_read(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('resource "aws_iam_role" "x" {\n  name = \n}\n')
    (tmp_path / "good.tf").write_text(
        'resource "aws_iam_role" "ok" {\n'
        '  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow",'
        ' Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }] })\n}\n'
    )
    (problem,) = skipped([tmp_path])
    assert problem.what.endswith("bad.tf")
    assert problem.reason.startswith("line ")
    assert "not valid HCL" in problem.reason
    assert set(roles([tmp_path])) == {"aws_iam_role.ok"}


def test_tfvars_json(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
variable "who" {}
resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({ Principal = var.who })
}
""",
    )
    (tmp_path / "terraform.tfvars.json").write_text(json.dumps({"who": "333333333333"}))
    (role,) = roles([tmp_path])["aws_iam_role.r"]
    assert tdoc(role)["Principal"] == "333333333333"


def test_null_and_optional_attributes_count_as_not_set(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
variable "statements" {
  default = [
    { sid = "Vendor", principals = [{ type = "AWS", identifiers = ["222222222222"] }] },
    { sid = "Ec2", effect = null, not_principals = null,
      principals = [{ type = "Service", identifiers = ["ec2.amazonaws.com"] }] },
  ]
}
data "aws_iam_policy_document" "d" {
  dynamic "statement" {
    for_each = var.statements
    content {
      sid         = statement.value.sid
      effect      = try(statement.value.effect, null)
      actions     = ["sts:AssumeRole"]
      not_actions = null
      dynamic "principals" {
        for_each = statement.value.principals != null ? statement.value.principals : []
        content {
          type        = principals.value.type
          identifiers = principals.value.identifiers
        }
      }
      dynamic "not_principals" {
        for_each = statement.value.not_principals != null ? statement.value.not_principals : []
        content {
          type        = not_principals.value.type
          identifiers = not_principals.value.identifiers
        }
      }
    }
  }
}
resource "aws_iam_role" "r" {
  assume_role_policy = data.aws_iam_policy_document.d.json
}
""",
    )
    (role,) = roles([tmp_path], OWN)["aws_iam_role.r"]
    assert tdoc(role)["Statement"] == [
        {
            "Sid": "Vendor",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole"],
            "Principal": {"AWS": "222222222222"},
        },
        {
            "Sid": "Ec2",
            "Effect": "Allow",
            "Action": ["sts:AssumeRole"],
            "Principal": {"Service": "ec2.amazonaws.com"},
        },
    ]
    assert statuses(results([tmp_path], OWN)) == {"aws_iam_role.r": "fail"}


def test_identity_provider_arns_are_the_own_accounts(tmp_path: Path) -> None:
    _write(
        tmp_path,
        """
resource "aws_iam_openid_connect_provider" "gh" {
  url = "https://token.actions.githubusercontent.com"
}
resource "aws_iam_saml_provider" "idp" {
  name = "corp-idp"
}
resource "aws_iam_role" "r" {
  assume_role_policy = jsonencode({
    Statement = [{
      Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = [
        aws_iam_openid_connect_provider.gh.arn, aws_iam_saml_provider.idp.arn
      ] }
    }]
  })
}
""",
    )
    (role,) = roles([tmp_path], OWN)["aws_iam_role.r"]
    assert tdoc(role)["Statement"][0]["Principal"]["Federated"] == [
        f"arn:aws:iam::{OWN}:oidc-provider/token.actions.githubusercontent.com",
        f"arn:aws:iam::{OWN}:saml-provider/corp-idp",
    ]
