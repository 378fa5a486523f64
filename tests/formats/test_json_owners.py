"""The optional ``owners`` field of JSON findings (names from ``Settings.known_accounts``)."""

from __future__ import annotations

import io
import json
from dataclasses import replace

import jsonschema

from tests.formats.builders import OUTSIDER, fail_result, pass_result, warn_result
from trustwarden.formats import render_report
from trustwarden.formats.json_format import finding_owners, report_schema, result_to_json
from trustwarden.model import Finding, Report, Settings, Status

SCHEMA = json.loads(report_schema())
OTHER = "123412341234"


def finding(*principals: str) -> Finding:
    return Finding(
        code="TW001",
        statement=0,
        principals=principals,
        message="m",
        status=Status.WARN,
    )


def test_principal_accounts_in_every_spelling() -> None:
    known = {OUTSIDER: "Vendor", OTHER: "Other vendor", "555555555555": "Unused"}
    got = finding_owners(
        finding(f"arn:aws:iam::{OTHER}:role/x", OUTSIDER, "*", "AIDAEXAMPLEUNIQUEID1"), known
    )
    assert got == {OTHER: "Other vendor", OUTSIDER: "Vendor"}
    assert list(got) == sorted(got)  # deterministic key order


def test_witness_account_counts_too() -> None:
    fail = fail_result().findings[0]
    only_witness = replace(fail, principals=("*",))
    assert finding_owners(only_witness, {OUTSIDER: "Vendor"}) == {OUTSIDER: "Vendor"}
    assert finding_owners(fail, {OTHER: "Other"}) == {}


def test_owners_only_when_some_account_is_known() -> None:
    fail = fail_result()
    assert "owners" not in result_to_json(fail)["findings"][0]
    assert "owners" not in result_to_json(fail, known={OTHER: "Other"})["findings"][0]
    data = result_to_json(fail, known={OUTSIDER: "Vendor"})["findings"][0]
    assert data["owners"] == {OUTSIDER: "Vendor"}
    assert list(data).index("owners") == list(data).index("witness") + 1


def test_report_carries_owners_from_the_run_settings_and_fits_the_schema() -> None:
    report = Report(results=(fail_result(), warn_result(), pass_result()), tool_version="1")
    out = io.StringIO()
    settings = Settings(known_accounts={OUTSIDER: "Vendor"})
    render_report(report, out, "json", settings=settings)
    doc = json.loads(out.getvalue())
    jsonschema.validate(doc, SCHEMA)
    owners = [f.get("owners") for r in doc["results"] for f in r["findings"]]
    assert owners[0] == {OUTSIDER: "Vendor"}
    plain = io.StringIO()
    render_report(report, plain, "json")
    assert "owners" not in plain.getvalue()


def test_schema_rejects_malformed_owners() -> None:
    doc = result_to_json(fail_result(), known={OUTSIDER: "Vendor"})
    item = {"$ref": "#/$defs/result", "$defs": SCHEMA["$defs"]}
    jsonschema.validate(doc, item)
    for bad in ({}, {"12": "short id"}, {OUTSIDER: ""}, {OUTSIDER: 7}):
        doc["findings"][0]["owners"] = bad
        assert not jsonschema.Draft202012Validator(item).is_valid(doc), bad
