"""The direct tier (``trustwarden.engine.direct``): the shapes it decides, those it declines.

Its answers are checked against z3 (the same :class:`ExactSearch` with the tier switched
off) on tables and on hypothesis-generated documents of the tier's shapes.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.engine.helpers import (
    EXT_KEY,
    FRIEND,
    OUTSIDER,
    OWN,
    TRUSTED_ORG,
    arn,
    aws,
    policy,
    statement,
)
from trustwarden.engine import Request, evaluate_request
from trustwarden.engine.attacker import Hit
from trustwarden.engine.direct import Declined, decide
from trustwarden.engine.exact import ExactSearch, Undecided
from trustwarden.model import Statement, TrustPolicy
from trustwarden.policy import decode_document, parse_policy

ANY = {"AWS": "*"}
TAG = "aws:PrincipalTag/team"
NUM = "aws:PrincipalTag/level"
PARN = "aws:PrincipalArn"
MFA = "aws:MultiFactorAuthPresent"
ORG = "aws:PrincipalOrgID"
TRUSTED = frozenset({OWN, FRIEND})
ORGS = frozenset({TRUSTED_ORG})


def deny(condition: dict[str, Any]) -> dict[str, Any]:
    return statement("*", effect="Deny", condition=condition)


def allow(condition: dict[str, Any], principal: Any = ANY) -> dict[str, Any]:
    return statement(principal, condition=condition)


def _parse(document: dict[str, Any]) -> TrustPolicy:
    return parse_policy(decode_document(document))


def _questions(search: ExactSearch) -> list[tuple[Statement, Any]]:
    return [(s, o) for s in search.relevant if s.effect == "Allow" for o in search.outsiders(s)]


def tier(document: dict[str, Any], *, strong: bool = False) -> list[Hit | None]:
    """The tier's answer to every question of the document (raises Declined)."""
    search = ExactSearch(_parse(document), "aws", TRUSTED, ORGS)
    return [decide(search, s, o, strong=strong) for s, o in _questions(search)]


def solver(document: dict[str, Any], *, strong: bool = False) -> list[Hit | None]:
    """z3's answer to every question (the tier switched off)."""
    search = ExactSearch(_parse(document), "aws", TRUSTED, ORGS, direct=False)
    return [search.find(s, o, strong=strong) for s, o in _questions(search)]


def _exposed(hits: list[Hit | None]) -> bool:
    return any(h is not None for h in hits)


def _context(hit: Hit) -> dict[str, Any]:
    return dict(hit.request.context)


