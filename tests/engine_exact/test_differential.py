"""Differential test: generated policies built to defeat fixed fillers, judged by the oracle.

Each policy has an Allow with a pattern, an open interval, a multivalued or a variable
condition, and Denies listing exactly the values today's search tries
(``trustwarden.engine.attacker``: ``FILLERS`` x/""/Q7z/0/9 for ``*`` and x/q/Q/0/9 for ``?``,
account digits 0/9/5/1, ``attacker-chosen-id``, ``Q7zQ7z``, ``trustwarden-any-value``, the
empty string, swapped case, numbers ±1). The values are copied here, not imported: the
engine that replaces that search must not be able to move them.

- The oracle finds an allowed outsider request → the engine must say ``fail`` (TW001/TW004).
- Every engine witness must be allowed by the independent evaluator (TW001) and be a request
  STS accepts from a caller the contract calls an attacker.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine_exact.judge import (
    OTHER,
    OUTSIDER,
    OWN,
    SETTINGS,
    is_exposed,
    run,
    show,
    witness_verdicts,
)
from tests.engine_exact.oracle import find_allowed
from tests.engine_exact.policies import ANYONE, EXT, allow, deny, doc, root

ENGINE_FILLERS = (("x", "x"), ("", "q"), ("Q7z", "Q"), ("0", "0"), ("9", "9"))
ENGINE_DIGITS = "0951"
ENGINE_FRESH = ("attacker-chosen-id", "Q7zQ7z", "trustwarden-any-value", "")
OUT = {"AWS": root(OUTSIDER)}
PRINCIPALS: list[Any] = [OUT, ANYONE, "*", {"AWS": [OUTSIDER, root(OTHER)]}]


def engine_fills(pattern: str) -> list[str]:
    """What today's search substitutes into a wildcard pattern."""
    return [pattern.replace("*", s).replace("?", q) for s, q in ENGINE_FILLERS]


def account_fills(pattern: str) -> list[str]:
    """Today's 12-digit instances of an account pattern."""
    fixed = len(pattern.replace("*", ""))
    out = []
    for d in ENGINE_DIGITS:
        text = pattern.replace("?", d)
        if "*" in text:
            head, _, tail = text.partition("*")
            text = head + d * (12 - fixed) + tail.replace("*", "")
        out.append(text)
    return out


def _subset(draw: st.DrawFn, values: list[str]) -> list[str]:
    values = list(dict.fromkeys(values))
    if draw(st.booleans()):
        return values  # all of them: the strongest attack on fillers
    return draw(st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True))


@st.composite
def external_id_pattern(draw: st.DrawFn) -> dict[str, Any]:
    prefix = draw(st.sampled_from(["acme-", "t", "id.", "Cust_", "k"]))
    pattern = prefix + draw(st.sampled_from(["*", "?", "*?", "??", "*-prod"]))
    bad = engine_fills(pattern) + list(ENGINE_FRESH[:2])
    bad += [b.swapcase() for b in bad]
    op = draw(st.sampled_from(["StringEquals", "StringEqualsIgnoreCase", "StringLike"]))
    return doc(
        allow(draw(st.sampled_from(PRINCIPALS)), {"StringLike": {EXT: pattern}}),
        deny({op: {EXT: _subset(draw, bad)}}),
    )


@st.composite
def account_pattern(draw: st.DrawFn) -> dict[str, Any]:
    pattern = draw(st.sampled_from(["55555555555?", "5555555555??", "55555*", "4*4", "*2"]))
    key = draw(st.sampled_from(["aws:PrincipalAccount", "AWS:principalaccount"]))
    return doc(
        allow("*", {"StringLike": {key: pattern}}),
        deny({"StringEquals": {"aws:PrincipalAccount": _subset(draw, account_fills(pattern))}}),
    )


@st.composite
def principal_arn_pattern(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["role", "user"]))
    name = draw(st.sampled_from(["ci-*", "svc-?", "*-deploy", "a*"]))
    pattern = f"arn:aws:iam::*:{kind}/{name}"
    op = draw(st.sampled_from(["ArnLike", "StringLike"]))
    denied = [f"arn:aws:iam::*:{kind}/{n}" for n in engine_fills(name)]
    denied.append(f"arn:aws:iam::*:{kind}/trustwarden-witness")
    return doc(
        allow(ANYONE, {op: {"aws:PrincipalArn": pattern}}),
        deny({op: {"aws:PrincipalArn": _subset(draw, denied)}}),
    )


@st.composite
def tag_pattern(draw: st.DrawFn) -> dict[str, Any]:
    key = draw(st.sampled_from(["aws:PrincipalTag/team", "aws:RequestTag/env"]))
    pattern = draw(st.sampled_from(["ops-*", "?x*", "blue?", "*"]))
    bad = [*engine_fills(pattern), *ENGINE_FRESH[2:]]
    bad += [b.swapcase() for b in bad]
    extra: dict[str, Any] = {}
    if key.startswith("aws:RequestTag"):
        extra["Action"] = ["sts:AssumeRole", "sts:TagSession"]
    return doc(
        allow(draw(st.sampled_from(PRINCIPALS)), {"StringLike": {key: pattern}}, **extra),
        deny({"StringEquals": {key: _subset(draw, bad)}}),
    )


