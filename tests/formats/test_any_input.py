"""Any text in a role (names, messages, principals, documents) renders in every format."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.formats.builders import error_result, fail_result
from trustwarden.formats import format_names, render_report
from trustwarden.formats.findings import finding_fingerprint
from trustwarden.model import Origin, Report

TEXT = st.text(st.characters(exclude_categories=()), max_size=40)  # controls, surrogates too


@settings(max_examples=40, deadline=None)
@given(name=TEXT, message=TEXT, principal=TEXT, sid=TEXT, file=TEXT)
def test_every_format_renders_any_text(
    name: str, message: str, principal: str, sid: str, file: str
) -> None:
    result = fail_result()
    finding = replace(result.findings[0], message=message, principals=(principal,), statement=sid)
    document = {"Statement": [{"Sid": sid, "Effect": "Allow", "Principal": {"AWS": principal}}]}
    result = replace(
        result,
        findings=(finding,),
        role=replace(
            result.role,
            name=name,
            arn=f"arn:aws:iam::111122223333:role/{name}",
            trust_document=document,
            origin=Origin(source="authz", file=file or None, line=3),
        ),
    )
    broken = replace(error_result(), role=replace(error_result().role, trust_document=name))
    report = Report(results=(result, broken), started_at="2024-05-01T12:00:00Z")
    for fmt in [f for f in format_names() if f != "table"]:  # the terminal table: its own tests
        out = io.StringIO()
        render_report(report, out, fmt)
        text = out.getvalue()
        text.encode("utf-8")  # writable to a UTF-8 file
        if fmt in ("json", "sarif", "asff", "ocsf"):
            json.loads(text)
        elif fmt == "junit":
            ET.fromstring(text.encode("utf-8"))
        elif fmt == "csv":
            rows = list(csv.reader(io.StringIO(text, newline="")))
            assert len(rows) == 3
        elif fmt == "html":
            assert text.count("<script>") == 1


def test_a_lone_surrogate_in_a_role_arn_has_a_fingerprint() -> None:
    assert finding_fingerprint("arn:aws:iam::111122223333:role/\ud800", "TW001") != (
        finding_fingerprint("arn:aws:iam::111122223333:role/\ud801", "TW001")
    )
