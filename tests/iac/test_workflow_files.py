"""The GitHub Action and the pre-commit hook call the CLI the way it is spelled."""

from __future__ import annotations

from pathlib import Path

import yaml

from trustwarden.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]


def _scan_options() -> set[str]:
    scan = cli.get_command(None, "scan")  # type: ignore[arg-type]
    assert scan is not None
    return {opt for param in scan.params for opt in getattr(param, "opts", [])}


def test_action_scans_uploads_sarif_and_passes_inputs_through_the_environment() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    scan = next(s for s in steps if s.get("id") == "scan")
    assert "--format sarif" in scan["run"]
    for option in ("--account-id", "--trusted-account", "--fail-on", "--output"):
        assert option in scan["run"]
        assert option in _scan_options()
    for step in steps:
        assert "${{ inputs." not in step.get("run", ""), "inputs go through env, not the script"


def test_pre_commit_hook() -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "trustwarden-iac"
    assert hook["entry"] == "trustwarden scan"
    assert hook["language"] == "python"
