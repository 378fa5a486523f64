"""The exact decision (issue #11): one table per class of wrong verdict the sampling search gave.

Every fail must carry a witness that replays through the evaluator and that STS would accept:
12 ASCII digits, a valid External ID, not the root user.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.engine.helpers import (
    EXT_KEY,
    OTHER,
    OUTSIDER,
    SETTINGS,
    analyze,
    arn,
    aws,
    codes,
    policy,
    show,
    statement,
)
from trustwarden.engine import Request, evaluate_request
from trustwarden.engine import exact as exact_module
from trustwarden.engine.exact import needs_solver
from trustwarden.model import RoleResult, Settings, Status, Witness
from trustwarden.policy import decode_document, parse_policy

ANY = {"AWS": "*"}
ORG = "o-vendororg01"
_ACCOUNT = re.compile(r"[0-9]{12}", re.ASCII)
_EXTERNAL_ID = re.compile(r"[A-Za-z0-9_+=,.@:/-]{2,1224}", re.ASCII)


def deny(condition: dict[str, Any], principal: Any = "*") -> dict[str, Any]:
    return statement(principal, effect="Deny", condition=condition)


def witness_of(result: RoleResult) -> Witness:
    found = [f.witness for f in result.findings if f.witness is not None]
    assert found, show(result)
    return found[0]


def assert_real_witness(document: dict[str, Any], result: RoleResult) -> Witness:
    """A fail whose witness replays and is a request STS accepts from an outsider."""
    assert result.status is Status.FAIL, show(result)
    witness = witness_of(result)
    assert evaluate_request(parse_policy(decode_document(document)), Request.from_witness(witness))
    assert _ACCOUNT.fullmatch(witness.account_id)
    assert not witness.principal_arn.endswith(":root")
    assert witness.account_id not in SETTINGS.trusted_accounts | {"111111111111"}
    if witness.external_id is not None:
        assert _EXTERNAL_ID.fullmatch(witness.external_id)
    return witness


# --------------------------------------------------------------------------- fillers


def test_pattern_whose_every_tried_filler_is_denied_still_fails() -> None:
    fillers = ["acct-x", "acct-", "acct-Q7z", "acct-0", "acct-9", "acct-trustwarden-any-value"]
    doc = policy(
        statement(ANY, condition={"StringLike": {EXT_KEY: "acct-*"}}),
        deny({"StringEquals": {EXT_KEY: fillers}}),
    )
    witness = assert_real_witness(doc, analyze(doc))
    assert witness.external_id is not None
    assert witness.external_id.startswith("acct-")
    assert witness.external_id not in fillers


def test_other_tenants_literals_do_not_hide_the_last_account_of_a_pattern() -> None:
    taken = [f"55555555555{d}" for d in "012345678"]
    doc = policy(
        statement(ANY, condition={"StringLike": {"aws:PrincipalAccount": "55555555555?"}}),
        deny({"StringEquals": {"aws:PrincipalAccount": taken}}),
    )
    assert assert_real_witness(doc, analyze(doc)).account_id == "555555555559"


def test_pattern_fully_covered_by_a_deny_passes() -> None:
    doc = policy(
        statement(condition={"StringLike": {EXT_KEY: "ab?"}}),
        deny({"StringLike": {EXT_KEY: "a*"}}),
    )
    assert analyze(doc).status is Status.PASS


# --------------------------------------------------------------------------- intervals


def test_a_tag_pattern_is_filled_by_a_non_ascii_letter_when_every_ascii_one_is_denied() -> None:
    """IAM tags take any Unicode letter, not only those the policy happens to use."""
    tag = "aws:PrincipalTag/team"
    ascii_tag_chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _.:/=+-@"
    doc = policy(
        statement(ANY, condition={"StringLike": {tag: "ops?"}}),
        deny({"StringEquals": {tag: [f"ops{c}" for c in ascii_tag_chars]}}),
    )
    witness = assert_real_witness(doc, analyze(doc))
    value = witness.context[tag]
    assert isinstance(value, str)
    assert value.startswith("ops")
    assert not value.isascii()


def test_decimal_between_two_integers_fails() -> None:
    doc = policy(
        statement(
            condition={
                "NumericGreaterThan": {"aws:PrincipalTag/tier": "7"},
                "NumericLessThan": {"aws:PrincipalTag/tier": "8"},
            }
        )
    )
    witness = assert_real_witness(doc, analyze(doc))
    assert 7 < float(str(witness.context["aws:PrincipalTag/tier"])) < 8


def test_account_strictly_between_two_named_ones() -> None:
    doc = policy(
        statement(
            ANY,
            condition={
                "NumericGreaterThan": {"aws:PrincipalAccount": "666666666660"},
                "NumericLessThan": {"aws:PrincipalAccount": "666666666662"},
            },
        )
    )
    assert assert_real_witness(doc, analyze(doc)).account_id == "666666666661"


def test_empty_interval_passes() -> None:
    doc = policy(
        statement(
            condition={
                "NumericGreaterThanEquals": {"aws:PrincipalTag/tier": "3.5"},
                "NumericLessThan": {"aws:PrincipalTag/tier": "3.5"},
            }
        )
    )
    assert analyze(doc).status is Status.PASS


def test_date_window_of_one_second_is_open() -> None:
    doc = policy(
        statement(
            condition={
                "DateGreaterThan": {"aws:CurrentTime": "2031-05-01T10:00:00Z"},
                "DateLessThan": {"aws:CurrentTime": "2031-05-01T10:00:01Z"},
            }
        )
    )
    assert_real_witness(doc, analyze(doc))


# --------------------------------------------------------------------------- sets


def test_request_needs_two_tag_keys() -> None:
    doc = policy(
        statement(
            condition={
                "ForAnyValue:StringEquals": {"aws:TagKeys": "cost-center"},
                "ForAnyValue:StringLike": {"aws:TagKeys": "team-*"},
                "ForAllValues:StringNotEquals": {"aws:TagKeys": ["team-", "team-x"]},
            }
        )
    )
    witness = assert_real_witness(doc, analyze(doc))
    keys = witness.context["aws:TagKeys"]
    assert isinstance(keys, tuple)
    assert len(keys) >= 2


# --------------------------------------------------------------------------- variables


def test_external_id_bound_to_a_tag_the_caller_sets() -> None:
    doc = policy(
        statement(ANY, condition={"StringEquals": {EXT_KEY: "${aws:PrincipalTag/tenant}"}})
    )
    witness = assert_real_witness(doc, analyze(doc))
    assert witness.external_id == witness.context["aws:PrincipalTag/tenant"]


def test_session_tag_bound_to_the_callers_own_account() -> None:
    doc = policy(
        statement(),
        deny({"StringNotEquals": {"aws:PrincipalTag/home": "acct-${aws:PrincipalAccount}"}}),
    )
    witness = assert_real_witness(doc, analyze(doc))
    assert witness.context["aws:PrincipalTag/home"] == f"acct-{OUTSIDER}"


def test_contradiction_through_a_variable_passes() -> None:
    doc = policy(
        statement(condition={"StringEquals": {EXT_KEY: "${aws:PrincipalAccount}"}}),
        deny({"StringEquals": {EXT_KEY: "${aws:PrincipalAccount}"}}),
    )
    assert analyze(doc).status is Status.PASS


# --------------------------------------------------------------------------- ARN patterns


@pytest.mark.parametrize(
    ("condition", "check"),
    [
        ({"StringLike": {"aws:PrincipalArn": "*:user/release*"}}, ":user/release"),
        ({"ArnLike": {"aws:PrincipalArn": "arn:*:iam::*:role/*"}}, ":role/"),
        ({"StringLike": {"aws:PrincipalArn": "arn:aws:iam::77777777777*"}}, ":77777777777"),
        (
            {"StringEqualsIgnoreCase": {"aws:PrincipalArn": "ARN:AWS:IAM::777777777777:USER/OPS"}},
            "777777777777:user/",
        ),
    ],
)
def test_unusual_arn_patterns_create_callers(condition: dict[str, Any], check: str) -> None:
    doc = policy(statement(ANY, condition=condition))
    witness = assert_real_witness(doc, analyze(doc))
    assert check in witness.principal_arn.lower() or check in witness.principal_arn


_SESSION = "arn:aws:sts::222222222222:assumed-role/Deployer/ci"


@pytest.mark.parametrize(
    ("pattern", "status"),
    [
        ("arn:aws:iam::*:role/v", Status.PASS),  # the role is named Deployer, at any path
        ("arn:aws:iam::*:role/*Deploy?", Status.PASS),
        ("arn:aws:iam::222222222222:role/*/Deployer", Status.FAIL),  # a path is possible
        ("*Deployer", Status.FAIL),
    ],
)
def test_a_session_principal_against_a_principal_arn_pattern_is_decided(
    pattern: str, status: Status
) -> None:
    # The pattern's fixed end against the named role's: once a solver give-up (TW004).
    doc = policy(
        statement({"AWS": _SESSION}, condition={"StringLike": {"aws:PrincipalArn": pattern}})
    )
    result = analyze(doc)
    assert result.status is status, show(result)
    if status is Status.FAIL:
        assert codes(result) == {"TW001"}, show(result)
        witness = assert_real_witness(doc, result)
        assert witness.principal_arn.endswith("/Deployer/ci") or "Deployer" in witness.principal_arn


# --------------------------------------------------------------------------- Version


@pytest.mark.parametrize("version", ["2008-10-17", None])
def test_old_or_missing_version_makes_variables_literal(version: str | None) -> None:
    allow_variable = policy(statement(condition={"StringEquals": {EXT_KEY: "${aws:userid}"}}))
    deny_variable = policy(
        statement(), deny({"StringNotEquals": {EXT_KEY: "${aws:PrincipalAccount}"}})
    )
    for doc in (allow_variable, deny_variable):
        assert analyze(doc).status is Status.FAIL  # 2012-10-17: the caller picks both sides
        old = {"Statement": doc["Statement"]} | ({"Version": version} if version else {})
        # Literal "${...}" is no valid External ID: nobody matches the Allow / escapes the Deny.
        assert analyze(old).status is Status.PASS, show(analyze(old))


@pytest.mark.parametrize("version", ["2012-10-18", "2015-01-01", "", "2012-10-17 "])
def test_a_version_iam_does_not_know_is_an_error(version: str) -> None:
    """IAM accepts only the two policy-language versions; any other will not deploy."""
    result = analyze({"Version": version, "Statement": [statement()]})
    assert result.status is Status.ERROR, show(result)
    assert "Version" in (result.error or "")


# --------------------------------------------------------------------------- ASCII


@pytest.mark.parametrize(
    "principal",
    [
        "\uff12" * 12,  # full-width digits
        "\u0662" * 12,  # Arabic-Indic digits
        f"{OUTSIDER}\n",
        f"arn:aws:iam::{OUTSIDER}:root\n",
    ],
)
def test_non_ascii_or_newline_account_principals_are_errors(principal: str) -> None:
    result = analyze(policy(statement(aws(principal))))
    assert result.status is Status.ERROR, show(result)
    assert "TW005" in codes(result)


def test_non_ascii_digits_in_a_condition_admit_nobody() -> None:
    doc = policy(
        statement(ANY, condition={"StringEquals": {"aws:PrincipalAccount": "\u0662" * 12}})
    )
    assert analyze(doc).status is Status.PASS


def test_external_id_pattern_only_unicode_letters_match_is_unusable() -> None:
    doc = policy(statement(condition={"StringLike": {EXT_KEY: "\u00e9*"}}))
    assert analyze(doc).status is Status.PASS


@pytest.mark.parametrize(
    ("operator", "allowed", "denied"),
    [
        ("NumericEquals", "7", "\u0667"),  # Arabic-Indic seven
        ("NumericEquals", "7", "\uff17"),  # full-width seven
        ("NumericEquals", "1000", "1_000"),  # Python reads it as 1000, AWS does not
        ("DateEquals", "1700000000", "\u0661\u0667" + "\u0660" * 8),  # epoch, Arabic-Indic
    ],
)
def test_a_deny_number_python_reads_but_aws_does_not_protects_nobody(
    operator: str, allowed: str, denied: str
) -> None:
    """Numbers and dates are ASCII, as IAM's: a Deny value only Python parses is unevaluable
    (false in a Deny), never the number the Allow wants."""
    key = "aws:PrincipalTag/n"
    doc = policy(
        statement(ANY, condition={operator: {key: allowed}}), deny({operator: {key: denied}})
    )
    result = analyze(doc)
    assert result.status is Status.FAIL, show(result)
    assert "TW004" in codes(result)


# --------------------------------------------------------------------------- refused documents


@pytest.mark.parametrize("field", ["Resource", "NotResource"])
def test_resource_in_a_trust_policy_is_an_error_naming_it(field: str) -> None:
    stmt = statement() | {field: "*"}
    result = analyze(policy(stmt))
    assert result.status is Status.ERROR
    assert result.error is not None
    assert field in result.error


# --------------------------------------------------------------------------- TW002 consistency


def test_wildcard_with_exact_id_and_one_named_org_is_like_the_named_account() -> None:
    doc = policy(
        statement(
            ANY,
            condition={
                "StringEquals": {EXT_KEY: "vendor-issued-1", "aws:PrincipalOrgID": ORG},
            },
        )
    )
    assert analyze(doc).status is Status.PASS
    trusted = Settings(trusted_orgs=frozenset({ORG}))
    assert analyze(doc, trusted).status is Status.PASS


def test_wildcard_with_exact_id_and_an_org_pattern_warns() -> None:
    doc = policy(
        statement(
            ANY,
            condition={
                "StringEquals": {EXT_KEY: "vendor-issued-1"},
                "StringLike": {"aws:PrincipalOrgID": "o-*"},
            },
        )
    )
    result = analyze(doc)
    assert result.status is Status.WARN
    assert "TW002" in codes(result)


# --------------------------------------------------------------------------- NotPrincipal


def test_account_root_in_a_deny_not_principal_exempts_no_user() -> None:
    doc = policy(statement(), statement(effect="Deny", not_principal=aws(arn(OUTSIDER))))
    assert analyze(doc).status is Status.PASS


def test_user_listed_with_its_account_is_exempt() -> None:
    doc = policy(
        statement(),
        statement(effect="Deny", not_principal=aws(arn(OUTSIDER), arn(OUTSIDER, "user/ci"))),
    )
    witness = assert_real_witness(doc, analyze(doc))
    assert witness.principal_arn == arn(OUTSIDER, "user/ci")


# --------------------------------------------------------------------------- TW004


def test_solver_timeout_is_tw004_never_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exact_module, "QUICK_RLIMIT", 1)
    monkeypatch.setattr(exact_module, "FULL_RLIMIT", 1)
    doc = policy(
        statement(ANY, condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/a*b*c"}}),
        deny({"StringLike": {"aws:PrincipalArn": ["*x*", "*y*"]}}),
    )
    result = analyze(doc)
    assert result.status is Status.FAIL, show(result)
    assert "TW004" in codes(result) or "TW001" in codes(result)
    if "TW001" not in codes(result):
        notes = " ".join(n for f in result.findings for n in f.notes)
        assert "Not decided exactly" in notes


def test_unsupported_construct_is_tw004_with_its_reason() -> None:
    doc = policy(
        statement(condition={"StringEqualsIgnoreCase": {EXT_KEY: "${aws:PrincipalTag/t}"}})
    )
    result = analyze(doc)
    assert result.status is Status.FAIL
    assert codes(result) == {"TW004"}
    assert any("policy variable" in n for f in result.findings for n in f.notes)


# --------------------------------------------------------------------------- fast path


def test_common_shapes_skip_the_solver() -> None:
    common = policy(
        statement(condition={"StringEquals": {EXT_KEY: "id-1"}}),
        statement(aws(arn(OTHER)), condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
    )
    assert not needs_solver(parse_policy(common))
    assert needs_solver(parse_policy(policy(statement(), deny({"StringLike": {EXT_KEY: "a*"}}))))
    assert needs_solver(parse_policy(policy(statement(condition={"StringLike": {EXT_KEY: "a*"}}))))


# --------------------------------------------------------------------------- witness cost


def _count_solver_checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    check = exact_module._Encoder._check

    def counted(self: Any, *extra: Any) -> Any:
        calls[0] += 1
        return check(self, *extra)

    monkeypatch.setattr(exact_module._Encoder, "_check", counted)
    return calls


def test_value_forced_by_a_prefix_is_pinned_without_a_question_per_character(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An External ID bound to ``${aws:userid}`` starts with a forced ``AIDA``: the rest is
    filled in one question, not ~3 solver calls per character (about a minute in z3)."""
    calls = _count_solver_checks(monkeypatch)
    doc = policy(statement(condition={"StringEquals": {EXT_KEY: "${aws:userid}"}}))
    witness = assert_real_witness(doc, analyze(doc))
    assert witness.external_id == witness.context["aws:userid"]
    assert calls[0] < 40, calls


def test_value_after_a_searched_character_is_pinned_in_one_question(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``AIDA`` forced, the next character searched past the denied ``A`` and ``0``: the
    rest is one question again (81 solver calls before, about a minute)."""
    calls = _count_solver_checks(monkeypatch)
    doc = policy(
        statement(ANY, condition={"StringLike": {"aws:userid": "AIDA*"}}),
        deny({"StringLike": {"aws:userid": ["AIDAA*", "AIDA0*"]}}),
    )
    witness = assert_real_witness(doc, analyze(doc))
    assert witness.context["aws:userid"] == "AIDA1" + "A" * 16
    assert calls[0] < 50, calls
