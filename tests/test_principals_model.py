"""Principals and account IDs are parsed once, on the model, and the same way everywhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trustwarden.config import validate_account_id
from trustwarden.engine import analyze_role
from trustwarden.errors import ConfigError
from trustwarden.model import (
    Arn,
    Principal,
    PrincipalForm,
    Role,
    Settings,
    Status,
    is_account_id,
    role_arn_account,
)
from trustwarden.remediate.edit import principal_matches
from trustwarden.sources.aws.organization import parse_account_ids

ACCOUNT = "222222222222"
ARABIC_INDIC = "٢" * 12  # twelve ARABIC-INDIC DIGIT TWO: str.isdigit() and \d accept them
FULL_WIDTH = "\uff12" * 12  # FULLWIDTH DIGIT TWO
NOT_ACCOUNTS = [
    ARABIC_INDIC,
    FULL_WIDTH,
    f"{ACCOUNT}\n",  # "$" matches before a final newline
    f" {ACCOUNT}",
    ACCOUNT[:-1],
    f"{ACCOUNT}2",
    "",
]

FORMS = [
    # (kind, value) -> form, account_id, partition, resource
    (("*", "*"), (PrincipalForm.WILDCARD, None, None, None)),
    (("AWS", "*"), (PrincipalForm.WILDCARD, None, None, None)),
    (("AWS", ACCOUNT), (PrincipalForm.ACCOUNT, ACCOUNT, None, None)),
    (("AWS", f"arn:aws:iam::{ACCOUNT}:root"), (PrincipalForm.ROOT, ACCOUNT, "aws", "root")),
    (
        ("AWS", f"arn:aws-cn:iam::{ACCOUNT}:user/ops/alice"),
        (PrincipalForm.USER, ACCOUNT, "aws-cn", "user/ops/alice"),
    ),
    (
        ("AWS", f"arn:aws-us-gov:iam::{ACCOUNT}:role/Vendor"),
        (PrincipalForm.ROLE, ACCOUNT, "aws-us-gov", "role/Vendor"),
    ),
    (
        ("AWS", f"arn:aws:sts::{ACCOUNT}:assumed-role/Vendor/s"),
        (PrincipalForm.ASSUMED_ROLE, ACCOUNT, "aws", "assumed-role/Vendor/s"),
    ),
    (
        ("AWS", f"arn:aws:sts::{ACCOUNT}:federated-user/bob"),
        (PrincipalForm.FEDERATED_USER, ACCOUNT, "aws", "federated-user/bob"),
    ),
    (("AWS", "AROAJQABLZS4A3QDU576Q"), (PrincipalForm.UNIQUE_ID, None, None, None)),
    # IAM refuses these; the account is still known for messages
    (("AWS", f"arn:aws:iam::{ACCOUNT}:user/*"), (PrincipalForm.OTHER, ACCOUNT, "aws", "user/*")),
    (("AWS", f"arn:aws:sts::{ACCOUNT}:root"), (PrincipalForm.OTHER, ACCOUNT, "aws", "root")),
    (("AWS", f"arn:aws:s3:::{ACCOUNT}"), (PrincipalForm.OTHER, None, None, None)),
    (("AWS", f"arn:aws:iam::{ARABIC_INDIC}:root"), (PrincipalForm.OTHER, None, None, None)),
    (("Service", "ec2.amazonaws.com"), (PrincipalForm.OTHER, None, None, None)),
    (("Federated", "cognito-identity.amazonaws.com"), (PrincipalForm.OTHER, None, None, None)),
]


@pytest.mark.parametrize(("written", "parsed"), FORMS)
def test_principal_is_parsed_on_the_model(
    written: tuple[str, str], parsed: tuple[PrincipalForm, str | None, str | None, str | None]
) -> None:
    principal = Principal(*written)
    assert (principal.form, principal.account_id, principal.partition, principal.resource) == (
        parsed
    )


@pytest.mark.parametrize("value", NOT_ACCOUNTS)
def test_an_account_id_is_twelve_ascii_digits(value: str) -> None:
    assert not is_account_id(value)
    assert Principal.aws(value).form is not PrincipalForm.ACCOUNT
    assert Principal.aws(value).account_id is None


def test_parsed_fields_do_not_change_equality() -> None:
    assert Principal("AWS", ACCOUNT) == Principal("AWS", ACCOUNT)
    assert hash(Principal("AWS", ACCOUNT)) == hash(Principal("AWS", ACCOUNT))


def test_arn_fields() -> None:
    arn = Arn.parse("arn:aws:iam::aws:policy/AdministratorAccess")
    assert arn == Arn("aws", "iam", "", "aws", "policy/AdministratorAccess")
    assert Arn.parse("arn:aws:sts::1:assumed-role/a:b/c") == Arn(
        "aws", "sts", "", "1", "assumed-role/a:b/c"
    )
    for text in ("", "arn:aws:iam", "xrn:aws:iam::1:root", "arn::iam::1:root"):
        assert Arn.parse(text) is None


def _role(principal: str) -> Role:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "sts:AssumeRole"}
        ],
    }
    return Role(
        arn="arn:aws:iam::111111111111:role/r",
        name="r",
        account_id="111111111111",
        trust_document=document,
    )


@pytest.mark.parametrize("value", [ARABIC_INDIC, FULL_WIDTH, f"{ACCOUNT}\n"])
def test_a_principal_that_only_looks_like_an_account_is_refused_as_iam_does(value: str) -> None:
    result = analyze_role(_role(value), Settings())
    assert result.status is Status.ERROR
    assert [f.code for f in result.findings] == ["TW005"]
    assert "not a valid AWS principal" in (result.error or "")


def test_a_real_account_principal_still_fails() -> None:
    result = analyze_role(_role(ACCOUNT), Settings())
    assert result.status is Status.FAIL
    assert result.findings[0].witness is not None
    assert result.findings[0].witness.account_id == ACCOUNT


@pytest.mark.parametrize("value", [ARABIC_INDIC, f"{ACCOUNT}\n", FULL_WIDTH])
def test_every_account_option_refuses_lookalikes(value: str) -> None:
    with pytest.raises(ConfigError):
        validate_account_id(value)
    if not value.endswith("\n"):  # the option splits on white space: the newline is a separator
        with pytest.raises(ConfigError):
            parse_account_ids([value])
    assert not principal_matches(f"arn:aws:iam::{ACCOUNT}:root", value)


def test_remove_principal_by_account_covers_its_arns() -> None:
    assert principal_matches(f"arn:aws:sts::{ACCOUNT}:assumed-role/x/y", ACCOUNT)
    assert principal_matches(ACCOUNT, ACCOUNT)
    assert not principal_matches("arn:aws:iam::333333333333:root", ACCOUNT)


SRC = Path(__file__).parents[1] / "src" / "trustwarden"
# Text that parses account IDs or ARNs by hand. The model is their one home; the engine's
# condition-value matching (ArnLike patterns, aws:PrincipalArn instances) is not principal
# parsing and is left to the engine.
LOCAL_PARSING = re.compile(r"\{12\}|isdigit\(\) and len|len\([a-z_]+\) == 12|\.split\(\":\"")
# The engine's exact search (exact.py) finds account-shaped values in condition text too; it
# is the engine owners' to fold into the model.
ALLOWED = {
    SRC / "model.py",
    *(SRC / "engine" / name for name in ("attacker.py", "conditions.py", "exact.py", "direct.py")),
}


def test_no_local_copies_of_account_or_arn_parsing() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if path not in ALLOWED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if LOCAL_PARSING.search(line)
    ]
    assert not offenders, "parse account IDs and ARNs with trustwarden.model:\n" + "\n".join(
        offenders
    )


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/Vendor", ACCOUNT),
        (f"arn:aws-cn:iam::{ACCOUNT}:role/path/Vendor", ACCOUNT),
        (f"arn:aws:iam::{ACCOUNT}:user/Vendor", None),
        (f"arn:aws:iam::{ACCOUNT}:role/*", None),
        (f"arn:aws:sts::{ACCOUNT}:assumed-role/Vendor/s", None),
        (f"arn:aws:iam::{ARABIC_INDIC}:role/Vendor", None),
        ("Vendor", None),
    ],
)
def test_role_arn_account_is_the_principal_rule(arn: str, account: str | None) -> None:
    assert role_arn_account(arn) == account
    principal = Principal.aws(arn)
    expected = principal.account_id if principal.form is PrincipalForm.ROLE else None
    assert role_arn_account(arn) == expected
