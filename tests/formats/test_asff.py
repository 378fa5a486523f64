"""ASFF: every field Security Hub requires, the API's own shape, and a moto round trip."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.validate import ParamValidator

from tests.formats.builders import fail_result
from tests.formats.sample import OTHER, SETTINGS, sample_report
from tests.moto_server import MotoServer
from trustwarden.formats import RenderOptions, render_report
from trustwarden.formats.findings import finding_fingerprint
from trustwarden.model import Report, Status

# The user guide's required fields (the API shape marks only 10 of them).
REQUIRED = (
    "AwsAccountId",
    "CreatedAt",
    "Description",
    "GeneratorId",
    "Id",
    "ProductArn",
    "Resources",
    "SchemaVersion",
    "Severity",
    "Title",
    "Types",
    "UpdatedAt",
)
LABELS = {"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
COMPLIANCE = {"PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"}


def asff(report: Report | None = None, region: str | None = "eu-west-1") -> list[dict[str, Any]]:
    out = io.StringIO()
    render_report(
        report or sample_report(),
        out,
        "asff",
        settings=SETTINGS,
        options=RenderOptions(region=region),
    )
    findings: list[dict[str, Any]] = json.loads(out.getvalue())
    return findings


def test_required_fields_types_and_limits() -> None:
    findings = asff()
    assert findings
    for f in findings:
        for key in REQUIRED:
            assert f.get(key), key
        assert f["SchemaVersion"] == "2018-10-08"
        assert f["ProductArn"] == (
            f"arn:aws:securityhub:eu-west-1:{f['AwsAccountId']}:product/{f['AwsAccountId']}/default"
        )
        assert f["Severity"]["Label"] in LABELS
        assert f["Compliance"]["Status"] in COMPLIANCE
        assert len(f["Compliance"].get("RelatedRequirements", [])) <= 32
        assert all(t.count("/") >= 1 for t in f["Types"])
        assert len(f["Id"]) <= 512
        assert len(f["Title"]) <= 256
        assert len(f["Description"]) <= 1024
        assert f["Remediation"]["Recommendation"]["Text"]
        assert "Url" not in f["Remediation"]["Recommendation"]  # no local file:// path
        assert "SourceUrl" not in f
        [resource] = f["Resources"]
        assert resource["Type"] == "AwsIamRole"
        assert resource["Id"].startswith(f"arn:aws:iam::{f['AwsAccountId']}:role/")
        assert resource["Region"] == "eu-west-1"
        assert f["RecordState"] == "ACTIVE"
        assert all(isinstance(v, str) for v in f["ProductFields"].values())


def test_matches_the_batch_import_findings_shape() -> None:
    """botocore's own model of the API (types, required members, enums where modelled)."""
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate({"Findings": asff()}, shape)
    assert not report.has_errors(), report.generate_report()


def test_one_finding_per_finding_with_status_and_a_stable_id() -> None:
    report = sample_report()
    findings = asff(report)
    expected = [
        (r.role.arn, f.code, f.status)
        for r in report.results
        if r.status is not Status.PASS
        for f in r.findings
    ]
    assert [(f["Resources"][0]["Id"], f["GeneratorId"].split("/")[1]) for f in findings] == [
        (arn, code) for arn, code, _ in expected
    ]
    statuses = {"fail": "FAILED", "warn": "WARNING", "error": "NOT_AVAILABLE"}
    assert [f["Compliance"]["Status"] for f in findings] == [statuses[s] for _, _, s in expected]
    assert [f["Id"] for f in findings] == [
        f"trustwarden/{finding_fingerprint(arn, code)}" for arn, code, _ in expected
    ]
    assert asff(report) == findings  # same input, same Ids


def test_region_defaults_to_us_east_1() -> None:
    assert ":us-east-1:" in asff(region=None)[0]["ProductArn"]


def test_long_text_is_cut_to_security_hubs_limits() -> None:
    long = replace(
        fail_result(), findings=(replace(fail_result().findings[0], message="x" * 5000),)
    )
    [finding] = asff(Report(results=(long,)))
    assert len(finding["Description"]) == 1024


@pytest.mark.moto_server
def test_import_round_trip_through_security_hub(moto_env: MotoServer) -> None:
    report = sample_report()
    client = boto3.client("securityhub", region_name="eu-west-1")
    findings = asff(report)
    by_account: dict[str, list[dict[str, Any]]] = {}
    for f in findings:
        by_account.setdefault(f["AwsAccountId"], []).append(f)
    assert OTHER in by_account  # the sample has findings in two accounts
    for batch in by_account.values():
        answer = client.batch_import_findings(Findings=batch)
        assert answer["FailedCount"] == 0, answer["FailedFindings"]
        assert answer["SuccessCount"] == len(batch)
    stored = client.get_findings()["Findings"]
    assert sorted(f["Id"] for f in stored) == sorted(f["Id"] for f in findings)
    first = next(f for f in stored if f["Id"] == findings[0]["Id"])
    assert first["Resources"][0]["Type"] == "AwsIamRole"
    assert first["Compliance"]["Status"] == "FAILED"
    assert first["Severity"]["Label"] == "HIGH"
    # importing the same report again updates the findings instead of adding duplicates
    client.batch_import_findings(Findings=by_account[findings[0]["AwsAccountId"]])
    assert len(client.get_findings()["Findings"]) == len(findings)
