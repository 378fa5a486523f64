"""SARIF: valid against the OASIS 2.1.0 schema and what GitHub code scanning requires."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema

from tests.formats.builders import OWN, fail_result
from tests.formats.sample import SETTINGS, sample_report
from trustwarden.formats import render_report
from trustwarden.formats.findings import finding_fingerprint
from trustwarden.formats.sarif import artifact_uri
from trustwarden.model import Origin, Report, Status
from trustwarden.rules import RULES

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
GITHUB_LEVELS = {"note", "warning", "error"}


def sarif(report: Report | None = None) -> dict[str, Any]:
    out = io.StringIO()
    render_report(report or sample_report(), out, "sarif", settings=SETTINGS)
    doc: dict[str, Any] = json.loads(out.getvalue())
    return doc


def test_valid_against_the_oasis_schema() -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif())
    jsonschema.Draft4Validator(SCHEMA).validate(sarif(Report(results=(), tool_version="1")))


def test_rules_meet_githubs_requirements() -> None:
    doc = sarif()
    assert doc["version"] == "2.1.0"
    assert doc["$schema"].endswith("sarif-2.1.0.json")
    assert len(doc["runs"]) == 1
    rules = doc["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)  # one per rule id
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert rule["help"]["text"]
        assert rule["help"]["markdown"]
        assert rule["helpUri"] == RULES[rule["id"]].help_uri
        assert "security" in rule["properties"]["tags"]
        assert 0.1 <= float(rule["properties"]["security-severity"]) <= 10.0
        assert len(rule["properties"]["tags"]) <= 10


def test_one_result_per_finding_of_every_role_that_is_not_pass() -> None:
    report = sample_report()
    results = sarif()["runs"][0]["results"]
    expected = [
        (r.role.arn, f.code)
        for r in report.results
        if r.status is not Status.PASS
        for f in r.findings
    ]
    got = [
        (x["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], x["ruleId"])
        for x in results
    ]
    assert got == expected
    rules = sarif()["runs"][0]["tool"]["driver"]["rules"]
    for result in results:
        assert result["level"] in GITHUB_LEVELS
        assert result["message"]["text"]
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        arn = result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        assert result["partialFingerprints"]["primaryLocationLineHash"] == finding_fingerprint(
            arn, result["ruleId"]
        )


def test_levels_follow_severity() -> None:
    levels = {x["properties"]["severity"]: x["level"] for x in sarif()["runs"][0]["results"]}
    assert levels == {"critical": "error", "high": "error", "medium": "warning"}


def test_location_is_the_file_and_line_the_role_came_from() -> None:
    first = sarif()["runs"][0]["results"][0]
    physical = first["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "estate.json"
    assert physical["region"]["startLine"] == 12
    # a role read from a file without a line number still points at the file's first line
    second = sarif()["runs"][0]["results"][1]["locations"][0]["physicalLocation"]
    assert second["region"]["startLine"] == 1


def test_skipped_items_are_tool_notifications() -> None:
    invocation = sarif()["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert "AccessDenied" in note["message"]["text"]


def test_artifact_uris() -> None:
    assert artifact_uri("estate.json") == "estate.json"
    assert artifact_uri("dir with space/a#b.json") == "dir%20with%20space/a%23b.json"
    assert artifact_uri("/abs/estate.json") == "file:///abs/estate.json"
    assert artifact_uri("C:\\x\\estate.json") == "file:///C:/x/estate.json"


def test_a_live_role_has_only_a_logical_location() -> None:
    live = fail_result("Live")
    live = replace(live, role=replace(live.role, origin=Origin(source="aws", account_id=OWN)))
    doc = sarif(Report(results=(live,)))
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    [location] = doc["runs"][0]["results"][0]["locations"]
    assert "physicalLocation" not in location
    assert location["logicalLocations"][0]["fullyQualifiedName"] == live.role.arn
