"""``trustwarden scan PATH...``: exit codes, JSON locations, malformed files, options."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.cli.runner import invoke
from tests.iac.helpers import DATA, OWN
from trustwarden.formats.json_format import report_schema
from trustwarden.sources.iac import PARALLEL_MIN_UNITS, load_paths

SCHEMA = json.loads(report_schema())


def _scan(*args: str, cwd: Path | None = None) -> tuple[int, dict[str, object], str]:
    run = invoke(["scan", *args, "--format", "json"], env={}, cwd=cwd or Path.cwd())
    return run.code, json.loads(run.out), run.err


def test_templates_report_locations_in_json() -> None:
    code, report, _ = _scan(str(DATA / "cfn"))
    assert code == 1
    jsonschema.validate(report, SCHEMA)
    results = {r["role_name"]: r for r in report["results"]}  # type: ignore[attr-defined]
    cost = results["CostVendorRole"]
    assert cost["status"] == "fail"
    assert cost["origin"]["source"] == "cloudformation"
    assert cost["origin"]["file"].endswith("vendor-integrations.yaml")
    assert cost["origin"]["line"] == 42
    assert cost["origin"]["pointer"] == "/Resources/CostVendorRole"
    assert cost["origin"]["statement_lines"] == {"CostVendorReadOnly": 48}


def test_malformed_files_exit_2_and_the_rest_is_scanned() -> None:
    code, report, err = _scan(str(DATA / "malformed"))
    assert code == 2
    jsonschema.validate(report, SCHEMA)
    results = {r["role_name"]: r for r in report["results"]}  # type: ignore[attr-defined]
    assert results["OpenRole"]["status"] == "fail"
    # a tag CloudFormation does not define is an unknown value, not a broken file
    unknown = results["R"]
    assert unknown["status"] == "error"
    assert "!NotAFunction (line 5: not a CloudFormation function)" in unknown["origin"]["notes"][0]
    reasons = {Path(s["what"]).name: s["reason"] for s in report["skipped"]}  # type: ignore[attr-defined]
    assert reasons["bad-indent.yaml"].startswith("line 5: ")
    assert reasons["bad-comma.json"].startswith("line 3: ")
    assert reasons["main.tf"].startswith("line ")
    assert "unknown-tag.yaml" not in reasons
    assert "Traceback" not in err
    assert "bad-indent.yaml: line 5: " in err


def test_account_id_and_exit_codes() -> None:
    code, report, _ = _scan(str(DATA / "plan" / "state.json"), "--account-id", OWN)
    assert code == 0
    assert report["results"][0]["account_id"] == OWN  # type: ignore[index]


def test_missing_module_is_skipped_and_exits_2() -> None:
    code, report, _ = _scan(str(DATA / "terraform"), "--account-id", OWN)
    assert code == 2
    item: Any
    (item,) = report["skipped"]  # type: ignore[misc]
    assert item["what"].startswith("module.missing")


@pytest.mark.parametrize("other", [["--sample"], ["--input", "x.json"]])
def test_paths_cannot_be_combined_with_other_sources(other: list[str], tmp_path: Path) -> None:
    (tmp_path / "x.json").write_text("{}")
    run = invoke(
        [
            "scan",
            str(DATA / "cfn"),
            *[str(tmp_path / o) if o.endswith(".json") else o for o in other],
        ],
        env={},
        cwd=tmp_path,
    )
    assert run.code == 2
    assert "cannot be combined" in run.err


def test_a_file_that_is_no_template_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text("just: text\n")
    code, report, _ = _scan(str(path))
    assert code == 2
    item: Any
    (item,) = report["skipped"]  # type: ignore[misc]
    assert "not a CloudFormation template" in item["reason"]


def test_table_output_works_for_templates() -> None:
    run = invoke(["scan", str(DATA / "sam")], env={"COLUMNS": "200"}, cwd=Path.cwd())
    assert run.code == 1
    assert "PartnerCallbackFunctionRole" in run.out


def test_walk_skips_vendored_and_generated_directories(tmp_path: Path) -> None:
    template = (DATA / "malformed" / "good.yaml").read_text()
    for folder in (".git", ".terraform", "node_modules", "cdk.out/asset.1", "src"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "t.yaml").write_text(template)
    (tmp_path / "src" / "package.json").write_text('{"name": "x"}')
    code, report, _ = _scan(str(tmp_path))
    assert code == 1
    files = [r["origin"]["file"] for r in report["results"]]  # type: ignore[attr-defined]
    assert files == [str(tmp_path / "src" / "t.yaml")]
    assert report["skipped"] == []


def test_many_templates_are_read_in_worker_processes_in_order(tmp_path: Path) -> None:
    template = (DATA / "cfn" / "vendor-integrations.yaml").read_text()
    for number in range(PARALLEL_MIN_UNITS + 5):
        (tmp_path / f"t{number:03d}.yaml").write_text(template)
    (tmp_path / "t010-bad.yaml").write_text("Resources: [\n")  # mid-way: the rest go on
    (tmp_path / "zz-bad.yaml").write_text("Resources: [\n")
    for number in range(3):  # Terraform roots among them, read and dropped by the workers
        tf = tmp_path / f"tf{number}"
        tf.mkdir()
        (tf / "main.tf").write_text(
            'resource "aws_iam_role" "r" {\n  assume_role_policy = jsonencode({\n'
            '    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",\n'
            f'      Principal = {{ AWS = "arn:aws:iam::22222222222{number}:root" }} }}]\n'
            "  })\n}\n"
        )
    alone = list(load_paths([tmp_path], OWN, workers=1))
    together = list(load_paths([tmp_path], OWN, workers=2))
    assert together == alone
    assert len(alone) == (PARALLEL_MIN_UNITS + 5) * 5 + 2 + 3
    assert [type(i).__name__ for i in alone].count("Skipped") == 2
    assert [i.name for i in alone[-3:]] == ["aws_iam_role.r"] * 3  # type: ignore[union-attr]
    assert [i.origin.line for i in alone[-3:]] == [1, 1, 1]  # type: ignore[union-attr]


def test_explain_reads_templates_and_explains_the_worst_variant(tmp_path: Path) -> None:
    run = invoke(
        ["explain", str(DATA / "cfn"), "--role", "BreakGlassRole", "--format", "json"],
        env={},
        cwd=tmp_path,
    )
    assert run.code == 1, run.err
    result = json.loads(run.out)["result"]
    assert result["status"] == "fail"
    assert result["role_name"] == "BreakGlassRole"
    assert result["origin"]["variant"] == "IsProd=false"  # the imported, unknown account
    assert result["origin"]["file"].endswith("vendor-integrations.yaml")
    assert result["explanation"]
    notes = " ".join(n for f in result["findings"] for n in f["notes"])
    assert "2 variants" in notes
    text = invoke(["explain", str(DATA / "cfn"), "--role", "BreakGlassRole"], env={}, cwd=tmp_path)
    assert "vendor-integrations.yaml:53" in text.out


def test_explain_on_templates_names_what_it_could_not_find(tmp_path: Path) -> None:
    missing = invoke(["explain", str(DATA / "cfn"), "--role", "NoSuchRole"], env={}, cwd=tmp_path)
    assert missing.code == 2
    assert "no role 'NoSuchRole'" in missing.err
    assert "Traceback" not in missing.err
    mixed = invoke(["explain", str(DATA / "cfn"), "--sample", "--role", "x"], env={}, cwd=tmp_path)
    assert mixed.code == 2
    assert "cannot be combined" in mixed.err


def test_worker_processes_follow_what_runs_now(monkeypatch: pytest.MonkeyPatch) -> None:
    import trustwarden.sources.iac as iac  # noqa: PLC0415

    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5}, raising=False)
    monkeypatch.setattr(iac, "_busy_cpus", lambda: 0)
    assert iac._idle_cpus() == 4  # at most 4
    monkeypatch.setattr(iac, "_busy_cpus", lambda: 3)
    assert iac._idle_cpus() == 3
    monkeypatch.setattr(iac, "_busy_cpus", lambda: 9)
    assert iac._idle_cpus() == 1  # at least this process
    monkeypatch.undo()
    assert iac._busy_cpus() >= 0  # /proc/loadavg read here (or the load average elsewhere)
