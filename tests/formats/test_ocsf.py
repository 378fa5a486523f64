"""OCSF: every item is a valid Detection Finding per py-ocsf-models (OCSF 1.5.0)."""

from __future__ import annotations

import io
import json
from typing import Any

from py_ocsf_models.events.findings.detection_finding import DetectionFinding

from tests.formats.sample import SETTINGS, STARTED, sample_report
from trustwarden.formats import render_report
from trustwarden.formats.findings import iso_to_epoch_ms
from trustwarden.formats.ocsf import OCSF_VERSION
from trustwarden.model import Report


def ocsf(report: Report | None = None) -> list[dict[str, Any]]:
    out = io.StringIO()
    render_report(report or sample_report(), out, "ocsf", settings=SETTINGS)
    items: list[dict[str, Any]] = json.loads(out.getvalue())
    return items


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def test_every_item_validates_and_loses_nothing() -> None:
    items = ocsf()
    for item in items:
        model = DetectionFinding.model_validate(item)
        dumped = _drop_none(model.model_dump(mode="json", exclude_none=True))
        _assert_kept(item, dumped, "")


def _assert_kept(written: Any, dumped: Any, where: str) -> None:
    """Every field we write is one the model knows (nothing silently dropped), same value."""
    if isinstance(written, dict):
        assert isinstance(dumped, dict), where
        for key, value in written.items():
            assert key in dumped, f"{where}/{key} is not an OCSF field"
            if not key.endswith("_dt"):  # datetimes come back normalised
                _assert_kept(value, dumped[key], f"{where}/{key}")
    elif isinstance(written, list):
        assert len(written) == len(dumped), where
        for i, (a, b) in enumerate(zip(written, dumped, strict=True)):
            _assert_kept(a, b, f"{where}/{i}")
    else:
        assert written == dumped, where


def test_one_finding_per_role_with_its_verdict() -> None:
    report = sample_report()
    items = ocsf(report)
    assert [i["resources"][0]["uid"] for i in items] == [r.role.arn for r in report.results]
    assert [i["status_code"] for i in items] == [r.status.value.upper() for r in report.results]
    first = items[0]
    assert first["class_uid"] == 2004
    assert first["category_uid"] == 2
    assert first["type_uid"] == 200401
    assert first["metadata"]["version"] == OCSF_VERSION
    assert first["time"] == iso_to_epoch_ms(STARTED)
    assert first["severity_id"] == 4  # high
    assert first["cloud"]["account"]["uid"] == "111122223333"
    assert first["remediation"]["references"][0].endswith("/TW001.md")
    assert first["unmapped"]["findings"][0]["witness"].startswith("arn:aws:iam::999999999999")
    assert first["unmapped"]["compliance"]
    uids = [i["finding_info"]["uid"] for i in items]
    assert len(set(uids)) == len(uids)


def test_empty_report_is_an_empty_array() -> None:
    assert ocsf(Report(results=())) == []
