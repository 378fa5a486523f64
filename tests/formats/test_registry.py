"""The format registry and the explain text."""

from __future__ import annotations

import io

import pytest

from tests.formats.builders import error_result, fail_result, pass_result
from trustwarden.errors import ConfigError
from trustwarden.formats import (
    FORMATS,
    Format,
    RenderOptions,
    RunInfo,
    format_names,
    get_format,
    register_format,
    render_report,
)
from trustwarden.formats.explain_text import render_explanation
from trustwarden.model import Report, RoleResult, Settings, Skipped


def test_builtin_formats() -> None:
    assert format_names()[:2] == ["table", "json"]


def test_unknown_format_suggests_a_close_one() -> None:
    with pytest.raises(ConfigError) as caught:
        get_format("jsn")
    assert "unknown format 'jsn'" in caught.value.message
    assert caught.value.hint == "did you mean json?"


class RecordingWriter:
    """A writer that records the calls it receives."""

    def __init__(self, stream: io.StringIO, run: RunInfo, options: RenderOptions) -> None:
        self.stream = stream
        stream.write(f"open {run.tool_version} {options.color}\n")

    def add_result(self, result: RoleResult) -> None:
        self.stream.write(f"result {result.role.name}\n")

    def add_skipped(self, skipped: Skipped) -> None:
        self.stream.write(f"skipped {skipped.what}\n")

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        self.stream.write(f"close {finished_at} {complete}\n")


def test_a_registered_format_is_imported_on_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(FORMATS, "rec", FORMATS["json"])  # restored after the test
    register_format(Format("rec", "test", "tests.formats.test_registry:RecordingWriter"))
    out = io.StringIO()
    report = Report(
        results=(pass_result("A"), pass_result("B")),
        skipped=(Skipped("file x", "bad"),),
        finished_at="T",
        tool_version="7",
    )
    render_report(report, out, "rec", options=RenderOptions(color=True))
    assert out.getvalue().splitlines() == [
        "open 7 True",
        "result A",
        "result B",
        "skipped file x",
        "close T True",
    ]


def explain(result: RoleResult, width: int = 120) -> str:
    out = io.StringIO()
    render_explanation(
        result,
        out,
        settings=Settings(frozenset({"444455556666"}), frozenset({"o-abcdefghij"})),
        options=RenderOptions(width=width),
    )
    return out.getvalue()


def test_explain_text_walks_statements_and_findings() -> None:
    text = explain(fail_result())
    assert 'Statement "Partner" (Allow)' in text
    for label in ("covers sts:AssumeRole: yes", "admits:", "outsiders:", "conditions:", "outcome:"):
        assert label in text
    assert "Verdict: FAIL, severity high" in text
    assert "444455556666, o-abcdefghij" in text
    flat = " ".join(text.split())
    witness = fail_result().findings[0].witness
    assert witness is not None
    assert "witness: " + witness.describe() in flat
    assert "docs: trustwarden rules TW001" in flat


def test_explain_pass_and_error() -> None:
    assert "No findings" in explain(pass_result())
    text = explain(error_result())
    assert "Error: not JSON" in text
    assert "TW005" in text
