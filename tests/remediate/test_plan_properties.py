"""Property tests: a plan changes only what it is meant to change."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.remediate.helpers import EXTERNAL_ID, FRIEND, OTHER, OUTSIDER, OWN, SETTINGS, role
from trustwarden.engine import analyze_role
from trustwarden.model import Status
from trustwarden.remediate.edit import principal_matches
from trustwarden.remediate.mapping import ExternalIds
from trustwarden.remediate.plan import FixOptions, PlanAction, plan_role

EXT_KEY = "sts:ExternalId"
MFA_KEY = "aws:MultiFactorAuthPresent"

PRINCIPAL_VALUES = [
    OWN,
    FRIEND,
    OUTSIDER,
    OTHER,
    f"arn:aws:iam::{OUTSIDER}:root",
    f"arn:aws:iam::{OTHER}:role/deployer",
    f"arn:aws:sts::{OUTSIDER}:assumed-role/ci/session",
    f"arn:aws:iam::{OWN}:role/admin",
    "*",
    "AROAEXAMPLEEXAMPLE123",
]
CONDITIONS = [
    ("StringLike", EXT_KEY, "*"),
    ("StringEquals", EXT_KEY, "other-vendor-id"),
    ("StringEquals", "sts:externalid", "${aws:PrincipalAccount}"),
    ("StringEqualsIfExists", EXT_KEY, "abc-123"),
    ("ForAllValues:StringEquals", EXT_KEY, ["abc-123"]),
    ("Null", EXT_KEY, "false"),
    ("BoolIfExists", MFA_KEY, "true"),
    ("Bool", MFA_KEY, "true"),
    ("Bool", MFA_KEY, False),
    ("Null", MFA_KEY, "false"),
    ("NumericLessThan", "aws:MultiFactorAuthAge", "3600"),
    ("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
    ("StringEquals", "aws:PrincipalOrgID", "o-abcdefghij"),
    ("StringNotEquals", "aws:PrincipalAccount", OUTSIDER),
    ("StringLike", "aws:PrincipalArn", f"arn:aws:iam::{OUTSIDER}:role/*"),
    ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"),
]
ACTIONS = ["sts:AssumeRole", "sts:*", ["sts:AssumeRole", "sts:TagSession"], "sts:TagSession", "*"]


@st.composite
def principals(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["star", "aws-one", "aws-list", "service", "mixed"]))
    if kind == "star":
        return "*"
    if kind == "service":
        return {"Service": "ec2.amazonaws.com"}
    values = draw(st.lists(st.sampled_from(PRINCIPAL_VALUES), min_size=1, max_size=3, unique=True))
    aws: Any = values[0] if kind == "aws-one" else values
    if kind == "mixed":
        return {"Service": "lambda.amazonaws.com", "AWS": aws}
    return {"AWS": aws}


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    picks = draw(
        st.lists(st.sampled_from(CONDITIONS), max_size=4, unique_by=lambda c: (c[0], c[1]))
    )
    block: dict[str, Any] = {}
    for op, key, value in picks:
        block.setdefault(op, {})[key] = value
    return block


@st.composite
def statements(draw: st.DrawFn, index: int) -> dict[str, Any]:
    parts: list[tuple[str, Any]] = [
        ("Effect", draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))),
        ("Principal", draw(principals())),
        ("Action", draw(st.sampled_from(ACTIONS))),
    ]
    if draw(st.booleans()):
        parts.append(("Sid", f"S{index}"))
    cond = draw(conditions())
    if cond:
        parts.append(("Condition", cond))
    return dict(draw(st.permutations(parts)))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    count = draw(st.integers(min_value=1, max_value=4))
    stmts = [draw(statements(i)) for i in range(count)]
    doc: dict[str, Any] = {}
    if draw(st.booleans()):
        doc["Version"] = "2012-10-17"
    if draw(st.booleans()):
        doc["Id"] = "trust"
    doc["Statement"] = stmts[0] if count == 1 and draw(st.booleans()) else stmts
    return dict(draw(st.permutations(list(doc.items()))))


def as_list(doc: Any) -> list[Any]:
    raw = doc["Statement"]
    return raw if isinstance(raw, list) else [raw]


def without_key(
    condition: dict[str, Any] | None, key: str
) -> list[tuple[str, list[tuple[str, Any]]]]:
    """Condition entries in order, with every test of ``key`` (and blocks it emptied) removed."""
    out = []
    for op, block in (condition or {}).items():
        items = [(k, v) for k, v in block.items() if k.lower() != key.lower()]
        if items or not block:
            out.append((op, items))
    return out


def key_tests(condition: dict[str, Any] | None, key: str) -> list[tuple[str, Any]]:
    return [
        (op, v)
        for op, block in (condition or {}).items()
        for k, v in block.items()
        if k.lower() == key.lower()
    ]


def check_condition_fix(
    before: dict[str, Any], after: dict[str, Any], key: str, op: str, value: str
) -> set[int]:
    """Assert only ``key`` tests changed; return the indexes of the statements that changed."""
    assert list(after) == list(before)
    assert {k: v for k, v in after.items() if k != "Statement"} == {
        k: v for k, v in before.items() if k != "Statement"
    }
    assert isinstance(after["Statement"], list) == isinstance(before["Statement"], list)
    b_list, a_list = as_list(before), as_list(after)
    assert len(a_list) == len(b_list)
    changed = set()
    for index, (b, a) in enumerate(zip(b_list, a_list, strict=True)):
        b_rest = [(k, v) for k, v in b.items() if k != "Condition"]
        a_rest = [(k, v) for k, v in a.items() if k != "Condition"]
        assert a_rest == b_rest  # every other element, in order
        assert without_key(a.get("Condition"), key) == without_key(b.get("Condition"), key)
        if a != b:
            changed.add(index)
            assert b["Effect"] == "Allow"
            assert key_tests(a["Condition"], key) == [(op, value)]
    return changed


SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(documents())
def test_external_id_plan_changes_only_external_id_tests(doc: dict[str, Any]) -> None:
    original = copy.deepcopy(doc)
    r = role(doc)
    options = FixOptions(external_ids=ExternalIds(default=EXTERNAL_ID), max_policy_size=100_000)
    plan = plan_role(r, SETTINGS, options)
    assert doc == original
    if plan.status_before is Status.FAIL:
        # Requiring the exact External ID on every exposing Allow always closes the exposure.
        assert plan.action is PlanAction.CHANGE, plan.reason
    if plan.action is PlanAction.CHANGE:
        assert plan.after is not None
        changed = check_condition_fix(doc, dict(plan.after), EXT_KEY, "StringEquals", EXTERNAL_ID)
        assert changed
        fixed = analyze_role(dataclasses.replace(r, trust_document=plan.after), SETTINGS)
        assert fixed.status in (Status.PASS, Status.WARN)
        assert fixed.status is plan.status_after


@SLOW
@given(documents())
def test_mfa_plan_changes_only_mfa_tests(doc: dict[str, Any]) -> None:
    plan = plan_role(role(doc), SETTINGS, FixOptions(require_mfa=True, max_policy_size=100_000))
    if plan.status_before is Status.FAIL:
        assert plan.action is PlanAction.CHANGE, plan.reason
    if plan.action is PlanAction.CHANGE:
        assert plan.after is not None
        check_condition_fix(doc, dict(plan.after), MFA_KEY, "Bool", "true")


@SLOW
@given(documents(), st.sampled_from([OUTSIDER, OTHER, "*"]))
def test_remove_principal_changes_only_that_principal(doc: dict[str, Any], removal: str) -> None:
    options = FixOptions(remove_principals=(removal,), include_warn=True, max_policy_size=100_000)
    plan = plan_role(role(doc), SETTINGS, options)
    if plan.action is not PlanAction.CHANGE:
        return
    assert plan.after is not None
    after = as_list(plan.after)
    expected = []
    for stmt in as_list(doc):
        if stmt["Effect"] != "Allow":
            expected.append(stmt)
            continue
        kept = strip(stmt["Principal"], removal)
        if kept is not None:
            expected.append({k: (kept if k == "Principal" else v) for k, v in stmt.items()})
    assert after == expected
    assert [list(s) for s in after] == [list(s) for s in expected]  # key order kept


def strip(principal: Any, removal: str) -> Any:
    if isinstance(principal, str):
        return None if principal_matches(principal, removal) else principal
    out = {}
    for kind, entries in principal.items():
        values = entries if isinstance(entries, list) else [entries]
        left = [v for v in values if not principal_matches(v, removal)]
        if left:
            out[kind] = left if isinstance(entries, list) else left[0]
    return out or None
