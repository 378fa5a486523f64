"""``scan`` with suppressions, baselines, several --output files, --show-pass/--severity and
--security-hub (moto)."""

from __future__ import annotations

import csv
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import boto3
import jsonschema
import pytest

from tests.cli.conftest import RunCli, data
from tests.moto_server import MotoServer
from trustwarden.formats.json_format import report_schema

ESTATE = data("estate.json")  # PartnerAccess fail (TW001), AnyAccountWithExternalId warn
SUPPRESS_PARTNER = """
[[suppress]]
rule = "TW001"
role = "PartnerAccess"
reason = "Partner onboarding, SEC-12"
expires = "{expires}"
"""


def config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "tw.toml"
    path.write_text(text)
    return str(path)


def test_suppressed_fail_does_not_count_for_fail_on(cli: RunCli, tmp_path: Path) -> None:
    conf = config(tmp_path, SUPPRESS_PARTNER.format(expires="2024-05-01"))  # today: still on
    run = cli("scan", "--input", ESTATE, "--config", conf, "--format", "json")
    assert run.code == 0  # the fail is suppressed; the warn is below --fail-on fail
    doc = json.loads(run.out)
    jsonschema.validate(doc, json.loads(report_schema()))
    partner = next(r for r in doc["results"] if r["role_name"] == "PartnerAccess")
    assert partner["status"] == "fail"  # the verdict stays in the report
    assert partner["findings"][0]["suppressed"] == {
        "reason": "Partner onboarding, SEC-12",
        "expires": "2024-05-01",
    }
    assert cli("scan", "--input", ESTATE, "--config", conf, "--fail-on", "warn").code == 1


def test_expired_suppression_no_longer_applies_and_is_reported(cli: RunCli, tmp_path: Path) -> None:
    conf = config(tmp_path, SUPPRESS_PARTNER.format(expires="2024-04-30"))
    run = cli("scan", "--input", ESTATE, "--config", conf, "--format", "json")
    assert run.code == 1
    assert "suppressed" not in run.out
    assert run.err == (
        "trustwarden: warning: suppress[0] (TW001 on PartnerAccess) expired on 2024-04-30 and "
        "no longer applies; renew or remove it\n"
    )


def test_suppression_matching_nothing_is_reported(cli: RunCli, tmp_path: Path) -> None:
    conf = config(tmp_path, '[[suppress]]\nrule = "TW001"\nrole = "Gone*"\nreason = "old"\n')
    run = cli("scan", "--input", ESTATE, "--config", conf)
    assert run.code == 1
    assert "suppress[0] (TW001 on Gone*) matched no finding" in run.err


def test_suppression_without_reason_is_a_config_error(cli: RunCli, tmp_path: Path) -> None:
    conf = config(tmp_path, '[[suppress]]\nrule = "TW001"\nrole = "x"\n')
    run = cli("scan", "--input", ESTATE, "--config", conf)
    assert run.code == 2
    assert run.err == (
        f"trustwarden: error: {conf}: suppress[0]: reason is required (a non-empty string)\n"
    )


def test_baseline_hides_known_findings_and_they_do_not_fail(cli: RunCli, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    assert cli("scan", "--input", ESTATE, "--output", str(base)).code == 1
    table = cli("scan", "--input", ESTATE, "--baseline", str(base), "--fail-on", "warn")
    assert table.code == 0  # nothing new
    assert "PartnerAccess" not in table.out
    assert "2 with findings only in the baseline (not listed)" in table.out
    doc = json.loads(
        cli("scan", "--input", ESTATE, "--baseline", str(base), "--format", "json").out
    )
    marked = [f.get("baseline") for r in doc["results"] for f in r["findings"]]
    assert marked == [True, True]
    jsonschema.validate(doc, json.loads(report_schema()))


def test_new_finding_outside_the_baseline_fails(cli: RunCli, tmp_path: Path) -> None:
    base = tmp_path / "base.json"
    cli("scan", "--input", data("warn-only.json"), "--output", str(base))
    run = cli("scan", "--input", ESTATE, "--baseline", str(base))
    assert run.code == 1
    assert "PartnerAccess" in run.out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"schema_version": 2, "results": []}', "report schema_version 2, but this"),
        ("[1]", "not a trustwarden JSON report"),
        ("{", "not a JSON report"),
    ],
)
def test_bad_baseline_is_a_clear_error(
    cli: RunCli, tmp_path: Path, text: str, message: str
) -> None:
    base = tmp_path / "old.json"
    base.write_text(text)
    run = cli("scan", "--input", ESTATE, "--baseline", str(base))
    assert run.code == 2
    assert run.out == ""
    assert run.err.startswith(f"trustwarden: error: {base}: ")
    assert message in run.err.splitlines()[0]


