"""``trustwarden explain`` through main()."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import RunCli, data
from trustwarden.errors import ConfigError
from trustwarden.model import Role, Skipped
from trustwarden.pipeline import find_role


def test_explain_a_failing_role(cli: RunCli) -> None:
    run = cli("explain", "--input", data("estate.json"), "--role", "PartnerAccess")
    assert run.code == 1  # fail, with the default --fail-on
    assert run.err == ""
    text = run.out
    assert text.startswith("Role PartnerAccess  arn:aws:iam::111122223333:role/PartnerAccess")
    assert "Verdict: FAIL, severity high" in text
    assert 'Statement "Partner" (Allow)' in text
    assert "covers sts:AssumeRole: yes" in text
    assert "outsiders:" in text
    assert "arn:aws:iam::999999999999:root" in text
    assert "conditions:" in text
    flat = " ".join(text.split())
    assert "witness: arn:aws:iam::999999999999:" in flat
    assert "calls sts:AssumeRole with no ExternalId" in flat


def test_explain_a_protected_role_names_its_condition(cli: RunCli) -> None:
    run = cli("explain", "--input", data("estate.json"), "--role", "VendorWithExternalId")
    assert run.code == 0
    assert "Verdict: PASS" in run.out
    assert "sts:ExternalId" in run.out
    assert "vendor-issued-7f3a" in run.out
    assert "No findings" in run.out


def test_explain_by_arn_and_case_insensitive_name(cli: RunCli) -> None:
    arn = "arn:aws:iam::111122223333:role/AnyAccountWithExternalId"
    by_arn = cli("explain", "--input", data("estate.json"), "--role", arn)
    by_name = cli("explain", "--input", data("estate.json"), "--role", "anyaccountwithexternalid")
    assert by_arn.out == by_name.out
    assert "Verdict: WARN" in by_arn.out
    assert by_arn.code == 0
    assert (
        cli("explain", "--input", data("estate.json"), "--role", arn, "--fail-on", "warn").code == 1
    )


def test_explain_honours_trust_flags(cli: RunCli) -> None:
    run = cli(
        "explain",
        "--input",
        data("estate.json"),
        "--role",
        "PartnerAccess",
        "--trusted-account",
        "999999999999",
    )
    assert run.code == 0
    assert "Verdict: PASS" in run.out
    assert "also 999999999999" in run.out


def test_explain_json(cli: RunCli) -> None:
    run = cli(
        "explain", "--input", data("estate.json"), "--role", "PartnerAccess", "--format", "json"
    )
    assert run.code == 1
    doc = json.loads(run.out)
    assert doc["schema_version"] == 1
    result = doc["result"]
    assert result["status"] == "fail"
    (statement,) = result["explanation"]
    assert statement["statement"] == "Partner"
    assert statement["effect"] == "Allow"
    assert statement["covers_assume_role"] is True
    assert statement["outsiders"] == ["arn:aws:iam::999999999999:root"]


def test_explain_an_error_role(cli: RunCli) -> None:
    run = cli("explain", "--input", data("broken-role.json"), "--role", "Malformed")
    assert run.code == 2
    assert "Verdict: ERROR" in run.out
    assert "not valid JSON" in run.out


def test_explain_a_sample_role(cli: RunCli) -> None:
    run = cli("explain", "--sample", "--role", "contractor-mfa-ifexists")
    assert run.code == 1
    assert "BoolIfExists" in run.out


def test_unknown_role_lists_close_matches(cli: RunCli) -> None:
    run = cli("explain", "--input", data("estate.json"), "--role", "PartnerAcess")
    assert run.code == 2
    assert run.out == ""
    assert run.err == ("trustwarden: error: no role 'PartnerAcess' (closest: PartnerAccess)\n")


def test_unknown_role_without_close_matches(cli: RunCli) -> None:
    run = cli("explain", "--input", data("estate.json"), "--role", "zzz")
    assert run.code == 2
    assert run.err == ("trustwarden: error: no role 'zzz' (4 role names seen, none similar)\n")


def test_unknown_arn_suggests_by_name(cli: RunCli) -> None:
    run = cli(
        "explain",
        "--input",
        data("estate.json"),
        "--role",
        "arn:aws:iam::111122223333:role/Partner",
    )
    assert run.code == 2
    assert "closest: PartnerAccess" in run.err


def test_ambiguous_name_asks_for_the_arn(cli: RunCli) -> None:
    run = cli(
        "explain",
        "--input",
        data("estate.json"),
        "--input",
        data("same-name-other-account.json"),
        "--role",
        "PartnerAccess",
    )
    assert run.code == 2
    assert run.err == (
        "trustwarden: error: 'PartnerAccess' matches 2 roles: "
        "arn:aws:iam::111122223333:role/PartnerAccess, "
        "arn:aws:iam::222233334444:role/PartnerAccess\n"
        "hint: give the role's ARN\n"
    )
    by_arn = cli(
        "explain",
        "--input",
        data("estate.json"),
        "--input",
        data("same-name-other-account.json"),
        "--role",
        "arn:aws:iam::222233334444:role/PartnerAccess",
    )
    assert by_arn.code == 0


def test_role_is_required(cli: RunCli) -> None:
    run = cli("explain", "--input", data("estate.json"))
    assert run.code == 2
    assert "Missing option '--role'" in run.err


def test_skipped_inputs_are_warned_and_hinted(cli: RunCli) -> None:
    found = cli(
        "explain",
        "--input",
        data("not-roles.json"),
        "--input",
        data("estate.json"),
        "--role",
        "PartnerAccess",
    )
    assert found.code == 1
    assert found.err.startswith(f"trustwarden: warning: skipped {data('not-roles.json')}: ")
    missing = cli("explain", "--input", data("not-roles.json"), "--role", "PartnerAccess")
    assert missing.code == 2
    assert "hint: 1 item of the input could not be read; the role may be among them" in missing.err


def _role(name: str, account: str = "111122223333") -> Role:
    return Role(
        arn=f"arn:aws:iam::{account}:role/{name}", name=name, account_id=account, trust_document={}
    )


def test_find_role_prefers_exact_over_case_folded() -> None:
    exact, _ = find_role([_role("admin"), _role("Admin")], "Admin")
    assert exact.name == "Admin"
    folded, skipped = find_role([_role("Admin"), Skipped("f", "r")], "ADMIN")
    assert folded.name == "Admin"
    assert skipped == [Skipped("f", "r")]


def test_find_role_caps_the_candidate_list() -> None:
    roles = [_role("Same", f"{i:012d}") for i in range(8)]
    with pytest.raises(ConfigError) as caught:
        find_role(roles, "Same")
    assert caught.value.message.endswith("and 3 more")
