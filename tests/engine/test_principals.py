"""Principal forms: who does an Allow statement admit? One row per form (contract: IAM rules)."""

from __future__ import annotations

import pytest

from tests.engine.helpers import (
    FRIEND,
    OTHER,
    OUTSIDER,
    OWN,
    Case,
    arn,
    aws,
    check_case,
    params,
    policy,
    statement,
)
from trustwarden.model import Settings, Status

FAIL, WARN, PASS = Status.FAIL, Status.WARN, Status.PASS


def allow(principal: object) -> dict[str, object]:
    """An unconditioned Allow of sts:AssumeRole for ``principal``."""
    return policy(statement(principal))


PRINCIPAL_CASES = [
    # --- outsiders: any form naming an account outside T admits the attacker
    Case("bare-star", allow("*"), FAIL, ("TW001",), principals=("*",)),
    Case("aws-star", allow({"AWS": "*"}), FAIL, ("TW001",), principals=("*",)),
    Case("aws-star-list", allow({"AWS": ["*"]}), FAIL, ("TW001",)),
    Case("account-id", allow(aws(OUTSIDER)), FAIL, ("TW001",), principals=(OUTSIDER,)),
    Case("account-root", allow(aws(arn(OUTSIDER))), FAIL, ("TW001",), principals=(OUTSIDER,)),
    Case(
        "user-arn",
        allow(aws(arn(OUTSIDER, "user/bob"))),
        FAIL,
        ("TW001",),
        principals=("user/bob",),
    ),
    Case("role-arn", allow(aws(arn(OUTSIDER, "role/vendor"))), FAIL, ("TW001",)),
    Case("role-arn-with-path", allow(aws(arn(OUTSIDER, "role/team/ops/vendor"))), FAIL, ("TW001",)),
    Case(
        "assumed-role-session",
        allow(aws(arn(OUTSIDER, "assumed-role/vendor/session", service="sts"))),
        FAIL,
        ("TW001",),
        principals=("assumed-role/vendor/session",),
    ),
    Case(
        "federated-user-session",
        allow(aws(arn(OUTSIDER, "federated-user/alice", service="sts"))),
        PASS,
        notes="GetFederationToken sessions cannot call AssumeRole (docs/engine.md)",
    ),
    Case(
        "federated-user-session-past-the-fast-path",
        policy(
            statement(
                aws(arn(OUTSIDER, "federated-user/alice", service="sts")),
                condition={"StringLike": {"sts:ExternalId": "*"}},
            )
        ),
        PASS,
        notes="the solver's answer: the same as the fast path's",
    ),
    Case(
        "session-name-too-short-names-no-session",
        allow(aws(arn(OUTSIDER, "assumed-role/vendor/s", service="sts"))),
        PASS,
        notes="STS session names are 2-64 characters: no caller is this session",
    ),
    Case(
        "list-own-and-outsider", allow(aws(OWN, OUTSIDER)), FAIL, ("TW001",), principals=(OUTSIDER,)
    ),
    Case("list-outsider-and-friend", allow(aws(arn(FRIEND), arn(OTHER))), FAIL, ("TW001",)),
    Case(
        "leading-zero-account",
        allow(aws("009996457667")),
        FAIL,
        ("TW001",),
        principals=("009996457667",),
        notes="account ids are strings; 009996457667 is not trusted",
    ),
    Case(
        "outsider-beside-service",
        allow({"AWS": OUTSIDER, "Service": "ec2.amazonaws.com"}),
        FAIL,
        ("TW001",),
        notes="several keys inside Principal are OR-ed",
    ),
    Case(
        "bare-id-takes-role-partition",
        allow(aws(OUTSIDER)),
        FAIL,
        ("TW001",),
        partition="aws-cn",
        notes="a bare 12-digit id takes the role's partition",
    ),
    Case(
        "same-partition-cn",
        allow(aws(arn(OUTSIDER, partition="aws-cn"))),
        FAIL,
        ("TW001",),
        partition="aws-cn",
    ),
    Case("star-in-list", allow({"AWS": ["*", OWN]}), FAIL, ("TW001",)),
    Case("gov-partition-star", allow("*"), FAIL, ("TW001",), partition="aws-us-gov"),
    # --- insiders: own account and trusted accounts are not attackers
    Case("own-account-id", allow(aws(OWN)), PASS),
    Case("own-root", allow(aws(arn(OWN))), PASS),
    Case("own-user", allow(aws(arn(OWN, "user/alice"))), PASS),
    Case("own-role", allow(aws(arn(OWN, "role/ci"))), PASS),
    Case("own-assumed-role", allow(aws(arn(OWN, "assumed-role/ci/s", service="sts"))), PASS),
    Case("trusted-account-id", allow(aws(FRIEND)), PASS),
    Case("trusted-root", allow(aws(arn(FRIEND))), PASS),
    Case("trusted-role", allow(aws(arn(FRIEND, "role/deployer"))), PASS),
    Case("list-own-and-trusted", allow(aws(arn(OWN), FRIEND)), PASS),
    Case(
        "leading-zero-trusted",
        allow(aws("009996457667")),
        PASS,
        settings=Settings(trusted_accounts=frozenset({"009996457667"})),
    ),
    Case(
        "outsider-trusted-by-settings",
        allow(aws(arn(OUTSIDER))),
        PASS,
        settings=Settings(trusted_accounts=frozenset({OUTSIDER})),
    ),
    # --- other partitions: delegation across partitions is impossible
    Case("other-partition-cn-root", allow(aws(arn(OUTSIDER, partition="aws-cn"))), PASS),
    Case(
        "other-partition-gov-user",
        allow(aws(arn(OUTSIDER, "user/x", partition="aws-us-gov"))),
        PASS,
    ),
    Case(
        "other-partition-from-cn-role",
        allow(aws(arn(OUTSIDER))),
        PASS,
        partition="aws-cn",
        notes="arn:aws principal cannot assume an aws-cn role",
    ),
    # --- not AWS principals: not this rule's concern
    Case("service", allow({"Service": "ec2.amazonaws.com"}), PASS),
    Case("service-list", allow({"Service": ["ec2.amazonaws.com", "lambda.amazonaws.com"]}), PASS),
    Case("federated-saml", allow({"Federated": arn(OUTSIDER, "saml-provider/idp")}), PASS),
    Case("federated-web", allow({"Federated": "accounts.google.com"}), PASS),
    Case("canonical-user", allow({"CanonicalUser": "79a59df900b949e55d96a1e698fbaced"}), PASS),
    # --- stale unique ids: match nobody, but reported
    Case("stale-role-id", allow(aws("AROAJQABLZS4A3QDU576Q")), WARN, ("TW003",)),
    Case("stale-user-id", allow(aws("AIDAJQABLZS4A3QDU576Q")), WARN, ("TW003",)),
    Case(
        "stale-beside-own",
        allow(aws(arn(OWN), "AROAJQABLZS4A3QDU576Q")),
        WARN,
        ("TW003",),
    ),
    Case(
        "stale-beside-outsider",
        allow(aws("AROAJQABLZS4A3QDU576Q", OUTSIDER)),
        FAIL,
        ("TW001", "TW003"),
        notes="the outsider makes it fail; the stale entry is still reported",
    ),
    # --- NotPrincipal: Allow + NotPrincipal admits everyone not listed
    Case(
        "allow-not-principal-own",
        policy(statement(not_principal=aws(arn(OWN)))),
        FAIL,
        ("TW001",),
    ),
    Case(
        "allow-not-principal-outsider",
        policy(statement(not_principal=aws(arn(OUTSIDER)))),
        FAIL,
        ("TW001",),
        notes="everyone but the outsider's account, e.g. OTHER, is admitted",
    ),
]


@pytest.mark.parametrize("case", params(PRINCIPAL_CASES))
def test_principal_forms(case: Case) -> None:
    check_case(case)


def test_own_account_is_trusted_whatever_the_settings() -> None:
    case = Case("own-no-settings", allow(aws(arn(OWN))), PASS, settings=Settings())
    check_case(case)


def test_trusted_account_only_helps_when_configured() -> None:
    check_case(Case("friend-untrusted", allow(aws(FRIEND)), FAIL, ("TW001",), settings=Settings()))
