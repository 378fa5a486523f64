"""JUnit XML: one test case per role, failures and errors, valid XML from hostile input."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

from tests.formats.sample import HOSTILE, SETTINGS, sample_report
from trustwarden.formats import render_report
from trustwarden.model import Report


def junit(report: Report | None = None) -> ET.Element:
    out = io.StringIO()
    render_report(report or sample_report(), out, "junit", settings=SETTINGS)
    return ET.fromstring(out.getvalue().encode("utf-8"))


def test_one_case_per_role_and_per_skipped_item() -> None:
    report = sample_report()
    root = junit(report)
    assert root.tag == "testsuites"
    [suite] = root
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases[: len(report.results)]] == [
        r.role.arn.replace("\x07", "").replace("\x1b", "") for r in report.results
    ]
    assert len(cases) == len(report.results) + len(report.skipped)
    assert suite.get("tests") == str(len(cases))
    assert suite.get("failures") == "2"  # two fail roles
    assert suite.get("errors") == "2"  # one error role, one skipped item
    assert root.get("failures") == suite.get("failures")


def test_failures_errors_and_properties() -> None:
    cases = {c.get("name", "").rsplit("/", 1)[-1]: c for c in junit().iter("testcase")}
    partner = cases["PartnerAccess"]
    failure = partner.find("failure")
    assert failure is not None
    assert failure.get("type") == "TW001"
    assert "Witness:" in (failure.text or "")
    assert "Fix:" in (failure.text or "")
    props = {p.get("name"): p.get("value") for p in partner.iter("property")}
    assert props["status"] == "fail"
    assert props["severity"] == "high"
    assert props["rules"] == "TW001"
    assert props["line"] == "12"
    error = cases["Broken"].find("error")
    assert error is not None
    assert error.get("type") == "TW005"
    assert cases["AnyAccount"].find("failure") is None
    assert "TW002" in (cases["AnyAccount"].findtext("system-out") or "")
    assert cases["Internal"].find("failure") is None


def test_hostile_names_are_escaped_and_control_characters_removed() -> None:
    root = junit()
    names = [c.get("name", "") for c in root.iter("testcase")]
    hostile = next(n for n in names if "alert" in n)
    assert hostile.endswith(HOSTILE.replace("\x07", "").replace("\x1b", ""))
    assert not any(ch in hostile for ch in "\x07\x1b")
