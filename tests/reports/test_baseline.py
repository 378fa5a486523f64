"""Baselines: fingerprints from an earlier JSON report, schema version checks, marking."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.formats.builders import fail_result, pass_result, warn_result
from trustwarden.baseline import Baseline, fingerprints_of, load_baseline
from trustwarden.errors import ConfigError
from trustwarden.formats import render_report
from trustwarden.formats.findings import finding_fingerprint
from trustwarden.model import Report, Status


def report_of(*results: object) -> dict[str, object]:
    out = io.StringIO()
    render_report(Report(results=tuple(results), tool_version="1"), out, "json")  # type: ignore[arg-type]
    return json.loads(out.getvalue())  # type: ignore[no-any-return]


def test_findings_of_the_baseline_are_marked() -> None:
    baseline = Baseline(fingerprints_of(report_of(fail_result(), pass_result())))
    known = baseline.mark(fail_result())
    assert known.baseline == frozenset({"TW001"})
    assert known.open_status is Status.PASS
    new = warn_result()
    assert baseline.mark(new) is new  # not in the baseline: news


def test_a_report_without_finding_fingerprints_still_works() -> None:
    doc = report_of(fail_result())
    for result in doc["results"]:  # type: ignore[attr-defined]
        for finding in result["findings"]:
            del finding["fingerprint"]
    arn = fail_result().role.arn
    assert fingerprints_of(doc) == {finding_fingerprint(arn, "TW001")}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"schema_version": 2, "results": []}, "report schema_version 2, but this trustwarden"),
        ({"results": []}, "not a trustwarden JSON report"),
        ([], "not a trustwarden JSON report"),
        ({"schema_version": 1, "results": {}}, "results must be a list"),
        ({"schema_version": 1, "results": [{"findings": []}]}, "needs a role_arn"),
    ],
)
def test_not_a_baseline(doc: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        fingerprints_of(doc, "b.json")


def test_load_baseline_errors_are_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "b.json"
    broken.write_text("{")
    with pytest.raises(ConfigError, match=r"b\.json: not a JSON report"):
        load_baseline(broken)