@st.composite
def numeric_interval(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.integers(0, 40))
    width = draw(st.sampled_from([1, 2]))
    key = draw(st.sampled_from(["aws:PrincipalTag/level", "aws:PrincipalTag/Level"]))
    statements = [
        allow(
            OUT,
            {
                "NumericGreaterThan": {key: str(low)},
                "NumericLessThan": {key: str(low + width)},
            },
        )
    ]
    if draw(st.booleans()):
        neighbours = [str(n) for n in range(low - 1, low + width + 2)]
        statements.append(deny({"NumericEquals": {key: _subset(draw, neighbours)}}))
    return doc(*statements)


@st.composite
def account_interval(draw: st.DrawFn) -> dict[str, Any]:
    low = draw(st.sampled_from([444444444444, 555555555550, 100000000000]))
    return doc(
        allow(
            "*",
            {
                "NumericGreaterThan": {"aws:PrincipalAccount": f"{low:012d}"},
                "NumericLessThan": {"aws:PrincipalAccount": f"{low + 2:012d}"},
            },
        )
    )


@st.composite
def multivalued(draw: st.DrawFn) -> dict[str, Any]:
    first = draw(st.sampled_from(["project", "env", "cost"]))
    second = draw(st.sampled_from(["owner-*", "team?", "x*"]))
    condition: dict[str, Any] = {
        "ForAnyValue:StringEquals": {"aws:TagKeys": first},
        "ForAnyValue:StringLike": {"aws:TagKeys": second},
    }
    if draw(st.booleans()):
        condition["ForAllValues:StringLike"] = {"aws:TagKeys": [first, second]}
    return doc(allow(OUT, condition, Action=["sts:AssumeRole", "sts:TagSession"]))


@st.composite
def variable_binding(draw: st.DrawFn) -> dict[str, Any]:
    source = draw(
        st.sampled_from(
            [
                "${aws:PrincipalTag/tenant}",
                "${aws:PrincipalOrgID}",
                "${aws:PrincipalAccount}",
                "${aws:username}",
                "tenant-${aws:PrincipalTag/t}",
            ]
        )
    )
    target = draw(st.sampled_from([EXT, "sts:RoleSessionName", "aws:PrincipalTag/owner"]))
    version = draw(st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17", None]))
    statements = [allow(draw(st.sampled_from(PRINCIPALS)), {"StringEquals": {target: source}})]
    if draw(st.booleans()):
        statements.append(deny({"StringEquals": {target: list(ENGINE_FRESH[:3])}}))
    return doc(*statements, version=version)


def _protect(draw: Any, document: dict[str, Any]) -> dict[str, Any]:
    """Sometimes add a strong control to the first Allow, so some policies are safe."""
    choice = draw(st.sampled_from(["none", "none", "none", "mfa", "external-id"]))
    if choice == "none":
        return document
    first = document["Statement"][0]
    condition = dict(first.get("Condition", {}))
    if choice == "mfa":
        condition["Bool"] = {"aws:MultiFactorAuthPresent": "true"}
    else:
        block = dict(condition.get("StringEquals", {}))
        block.setdefault(EXT, "issued-by-vendor-9d1c")
        condition["StringEquals"] = block
    first["Condition"] = condition
    return document


@st.composite
def other_tenants_literals(draw: st.DrawFn) -> dict[str, Any]:
    pattern = draw(st.sampled_from(["cust-*", "t-??", "acct*9"]))
    literals = _subset(draw, [*engine_fills(pattern), *ENGINE_FRESH[:2]])
    return doc(
        allow({"AWS": root(OTHER)}, {"StringEquals": {EXT: literals}}),
        allow(OUT, {"StringLike": {EXT: pattern}}),
    )


@st.composite
def org_pattern(draw: st.DrawFn) -> dict[str, Any]:
    pattern = draw(st.sampled_from(["o-abcdefgh*", "o-abcdefgh??", "o-*12345678"]))
    denied = [o.lower() for o in engine_fills(pattern)] + ["o-trustwarden00"]
    return doc(
        allow("*", {"StringLike": {"aws:PrincipalOrgID": pattern}}),
        deny({"StringEquals": {"aws:PrincipalOrgID": _subset(draw, denied)}}),
    )


FAMILIES = {
    "other-tenants-literals": other_tenants_literals,
    "org-pattern": org_pattern,
    "external-id-pattern": external_id_pattern,
    "account-pattern": account_pattern,
    "principal-arn-pattern": principal_arn_pattern,
    "tag-pattern": tag_pattern,
    "numeric-interval": numeric_interval,
    "account-interval": account_interval,
    "multivalued": multivalued,
    "variable-binding": variable_binding,
}


@pytest.mark.parametrize("family", list(FAMILIES))
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_engine_agrees_with_the_oracle(family: str, data: st.DataObject) -> None:
    document = _protect(data.draw, data.draw(FAMILIES[family]()))
    result = run(document)
    outcome = find_allowed(
        document, OWN, SETTINGS.trusted_accounts, SETTINGS.trusted_orgs, limit=3000
    )
    if outcome.request is not None:
        assert is_exposed(result), (
            f"the oracle gets in with {outcome.request.describe()}\n{document}\n{show(result)}"
        )
    problems = witness_verdicts(document, result)
    assert not problems, f"{problems}\n{document}\n{show(result)}"
