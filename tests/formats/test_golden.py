"""Golden files: each format renders the sample report byte for byte as committed.

Regenerate after an intended change with ``TW_UPDATE_GOLDEN=1 python -m pytest
tests/formats/test_golden.py`` and review the diff.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tests.formats.sample import SETTINGS, sample_report
from trustwarden.formats import RenderOptions, render_report
from trustwarden.rules.catalog import page_path

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("TW_UPDATE_GOLDEN") == "1"
SUFFIXES = {
    "json": "json",
    "sarif": "sarif",
    "asff": "asff.json",
    "ocsf": "ocsf.json",
    "csv": "csv",
    "junit": "xml",
    "html": "html",
}


def render(name: str) -> str:
    out = io.StringIO(newline="")
    render_report(
        sample_report(), out, name, settings=SETTINGS, options=RenderOptions(region="eu-west-1")
    )
    # help_uri names the rule pages where this copy of trustwarden is installed
    pages = page_path("TW001").parent.resolve().as_uri()
    return out.getvalue().replace(pages, "file:///INSTALLED/trustwarden/data/rules")


@pytest.mark.parametrize("name", sorted(SUFFIXES))
def test_format_matches_its_golden_file(name: str) -> None:
    path = GOLDEN / f"report.{SUFFIXES[name]}"
    text = render(name)
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"no golden file {path.name}: run with TW_UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8"), (
        f"{name} output differs from {path.name}; if intended, regenerate with TW_UPDATE_GOLDEN=1"
    )


@pytest.mark.parametrize("name", sorted(SUFFIXES))
def test_same_report_gives_identical_bytes(name: str) -> None:
    assert render(name) == render(name)
