"""Every registered format through ``trustwarden scan --format NAME`` on a real estate file,
and ``trustwarden schema``."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from tests.cli.conftest import RunCli, data
from trustwarden.formats import format_names
from trustwarden.formats.json_format import report_schema

SARIF_SCHEMA = json.loads(
    (Path(__file__).parents[1] / "formats" / "sarif-schema-2.1.0.json").read_text()
)
EPOCH_ENV = {"SOURCE_DATE_EPOCH": "1714564800"}


def test_every_format_is_a_choice_of_scan() -> None:
    assert {"table", "json", "sarif", "asff", "ocsf", "csv", "junit", "html"} <= set(format_names())


@pytest.mark.parametrize("name", ["sarif", "asff", "ocsf", "csv", "junit", "html"])
def test_scan_writes_the_format_to_stdout_and_keeps_the_exit_code(cli: RunCli, name: str) -> None:
    run = cli("scan", "--input", data("estate.json"), "--format", name, env=EPOCH_ENV)
    json_run = cli("scan", "--input", data("estate.json"), "--format", "json", env=EPOCH_ENV)
    assert run.code == json_run.code  # formats never decide exit codes
    assert run.out
    report = json.loads(json_run.out)
    failing = [r for r in report["results"] if r["status"] != "pass"]
    assert failing  # the estate has findings to show
    if name == "sarif":
        doc = json.loads(run.out)
        jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
        arns = {
            x["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
            for x in doc["runs"][0]["results"]
        }
        assert arns == {r["role_arn"] for r in failing}
        starts = {
            x["locations"][0]["physicalLocation"]["region"]["startLine"]
            for x in doc["runs"][0]["results"]
        }
        assert starts != {1}  # real line numbers from the estate file
    elif name in ("asff", "ocsf"):
        items = json.loads(run.out)
        assert len(items) == (
            sum(len(r["findings"]) for r in failing) if name == "asff" else len(report["results"])
        )
        if name == "ocsf":
            assert items[0]["time"] == 1714564800000
    elif name == "csv":
        rows = list(csv.DictReader(io.StringIO(run.out, newline="")))
        assert {r["role_arn"] for r in rows} == {r["role_arn"] for r in report["results"]}
    elif name == "junit":
        root = ET.fromstring(run.out)
        assert len(root.findall("./testsuite/testcase")) == len(report["results"])
    else:
        assert run.out.startswith("<!DOCTYPE html>")
        assert run.out.count("<tr data-status=") == len(report["results"])


def test_json_findings_carry_title_remediation_and_compliance(cli: RunCli) -> None:
    run = cli("scan", "--input", data("estate.json"), "--format", "json")
    doc = json.loads(run.out)
    jsonschema.validate(doc, json.loads(report_schema()))
    findings = [f for r in doc["results"] for f in r["findings"]]
    tw001 = next(f for f in findings if f["code"] == "TW001")
    assert tw001["title"].startswith("Outside principals can assume")
    assert tw001["remediation"].startswith("Require the External ID")
    assert any("NIST 800-53" in c for c in tw001["compliance"])


def test_schema_command_prints_the_packaged_schema(cli: RunCli) -> None:
    run = cli("schema")
    assert run.code == 0
    assert run.err == ""
    assert run.out == report_schema()
    schema = json.loads(run.out)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["properties"]["schema_version"] == {"const": 1}
    bad = {"schema_version": 2}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))


def test_asff_product_arn_uses_the_configured_region(cli: RunCli) -> None:
    run = cli(
        "scan", "--input", data("estate.json"), "--format", "asff", env={"AWS_REGION": "eu-west-2"}
    )
    findings = json.loads(run.out)
    assert findings
    assert all(":securityhub:eu-west-2:" in f["ProductArn"] for f in findings)
    default = json.loads(cli("scan", "--input", data("estate.json"), "--format", "asff").out)
    assert all(":securityhub:us-east-1:" in f["ProductArn"] for f in default)