def test_several_outputs_from_one_scan(cli: RunCli, tmp_path: Path) -> None:
    names = {
        "r.json": "json",
        "r.sarif": "sarif",
        "r.csv": "csv",
        "r.html": "html",
        "r.xml": "junit",
        "hub.json": "asff",
        "o.json": "ocsf",
        "r.txt": "table",
    }
    args = []
    for name, fmt in names.items():
        prefix = f"{fmt}:" if fmt in ("asff", "ocsf") else ""
        args += ["--output", prefix + str(tmp_path / name)]
    run = cli("scan", "--input", ESTATE, *args)
    assert run.code == 1
    assert run.out == ""
    for name, fmt in names.items():
        assert f"wrote {fmt} report to {tmp_path / name}" in run.err
    assert len(json.loads((tmp_path / "r.json").read_text())["results"]) == 4
    assert json.loads((tmp_path / "r.sarif").read_text())["version"] == "2.1.0"
    assert {r["AwsAccountId"] for r in json.loads((tmp_path / "hub.json").read_text())} == {
        "111122223333"
    }
    assert all("class_uid" in f for f in json.loads((tmp_path / "o.json").read_text()))
    rows = list(csv.DictReader((tmp_path / "r.csv").open()))
    assert {row["status"] for row in rows} == {"fail", "warn", "pass"}
    assert ET.parse(tmp_path / "r.xml").getroot().tag in ("testsuites", "testsuite")
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert "PartnerAccess" in (tmp_path / "r.txt").read_text()  # unknown suffix: --format


def test_output_prefix_beats_the_suffix_and_dupes_are_refused(cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "findings.json"
    assert cli("scan", "--input", ESTATE, "--output", f"csv:{target}").code == 1
    assert target.read_text().startswith("account")
    run = cli("scan", "--input", ESTATE, "--output", str(target), "--output", str(target))
    assert run.code == 2
    assert run.err == f"trustwarden: error: --output {target} is given twice\n"


def test_severity_and_show_pass(cli: RunCli) -> None:
    high = cli("scan", "--input", ESTATE, "--severity", "high")
    assert "PartnerAccess" in high.out
    assert "AnyAccountWithExternalId" not in high.out
    assert high.code == 1  # --severity chooses what is listed, not what counts
    everything = cli("scan", "--input", ESTATE, "--show-pass")
    assert "VendorWithExternalId" in everything.out


@pytest.mark.moto_server
def test_security_hub_import_from_the_cli(
    cli: RunCli, tmp_path: Path, moto_env: MotoServer
) -> None:
    env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}  # moto's endpoint
    hub = boto3.client("securityhub", region_name=env.get("AWS_DEFAULT_REGION", "us-east-1"))
    hub.enable_security_hub()
    run = cli("scan", "--input", ESTATE, "--security-hub", env=env)
    assert run.code == 1
    assert "Security Hub 111122223333: 2 imported, 0 archived, 0 rejected" in run.err
    found = hub.get_findings()["Findings"]
    assert sorted(f["Resources"][0]["Details"]["AwsIamRole"]["RoleName"] for f in found) == [
        "AnyAccountWithExternalId",
        "PartnerAccess",
    ]
    # The partner role fixed (now a pass): its finding is archived, not deleted.
    conf = config(tmp_path, 'trusted_accounts = ["999999999999"]\n')
    again = cli("scan", "--input", ESTATE, "--config", conf, "--security-hub", env=env)
    assert "Security Hub 111122223333: 1 imported, 1 archived, 0 rejected" in again.err
    states = {
        f["Resources"][0]["Details"]["AwsIamRole"]["RoleName"]: f["RecordState"]
        for f in hub.get_findings()["Findings"]
    }
    assert states == {"PartnerAccess": "ARCHIVED", "AnyAccountWithExternalId": "ACTIVE"}
