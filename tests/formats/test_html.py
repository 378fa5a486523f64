"""HTML: self-contained, escaped, and working in a real browser (headless Chromium)."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
from pathlib import Path

import pytest

from tests.formats.builders import fail_result
from tests.formats.chromium import find_browser, headless_browser
from tests.formats.sample import HOSTILE, SETTINGS, sample_report
from trustwarden.formats import render_report
from trustwarden.model import Report, Status


def page(report: Report | None = None) -> str:
    out = io.StringIO()
    render_report(report or sample_report(), out, "html", settings=SETTINGS)
    return out.getvalue()


def _sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_hostile_input_is_escaped() -> None:
    text = page()
    assert "<script>alert" not in text
    assert "<img" not in text
    assert "</pre><script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "\x07" not in text
    assert "\x1b" not in text
    assert text.count("<script>") == 1  # ours, at the end
    assert "&quot;&#x27;&amp;=cmd" in text


def test_no_external_resources_and_a_csp_that_allows_only_our_inline_code() -> None:
    text = page()
    tags = re.findall(r"<[a-zA-Z][^>]*>", text)  # escaped input (&lt;img ...) is not a tag
    urls = [t for t in tags if re.search(r"""(?:src|href|action)\s*=\s*["']?[a-z]*:?//""", t)]
    assert urls == []
    assert not any(
        t.startswith(("<img", "<iframe", "<object", "<embed", '<link rel="style')) for t in tags
    )
    assert "@import" not in text
    assert "url(" not in text
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
    assert csp is not None
    policy = dict(d.strip().split(" ", 1) for d in csp.group(1).split(";"))
    assert policy["default-src"] == "'none'"
    [script] = re.findall(r"<script>(.*?)</script>", text, re.S)
    [style] = re.findall(r"<style>(.*?)</style>", text, re.S)
    assert policy["script-src"] == _sha(script)
    assert policy["style-src"] == _sha(style)
    assert " style=" not in text  # inline style attributes would be blocked by the CSP


def test_totals_table_and_details() -> None:
    report = sample_report()
    text = page(report)
    rows = re.findall(r'<tr data-status="(\w+)">', text)
    assert len(rows) == len(report.results)
    # worst first: errors, then fails (critical before high), then warn, then pass
    assert rows == ["error", "fail", "fail", "warn", "pass", "pass"]
    assert text.count('<details class="role') == sum(
        r.status is not Status.PASS for r in report.results
    )
    for status, count in (("fail", 2), ("warn", 1), ("error", 1), ("pass", 2)):
        assert f'<div class="card {status}"><b>{count}</b>{status}</div>' in text
    assert "Roles by account" in text
    assert "<svg" in text
    assert "Witness:" in text
    assert "Fix:" in text


def test_offending_statement_is_highlighted() -> None:
    text = page()
    marks = re.findall(r'<mark class="hit"[^>]*>(.*?)</mark>', text, re.S)
    assert any("&quot;Sid&quot;: &quot;Partner&quot;" in m for m in marks)
    assert not any("&quot;Internal&quot;" in m for m in marks)  # the harmless statement


def test_empty_report_renders() -> None:
    text = page(Report(results=()))
    assert "<tbody>\n</tbody>" in text


BROWSER = find_browser()


@pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed (.ci/run installs it)")
def test_report_in_headless_chromium(tmp_path: Path) -> None:
    assert BROWSER is not None
    report_file = tmp_path / "report.html"
    report_file.write_text(page(), encoding="utf-8")
    with headless_browser(BROWSER, tmp_path / "profile") as browser:
        browser.open(report_file.as_uri())
        assert browser.evaluate("document.title") == "trustwarden report"
        visible = "document.querySelectorAll('#roles-table tbody tr:not([hidden])').length"
        assert browser.evaluate(visible) == 6
        assert browser.evaluate("document.getElementById('shown').textContent") == (
            "6 of 6 roles shown"
        )
        # the hostile role name is text, not markup: our one script ran, theirs did not
        assert browser.evaluate("document.scripts.length") == 1
        assert browser.evaluate("document.images.length") == 0
        names = browser.evaluate(
            "Array.from(document.querySelectorAll('td.arn code')).map(e => e.textContent)"
        )
        assert any(n.endswith(HOSTILE.replace("\x07", "").replace("\x1b", "")) for n in names)
        # filter by verdict, then by text
        browser.evaluate(
            "(() => { const s = document.getElementById('filter-status');"
            " s.value = 'fail'; s.dispatchEvent(new Event('change')); })()"
        )
        assert browser.evaluate(visible) == 2
        browser.evaluate(
            "(() => { const t = document.getElementById('filter-text');"
            " t.value = 'PARTNERACCESS'; t.dispatchEvent(new Event('input')); })()"
        )
        assert browser.evaluate(visible) == 1
        # sorting by the Account column, twice (ascending, then descending)
        browser.evaluate("document.getElementById('filter-text').value = ''")
        browser.evaluate(
            "(() => { const s = document.getElementById('filter-status');"
            " s.value = ''; s.dispatchEvent(new Event('change')); })()"
        )
        accounts = (
            "Array.from(document.querySelectorAll('#roles-table tbody tr'))"
            ".map(r => r.cells[2].textContent)"
        )
        browser.evaluate("document.querySelectorAll('#roles-table th')[2].click()")
        ascending = browser.evaluate(accounts)
        assert ascending == sorted(ascending)
        browser.evaluate("document.querySelectorAll('#roles-table th')[2].click()")
        assert browser.evaluate(accounts) == sorted(ascending, reverse=True)
        # the chart and details are there
        assert browser.evaluate("document.querySelectorAll('svg rect').length") >= 4
        assert browser.evaluate("document.querySelectorAll('mark.hit').length") >= 2
        shot = Path(os.environ.get("TW_SCREENSHOT", tmp_path / "report.png"))
        browser.screenshot(shot)
        assert shot.read_bytes().startswith(b"\x89PNG")
        assert browser.problems() == []
        assert [u for u in browser.requests() if not u.startswith(("file:", "data:"))] == []


@pytest.mark.skipif(BROWSER is None, reason="Chromium is not installed (.ci/run installs it)")
def test_a_preset_filter_in_the_link_and_the_csp_blocks_injected_requests(tmp_path: Path) -> None:
    """The control experiment: markup that escaped escaping could still not reach the network."""
    assert BROWSER is not None
    text = page().replace("</main>", '<img src="http://127.0.0.1:9/leak.png"></main>', 1)
    report_file = tmp_path / "report.html"
    report_file.write_text(text, encoding="utf-8")
    with headless_browser(BROWSER, tmp_path / "profile") as browser:
        browser.open(report_file.as_uri() + "#status=warn")
        visible = "document.querySelectorAll('#roles-table tbody tr:not([hidden])').length"
        assert browser.evaluate(visible) == 1
        leaks = [u for u in browser.requests() if u.startswith("http")]
        assert leaks == ["http://127.0.0.1:9/leak.png"]
        assert browser.blocked() == {"http://127.0.0.1:9/leak.png": "csp"}  # never sent
        assert any("Content Security Policy" in p for p in browser.problems())


def test_details_start_open_unless_there_are_many() -> None:
    assert page().count("<details class=") == page().count('" open>')
    many = Report(results=tuple(fail_result(f"R{i}") for i in range(60)))
    text = page(many)
    assert text.count("<details class=") == 60
    assert '" open>' not in text
