"""External ID quality rules TW006-TW009: after the engine, on the parsed policy."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from trustwarden.engine import analyze_role
from trustwarden.external_id_checks import (
    _text_mentions_external_id,
    check_events,
    entropy_bits,
    role_findings,
    with_findings,
)
from trustwarden.model import Finding, Origin, Role, RoleResult, Settings, Status
from trustwarden.rules import RULES
from trustwarden.rules.catalog import page_path

OWN = "111111111111"
VENDOR = "387546586013"
OTHER = "464622532012"
UUID = "9d8c7b6a-5f4e-4d3c-8b2a-1a0f9e8d7c6b"


def result(name: str, principal: Any, condition: dict[str, Any] | None) -> RoleResult:
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition is not None:
        stmt["Condition"] = condition
    role = Role(
        arn=f"arn:aws:iam::{OWN}:role/{name}",
        name=name,
        account_id=OWN,
        trust_document={"Version": "2012-10-17", "Statement": [stmt]},
        origin=Origin(source="test"),
    )
    return analyze_role(role, Settings())


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def vendor(
    ext: Any, name: str = "vendor", account: str = VENDOR, op: str = "StringEquals"
) -> RoleResult:
    return result(name, {"AWS": f"arn:aws:iam::{account}:root"}, {op: {"sts:ExternalId": ext}})


def test_every_new_rule_is_a_warn_in_the_catalog_with_a_page() -> None:
    for code in ("TW006", "TW007", "TW008", "TW009"):
        assert RULES[code].status is Status.WARN
        assert page_path(code).is_file()
        assert page_path(code).read_text(encoding="utf-8").startswith(f"# {code} — ")


def test_a_good_external_id_adds_nothing() -> None:
    r = vendor(UUID)
    assert r.status is Status.PASS
    assert role_findings(r) == []


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("acme 7781-x", "may only contain letters, digits and _+=,.@:/- (found ' ')"),
        ("x", "must be 2-1224 characters, got 1"),
        ("a" * 1225, "got 1225"),
    ],
)
def test_tw006_an_id_sts_rejects(value: str, why: str) -> None:
    r = vendor(value)
    (finding,) = [f for f in role_findings(r) if f.code == "TW006"]
    assert why in finding.message
    assert finding.status is Status.WARN


@pytest.mark.parametrize(
    ("value", "name", "why"),
    [
        ("123456789012", "vendor", "an AWS account ID"),
        ("Vendor-Role", "vendor-role", "the role's name"),
        ("ab12cd", "vendor", "only 6 characters"),
        ("aaaaaaaaaaaaaaaaaaaaaaaa", "vendor", "bits of randomness"),
        ("acme-7781", "vendor", "bits of randomness"),
    ],
)
def test_tw008_guessable_ids(value: str, name: str, why: str) -> None:
    (finding,) = [f for f in role_findings(vendor(value, name=name)) if f.code == "TW008"]
    assert why in finding.message


def test_entropy_estimate() -> None:
    assert entropy_bits("aaaa") == 0
    assert entropy_bits(UUID) > 100


def test_tw009_pattern_and_list() -> None:
    pattern = role_findings(vendor("vendor-*", op="StringLike"))
    assert codes(pattern) == ["TW009"]
    assert "StringLike" in pattern[0].message
    listed = role_findings(vendor([UUID, "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"]))
    assert codes(listed) == ["TW009"]
    assert "accepts 2 External IDs" in listed[0].message


def test_a_pass_becomes_warn_and_the_fingerprint_follows_the_engine_recipe() -> None:
    r = vendor("123456789012")
    assert r.status is Status.PASS
    out = with_findings(r, role_findings(r))
    assert out.status is Status.WARN
    assert out.fingerprint != r.fingerprint
    # A fail stays fail.
    failing = result(
        "open", {"AWS": f"arn:aws:iam::{VENDOR}:root"}, {"StringLike": {"sts:ExternalId": "*"}}
    )
    assert failing.status is Status.FAIL
    assert with_findings(failing, role_findings(failing)).status is Status.FAIL


def test_tw007_one_id_for_different_accounts_across_roles_in_input_order() -> None:
    first = vendor(UUID, name="a", account=VENDOR)
    plain = vendor("0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b", name="b", account=OTHER)
    second = vendor(UUID, name="c", account=OTHER)
    same_vendor = vendor("11112222-3333-4444-5555-666677778888", name="d", account=VENDOR)
    out = [
        r for r in check_events([first, plain, second, same_vendor]) if isinstance(r, RoleResult)
    ]
    assert [r.role.name for r in out] == ["a", "b", "c", "d"]
    by_name = {r.role.name: r for r in out}
    assert codes(list(by_name["a"].findings)) == ["TW007"]
    assert codes(list(by_name["c"].findings)) == ["TW007"]
    assert by_name["b"].findings == ()
    assert by_name["d"].findings == ()
    assert f"from other accounts ({OTHER})" in by_name["a"].findings[0].message
    assert f"from other accounts ({VENDOR})" in by_name["c"].findings[0].message


def test_tw007_ignores_one_account_using_one_id_in_many_roles_and_star_principals() -> None:
    one = vendor(UUID, name="a")
    two = vendor(UUID, name="b")
    star = result("c", "*", {"StringEquals": {"sts:ExternalId": UUID}})
    out = list(check_events([one, two, star]))
    assert all("TW007" not in codes(list(r.findings)) for r in out)  # type: ignore[union-attr]


def test_interrupt_releases_held_results() -> None:
    held = vendor(UUID, name="a")

    def stream() -> Any:
        yield held
        raise KeyboardInterrupt

    events = check_events(stream())
    assert next(events).role.name == "a"  # type: ignore[union-attr]
    with pytest.raises(KeyboardInterrupt):
        next(events)


def test_external_id_key_in_any_case_and_a_single_statement_object_are_checked() -> None:
    short = {"StringEquals": {"STS:EXTERNALID": "abc"}}  # condition keys ignore case
    listed = result("listed", {"AWS": f"arn:aws:iam::{VENDOR}:root"}, short)
    assert codes(role_findings(listed)) == ["TW008"]
    single = dataclasses.replace(
        listed.role,
        name="single",
        trust_document={
            "Version": "2012-10-17",
            "Statement": listed.role.trust_document["Statement"][0],  # type: ignore[index]
        },
    )
    one = analyze_role(single, Settings())
    (out,) = check_events([one])
    assert codes(list(out.findings)) == ["TW008"]  # type: ignore[union-attr]


def test_repeated_documents_are_judged_per_role() -> None:
    # One document for two roles (its tests are parsed once): the ID is the first role's
    # name, so guessable there (TW008) and not in the second role.
    first, second = vendor("q8Zr4Kd2Xw9m", name="q8Zr4Kd2Xw9m"), vendor("q8Zr4Kd2Xw9m")
    out = list(check_events([first, second]))
    assert [codes(list(r.findings)) for r in out] == [["TW008"], []]  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "text",
    [
        '{"Statement": [{"Condition": {"StringEquals": {"sts:\\u0045xternalId": "x"}}}]}',
        "%7B%22Statement%22%3A%5B%7B%22Condition%22%3A%7B%22StringEquals%22%3A%7B%22sts%3A"
        "%45xternalId%22%3A%22x%22%7D%7D%7D%5D%7D",
        '{"Statement": [{"Condition": {"StringEquals": {"STS:EXTERNALID": "x"}}}]}',
    ],
)
def test_documents_as_text_that_may_name_the_external_id_are_checked(text: str) -> None:
    assert _text_mentions_external_id(text)


def test_a_document_as_text_without_the_key_is_skipped_cheaply() -> None:
    assert not _text_mentions_external_id('{"Statement": [{"Effect": "Allow"}]}')