DECIDED: list[tuple[str, dict[str, Any], bool]] = [
    (
        "external-id-glob-deny-literals",
        policy(
            allow({"StringLike": {EXT_KEY: "acme-*"}}),
            deny({"StringEquals": {EXT_KEY: ["acme-", "acme-a", "acme-0", "acme-00"]}}),
        ),
        True,
    ),
    (
        "external-id-literal-denied",
        policy(
            allow({"StringLike": {EXT_KEY: "acme-7"}}), deny({"StringEquals": {EXT_KEY: "acme-7"}})
        ),
        False,
    ),
    (
        "ignore-case-all-variants-denied",
        policy(
            allow({"StringEqualsIgnoreCase": {TAG: "Ab"}}),
            deny({"StringEquals": {TAG: ["ab", "AB", "Ab", "aB"]}}),
        ),
        False,
    ),
    (
        "ignore-case-one-variant-left",
        policy(
            allow({"StringEqualsIgnoreCase": {TAG: "Ab"}}),
            deny({"StringEquals": {TAG: ["ab", "AB", "Ab"]}}),
        ),
        True,
    ),
    (
        "glob-outside-the-key-format",
        policy(allow({"StringLike": {EXT_KEY: "bad id*"}})),  # a space: no External ID
        False,
    ),
    (
        "open-numeric-window",
        policy(allow({"NumericGreaterThan": {NUM: "7"}, "NumericLessThan": {NUM: "8"}})),
        True,
    ),
    (
        "numeric-window-finer-than-the-grid",
        policy(
            allow({"NumericGreaterThan": {NUM: "7"}, "NumericLessThan": {NUM: "7.000000000001"}})
        ),
        False,
    ),
    (
        "numeric-points-denied",
        policy(
            allow({"NumericEquals": {NUM: ["1", "2"]}}),
            deny({"NumericEquals": {NUM: ["1", "2"]}}),
        ),
        False,
    ),
    (
        "numeric-deny-escaped-by-absence",
        policy(allow({"StringLike": {EXT_KEY: "*"}}), deny({"NumericLessThan": {NUM: "5"}})),
        True,
    ),
    (
        "arn-like-role-pattern",
        policy(allow({"ArnLike": {PARN: "arn:aws:iam::*:role/deploy-*"}})),
        True,
    ),
    (
        "arn-like-user-path",
        policy(allow({"ArnLike": {PARN: "arn:aws:iam::*:user/ops/*"}})),
        True,
    ),
    (
        "arn-like-five-parts",
        policy(allow({"ArnLike": {PARN: "arn:aws:iam:*:role/x"}})),
        False,
    ),
    (
        "arn-like-resource-without-name",
        policy(allow({"ArnLike": {PARN: "arn:aws:iam::*:role"}})),
        False,
    ),
    (
        "arn-like-literal-account-too-short",
        policy(allow({"ArnLike": {PARN: "arn:aws:iam::12345:role/*"}})),
        False,
    ),
    (
        "arn-like-sts-service",
        policy(allow({"ArnLike": {PARN: "arn:aws:sts::*:assumed-role/*"}})),
        False,
    ),
    (
        "arn-like-named-account-other-pattern",
        policy(
            allow({"ArnLike": {PARN: "arn:aws:iam::9999*:role/*"}}, principal=aws(arn(OUTSIDER)))
        ),
        False,
    ),
    (
        "external-id-bound-to-tag",
        policy(allow({"StringEquals": {EXT_KEY: "${aws:PrincipalTag/tenant}"}})),
        True,
    ),
    (
        "version-2008-variable-is-literal",
        {
            "Version": "2008-10-17",
            "Statement": [allow({"StringEquals": {EXT_KEY: "${aws:PrincipalTag/tenant}"}})],
        },
        False,
    ),
    ("org-untrusted", policy(allow({"StringEquals": {ORG: "o-vendororg01"}})), True),
    ("org-trusted", policy(allow({"StringEquals": {ORG: TRUSTED_ORG}})), False),
    (
        "org-pattern-deny-literals",
        policy(
            allow({"StringLike": {ORG: "o-abc*"}}),
            deny({"StringEquals": {ORG: ["o-abc0000000", "o-abca000000"]}}),
        ),
        True,
    ),
    ("org-pattern-outside-format", policy(allow({"StringLike": {ORG: "o-ABC*"}})), False),
    (
        "pattern-exclusion-covers",
        policy(allow({"StringLike": {EXT_KEY: "x-*"}}), deny({"StringLike": {EXT_KEY: "x*"}})),
        False,
    ),
    (
        "pattern-exclusion-disjoint",
        policy(
            allow({"StringLike": {EXT_KEY: "ab-*"}}),
            deny(
                {
                    "StringEquals": {
                        EXT_KEY: ["ab-", "ab-a", "ab-0", "ab-00", "ab-trustwarden-witness"]
                    }
                }
            ),
            deny({"StringLike": {EXT_KEY: ["q*", "b*"]}}),
        ),
        True,
    ),
    (
        "arn-deny-every-role",
        policy(
            allow({"ArnLike": {PARN: "arn:aws:iam::*:role/app*"}}),
            deny({"ArnLike": {PARN: "arn:aws:iam::*:role/*"}}),
        ),
        False,
    ),
    (
        "arn-not-like-every-caller",
        policy(allow({"ArnNotLike": {PARN: "arn:aws:iam::*:*"}}, principal=aws(arn(OUTSIDER)))),
        False,
    ),
    ("deny-everyone", policy(allow({"StringLike": {EXT_KEY: "*"}}), deny({})), False),
    (
        "mfa-false-session",
        policy(allow({"Bool": {MFA: "false"}, "StringLike": {EXT_KEY: "x*"}})),
        True,
    ),
    ("mfa-true-required", policy(allow({"Bool": {MFA: "true"}, "Null": {TAG: "false"}})), False),
    (
        "null-and-not-like",
        policy(
            allow({"Null": {TAG: "false"}, "StringNotLike": {TAG: ["a*", "b*"]}}),
            deny({"StringEquals": {TAG: ""}}),
        ),
        True,
    ),
]


