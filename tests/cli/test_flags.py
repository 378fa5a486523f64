"""One meaning per flag (issue 8, item 7), offline: --role, --output, --external-id, the sample.

The live halves (explain on live roles, rollback's confirmation, the organisation's trust)
are in tests/aws/test_cli_flags_live.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.cli.conftest import RunCli, data

ESTATE = data("estate.json")
ARN = "arn:aws:iam::111122223333:role/PartnerAccess"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def names(out: str) -> list[str]:
    return [r["role_name"] for r in json.loads(out)["results"]]


# --------------------------------------------------------------------------- --role


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("PartnerAccess", ["PartnerAccess"]),
        ("partneraccess", ["PartnerAccess"]),  # IAM names are unique regardless of case
        (ARN, ["PartnerAccess"]),
        ("*WithExternalId", ["VendorWithExternalId", "AnyAccountWithExternalId"]),
        ("[lp]*", ["PartnerAccess", "LambdaExecution"]),
    ],
)
def test_scan_role_takes_name_arn_or_pattern(cli: RunCli, query: str, expected: list[str]) -> None:
    run = cli("scan", "--input", ESTATE, "--role", query, "--format", "json")
    assert run.code in (0, 1), run.err
    assert names(run.out) == expected


def test_explain_role_takes_a_pattern_that_matches_one_role(cli: RunCli) -> None:
    run = cli("explain", "--input", ESTATE, "--role", "Partner*")
    assert run.code == 1
    assert run.out.startswith("Role PartnerAccess")
    many = cli("explain", "--input", ESTATE, "--role", "*ExternalId")
    assert many.code == 2
    assert "'*ExternalId' matches 2 roles" in many.err


def test_fix_role_takes_an_arn(cli: RunCli) -> None:
    run = cli("fix", "--input", ESTATE, "--require-mfa", "--role", ARN)
    assert run.code == 0, run.err
    assert f"{ARN}: fail -> pass" in run.out
    assert "1 role: 1 to change" in run.err


@pytest.mark.parametrize(
    "command",
    [
        ["scan", "--input", ESTATE, "--format", "json"],
        ["fix", "--input", ESTATE, "--require-mfa"],
        ["explain", "--input", ESTATE],
    ],
)
@pytest.mark.parametrize("query", ["PartnerAcces", "arn:aws:iam::111122223333:role/PartnerAcces"])
def test_literal_role_that_matches_nothing_is_exit_2_with_closest(
    cli: RunCli, command: list[str], query: str
) -> None:
    run = cli(*command, "--role", query)
    assert run.code == 2
    assert "closest: PartnerAccess" in run.err
    assert repr(query) in run.err or query in run.err


def test_scan_literal_role_that_matches_nothing_is_in_the_report(cli: RunCli) -> None:
    run = cli(
        "scan", "--input", ESTATE, "--role", "PartnerAccess", "--role", "Nope", "--format", "json"
    )
    report = json.loads(run.out)
    assert run.code == 2
    assert names(run.out) == ["PartnerAccess"]
    assert report["skipped"] == [
        {
            "what": "--role Nope",
            "reason": "matches no role (4 role names seen, none similar)",
            "account_id": None,
        }
    ]


def test_a_pattern_that_matches_nothing_is_not_an_error(cli: RunCli) -> None:
    run = cli("scan", "--input", ESTATE, "--role", "zz*", "--format", "json", "--fail-on", "never")
    assert run.code == 0
    assert names(run.out) == []


# --------------------------------------------------------------------------- --output


@pytest.mark.parametrize("value", ["json", "JSON", "table"])
def test_output_format_name_is_a_usage_error_with_a_hint(
    cli: RunCli, tmp_path: Path, value: str
) -> None:
    run = cli("scan", "--input", ESTATE, "--output", value, cwd=tmp_path)
    assert run.code == 2
    assert f"--output takes a file name, not a format: use --format {value.lower()}" in run.err
    assert "hint: try 'trustwarden scan --help'" in run.err
    assert list(tmp_path.iterdir()) == []


def test_output_to_an_existing_file_named_json_is_still_a_file(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "json").write_text("old")
    run = cli("scan", "--input", ESTATE, "--format", "json", "--output", "json", cwd=tmp_path)
    assert run.code == 1
    assert json.loads((tmp_path / "json").read_text())["summary"]["fail"] == 1


# --------------------------------------------------------------------------- External IDs


def test_scan_external_id_was_renamed(cli: RunCli) -> None:
    run = cli("scan", "--external-id", "abc")
    assert run.code == 2
    assert "--external-id was renamed --assume-role-external-id" in run.err
    assert not re.search(r"^\s+--external-id\b", cli("scan", "--help").out, re.MULTILINE)


def test_assume_role_external_id_needs_assume_role(cli: RunCli) -> None:
    run = cli("scan", "--assume-role-external-id", "abc")
    assert run.code == 2
    assert "--assume-role-external-id needs --assume-role" in run.err


def _two_vendors(tmp_path: Path, second: str = "888888888888") -> str:
    def role(name: str, account: str) -> dict[str, object]:
        return {
            "RoleName": name,
            "Arn": f"arn:aws:iam::111122223333:role/{name}",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
        }

    path = tmp_path / "roles.json"
    roles = [role("vendor-a", "999999999999"), role("vendor-a2", "999999999999")]
    path.write_text(json.dumps({"RoleDetailList": [*roles, role("vendor-b", second)]}))
    return str(path)


def test_fix_external_id_refuses_roles_of_different_vendors(cli: RunCli, tmp_path: Path) -> None:
    run = cli("fix", "--input", _two_vendors(tmp_path), "--external-id", "id-of-a")
    assert run.code == 2
    assert run.out == ""
    assert "one External ID on roles that trust different outside accounts" in run.err
    assert "888888888888: vendor-b; 999999999999: vendor-a, vendor-a2" in run.err
    assert "--external-id-map" in run.err


def test_fix_external_id_with_role_or_one_vendor_is_allowed(cli: RunCli, tmp_path: Path) -> None:
    picked = cli(
        "fix", "--input", _two_vendors(tmp_path), "--external-id", "id-a", "--role", "vendor-a*"
    )
    assert picked.code == 0, picked.err
    assert "2 roles: 2 to change" in picked.err
    same = cli("fix", "--input", _two_vendors(tmp_path, "999999999999"), "--external-id", "id-a")
    assert same.code == 0, same.err
    assert "3 roles: 3 to change" in same.err


def test_external_id_map_keyed_by_account(cli: RunCli, tmp_path: Path) -> None:
    mapping = tmp_path / "ids.csv"
    mapping.write_text("999999999999,id-from-a\nvendor-b,id-for-b\n")
    run = cli("fix", "--input", _two_vendors(tmp_path), "--external-id-map", str(mapping))
    assert run.code == 0, run.err
    assert run.out.count('"sts:ExternalId": "id-from-a"') == 4  # two diffs, two documents
    assert run.out.count('"sts:ExternalId": "id-for-b"') == 2


# --------------------------------------------------------------------------- the sample


def test_sample_demonstrates_findings_exit_1(cli: RunCli) -> None:
    run = cli("scan", "--sample")
    assert run.code == 1
    assert "0 error" in run.out


def test_malformed_example_exits_2(cli: RunCli) -> None:
    run = cli("scan", "--input", str(EXAMPLES / "malformed-trust-document.json"))
    assert run.code == 2
    assert "TW005" in run.out


def test_role_selects_template_roles_too(cli: RunCli) -> None:
    template = str(Path(__file__).resolve().parents[1] / "iac/data/cfn/vendor-integrations.yaml")
    run = cli("scan", template, "--role", "*vendor*", "--format", "json")
    assert names(run.out) == ["CostVendorRole"]
    missing = cli("scan", template, "--role", "AuditRole", "--format", "json")
    assert missing.code == 2
    assert "closest: AuditorRole" in missing.err
