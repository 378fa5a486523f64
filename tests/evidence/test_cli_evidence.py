"""--evidence on scan, explain and fix, with the README's example trail (docs/examples)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from tests.cli.conftest import RunCli
from tests.evidence import example
from trustwarden.formats.json_format import report_schema

EXAMPLE = str(example.EXAMPLE_DIR)
SCHEMA = json.loads(report_schema())


def test_example_trail_is_in_step_with_its_generator(tmp_path: Path) -> None:
    example.build(tmp_path / "cloudtrail")
    built = sorted(p.relative_to(tmp_path / "cloudtrail") for p in tmp_path.rglob("*.gz"))
    shipped = sorted(p.relative_to(example.EXAMPLE_DIR) for p in example.EXAMPLE_DIR.rglob("*.gz"))
    assert built == shipped
    for rel in built:
        assert (tmp_path / "cloudtrail" / rel).read_bytes() == (
            example.EXAMPLE_DIR / rel
        ).read_bytes()


def test_scan_json_carries_evidence_and_validates(cli: RunCli) -> None:
    run = cli("scan", "--sample", "--evidence", EXAMPLE, "--format", "json")
    assert run.code == 1  # the sample has exposed roles
    doc = json.loads(run.out)
    jsonschema.validate(doc, SCHEMA)
    by_name = {r["role_name"]: r for r in doc["results"]}
    callers = by_name["vendor-admin-access"]["evidence"]["callers"]
    assert [(c["account_id"], c["outside"], c["successes"]) for c in callers] == [
        (example.VENDOR, True, 6),
        (example.STRANGER, True, 0),
    ]
    assert callers[0]["external_ids"] == [{"value": example.VENDOR_ID, "calls": 6}]
    assert callers[1]["refusals"] == [{"error_code": "AccessDenied", "calls": 1}]
    assert by_name["vendor-notaction"]["evidence"] == {"callers": []}
    assert "evidence: 21 AssumeRole calls to 5 roles from 18 files" in run.err


def test_scan_without_evidence_has_no_evidence_field(cli: RunCli) -> None:
    doc = json.loads(cli("scan", "--sample", "--format", "json").out)
    assert all("evidence" not in r for r in doc["results"])


def test_table_and_explain_show_what_was_seen(cli: RunCli) -> None:
    table = cli("scan", "--sample", "--evidence", EXAMPLE, env={"COLUMNS": "100"})
    assert "seen:" in table.out
    assert "387546586013: 3 calls (2026-10-01 to 2026-11-02), no External ID x3" in " ".join(
        table.out.split()
    )
    explained = cli(
        "explain", "--sample", "--role", "contractor-mfa-ifexists", "--evidence", EXAMPLE
    )
    assert "Evidence (CloudTrail AssumeRole calls)" in explained.out
    assert "444455556666: 3 calls (2026-10-01 to 2026-11-02), no External ID x3, MFA x3" in (
        explained.out
    )


def test_fix_from_evidence_plans_and_refuses(cli: RunCli, tmp_path: Path) -> None:
    out_dir = tmp_path / "fixed"
    run = cli(
        "fix", "--sample", "--from-evidence", "--evidence", EXAMPLE, "--out-dir", str(out_dir)
    )
    assert run.code == 2  # roles it will not guess for
    assert "vendor-admin-access: fail -> pass" in run.out
    assert "legacy-monitoring-vendor: not fixed: 387546586013 assumed the role 3 times without" in (
        run.out
    )
    assert "sent 2 different External IDs" in run.out
    assert "proposal: 387546586013 never assumed the role" in run.out
    written = json.loads((out_dir / "vendor-admin-access.trust.json").read_text())
    assert written["Statement"][0]["Condition"] == {
        "StringEquals": {"sts:ExternalId": example.VENDOR_ID}
    }


def test_usage_errors(cli: RunCli, tmp_path: Path) -> None:
    missing = cli("scan", "--sample", "--evidence", str(tmp_path / "nope"))
    assert missing.code == 2
    assert missing.err.startswith("trustwarden: error: --evidence ")
    assert "no such file or directory" in missing.err
    since = cli("scan", "--sample", "--since", "30d")
    assert (since.code, since.err.splitlines()[0]) == (
        2,
        "trustwarden: error: --since needs --evidence",
    )
    bad = cli("scan", "--sample", "--evidence", EXAMPLE, "--since", "last tuesday")
    assert bad.code == 2
    assert "is not a date" in bad.err
    alone = cli("fix", "--sample", "--from-evidence")
    assert alone.code == 2
    assert "--from-evidence needs --evidence" in alone.err
    both = cli(
        "fix", "--sample", "--from-evidence", "--evidence", EXAMPLE, "--external-id", "abc-123"
    )
    assert both.code == 2
    assert "cannot be combined" in both.err


def test_since_narrows_the_window(cli: RunCli) -> None:
    run = cli(
        "scan", "--sample", "--evidence", EXAMPLE, "--since", "2026-11-01", "--format", "json"
    )
    by_name = {r["role_name"]: r for r in json.loads(run.out)["results"]}
    callers = by_name["vendor-admin-access"]["evidence"]["callers"]
    assert callers[0]["successes"] == 2  # only 2026-11-02's calls
