"""Results from files carry their location in every format: `path:line`, statement lines."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

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
        for line in (42, 53):  # the roles listed: two fails (the passes are not)
            assert f"{_rel(CFN)}:{line}" in run.out, columns
        assert f"{_rel(CFN)}:24" not in run.out  # its External ID is unknown, not guessable


def test_table_shows_path_and_line_of_listed_passes(tmp_path: Path) -> None:
    assert results([CFN])["AuditorRole"].status.value == "pass"
    for columns in ("400", "60"):  # the wide table and the narrow blocks
        run = invoke(
            ["scan", str(CFN), "--format", "table", "--show-pass"],
            env={"COLUMNS": columns},
            cwd=tmp_path,
        )
        assert run.code == 1
        lines = run.out.splitlines()
        row = next(i for i, line in enumerate(lines) if "AuditorRole" in line)
        # the pass row: under its name (wide table) or on its head line (narrow blocks)
        assert f"{_rel(CFN)}:65" in "\n".join(lines[row : row + 3]), columns


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


def _scan(fmt: str) -> str:
    run = invoke(["scan", str(CFN), "--format", fmt, "--show-pass"], env={}, cwd=Path.cwd())
    assert run.code == 1, run.err
    return run.out


# Resource lines of the four roles, and the line of the statement each finding points at.
RESOURCE = {"DatadogIntegrationRole": 24, "CostVendorRole": 42, "BreakGlassRole": 53}
RESOURCE["AuditorRole"] = 65  # the pass
STATEMENT = {"DatadogIntegrationRole": 31, "CostVendorRole": 48, "BreakGlassRole": 58}


def test_json_and_ocsf_carry_file_resource_line_and_finding_line() -> None:
    for result in json.loads(_scan("json"))["results"]:
        name = result["role_name"]
        assert (result["origin"]["file"], result["origin"]["line"]) == (_rel(CFN), RESOURCE[name])
        assert all(f["line"] == STATEMENT[name] for f in result["findings"])
    for event in json.loads(_scan("ocsf")):
        resource = event["resources"][0]
        origin = resource["data"]["origin"]
        assert (origin["file"], origin["line"]) == (_rel(CFN), RESOURCE[resource["name"]])
        for finding in event["unmapped"]["findings"]:
            assert finding["line"] == STATEMENT[resource["name"]]


def test_asff_csv_junit_html_carry_the_location_of_every_row_passes_included() -> None:
    rel = _rel(CFN)
    asff = json.loads(_scan("asff"))  # lists findings only, no passes
    assert {f["ProductFields"]["trustwarden/ResourceLine"] for f in asff} == {
        str(RESOURCE[n])
        for n in ("CostVendorRole", "BreakGlassRole")  # the two fails
    }
    for finding in asff:
        fields = finding["ProductFields"]
        assert fields["trustwarden/File"] == rel
        resource = int(fields["trustwarden/ResourceLine"])
        name = next(n for n, line in RESOURCE.items() if line == resource)
        assert fields["trustwarden/Line"] == str(STATEMENT.get(name, resource))
    rows = list(csv.DictReader(io.StringIO(_scan("csv"))))
    assert {r["role_name"] for r in rows} == set(RESOURCE)
    # Datadog's role passes (its External ID is unknown): no finding, no statement line
    found_at = {n: line for n, line in STATEMENT.items() if n != "DatadogIntegrationRole"}
    for row in rows:
        name = row["role_name"]
        assert row["source"] == f"{rel}:{RESOURCE[name]}"
        assert row["line"] == str(found_at.get(name, RESOURCE[name]))
    junit = _scan("junit")
    for line in RESOURCE.values():
        assert f'<property name="line" value="{line}"/>' in junit
    assert f"[TW001] {rel}:48: " in junit
    html = _scan("html")
    for line in [*RESOURCE.values(), *found_at.values()]:
        assert f"<code>{rel}:{line}</code>" in html


def test_display_names_are_relative_to_the_working_directory_when_under_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trustwarden.sources.iac.common import display_name  # noqa: PLC0415

    monkeypatch.chdir(tmp_path)
    cases = {
        tmp_path / "a" / "t.yaml": "a/t.yaml",
        tmp_path: ".",
        Path("a/t.yaml"): "a/t.yaml",
        Path("../x.tf"): "../x.tf",
        tmp_path.parent / (tmp_path.name + "x") / "t.yaml": str(
            tmp_path.parent / (tmp_path.name + "x") / "t.yaml"
        ),  # a sibling whose name starts with the working directory's: not under it
    }
    for path, shown in cases.items():
        assert display_name(path) == shown, path
    monkeypatch.chdir("/")
    assert display_name(tmp_path / "t.yaml") == str(tmp_path / "t.yaml").lstrip("/")
