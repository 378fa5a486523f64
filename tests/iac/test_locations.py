"""Results from templates point at ``path:line`` in the table, ``explain`` and SARIF."""

from __future__ import annotations

import io
import json
from pathlib import Path

from tests.cli.runner import invoke
from tests.iac.helpers import DATA, results
from trustwarden.engine import analyze_role
from trustwarden.formats import RenderOptions
from trustwarden.formats.explain_text import render_explanation
from trustwarden.formats.location import finding_line, location_text
from trustwarden.model import Settings

CFN = DATA / "cfn" / "vendor-integrations.yaml"


def _rel(path: Path) -> str:
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def test_location_text_of_a_template_role_and_statement() -> None:
    cost = results([CFN])["CostVendorRole"]
    assert location_text(cost) == f"{_rel(CFN)}:42"
    assert location_text(cost, "CostVendorReadOnly") == f"{_rel(CFN)}:48"
    assert location_text(cost, "NoSuchSid") == f"{_rel(CFN)}:42"  # falls back to the resource
    assert finding_line(cost, cost.findings[0]) == 48


def test_table_shows_path_and_line(tmp_path: Path) -> None:
    for columns in ("400", "60"):  # the wide table and the narrow blocks
        run = invoke(
            ["scan", str(CFN), "--format", "table"], env={"COLUMNS": columns}, cwd=tmp_path
        )
        assert run.code == 1
        for line in (24, 42, 53):  # the roles listed: a warn and two fails (the pass is not)
            assert f"{_rel(CFN)}:{line}" in run.out, columns


def test_explain_text_names_the_file_line_and_statement_lines() -> None:
    role = next(r for r in _roles() if r.name == "CostVendorRole")
    result = analyze_role(role, Settings(), explain=True)
    out = io.StringIO()
    render_explanation(result, out, options=RenderOptions(width=200))
    text = out.getvalue()
    assert f"From: {_rel(CFN)}:42 /Resources/CostVendorRole" in text
    assert f'Statement "CostVendorReadOnly" (Allow)  {_rel(CFN)}:48' in text


def test_sarif_points_at_the_offending_statement() -> None:
    run = invoke(["scan", str(CFN), "--format", "sarif"], env={}, cwd=Path.cwd())
    assert run.code == 1
    sarif = json.loads(run.out)
    by_role = {
        r["locations"][0]["logicalLocations"][0]["name"]: r for r in sarif["runs"][0]["results"]
    }
    cost = by_role["CostVendorRole"]["locations"][0]["physicalLocation"]
    assert cost["artifactLocation"]["uri"] == _rel(CFN)
    assert cost["region"]["startLine"] == 48  # the statement, not the resource (42)
    for result in sarif["runs"][0]["results"]:  # every template result has a file and a line
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] > 1


def test_terraform_sarif_uses_the_tf_file_and_line() -> None:
    live = DATA / "terraform" / "live"
    run = invoke(["scan", str(live), "--format", "sarif"], env={}, cwd=Path.cwd())
    sarif = json.loads(run.out)
    found = sarif["runs"][0]["results"]
    assert found
    for result in found:
        physical = result["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"].endswith(".tf")
        assert physical["region"]["startLine"] >= 1


def _roles() -> list:  # type: ignore[type-arg]
    from trustwarden.model import Role  # noqa: PLC0415
    from trustwarden.sources.iac import load_paths  # noqa: PLC0415

    return [r for r in load_paths([CFN]) if isinstance(r, Role)]
