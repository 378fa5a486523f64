"""Engine invariants under random policies (hypothesis; bounded to run in seconds)."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.engine.helpers import (
    EXT_KEY,
    FRIEND,
    MFA_AGE,
    MFA_PRESENT,
    OTHER,
    OTHER_ORG,
    OUTSIDER,
    OWN,
    SETTINGS,
    TRUSTED_ORG,
    analyze,
    arn,
    aws,
    check_consistency,
    check_witnesses,
    literal_external_ids,
    show,
)
from trustwarden.engine import Request, evaluate_request
from trustwarden.engine.exact import needs_solver
from trustwarden.model import Status, Witness
from trustwarden.policy import parse_policy

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

NEW_EXTERNAL_ID = "prop-issued-ext-9"
LATECOMER = "555555555555"

# Principals that can never be the attacker, and principals that admit one.
INSIDER_PRINCIPALS: list[Any] = [
    aws(OWN),
    aws(arn(OWN)),
    aws(arn(OWN, "role/ci")),
    aws(FRIEND),
    aws(arn(FRIEND, "role/deployer")),
    {"Service": "ec2.amazonaws.com"},
    {"Federated": "accounts.google.com"},
    aws(arn(OUTSIDER, partition="aws-cn")),
    aws("AROAJQABLZS4A3QDU576Q"),
    aws(arn(OWN), FRIEND),
]
OUTSIDER_PRINCIPALS: list[Any] = [
    "*",
    {"AWS": "*"},
    aws(OUTSIDER),
    aws(arn(OUTSIDER)),
    aws(arn(OTHER, "user/u")),
    aws(arn(OUTSIDER, "assumed-role/vendor/s1", service="sts")),
    aws(OWN, OUTSIDER),
    {"AWS": OTHER, "Service": "lambda.amazonaws.com"},
]

ACTIONS: list[tuple[str, Any]] = [
    ("Action", "sts:AssumeRole"),
    ("Action", "sts:assumerole"),
    ("Action", "sts:*"),
    ("Action", "*"),
    ("Action", "sts:Assume*"),
    ("Action", ["sts:TagSession", "sts:AssumeRole"]),
    ("Action", "sts:TagSession"),
    ("Action", "sts:AssumeRoleWithSAML"),
    ("NotAction", "sts:TagSession"),
    ("NotAction", "sts:*"),
]

# (operator, key, values) fragments: weak, strong, attacker-chosen, identity-bound.
FRAGMENTS: list[tuple[str, str, Any]] = [
    ("StringEquals", EXT_KEY, "vendor-issued-7f3a"),
    ("StringEqualsIgnoreCase", EXT_KEY, "Vendor-Issued"),
    ("StringLike", EXT_KEY, "*"),
    ("StringLike", EXT_KEY, "abc*"),
    ("StringEqualsIfExists", EXT_KEY, "vendor-issued-7f3a"),
    ("StringNotEquals", EXT_KEY, ["x1", "y2"]),
    ("ForAllValues:StringEquals", EXT_KEY, "vendor-issued-7f3a"),
    ("ForAnyValue:StringEquals", EXT_KEY, "vendor-issued-7f3a"),
    ("StringEquals", EXT_KEY, "${aws:PrincipalAccount}"),
    ("Null", EXT_KEY, "false"),
    ("Bool", MFA_PRESENT, "true"),
    ("Bool", MFA_PRESENT, True),
    ("Bool", MFA_PRESENT, "false"),
    ("BoolIfExists", MFA_PRESENT, "true"),
    ("BoolIfExists", MFA_PRESENT, "false"),
    ("Null", MFA_PRESENT, "false"),
    ("Null", MFA_PRESENT, "true"),
    ("Null", MFA_AGE, "false"),
    ("NumericLessThan", MFA_AGE, "3600"),
    ("NumericLessThanIfExists", MFA_AGE, "3600"),
    ("StringEquals", "aws:PrincipalAccount", FRIEND),
    ("StringEquals", "aws:PrincipalAccount", OUTSIDER),
    ("StringNotEquals", "aws:PrincipalAccount", [OWN, FRIEND]),
    ("StringEquals", "aws:PrincipalOrgID", TRUSTED_ORG),
    ("StringEquals", "aws:PrincipalOrgID", OTHER_ORG),
    ("StringNotEquals", "aws:PrincipalOrgID", TRUSTED_ORG),
    ("ArnLike", "aws:PrincipalArn", arn(OWN, "role/*")),
    ("ArnLike", "aws:PrincipalArn", arn(OUTSIDER, "role/*")),
    ("IpAddress", "aws:SourceIp", "203.0.113.0/24"),
    ("StringEquals", "aws:PrincipalTag/team", "blue"),
    ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"),
]


@dataclass(frozen=True)
class GenStatement:
    """A generated statement and whether its principals can include an outsider."""

    body: dict[str, Any]
    admits_outsider: bool


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any] | None:
    picked = draw(st.lists(st.sampled_from(FRAGMENTS), max_size=3))
    if not picked:
        return None
    block: dict[str, Any] = {}
    for operator, key, values in picked:
        block.setdefault(operator, {})[key] = values
    return block


@st.composite
def statements(draw: st.DrawFn) -> GenStatement:
    effect = draw(st.sampled_from(["Allow", "Allow", "Allow", "Deny"]))
    body: dict[str, Any] = {"Effect": effect}
    shape = draw(st.sampled_from(["insider", "outsider", "outsider", "not-principal"]))
    if shape == "insider":
        body["Principal"] = draw(st.sampled_from(INSIDER_PRINCIPALS))
    elif shape == "outsider":
        body["Principal"] = draw(st.sampled_from(OUTSIDER_PRINCIPALS))
    else:
        body["NotPrincipal"] = draw(st.sampled_from([aws(arn(OWN)), aws(arn(OUTSIDER))]))
    field, action = draw(st.sampled_from(ACTIONS))
    body[field] = action
    condition = draw(conditions())
    if condition is not None:
        body["Condition"] = condition
    return GenStatement(body, shape != "insider")


@st.composite
def documents(draw: st.DrawFn) -> tuple[dict[str, Any], list[GenStatement]]:
    generated = draw(st.lists(statements(), min_size=1, max_size=4))
    bodies = [g.body for g in generated]
    as_object = len(bodies) == 1 and draw(st.booleans())
    doc = {"Version": "2012-10-17", "Statement": bodies[0] if as_object else bodies}
    return doc, generated


def _protect(generated: list[GenStatement]) -> dict[str, Any]:
    out = []
    for g in generated:
        body = copy.deepcopy(g.body)
        if body["Effect"] == "Allow" and g.admits_outsider:
            body.setdefault("Condition", {}).setdefault("StringEquals", {})[EXT_KEY] = (
                NEW_EXTERNAL_ID
            )
        out.append(body)
    return {"Version": "2012-10-17", "Statement": out}


@BOUNDED
@given(documents())
def test_exact_external_id_on_every_outsider_allow_never_fails(
    drawn: tuple[dict[str, Any], list[GenStatement]],
) -> None:
    _, generated = drawn
    protected = _protect(generated)
    result = analyze(protected)
    assert result.status is not Status.FAIL, f"{json.dumps(protected)}\n{show(result)}"


@BOUNDED
@given(documents())
def test_unprotected_outsider_allow_never_turns_fail_into_pass(
    drawn: tuple[dict[str, Any], list[GenStatement]],
) -> None:
    doc, generated = drawn
    before = analyze(doc)
    extra = {"Effect": "Allow", "Principal": aws(arn(LATECOMER)), "Action": "sts:AssumeRole"}
    widened = {"Version": "2012-10-17", "Statement": [g.body for g in generated] + [extra]}
    after = analyze(widened)
    context = f"{json.dumps(widened)}\nbefore:\n{show(before)}\nafter:\n{show(after)}"
    assert after.status.rank >= before.status.rank, context
    if before.status is Status.FAIL:
        assert after.status is Status.FAIL, context
    if all(g.body["Effect"] == "Allow" for g in generated):
        assert after.status is Status.FAIL, context


@BOUNDED
@given(documents())
def test_unconditioned_deny_for_everyone_never_fails(
    drawn: tuple[dict[str, Any], list[GenStatement]],
) -> None:
    _, generated = drawn
    guard = {"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole"}
    doc = {"Statement": [g.body for g in generated] + [guard]}
    result = analyze(doc)
    assert result.status is not Status.FAIL, f"{json.dumps(doc)}\n{show(result)}"


@BOUNDED
@given(documents())
def test_every_fail_witness_replays(drawn: tuple[dict[str, Any], list[GenStatement]]) -> None:
    doc, _ = drawn
    result = analyze(doc)
    check_consistency(result)
    if result.status is Status.FAIL:
        check_witnesses(doc, result, SETTINGS)


@BOUNDED
@given(documents(), st.sampled_from(["dict", "json", "url"]))
def test_results_are_deterministic(
    drawn: tuple[dict[str, Any], list[GenStatement]], form: str
) -> None:
    doc, generated = drawn
    raw: object = doc
    if form == "json":
        raw = json.dumps(doc)
    elif form == "url":
        raw = quote(json.dumps(doc), safe="")
    first = analyze(raw)
    second = analyze(raw)
    if needs_solver(parse_policy(doc)):
        # z3's models can differ between runs: the verdict and findings must not.
        assert (first.status, first.fingerprint) == (second.status, second.fingerprint)
        assert [(f.code, f.principals) for f in first.findings] == [
            (f.code, f.principals) for f in second.findings
        ]
    else:
        assert first == second
    assert first.status is analyze(doc).status
    reordered = {"Statement": [g.body for g in reversed(generated)]}
    assert analyze(reordered).status is first.status, show(first)


# --------------------------------------------------------------------------- garbage in

_VOCAB = st.sampled_from(
    [
        "Version",
        "Statement",
        "Effect",
        "Allow",
        "Deny",
        "Principal",
        "NotPrincipal",
        "AWS",
        "Service",
        "Federated",
        "CanonicalUser",
        "Action",
        "NotAction",
        "Condition",
        "Sid",
        "StringEquals",
        "StringLike",
        "Bool",
        "Null",
        "ForAllValues:StringEquals",
        "NumericLessThan",
        "IpAddress",
        "DateGreaterThan",
        "ArnLike",
        "StringFooBar",
        EXT_KEY,
        MFA_PRESENT,
        MFA_AGE,
        "aws:SourceIp",
        "aws:PrincipalAccount",
        "*",
        "sts:AssumeRole",
        "sts:*",
        OUTSIDER,
        arn(OUTSIDER),
        "AROAJQABLZS4A3QDU576Q",
        "10.0.0.0/8",
        "not-a-cidr",
        "2020-01-01T00:00:00Z",
        "yesterday",
        "3600",
        "abc",
        "${aws:PrincipalAccount}",
        "",
        "arn:aws:iam::*:root",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10**13),
    st.floats(allow_nan=False),
    _VOCAB,
    st.text(max_size=8),
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(_VOCAB, st.text(max_size=6)), inner, max_size=4),
    ),
    max_leaves=25,
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> object:
    """A valid-looking document with random values spliced in, or plain random JSON."""
    doc, _ = draw(documents())
    statements_ = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from(statements_))
        field = draw(_VOCAB)
        target[field] = draw(_JSON)
    if draw(st.booleans()):
        doc["Statement"] = draw(st.sampled_from([statements_, draw(_JSON)]))
    return doc


_ANY_INPUT = st.one_of(
    mutated_documents(),
    _JSON,
    st.dictionaries(_VOCAB, _JSON, max_size=4),
    st.text(max_size=40),
    _JSON.map(json.dumps),
    _JSON.map(lambda v: quote(json.dumps(v), safe="")),
    mutated_documents().map(json.dumps),
)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(_ANY_INPUT)
def test_random_documents_never_crash(raw: object) -> None:
    result = analyze(raw)
    check_consistency(result)


# --------------------------------------------------------------------------- search completeness
#
# Draw a policy and, independently, one concrete attacker request. When the concrete IAM
# evaluator allows that request, the attacker search must find *some* request: the role fails.

_PATTERN_ACCOUNT = st.text(alphabet="0129*?", min_size=1, max_size=12)
_PATTERN_STRING = st.text(alphabet="abx*?", min_size=1, max_size=4)
_SEARCH_FRAGMENTS = st.one_of(
    st.tuples(
        st.sampled_from(["StringLike", "StringNotLike", "StringEquals", "StringNotEquals"]),
        st.just("aws:PrincipalAccount"),
        st.lists(st.one_of(_PATTERN_ACCOUNT, st.sampled_from([OUTSIDER, FRIEND])), max_size=3),
    ),
    st.tuples(
        st.sampled_from(
            ["StringLike", "StringNotLike", "StringEquals", "StringNotEquals", "StringLikeIfExists"]
        ),
        st.sampled_from([EXT_KEY, "aws:PrincipalTag/t"]),
        st.lists(_PATTERN_STRING, min_size=1, max_size=3),
    ),
    st.tuples(
        st.sampled_from(["Bool", "BoolIfExists", "Null"]),
        st.just(MFA_PRESENT),
        st.sampled_from(["true", "false"]),
    ),
    st.tuples(
        st.sampled_from(["IpAddress", "NotIpAddress"]),
        st.just("aws:SourceIp"),
        st.lists(st.sampled_from(["10.0.0.0/8", "10.0.0.0/9", "10.1.2.3/32"]), max_size=2),
    ),
    st.tuples(
        st.sampled_from(["ArnLike", "ArnNotLike", "ArnEquals", "StringLike", "StringNotLike"]),
        st.just("aws:PrincipalArn"),
        st.lists(
            st.builds(
                lambda account, resource: f"arn:aws:iam::{account}:{resource}",
                st.one_of(_PATTERN_ACCOUNT, st.sampled_from([OUTSIDER, OWN, "*"])),
                st.sampled_from(["user/u", "user/*", "role/r", "role/?", "*", "root"]),
            ),
            min_size=1,
            max_size=2,
        ),
    ),
    st.tuples(
        st.sampled_from(["StringEquals", "StringNotEquals", "StringLike", "StringNotLike"]),
        st.just("aws:PrincipalOrgID"),
        st.lists(
            st.sampled_from([TRUSTED_ORG, OTHER_ORG, "o-*", TRUSTED_ORG + "*", "o-other*"]),
            min_size=1,
            max_size=2,
        ),
    ),
    st.tuples(
        st.sampled_from(
            ["NumericLessThan", "NumericGreaterThan", "NumericEquals", "NumericNotEquals"]
        ),
        st.just("aws:EpochTime"),
        st.lists(st.integers(0, 10).map(str), min_size=1, max_size=3),
    ),
)


@st.composite
def search_statements(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Action": "sts:AssumeRole",
    }
    principal = draw(st.sampled_from(["*", aws(OUTSIDER), aws(arn(OUTSIDER, "user/u")), "not-own"]))
    if principal == "not-own":
        body["NotPrincipal"] = aws(arn(OWN))
    else:
        body["Principal"] = principal
    condition: dict[str, Any] = {}
    for operator, key, values in draw(st.lists(_SEARCH_FRAGMENTS, max_size=3)):
        if values:
            condition.setdefault(operator, {})[key] = values
    if condition:
        body["Condition"] = condition
    return body


@st.composite
def attacker_witnesses(draw: st.DrawFn) -> Witness:
    account = draw(
        st.one_of(
            st.just(OUTSIDER),
            st.text(alphabet="0129", min_size=12, max_size=12),
        ).filter(lambda a: a not in (OWN, FRIEND))
    )
    context: dict[str, str] = {}
    mfa = draw(st.sampled_from(["absent", "false"]))
    if mfa == "false":
        context[MFA_PRESENT] = "false"
    tag = draw(st.one_of(st.none(), st.text(alphabet="abxy", max_size=5)))
    if tag is not None:
        context["aws:PrincipalTag/t"] = tag
    ip = draw(st.one_of(st.none(), st.sampled_from(["10.1.2.3", "10.200.0.1", "192.0.2.1"])))
    if ip is not None:
        context["aws:SourceIp"] = ip
    external_id = draw(st.one_of(st.none(), st.text(alphabet="abxy", min_size=2, max_size=5)))
    org = draw(
        st.one_of(
            st.none(),
            st.sampled_from([OTHER_ORG, TRUSTED_ORG + "x", "o-otherzz0001"]),
            st.text(alphabet="abx01", min_size=10, max_size=12).map(lambda t: "o-" + t),
        )
    )
    if org is not None:
        context["aws:PrincipalOrgID"] = org
    epoch = draw(st.one_of(st.none(), st.integers(-1, 12).map(str)))
    if epoch is not None:
        context["aws:EpochTime"] = epoch
    name = draw(st.sampled_from(["u", "r", "ux"]))
    if draw(st.booleans()):
        return Witness(arn(account, f"user/{name}"), account, mfa, external_id, context)
    session = arn(account, f"assumed-role/{name}/s1", service="sts")
    return Witness(arn(account, f"role/{name}"), account, mfa, external_id, context, session)


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(st.lists(search_statements(), min_size=1, max_size=3), attacker_witnesses())
def test_attacker_search_finds_any_request_the_evaluator_allows(
    bodies: list[dict[str, Any]], attacker: Witness
) -> None:
    doc = {"Version": "2012-10-17", "Statement": bodies}
    literals = literal_external_ids(doc)
    assume(
        attacker.external_id is None
        or all(
            attacker.external_id != v and not (ic and attacker.external_id.lower() == v.lower())
            for v, ic in literals
        )
    )
    request = Request.from_witness(attacker, "aws")
    if evaluate_request(parse_policy(doc), request):
        result = analyze(doc)
        assert result.status is Status.FAIL, (
            f"{json.dumps(doc)}\nallowed attacker: {attacker}\n{show(result)}"
        )
