"""Real-world shapes that once gave wrong verdicts, hid roles or hung (red-team findings)."""

from __future__ import annotations

from pathlib import Path

from tests.iac.helpers import OWN, results, statuses
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
