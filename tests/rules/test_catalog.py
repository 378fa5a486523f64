"""The rule catalog is the one home of rule facts: engine, planner, formats and pages agree."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tests.cli.runner import invoke
from tests.engine.helpers import EXT_KEY, EXTERNAL_ID, SETTINGS, Case, make_role
from tests.engine.test_conditions import CONDITION_CASES, UNKNOWN_OPERATORS, cond
from tests.engine.test_decode import MALFORMED_CASES
from tests.engine.test_verdicts import DENY_CASES, VERDICT_CASES
from tests.formats.builders import fail_result
from trustwarden.engine.severity import role_severity
from trustwarden.formats.json_format import finding_to_json
from trustwarden.formats.table import fix_lines
from trustwarden.model import (
    Finding,
    Permissions,
    Role,
    RoleResult,
    Severity,
)
from trustwarden.pipeline import RolesSource, scan
from trustwarden.rules import RULES
from trustwarden.rules.catalog import page_path, result_severity
from trustwarden.sources.offline import load_files
from trustwarden.sources.sample import sample_paths

ROOT = Path(__file__).parents[2]
FACT_ROW = re.compile(r"^\| (?P<key>[A-Za-z ]+) \| (?P<value>.+) \|$", re.M)
ADMIN = Permissions(managed_policy_arns=("arn:aws:iam::aws:policy/AdministratorAccess",))


def corpus() -> list[Role]:
    """Roles covering every rule: the engine contract cases and the sample estate."""
    cases: list[Case] = [*VERDICT_CASES, *DENY_CASES, *CONDITION_CASES, *MALFORMED_CASES]
    roles = [replace(make_role(c.document), name=f"case-{i}") for i, c in enumerate(cases)]
    roles += [
        replace(make_role(c.document, permissions=ADMIN), name=f"admin-{i}")
        for i, c in enumerate(cases)
    ]
    roles += [
        replace(make_role(cond({op: {EXT_KEY: EXTERNAL_ID}})), name=f"unknown-{op}")
        for op in UNKNOWN_OPERATORS  # TW004
    ]
    roles += [r for r in load_files(sample_paths()) if isinstance(r, Role)]
    # TW007: one strong External ID on the roles of two different outside accounts.
    shared = "5f0c2a9e-8d41-4b7a-9c3e-1f2a3b4c5d6e"
    for vendor in ("999988887777", "888877776666"):
        principal = {"AWS": f"arn:aws:iam::{vendor}:root"}
        document = cond({"StringEquals": {EXT_KEY: shared}}, principal)
        role = make_role(document)
        roles.append(replace(role, arn=f"{role.arn}-{vendor}", name=f"shared-{vendor}"))
    return roles


@pytest.fixture(scope="module")
def results() -> list[RoleResult]:
    """The corpus through the whole pipeline (the External ID checks run after the engine)."""
    return [r for r in scan(RolesSource(corpus()), SETTINGS) if isinstance(r, RoleResult)]


def test_the_corpus_covers_every_rule(results: list[RoleResult]) -> None:
    seen = {f.code for r in results for f in r.findings}
    assert seen == set(RULES)


def test_every_finding_takes_its_status_from_the_catalog(results: list[RoleResult]) -> None:
    for result in results:
        for finding in result.findings:
            assert finding.status is RULES[finding.code].status, (result.role.name, finding)


def test_every_result_takes_its_severity_from_the_catalog(results: list[RoleResult]) -> None:
    for result in results:
        codes = [f.code for f in result.findings]
        expected = result_severity(codes, role_severity(result.role))
        assert result.severity is expected, result.role.name
        if codes:
            worst = max((RULES[c].severity for c in codes), key=lambda s: s.rank)
            assert result.severity.rank >= worst.rank, result.role.name


def test_a_stale_principal_alone_is_low_as_the_catalog_says(results: list[RoleResult]) -> None:
    stale_only = [r for r in results if {f.code for f in r.findings} == {"TW003"}]
    assert stale_only
    assert {r.severity for r in stale_only} == {RULES["TW003"].severity} == {Severity.LOW}


def test_admin_equivalent_raises_only_medium_rules_to_high() -> None:
    assert result_severity(["TW001"], Severity.HIGH) is Severity.HIGH
    assert result_severity(["TW001"], Severity.MEDIUM) is Severity.MEDIUM
    assert result_severity(["TW003"], Severity.HIGH) is Severity.LOW
    assert result_severity(["TW003", "TW002"], Severity.HIGH) is Severity.HIGH
    assert result_severity([], Severity.HIGH) is Severity.HIGH
    assert result_severity(["TW999"], Severity.MEDIUM) is Severity.MEDIUM


def test_json_findings_take_title_and_docs_from_the_catalog(results: list[RoleResult]) -> None:
    for result in results:
        for finding in result.findings:
            data = finding_to_json(finding)
            rule = RULES[finding.code]
            assert (data["title"], data["help_uri"]) == (rule.title, rule.help_uri)
            assert data["statement_index"] == finding.statement_index


def test_findings_carry_the_statement_index(results: list[RoleResult]) -> None:
    for result in results:
        for finding in result.findings:
            if finding.code == "TW005":
                assert finding.statement_index is None
                continue
            assert isinstance(finding.statement_index, int)
            assert finding.statement in (finding.statement_index, _sid(result, finding))


def _sid(result: RoleResult, finding: Finding) -> object:
    document = result.role.trust_document
    assert isinstance(document, dict)
    statements = document["Statement"]
    statements = statements if isinstance(statements, list) else [statements]
    assert finding.statement_index is not None
    return statements[finding.statement_index].get("Sid")


def test_the_table_short_fix_is_the_catalogs() -> None:
    assert fix_lines(fail_result()) == [RULES["TW001"].short_fix]


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_its_page_in_the_package(rule_id: str) -> None:
    rule = RULES[rule_id]
    page = page_path(rule_id)
    assert page.is_file()
    # Installed (CI) or from the checkout: the page is the package's data file, and it is the
    # page kept in the source tree.
    assert page.parent.parts[-3:] == ("trustwarden", "data", "rules")
    source_page = ROOT / "src" / "trustwarden" / "data" / "rules" / f"{rule_id}.md"
    assert page.read_text(encoding="utf-8") == source_page.read_text(encoding="utf-8")
    text = rule.page()
    assert text.startswith(f"# {rule_id} — {rule.title}\n")
    facts = {m["key"].strip(): m["value"].strip() for m in FACT_ROW.finditer(text)}
    assert facts["Verdict"].startswith(f"`{rule.status.value}`")
    assert facts["Severity"].split(";")[0] == rule.severity.value
    assert facts["Name"] == f"`{rule.name}`"


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_help_uri_points_at_the_shipped_page(rule_id: str) -> None:
    uri = urlparse(RULES[rule_id].help_uri)
    assert uri.scheme == "file"
    assert Path(unquote(uri.path)).read_text(encoding="utf-8") == RULES[rule_id].page()


def test_rule_pages_have_one_home() -> None:
    strays = sorted(p.name for p in (ROOT / "docs" / "rules").glob("*.md") if p.name != "README.md")
    assert not strays, f"rule pages belong in src/trustwarden/data/rules/, not docs/rules: {strays}"
    shipped = {p.stem for p in page_path("TW001").parent.glob("*.md")}
    assert shipped == set(RULES), "every page needs a catalog entry and every entry a page"


def test_pages_link_only_to_pages_that_exist() -> None:
    for rule_id in RULES:
        for target in re.findall(r"\]\(([A-Z]{2}\d{3})\.md\)", RULES[rule_id].page()):
            assert target in RULES, (rule_id, target)


def test_rules_command_lists_every_rule(tmp_path: Path) -> None:
    run = invoke(["rules"], env={}, cwd=tmp_path)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert [line.split()[0] for line in lines] == list(RULES)
    for line, rule in zip(lines, RULES.values(), strict=True):
        assert line.split()[1:3] == [rule.status.value, rule.severity.value]
        assert line.endswith(rule.title)


@pytest.mark.parametrize("asked", ["TW003", "tw003", " TW003 "])
def test_rules_command_prints_the_page(tmp_path: Path, asked: str) -> None:
    run = invoke(["rules", asked], env={}, cwd=tmp_path)
    assert (run.code, run.err) == (0, "")
    assert run.out == RULES["TW003"].page()


def test_an_unknown_rule_is_a_usage_error_with_the_closest(tmp_path: Path) -> None:
    run = invoke(["rules", "TW0003"], env={}, cwd=tmp_path)
    assert run.code == 2
    assert run.out == ""
    first, hint = run.err.splitlines()
    assert first == "trustwarden: error: no rule 'TW0003'"
    assert hint.startswith("hint: the closest: TW003")
    assert "'trustwarden rules' lists them all" in hint


def test_an_unknown_rule_far_from_any_lists_none(tmp_path: Path) -> None:
    run = invoke(["rules", "banana\x1b[2J"], env={}, cwd=tmp_path)
    assert run.code == 2
    assert "\x1b" not in run.err
    assert "closest" not in run.err


def test_json_report_findings_have_statement_index(tmp_path: Path) -> None:
    run = invoke(["scan", "--sample", "--format", "json"], env={}, cwd=tmp_path)
    report = json.load(io.StringIO(run.out))
    findings = [f for r in report["results"] for f in r["findings"]]
    assert findings
    for finding in findings:
        assert "statement_index" in finding
        if finding["code"] != "TW005":
            assert isinstance(finding["statement_index"], int)
