"""The JSON report: contract fields, streaming, determinism, schema."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.formats.builders import (
    OUTSIDER,
    error_result,
    fail_result,
    pass_result,
    role,
    skipped,
    warn_result,
)
from trustwarden.formats import RunInfo, render_report
from trustwarden.formats.json_format import JsonReportWriter, report_schema, result_to_json
from trustwarden.model import Report, RoleResult, Settings, Severity, Status

SCHEMA = json.loads(report_schema())


def render(report: Report, settings: Settings | None = None) -> str:
    out = io.StringIO()
    render_report(report, out, "json", settings=settings)
    return out.getvalue()


def full_report() -> Report:
    return Report(
        results=(fail_result(), warn_result(), pass_result(), error_result()),
        skipped=(skipped(),),
        started_at="2024-05-01T12:00:00Z",
        finished_at="2024-05-01T12:00:07Z",
        tool_version="9.9.9",
    )


def test_contract_fields_and_summary() -> None:
    doc = json.loads(render(full_report(), Settings(frozenset({"444455556666"}))))
    assert doc["schema_version"] == 1
    assert doc["tool"] == {"name": "trustwarden", "version": "9.9.9"}
    assert [r["status"] for r in doc["results"]] == ["fail", "warn", "pass", "error"]
    assert doc["summary"] == {"fail": 1, "warn": 1, "pass": 1, "error": 1}
    assert doc["skipped"] == [
        {"what": "account 222233334444", "reason": "AccessDenied", "account_id": "222233334444"}
    ]
    assert doc["run"] == {
        "started_at": "2024-05-01T12:00:00Z",
        "finished_at": "2024-05-01T12:00:07Z",
        "complete": True,
        "trusted_accounts": ["444455556666"],
        "trusted_orgs": [],
    }
    jsonschema.validate(doc, SCHEMA)


def test_fail_finding_carries_witness_and_notes() -> None:
    context: dict[str, str | tuple[str, ...]] = {
        "aws:SourceIp": "203.0.113.9",
        "aws:Tags": ("b", "a"),
    }
    data = result_to_json(fail_result(**context))
    finding = data["findings"][0]
    assert finding["code"] == "TW001"
    assert finding["statement"] == "Partner"
    assert finding["principals"] == [f"arn:aws:iam::{OUTSIDER}:root"]
    assert finding["notes"] == ["the caller's own account must also allow it"]
    assert finding["help_uri"].endswith("/TW001.md")
    witness = finding["witness"]
    assert witness["principal_arn"] == f"arn:aws:iam::{OUTSIDER}:user/attacker"
    assert witness["account_id"] == OUTSIDER
    assert witness["external_id"] is None
    assert witness["mfa"] == "absent (long-term keys)"
    # context keys sorted, tuples as lists (in the order the engine gave them)
    assert list(witness["context"]) == ["aws:SourceIp", "aws:Tags"]
    assert witness["context"]["aws:Tags"] == ["b", "a"]
    assert "calls sts:AssumeRole" in witness["description"]


def test_error_key_only_for_error_results() -> None:
    assert result_to_json(error_result())["error"] == "not JSON"
    for result in (fail_result(), warn_result(), pass_result()):
        assert "error" not in result_to_json(result)


def test_error_result_without_message_still_says_why() -> None:
    bare = RoleResult(role=role("X"), status=Status.ERROR, severity=Severity.MEDIUM)
    assert result_to_json(bare)["error"]


def test_statement_index_stays_an_integer() -> None:
    assert result_to_json(warn_result())["findings"][0]["statement"] == 0


def test_each_result_and_skipped_item_is_one_line() -> None:
    text = render(full_report())
    doc = json.loads(text)
    lines = text.splitlines()
    for key in ("results", "skipped"):
        start = lines.index(f'  "{key}": [')
        items = lines[start + 1 : start + 1 + len(doc[key])]
        assert [json.loads(line.strip().rstrip(",")) for line in items] == doc[key]
        assert lines[start + 1 + len(doc[key])] in ("  ],", "  ]")
    assert json.loads(render(Report(results=())))["results"] == []


def test_empty_report_is_valid() -> None:
    doc = json.loads(render(Report(results=(), tool_version="1")))
    jsonschema.validate(doc, SCHEMA)
    assert doc["results"] == []
    assert doc["summary"] == {"fail": 0, "warn": 0, "pass": 0, "error": 0}
    assert "started_at" not in doc["run"]


def test_same_report_gives_identical_bytes() -> None:
    assert render(full_report()) == render(full_report())


def test_results_are_written_as_they_arrive() -> None:
    out = io.StringIO()
    writer = JsonReportWriter(out, RunInfo(tool_version="1"))
    writer.add_result(fail_result("First"))
    assert "role/First" in out.getvalue()
    writer.add_skipped(skipped())
    writer.add_result(pass_result("Second"))
    assert "role/Second" in out.getvalue()
    assert "AccessDenied" not in out.getvalue()  # skipped items come with the tail
    writer.close(finished_at="2024-01-01T00:00:00Z", complete=False)
    doc = json.loads(out.getvalue())
    assert [r["role_name"] for r in doc["results"]] == ["First", "Second"]
    assert doc["run"]["complete"] is False
    writer.close()  # a second close writes nothing more
    assert json.loads(out.getvalue()) == doc


class _CountingStream(io.StringIO):
    """Remembers the longest single write, to show results are not buffered together."""

    longest = 0

    def write(self, s: str) -> int:
        self.longest = max(self.longest, len(s))
        return super().write(s)


def test_writer_does_not_accumulate_results() -> None:
    out = _CountingStream()
    writer = JsonReportWriter(out, RunInfo(tool_version="1"))
    one = len(json.dumps(result_to_json(pass_result("R0000")), indent=2)) * 2
    for i in range(500):
        writer.add_result(pass_result(f"R{i:04d}"))
    writer.close()
    assert len(json.loads(out.getvalue())["results"]) == 500
    assert out.longest < one  # no write holds more than about one result


names = st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=40)


@given(name=names, message=names, sid=st.one_of(st.integers(0, 50), names))
def test_any_text_round_trips(name: str, message: str, sid: int | str) -> None:
    base = fail_result()
    finding = base.findings[0]
    result = replace(
        base,
        role=replace(base.role, name=name),
        findings=(replace(finding, message=message, statement=sid),),
    )
    doc: dict[str, Any] = json.loads(render(Report(results=(result,), tool_version="1")))
    got = doc["results"][0]
    assert got["role_name"] == name
    assert got["findings"][0]["message"] == message
    assert got["findings"][0]["statement"] == sid


@pytest.mark.parametrize("status", list(Status))
def test_summary_counts_each_status(status: Status) -> None:
    result = RoleResult(role=role(), status=status, severity=Severity.MEDIUM, error="e")
    doc = json.loads(render(Report(results=(result, result))))
    assert doc["summary"][status.value] == 2
    assert sum(doc["summary"].values()) == 2
