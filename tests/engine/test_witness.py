"""Every fail carries a witness that replays as allowed and is a real attacker request."""

from __future__ import annotations

import pytest

from tests.engine.helpers import (
    EXT_KEY,
    EXTERNAL_ID,
    MFA_PRESENT,
    OUTSIDER,
    SETTINGS,
    Case,
    analyze,
    arn,
    aws,
    check_witnesses,
    make_role,
    params,
    policy,
    show,
    statement,
    witness_problems,
)
from tests.engine.test_actions import ACTION_CASES, SHAPE_CASES
from tests.engine.test_conditions import CONDITION_CASES
from tests.engine.test_principals import PRINCIPAL_CASES
from tests.engine.test_verdicts import DENY_CASES, VERDICT_CASES
from trustwarden.engine import Request, analyze_role, evaluate_request
from trustwarden.model import Status, Witness
from trustwarden.policy import decode_document, parse_policy

FAIL_CASES = [
    c
    for table in (
        PRINCIPAL_CASES,
        ACTION_CASES,
        SHAPE_CASES,
        CONDITION_CASES,
        DENY_CASES,
        VERDICT_CASES,
    )
    for c in table
    if c.status is Status.FAIL
]


@pytest.mark.parametrize("case", params(FAIL_CASES))
def test_every_fail_witness_replays(case: Case) -> None:
    result = analyze(case.document, case.settings, partition=case.partition)
    if result.status is not Status.FAIL:
        pytest.skip(f"engine gives {result.status.value}; the verdict test reports it")
    witnesses = [f.witness for f in result.findings if f.witness is not None]
    assert witnesses, show(result)
    check_witnesses(case.document, result, case.settings)


def _only_witness(document: object, partition: str = "aws") -> Witness:
    result = analyze(document, partition=partition)
    assert result.status is Status.FAIL, show(result)
    check_witnesses(document, result)
    found = [f.witness for f in result.findings if f.witness is not None]
    assert found, show(result)
    return found[0]


def test_witness_for_named_principal_uses_it() -> None:
    user = arn(OUTSIDER, "user/bob")
    witness = _only_witness(policy(statement(aws(user))))
    assert witness.principal_arn == user
    assert witness.account_id == OUTSIDER


def test_witness_for_bool_false_deny_uses_long_term_keys() -> None:
    doc = policy(
        statement(), statement("*", effect="Deny", condition={"Bool": {MFA_PRESENT: "false"}})
    )
    witness = _only_witness(doc)
    assert witness.mfa.lower().startswith("absent")
    assert all(k.lower() != MFA_PRESENT.lower() for k in witness.context)


def test_witness_for_null_present_false_uses_a_session_without_mfa() -> None:
    doc = policy(statement(condition={"Null": {MFA_PRESENT: "false"}}))
    witness = _only_witness(doc)
    assert witness.mfa.lower().startswith("false")
    values = [
        str(v).lower() for k, v in witness.context.items() if k.lower() == MFA_PRESENT.lower()
    ]
    assert values == ["false"]


def test_witness_for_like_pattern_sends_a_matching_non_literal_id() -> None:
    witness = _only_witness(policy(statement(condition={"StringLike": {EXT_KEY: "abc*"}})))
    assert witness.external_id is not None
    assert witness.external_id.startswith("abc")


def test_witness_for_presence_only_sends_some_id() -> None:
    witness = _only_witness(policy(statement(condition={"Null": {EXT_KEY: "false"}})))
    assert witness.external_id is not None
    assert witness.external_id != EXTERNAL_ID


def test_witness_for_not_equals_sends_no_or_another_id() -> None:
    witness = _only_witness(
        policy(statement(condition={"StringNotEquals": {EXT_KEY: EXTERNAL_ID}}))
    )
    assert witness.external_id != EXTERNAL_ID


def test_witness_carries_the_context_keys_it_needs() -> None:
    doc = policy(statement(condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))
    witness = _only_witness(doc)
    assert any(k.lower() == "aws:sourceip" for k in witness.context), witness


def test_witness_for_star_narrowed_by_pattern_avoids_trusted_accounts() -> None:
    doc = policy(statement("*", condition={"StringLike": {"aws:PrincipalAccount": "33333333333?"}}))
    witness = _only_witness(doc)
    assert witness.account_id.startswith("33333333333")
    assert witness.account_id != "333333333333"


def test_witness_in_china_partition() -> None:
    witness = _only_witness(policy(statement(aws(OUTSIDER))), partition="aws-cn")
    assert witness.principal_arn.startswith("arn:aws-cn:")


def test_witness_describes_itself_in_words() -> None:
    witness = _only_witness(policy(statement(aws(arn(OUTSIDER, "role/vendor")))))
    text = witness.describe()
    assert arn(OUTSIDER, "role/vendor") in text or OUTSIDER in text
    assert "sts:AssumeRole" in text


# --- the replay checker itself must be able to fail (no test that cannot fail)


def test_replay_rejects_a_witness_the_policy_denies() -> None:
    doc = policy(statement(condition={"StringEquals": {EXT_KEY: EXTERNAL_ID}}))
    role = make_role(doc)
    bogus = Witness(
        principal_arn=arn(OUTSIDER),
        account_id=OUTSIDER,
        mfa="absent (long-term keys)",
        external_id=None,
    )
    assert not evaluate_request(
        parse_policy(decode_document(doc)), Request.from_witness(bogus, role.partition)
    )
    assert witness_problems(doc, role, SETTINGS, bogus)


def test_replay_accepts_the_customer_id_but_the_checker_flags_it() -> None:
    doc = policy(statement(condition={"StringEquals": {EXT_KEY: EXTERNAL_ID}}))
    role = make_role(doc)
    customer = Witness(
        principal_arn=arn(OUTSIDER),
        account_id=OUTSIDER,
        mfa="absent (long-term keys)",
        external_id=EXTERNAL_ID,
        context={EXT_KEY: EXTERNAL_ID},
    )
    assert evaluate_request(
        parse_policy(decode_document(doc)), Request.from_witness(customer, role.partition)
    )
    problems = witness_problems(doc, role, SETTINGS, customer)
    assert any("customer's External ID" in p for p in problems)


def test_replay_of_mfa_session_is_allowed_but_flagged() -> None:
    doc = policy(statement(condition={"Bool": {MFA_PRESENT: "true"}}))
    role = make_role(doc)
    mfa_user = Witness(
        principal_arn=arn(OUTSIDER, "user/bob"),
        account_id=OUTSIDER,
        mfa="true",
        external_id=None,
        context={MFA_PRESENT: "true"},
    )
    assert evaluate_request(
        parse_policy(decode_document(doc)), Request.from_witness(mfa_user, role.partition)
    )
    assert witness_problems(doc, role, SETTINGS, mfa_user)


def test_replay_respects_explicit_deny() -> None:
    doc = policy(statement(), statement("*", effect="Deny"))
    role = make_role(doc)
    attacker = Witness(
        principal_arn=arn(OUTSIDER),
        account_id=OUTSIDER,
        mfa="absent (long-term keys)",
        external_id=None,
    )
    assert not evaluate_request(
        parse_policy(decode_document(doc)), Request.from_witness(attacker, role.partition)
    )
    assert analyze_role(role, SETTINGS).status is Status.PASS
