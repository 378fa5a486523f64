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