@pytest.mark.parametrize(
    ("document", "exposed"), [c[1:] for c in DECIDED], ids=[c[0] for c in DECIDED]
)
def test_tier_decides_and_agrees_with_z3(document: dict[str, Any], exposed: bool) -> None:
    hits = tier(document)
    assert _exposed(hits) is exposed
    assert _exposed(solver(document)) is exposed
    pol = _parse(document)
    for hit in hits:
        if hit is not None:
            assert evaluate_request(pol, hit.request)
            assert not hit.relies_on_unevaluable


def test_tier_witnesses() -> None:
    (hit,) = tier(
        policy(
            allow({"StringLike": {EXT_KEY: "acme-*"}}),
            deny({"StringEquals": {EXT_KEY: ["acme-", "acme-a", "acme-0", "acme-00"]}}),
        )
    )
    assert hit is not None
    ext = _context(hit)["sts:externalid"]
    assert ext.startswith("acme-")
    assert ext not in {"acme-", "acme-a", "acme-0", "acme-00"}
    (hit,) = tier(policy(allow({"StringEquals": {EXT_KEY: "${aws:PrincipalTag/tenant}"}})))
    assert hit is not None
    assert _context(hit)["sts:externalid"] == _context(hit)["aws:principaltag/tenant"]
    (hit,) = tier(policy(allow({"NumericGreaterThan": {NUM: "7"}, "NumericLessThan": {NUM: "8"}})))
    assert hit is not None
    assert 7 < float(_context(hit)["aws:principaltag/level"]) < 8
    (hit,) = tier(policy(allow({"ArnLike": {PARN: "arn:aws:iam::*:user/ops/*"}})))
    assert hit is not None
    assert ":user/ops/" in hit.request.principal_arn
    assert hit.request.account_id not in TRUSTED


def test_tier_strong_question_excludes_named_organisations() -> None:
    document = policy(allow({"StringEquals": {ORG: "o-vendororg01"}, "Null": {EXT_KEY: "false"}}))
    assert _exposed(tier(document))
    assert not _exposed(tier(document, strong=True))  # TW002: judged like the named account
    assert not _exposed(solver(document, strong=True))


def test_tier_strong_question_allows_own_external_id() -> None:
    document = policy(allow({"StringEquals": {EXT_KEY: "vendor-1"}, "StringLike": {TAG: "*"}}))
    assert not _exposed(tier(document))
    assert _exposed(tier(document, strong=True))


DECLINED: list[tuple[str, dict[str, Any]]] = [
    ("not-principal", policy(statement(not_principal=aws(arn(OUTSIDER)), condition={}))),
    (
        "deny-naming-principals",
        policy(
            allow({"StringLike": {EXT_KEY: "a*"}}),
            statement(aws(arn(OUTSIDER)), effect="Deny", condition={"Null": {EXT_KEY: "true"}}),
        ),
    ),
    ("set-operator", policy(allow({"ForAnyValue:StringLike": {"aws:TagKeys": "a*"}}))),
    ("principal-account", policy(allow({"StringLike": {"aws:PrincipalAccount": "9*"}}))),
    ("current-time", policy(allow({"DateLessThan": {"aws:CurrentTime": "2030-01-01"}}))),
    ("unparsable-number", policy(allow({"NumericLessThan": {NUM: "lots"}}))),
    ("variable-with-text", policy(allow({"StringEquals": {EXT_KEY: "${aws:PrincipalTag/t}-x"}}))),
    (
        "variable-target-read-elsewhere",
        policy(
            allow(
                {
                    "StringEquals": {EXT_KEY: "${aws:PrincipalTag/t}"},
                    "StringLike": {"aws:PrincipalTag/t": "a*"},
                }
            )
        ),
    ),
    (
        "glob-against-glob",
        policy(
            allow({"StringLike": {TAG: "a*"}, "StringLikeIfExists": {TAG: "*b"}}),
            deny({"StringLike": {TAG: "a*b"}}),
        ),
    ),
    (
        "pattern-exclusion-by-suffix",
        policy(allow({"StringLike": {EXT_KEY: "*a"}}), deny({"StringLike": {EXT_KEY: "*a"}})),
    ),
    (
        "arn-pattern-not-ruled-out",
        policy(
            allow({"ArnLike": {PARN: "arn:aws:iam::*:role/x*"}}),
            deny({"ArnLike": {PARN: "arn:aws:iam::*:role/x*"}}),
        ),
    ),
    (
        "string-and-number",
        policy(allow({"StringLike": {NUM: "1*"}, "NumericLessThan": {NUM: "5"}})),
    ),
    (
        "question-marks-only",
        policy(
            allow({"StringLike": {TAG: "??"}}),
            deny({"StringEquals": {TAG: ["aa", "00", "a0", "0a"]}}),
        ),
    ),
]


