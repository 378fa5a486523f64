"""``trustwarden scan`` through main(): outputs, exit codes, settings, failure paths."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import trustwarden.cli.options as options_module
from tests.cli.conftest import DATA, RunCli, data
from trustwarden.cli.options import SourceSpec
from trustwarden.cli.scan import scan_exit_code
from trustwarden.engine import Request, evaluate_request
from trustwarden.errors import ExitCode
from trustwarden.formats.json_format import report_schema
from trustwarden.model import Settings, Skipped, Witness
from trustwarden.policy import decode_document, parse_policy
from trustwarden.sources.sample import sample_paths

SCHEMA = json.loads(report_schema())
ANSI = re.compile(r"\x1b\[[0-9;]*m")
ESTATE_ORDER = [
    "PartnerAccess",
    "VendorWithExternalId",
    "AnyAccountWithExternalId",
    "LambdaExecution",
]


def scan_json(
    cli: RunCli, *args: str, env: dict[str, str] | None = None
) -> tuple[int, dict[str, Any], str]:
    run = cli("scan", "--format", "json", *args, env=env)
    return run.code, json.loads(run.out), run.err


# --------------------------------------------------------------------------- outputs


def test_table_is_the_default(cli: RunCli) -> None:
    run = cli("scan", "--input", data("estate.json"))
    assert run.code == 1
    assert run.err == ""
    for name in ESTATE_ORDER:
        assert name in run.out
    assert run.out.splitlines()[-1] == "Scanned 4 roles: 1 fail, 1 warn, 2 pass, 0 error."
    assert not ANSI.search(run.out)  # not a terminal


def test_table_on_a_terminal_is_coloured_unless_no_color(cli: RunCli) -> None:
    coloured = cli("scan", "--input", data("estate.json"), tty=True, env={"COLUMNS": "150"})
    assert ANSI.search(coloured.out)
    assert "Who can get in" in coloured.out  # wide enough for the table
    plain = cli("scan", "--input", data("estate.json"), tty=True, env={"NO_COLOR": "1"})
    assert not ANSI.search(plain.out)
    dumb = cli("scan", "--input", data("estate.json"), tty=True, env={"TERM": "dumb"})
    assert not ANSI.search(dumb.out)


def test_narrow_terminal_gets_blocks(cli: RunCli) -> None:
    run = cli(
        "scan", "--input", data("estate.json"), tty=True, env={"COLUMNS": "70", "NO_COLOR": "1"}
    )
    assert "Who can get in" not in run.out
    assert "FAIL  PartnerAccess  111122223333  high" in run.out
    assert max(len(line) for line in run.out.splitlines()) <= 70


def test_json_contract(cli: RunCli) -> None:
    code, doc, err = scan_json(cli, "--input", data("estate.json"))
    assert code == 1
    assert err == ""
    jsonschema.validate(doc, SCHEMA)
    assert [r["role_name"] for r in doc["results"]] == ESTATE_ORDER
    by_name = {r["role_name"]: r for r in doc["results"]}
    partner = by_name["PartnerAccess"]
    assert (partner["status"], partner["severity"]) == ("fail", "high")  # AdministratorAccess
    assert partner["account_id"] == "111122223333"
    assert partner["role_arn"] == "arn:aws:iam::111122223333:role/PartnerAccess"
    (finding,) = partner["findings"]
    assert finding["code"] == "TW001"
    assert finding["statement"] == "Partner"
    assert finding["principals"] == ["arn:aws:iam::999999999999:root"]
    assert finding["witness"]["account_id"] == "999999999999"
    assert by_name["AnyAccountWithExternalId"]["status"] == "warn"
    assert by_name["AnyAccountWithExternalId"]["findings"][0]["code"] == "TW002"
    assert by_name["VendorWithExternalId"]["status"] == "pass"
    assert by_name["LambdaExecution"]["status"] == "pass"  # URL-encoded service trust
    assert doc["summary"] == {"fail": 1, "warn": 1, "pass": 2, "error": 0}
    assert doc["skipped"] == []
    assert doc["run"]["complete"] is True


def test_json_witnesses_replay_against_their_policies(cli: RunCli) -> None:
    _, doc, _ = scan_json(cli, "--sample")
    raw = json.loads(_sample_file().read_text())
    documents = {r["Arn"]: r["AssumeRolePolicyDocument"] for r in raw["RoleDetailList"]}
    replayed = 0
    for result in doc["results"]:
        for finding in result["findings"]:
            if finding["status"] != "fail":
                continue
            w = finding["witness"]
            witness = Witness(
                principal_arn=w["principal_arn"],
                account_id=w["account_id"],
                mfa=w["mfa"],
                external_id=w["external_id"],
                context={
                    k: tuple(v) if isinstance(v, list) else v for k, v in w["context"].items()
                },
                session_arn=w["session_arn"],
            )
            policy = parse_policy(decode_document(documents[result["role_arn"]]))
            assert evaluate_request(policy, Request.from_witness(witness)), result["role_name"]
            replayed += 1
    assert replayed >= 3


def _sample_file() -> Path:
    (path,) = [p for p in sample_paths() if p.name == "authorization-details.json"]
    return path


def test_json_is_byte_identical_for_the_same_input(cli: RunCli) -> None:
    first = cli("scan", "--sample", "--format", "json")
    second = cli("scan", "--sample", "--format", "json")
    assert first.out == second.out
    doc = json.loads(first.out)
    assert doc["run"]["started_at"] == doc["run"]["finished_at"] == "2024-05-01T12:00:00Z"


def test_source_date_epoch_fixes_timestamps(cli: RunCli) -> None:
    run = cli(
        "scan", "--input", data("estate.json"), "--format", "json", env={"SOURCE_DATE_EPOCH": "0"}
    )
    assert json.loads(run.out)["run"]["started_at"] == "1970-01-01T00:00:00Z"


def test_one_result_per_role_in_input_order_across_files(cli: RunCli) -> None:
    _, doc, _ = scan_json(cli, "--input", data("broken-role.json"), "--input", data("estate.json"))
    names = [r["role_name"] for r in doc["results"]]
    assert names == ["Malformed", "SameAccountOnly", *ESTATE_ORDER]


def test_sample_applies_its_bundled_config(cli: RunCli) -> None:
    code, doc, _ = scan_json(cli, "--sample")
    assert doc["run"]["trusted_accounts"] == ["222222222222"]
    assert code == 2  # the sample has a malformed trust document on purpose
    statuses = {r["status"] for r in doc["results"]}
    assert statuses == {"fail", "warn", "pass", "error"}
    jsonschema.validate(doc, SCHEMA)


def test_explicit_config_replaces_the_samples(cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "other.toml"
    config.write_text('trusted_accounts = ["333333333333"]\n')
    _, doc, _ = scan_json(cli, "--sample", "--config", str(config))
    assert doc["run"]["trusted_accounts"] == ["333333333333"]


# --------------------------------------------------------------------------- exit codes


def test_warn_only_passes_by_default_and_fails_with_fail_on_warn(cli: RunCli) -> None:
    assert cli("scan", "--input", data("warn-only.json")).code == 0
    assert cli("scan", "--input", data("warn-only.json"), "--fail-on", "warn").code == 1
    assert cli("scan", "--input", data("warn-only.json"), "--fail-on", "fail").code == 0


def test_fail_on_never(cli: RunCli) -> None:
    assert cli("scan", "--input", data("estate.json"), "--fail-on", "never").code == 0


def test_error_role_exits_2_whatever_fail_on_says(cli: RunCli) -> None:
    for fail_on in ("fail", "warn", "never"):
        code, doc, err = scan_json(cli, "--input", data("broken-role.json"), "--fail-on", fail_on)
        assert code == 2
        assert err == "trustwarden: warning: 1 role could not be evaluated; see the report\n"
    malformed, other = doc["results"]
    assert malformed["status"] == "error"
    assert "not valid JSON" in malformed["error"]
    assert malformed["findings"][0]["code"] == "TW005"
    assert other["status"] == "pass"  # one bad role never stops the others


def test_error_role_in_table_has_no_extra_warning(cli: RunCli) -> None:
    run = cli("scan", "--input", data("broken-role.json"))
    assert run.code == 2
    assert "ERROR" in run.out
    assert run.err == ""


def test_unreadable_file_is_skipped_and_the_rest_scanned(cli: RunCli) -> None:
    code, doc, err = scan_json(
        cli, "--input", data("not-roles.json"), "--input", data("estate.json")
    )
    assert code == 2
    assert [r["role_name"] for r in doc["results"]] == ESTATE_ORDER
    (skipped,) = doc["skipped"]
    assert skipped["what"] == data("not-roles.json")
    assert "not a recognised" in skipped["reason"]
    assert f"trustwarden: warning: skipped {data('not-roles.json')}: " in err
    assert "1 item skipped; see the report" in err


def test_quiet_silences_warnings_not_errors(cli: RunCli) -> None:
    run = cli("scan", "--input", data("not-roles.json"), "--format", "json", "--quiet")
    assert run.code == 2
    assert run.err == ""
    bad = cli("scan", "--input", data("no-such-file.json"), "--quiet")
    assert bad.code == 2
    assert "trustwarden: error:" in bad.err


@pytest.mark.parametrize(
    ("counts", "skipped", "fail_on", "expected"),
    [
        ({}, 0, "fail", ExitCode.OK),
        ({"pass": 3}, 0, "warn", ExitCode.OK),
        ({"warn": 1}, 0, "fail", ExitCode.OK),
        ({"warn": 1}, 0, "warn", ExitCode.FINDINGS),
        ({"fail": 1}, 0, "fail", ExitCode.FINDINGS),
        ({"fail": 1}, 0, "warn", ExitCode.FINDINGS),
        ({"fail": 1}, 0, "never", ExitCode.OK),
        ({"error": 1}, 0, "never", ExitCode.USAGE),
        ({"fail": 1}, 1, "fail", ExitCode.USAGE),
        ({}, 1, "never", ExitCode.USAGE),
    ],
)
def test_exit_code_table(
    counts: dict[str, int], skipped: int, fail_on: str, expected: ExitCode
) -> None:
    assert scan_exit_code(counts, skipped, fail_on) is expected


# --------------------------------------------------------------------------- settings


def test_trusted_account_flag_turns_fail_into_pass(cli: RunCli) -> None:
    code, doc, _ = scan_json(
        cli, "--input", data("estate.json"), "--trusted-account", "999999999999"
    )
    assert doc["results"][0]["status"] == "pass"
    assert doc["run"]["trusted_accounts"] == ["999999999999"]
    assert code == 0  # only a warn is left


def test_config_file_in_working_directory(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".trustwarden.toml").write_text(
        'trusted_accounts = ["999999999999"]\nfail_on = "warn"\nformat = "json"\n'
    )
    run = cli("scan", "--input", data("estate.json"), cwd=tmp_path)
    doc = json.loads(run.out)  # format from the file
    assert doc["results"][0]["status"] == "pass"
    assert run.code == 1  # fail_on = "warn" from the file, and a warn is left
    assert cli("scan", "--input", data("estate.json"), "--fail-on", "fail", cwd=tmp_path).code == 0
    table = cli("scan", "--input", data("estate.json"), "--format", "table", cwd=tmp_path)
    assert table.out.startswith(" Role") or "PASS" in table.out


def test_flags_add_to_the_config_file(cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "tw.toml"
    config.write_text('trusted_accounts = ["444455556666"]\ntrusted_orgs = ["o-abcdefghij"]\n')
    _, doc, _ = scan_json(
        cli,
        "--input",
        data("estate.json"),
        "--config",
        str(config),
        "--trusted-account",
        "999999999999",
        "--trusted-org",
        "o-zyxwvutsrq",
    )
    assert doc["run"]["trusted_accounts"] == ["444455556666", "999999999999"]
    assert doc["run"]["trusted_orgs"] == ["o-abcdefghij", "o-zyxwvutsrq"]


def test_unknown_format_in_config_file(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".trustwarden.toml").write_text('format = "jsno"\n')
    run = cli("scan", "--input", data("estate.json"))
    assert run.code == 2
    assert run.err == (
        "trustwarden: error: unknown format 'jsno' "
        "(known: table, json, sarif, asff, ocsf, csv, junit, html)\nhint: did you mean json?\n"
    )


def test_bad_config_file(cli: RunCli, tmp_path: Path) -> None:
    (tmp_path / ".trustwarden.toml").write_text("trusted_acounts = []\n")
    run = cli("scan", "--input", data("estate.json"))
    assert run.code == 2
    assert "unknown key 'trusted_acounts'" in run.err
    assert run.out == ""


@pytest.mark.parametrize(
    ("flag", "value", "words"),
    [
        ("--trusted-account", "12345", "expected exactly 12 digits"),
        ("--trusted-account", "1234567890123", "expected exactly 12 digits"),
        ("--trusted-org", "o-ABC", "organization id"),
        ("--trusted-org", "org-1234567890", "organization id"),
        ("--account-id", "abc", "expected exactly 12 digits"),
    ],
)
def test_bad_ids_are_usage_errors(cli: RunCli, flag: str, value: str, words: str) -> None:
    run = cli("scan", "--input", data("estate.json"), flag, value)
    assert run.code == 2
    assert run.out == ""
    first = run.err.splitlines()[0]
    assert first.startswith(f"trustwarden: error: Invalid value for '{flag}'")
    assert words in first


# --------------------------------------------------------------------------- sources


def test_bare_policy_needs_account_id(cli: RunCli) -> None:
    run = cli("scan", "--input", data("trust-policy.json"), "--format", "json")
    assert run.code == 2
    with_id = cli(
        "scan",
        "--input",
        data("trust-policy.json"),
        "--account-id",
        "111122223333",
        "--format",
        "json",
    )
    doc = json.loads(with_id.out)
    (result,) = doc["results"]
    assert result["account_id"] == "111122223333"
    assert result["status"] == "fail"  # BoolIfExists MFA lets long-term keys in
    assert with_id.code == 1


def test_missing_input_file(cli: RunCli) -> None:
    run = cli("scan", "--input", str(DATA / "nope.json"))
    assert run.code == 2
    assert run.out == ""
    assert "Invalid value for '--input'" in run.err
    assert "nope.json" in run.err


def test_directory_as_input(cli: RunCli) -> None:
    run = cli("scan", "--input", str(DATA))
    assert run.code == 2
    assert "is a directory" in run.err


def test_sample_and_input_together(cli: RunCli) -> None:
    run = cli("scan", "--sample", "--input", data("estate.json"))
    assert run.code == 2
    assert run.err == "trustwarden: error: --sample and --input cannot be combined\n"


# --------------------------------------------------------------------------- --output


def test_output_file(cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    run = cli("scan", "--input", data("estate.json"), "--format", "json", "--output", str(target))
    assert run.code == 1
    assert run.out == ""
    assert run.err == (
        f"trustwarden: wrote json report to {target}: 4 roles (1 fail, 1 warn, 2 pass, 0 error)\n"
    )
    doc = json.loads(target.read_text())
    assert [r["role_name"] for r in doc["results"]] == ESTATE_ORDER
    assert oct(target.stat().st_mode & 0o777) == oct(0o600)
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary left


def test_output_table_file_has_no_colour(cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    run = cli("scan", "--input", data("estate.json"), "--output", str(target), "--quiet", tty=True)
    assert (run.code, run.out, run.err) == (1, "", "")
    text = target.read_text()
    assert "PartnerAccess" in text
    assert not ANSI.search(text)


def test_output_replaces_an_existing_file(cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("old")
    cli("scan", "--input", data("estate.json"), "--format", "json", "--output", str(target))
    assert json.loads(target.read_text())["summary"]["fail"] == 1


def test_output_into_missing_directory(cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "report.json"
    run = cli("scan", "--input", data("estate.json"), "--output", str(target))
    assert run.code == 2
    assert run.err.splitlines()[0].startswith(f"trustwarden: error: cannot write {target}")
    assert not target.exists()


def test_failed_scan_leaves_no_partial_file(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.json"

    def broken_roles(spec: SourceSpec) -> Iterator[Skipped]:
        yield Skipped("x", "y")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(options_module, "open_roles", broken_roles)
    run = cli("scan", "--input", data("estate.json"), "--format", "json", "--output", str(target))
    assert run.code == 2
    assert "internal error: RuntimeError: disk on fire" in run.err
    assert list(tmp_path.iterdir()) == []


def test_output_path_is_a_directory(cli: RunCli, tmp_path: Path) -> None:
    run = cli("scan", "--input", data("estate.json"), "--output", str(tmp_path))
    assert run.code == 2
    assert "Invalid value for '--output'" in run.err


# --------------------------------------------------------------------------- Ctrl-C


@pytest.mark.parametrize("output", [False, True])
def test_interrupt_mid_scan_keeps_finished_results(
    cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, output: bool
) -> None:
    real = options_module.analyze_events
    closed: list[bool] = []

    def interrupted(items: Iterable[Any], settings: Settings) -> Iterator[Any]:
        events = real(items, settings)
        try:
            yield next(events)
            yield next(events)
            raise KeyboardInterrupt
        finally:
            closed.append(True)

    monkeypatch.setattr(options_module, "analyze_events", interrupted)
    target = tmp_path / "partial.json"
    args = ["scan", "--input", data("estate.json"), "--format", "json"]
    run = cli(*args, *(["--output", str(target)] if output else []))
    assert run.code == 130
    assert (
        run.err == "trustwarden: error: interrupted: the report holds the roles finished so far\n"
    )
    doc = json.loads(target.read_text() if output else run.out)
    assert [r["role_name"] for r in doc["results"]] == ESTATE_ORDER[:2]
    assert doc["run"]["complete"] is False
    assert closed == [True]
