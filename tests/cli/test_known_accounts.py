"""``--known-accounts`` end to end through ``main([...])``: scan, explain and fix name vendors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.cli.conftest import RunCli
from trustwarden.errors import ExitCode
from trustwarden.formats.json_format import report_schema

KNOWN = Path(__file__).parents[1] / "data" / "known_accounts"
VENDORS = str(KNOWN / "vendors.yaml")
ROLES = str(KNOWN / "vendor-roles.json")
SCHEMA = json.loads(report_schema())
# A copy of fwdcloudsec/known_aws_accounts (Apache-2.0) on the team's machines; not bundled.
SHARED_LIST = Path("/work/shared/data/known_aws_accounts/accounts.yaml")
DATADOG = "464622532012"


def findings(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The first finding of each role, by role name."""
    return {r["role_name"]: r["findings"][0] for r in doc["results"]}


def test_table_names_the_vendor(cli: RunCli) -> None:
    run = cli("scan", "--input", ROLES, "--known-accounts", VENDORS)
    assert run.code == ExitCode.FINDINGS
    assert run.err == ""
    words = " ".join(run.out.split())  # the table wraps long lines
    assert f"lets arn:aws:iam::{DATADOG}:root (Datadog) (outside the trusted" in words
    assert "lets 000011112222 (Example Vendor (deprecated 2023-06-30)) (outside" in words
    plain = cli("scan", "--input", ROLES)
    assert f"lets arn:aws:iam::{DATADOG}:root (outside the trusted" in " ".join(plain.out.split())
    assert plain.code == run.code  # names never change a verdict


def test_json_findings_carry_owners(cli: RunCli) -> None:
    run = cli("scan", "--format", "json", "--input", ROLES, "--known-accounts", VENDORS)
    assert run.code == ExitCode.FINDINGS
    doc = json.loads(run.out)
    jsonschema.validate(doc, SCHEMA)
    by_role = findings(doc)
    assert by_role["DatadogIntegration"]["owners"] == {DATADOG: "Datadog"}
    assert "(Datadog)" in by_role["DatadogIntegration"]["message"]
    assert by_role["OldVendor"]["owners"] == {
        "000011112222": "Example Vendor (deprecated 2023-06-30)"
    }
    assert "owners" not in by_role["UnknownPartner"]
    without = json.loads(cli("scan", "--format", "json", "--input", ROLES).out)
    assert all("owners" not in f for f in findings(without).values())
    assert [r["status"] for r in without["results"]] == [r["status"] for r in doc["results"]]


def test_explain_text_and_json_name_the_vendor(cli: RunCli) -> None:
    args = ("explain", "--input", ROLES, "--role", "DatadogIntegration")
    text = cli(*args, "--known-accounts", VENDORS)
    assert text.code == ExitCode.FINDINGS
    assert f"account {DATADOG} (any principal in it), Datadog [outside]" in text.out
    as_json = cli(*args, "--known-accounts", VENDORS, "--format", "json")
    result = json.loads(as_json.out)["result"]
    assert result["findings"][0]["owners"] == {DATADOG: "Datadog"}
    assert any("Datadog [outside]" in a for s in result["explanation"] for a in s["admits"])


def test_config_file_key_and_the_flag_replacing_it(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / "lists").mkdir()
    (tmp_path / "lists" / "team.yaml").write_text(
        f"- {{name: 'Team name for Datadog', accounts: ['{DATADOG}']}}\n", encoding="utf-8"
    )
    (tmp_path / ".trustwarden.toml").write_text(
        'known_accounts = "lists/team.yaml"\n', encoding="utf-8"
    )
    from_file = cli("scan", "--format", "json", "--input", ROLES)
    assert findings(json.loads(from_file.out))["DatadogIntegration"]["owners"] == {
        DATADOG: "Team name for Datadog"
    }
    from_flag = cli("scan", "--format", "json", "--input", ROLES, "--known-accounts", VENDORS)
    assert findings(json.loads(from_flag.out))["DatadogIntegration"]["owners"] == {
        DATADOG: "Datadog"
    }


def test_sample_estate_keeps_its_config_and_takes_the_flag(cli: RunCli, tmp_path: Path) -> None:
    listing = tmp_path / "sample-names.yaml"
    listing.write_text("- {name: 'Partner Co', accounts: ['999999999999']}\n", encoding="utf-8")
    run = cli("scan", "--sample", "--format", "json", "--known-accounts", str(listing))
    doc = json.loads(run.out)
    owners = [f.get("owners") for r in doc["results"] for f in r["findings"] if f.get("owners")]
    assert owners
    assert all(o == {"999999999999": "Partner Co"} for o in owners)
    assert doc["run"]["trusted_accounts"]  # the sample's own trust config still applies


@pytest.mark.parametrize("command", ["scan", "explain", "fix"])
def test_malformed_list_is_a_one_line_usage_error(
    cli: RunCli, tmp_path: Path, command: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: Datadog\n  accounts: [464622532012]\n", encoding="utf-8")
    extra = {"scan": [], "explain": ["--role", "DatadogIntegration"], "fix": ["--require-mfa"]}
    run = cli(command, "--input", ROLES, "--known-accounts", str(bad), *extra[command])
    assert run.code == ExitCode.USAGE
    assert run.out == ""
    assert run.err == (
        f"trustwarden: error: {bad}: entry 0 (line 1) ('Datadog'): accounts[0]: 464622532012 "
        "is a number, not a string (YAML reads unquoted digits as a number and drops leading "
        "zeros)\nhint: quote it: '464622532012'\n"
    )


def test_missing_list_is_a_usage_error(cli: RunCli, tmp_path: Path) -> None:
    run = cli("scan", "--input", ROLES, "--known-accounts", str(tmp_path / "none.yaml"))
    assert run.code == ExitCode.USAGE
    assert "--known-accounts" in run.err
    assert "does not exist" in run.err
    assert "Traceback" not in run.err


def test_missing_list_named_by_the_config_file(cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / ".trustwarden.toml"
    config.write_text('known_accounts = "gone.yaml"\n', encoding="utf-8")
    run = cli("scan", "--input", ROLES)
    assert run.code == ExitCode.USAGE
    assert run.err.startswith(
        f"trustwarden: error: {config}: known_accounts: {tmp_path / 'gone.yaml'}: file not found\n"
    )


def test_fix_accepts_the_option(cli: RunCli, tmp_path: Path) -> None:
    run = cli(
        "fix",
        "--input",
        ROLES,
        "--known-accounts",
        VENDORS,
        "--require-mfa",
        "--out-dir",
        str(tmp_path / "out"),
    )
    assert run.code == ExitCode.OK, run.err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "DatadogIntegration.trust.json",
        "OldVendor.trust.json",
        "UnknownPartner.trust.json",
    ]


@pytest.mark.skipif(not SHARED_LIST.is_file(), reason="no copy of known_aws_accounts here")
def test_the_public_list_names_real_vendors(cli: RunCli) -> None:
    table = cli("scan", "--input", ROLES, "--known-accounts", str(SHARED_LIST))
    assert table.code == ExitCode.FINDINGS
    assert f"arn:aws:iam::{DATADOG}:root (Datadog)" in " ".join(table.out.split())
    run = cli("scan", "--format", "json", "--input", ROLES, "--known-accounts", str(SHARED_LIST))
    doc = json.loads(run.out)
    jsonschema.validate(doc, SCHEMA)
    by_role = findings(doc)
    assert by_role["DatadogIntegration"]["owners"] == {DATADOG: "Datadog"}
    assert "owners" not in by_role["OldVendor"]  # a made-up account the public list lacks