@pytest.mark.parametrize("document", [c[1] for c in DECLINED], ids=[c[0] for c in DECLINED])
def test_tier_declines_to_z3(document: dict[str, Any]) -> None:
    with pytest.raises(Declined):
        tier(document)


# --------------------------------------------------------------------------- differential

_CONDITIONS: dict[str, tuple[list[str], list[str]]] = {
    EXT_KEY: (
        ["StringLike", "StringNotLike", "StringEquals", "StringNotEquals",
         "StringEqualsIgnoreCase", "StringLikeIfExists", "Null"],
        ["ab-*", "ab-0", "ab-a", "AB-0", "*", "ab-", "q*", "ab-00"],
    ),
    TAG: (
        ["StringLike", "StringNotLike", "StringEquals", "StringNotEqualsIgnoreCase",
         "StringEqualsIgnoreCase", "StringEqualsIfExists", "Null"],
        ["v*", "v", "V", "v0", "*0", "", "v?"],
    ),
    NUM: (
        ["NumericLessThan", "NumericGreaterThan", "NumericEquals", "NumericNotEquals",
         "NumericLessThanEquals", "NumericGreaterThanEqualsIfExists"],
        ["1", "2", "1.5", "-3", "1.000000000001", "0"],
    ),
    PARN: (
        ["ArnLike", "ArnNotLike", "StringLike", "ArnEquals"],
        ["arn:aws:iam::*:role/app*", "arn:aws:iam::*:user/*", "arn:aws:iam::2222*:*",
         "arn:aws:iam::*:role/app", "*", "arn:aws:iam::*:*", "arn:aws:sts::*:*"],
    ),
    MFA: (["Bool", "Null"], ["true", "false"]),
    ORG: (
        ["StringEquals", "StringLike", "StringNotEquals", "StringEqualsIgnoreCase", "Null"],
        [TRUSTED_ORG, "o-abc*", "o-*", "o-vendororg01", "*", "O-VENDORORG01"],
    ),
}  # fmt: skip


@st.composite
def _condition_block(draw: st.DrawFn) -> dict[str, Any]:
    block: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(sorted(_CONDITIONS)))
        ops, values = _CONDITIONS[key]
        op = draw(st.sampled_from(ops))
        if op == "Null":
            chosen: Any = draw(st.sampled_from(["true", "false"]))
        elif key == MFA:
            chosen = draw(st.sampled_from(values))
        else:
            chosen = draw(st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True))
        block.setdefault(op, {})[key] = chosen
    return block


@st.composite
def _documents(draw: st.DrawFn) -> dict[str, Any]:
    principal = draw(st.sampled_from([ANY, aws(arn(OUTSIDER)), aws(arn(OUTSIDER, "role/app1"))]))
    condition = draw(_condition_block())
    if draw(st.booleans()):
        condition["StringEquals"] = {"aws:RequestTag/x": "${aws:PrincipalTag/bound}"}
    statements = [allow(condition, principal)]
    statements += [deny(draw(_condition_block())) for _ in range(draw(st.integers(0, 2)))]
    return policy(*statements)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(document=_documents(), strong=st.booleans())
def test_tier_and_z3_agree(document: dict[str, Any], strong: bool) -> None:
    try:
        hits = tier(document, strong=strong)
    except Declined:
        return
    try:
        expected = solver(document, strong=strong)
    except Undecided:
        return
    assert [h is None for h in hits] == [h is None for h in expected], (document, hits, expected)
    pol = _parse(document)
    for hit in hits:
        if hit is not None:
            assert evaluate_request(pol, Request.from_witness(_witness(hit)))


def _witness(hit: Hit) -> Any:
    from trustwarden.engine.attacker import to_witness  # noqa: PLC0415

    return to_witness(hit.request)
