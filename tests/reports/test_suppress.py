"""Suppressions: parsing, matching (ARN, name, pattern), expiry by an injected day, reporting."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tests.formats.builders import OWN, fail_result, pass_result, warn_result
from trustwarden.config import load_config
from trustwarden.errors import ConfigError
from trustwarden.model import Status, Suppression
from trustwarden.suppress import Suppressor, SuppressRule, parse_suppressions

TODAY = date(2026, 6, 1)
ARN = f"arn:aws:iam::{OWN}:role/PartnerAccess"


def rule(role: str = ARN, code: str = "TW001", expires: date | None = None) -> SuppressRule:
    return SuppressRule(rule=code, role=role, reason="accepted: SEC-1", expires=expires)


@pytest.mark.parametrize(
    "role", [ARN, "PartnerAccess", "Partner*", f"arn:aws:iam::{OWN}:role/*", "*"]
)
def test_role_by_arn_name_or_pattern(role: str) -> None:
    marked = Suppressor([rule(role)], TODAY).mark(fail_result())
    assert marked.suppressed == {"TW001": Suppression("accepted: SEC-1", None)}
    assert marked.status is Status.FAIL  # the verdict is kept ...
    assert marked.open_status is Status.PASS  # ... but it no longer counts


@pytest.mark.parametrize(
    "entry", [rule("Other"), rule(code="TW002"), rule("partneraccess"), rule(f"{ARN}2")]
)
def test_no_match_leaves_the_result_alone(entry: SuppressRule) -> None:
    suppressor = Suppressor([entry], TODAY)
    result = fail_result()
    assert suppressor.mark(result) is result
    assert suppressor.problems() == [
        f"{entry.label()} matched no finding; remove it if the risk is gone"
    ]


def test_expiry_is_inclusive_and_uses_the_given_day() -> None:
    entry = rule(expires=date(2026, 6, 1))
    assert Suppressor([entry], TODAY).mark(fail_result()).suppressed
    late = Suppressor([entry], date(2026, 6, 2))
    assert not late.mark(fail_result()).suppressed
    assert late.problems() == [
        "suppress[0] (TW001 on " + ARN + ") expired on 2026-06-01 and no longer applies; "
        "renew or remove it"
    ]


def test_only_the_matching_finding_is_suppressed() -> None:
    both = fail_result()
    both = replace(both, findings=both.findings + warn_result("PartnerAccess").findings)
    marked = Suppressor([rule()], TODAY).mark(both)
    assert set(marked.suppressed) == {"TW001"}
    assert marked.open_status is Status.WARN  # the TW002 finding still counts


def test_pass_is_never_touched() -> None:
    result = pass_result()
    assert Suppressor([rule("*", "*")], TODAY).mark(result) is result


def test_config_file_entries(tmp_path: Path) -> None:
    config = tmp_path / "tw.toml"
    config.write_text(
        '[[suppress]]\nrule = "TW001"\nrole = "vendor-*"\nreason = "ok"\nexpires = 2026-12-31\n'
        '[[suppress]]\nrule = "TW002"\nrole = "x"\nreason = "ok"\nexpires = "2027-01-31"\n'
    )
    entries = load_config(config, tmp_path).suppressions
    assert [(e.rule, e.role, e.expires, e.index) for e in entries] == [
        ("TW001", "vendor-*", date(2026, 12, 31), 0),
        ("TW002", "x", date(2027, 1, 31), 1),
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"rule": "TW001", "role": "x"}, "suppress[0]: reason is required (a non-empty string)"),
        ({"rule": "TW001", "role": "x", "reason": " "}, "suppress[0]: reason is required"),
        ({"role": "x", "reason": "r"}, "suppress[0]: rule is required"),
        ({"rule": "TW001", "role": "x", "reason": "r", "expires": "31/12/2026"}, "expires must"),
        ({"rule": "TW001", "role": "x", "reason": "r", "expires": "2026-02-30"}, "expires must"),
        ({"rule": "TW001", "role": "x", "reason": "r", "until": "x"}, "unknown key 'until'"),
    ],
)
def test_bad_entries_are_config_errors(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_suppressions([entry], None)


def test_suppress_must_be_an_array_of_tables() -> None:
    with pytest.raises(ConfigError, match="array of tables"):
        parse_suppressions({"rule": "TW001"}, Path("tw.toml"))
