"""The front door: ``trustwarden.analyze_policy`` and the names ``trustwarden`` exports."""

from __future__ import annotations

import json
import subprocess
import sys
from urllib.parse import quote

import pytest

from trustwarden import RoleResult, Status, analyze_policy
from trustwarden.errors import ConfigError

OWN = "111111111111"
VENDOR = "222222222222"
ORG = "o-a1b2c3d4e5"


def trust(principal: object, condition: dict[str, object] | None = None) -> dict[str, object]:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "sts:AssumeRole",
    }
    if condition is not None:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


OPEN = trust({"AWS": f"arn:aws:iam::{VENDOR}:root"})
WITH_EXTERNAL_ID = trust(
    {"AWS": f"arn:aws:iam::{VENDOR}:root"}, {"StringEquals": {"sts:ExternalId": "abc-123"}}
)


@pytest.mark.parametrize(
    "document",
    [OPEN, json.dumps(OPEN), quote(json.dumps(OPEN)), json.dumps(OPEN).encode()],
    ids=["dict", "json", "url-encoded", "bytes"],
)
def test_every_document_form_gives_the_same_fail_with_a_witness(document: object) -> None:
    result = analyze_policy(document, OWN)  # type: ignore[arg-type]
    assert isinstance(result, RoleResult)
    assert result.status == "fail"
    assert result.status is Status.FAIL
    witness = result.findings[0].witness
    assert witness is not None
    assert witness.account_id != OWN
    assert witness.external_id is None
    assert result.role.arn == f"arn:aws:iam::{OWN}:role/policy"


def test_exact_external_id_passes() -> None:
    assert analyze_policy(WITH_EXTERNAL_ID, OWN).status == "pass"


def test_trusted_account_and_org_clear_the_verdict() -> None:
    assert analyze_policy(OPEN, OWN, trusted_accounts=[VENDOR]).status == "pass"
    org_only = trust({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": ORG}})
    assert analyze_policy(org_only, OWN).status == "fail"
    assert analyze_policy(org_only, OWN, trusted_orgs=[ORG]).status == "pass"


def test_malformed_document_is_an_error_result_not_an_exception() -> None:
    result = analyze_policy('{"Statement": [', OWN)
    assert result.status == "error"
    assert result.error
    assert result.findings[0].code == "TW005"


def test_known_accounts_name_the_owner_without_changing_the_verdict() -> None:
    result = analyze_policy(OPEN, OWN, known_accounts={VENDOR: "Example Vendor"})
    assert result.status == "fail"
    assert "Example Vendor" in result.findings[0].message


def test_role_name_and_partition_shape_the_arn() -> None:
    result = analyze_policy(OPEN, OWN, role_name="vendor", partition="aws-cn")
    assert result.role.arn == f"arn:aws-cn:iam::{OWN}:role/vendor"
    # an aws principal cannot reach into the aws-cn partition
    assert result.status == "pass"


def test_invalid_partition_or_role_name_raises_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown partition 'aws-cnn'"):
        analyze_policy(OPEN, OWN, partition="aws-cnn")  # would silently pass every principal
    for name in ("", "a/b", "x" * 65, "r\u00f4le"):
        with pytest.raises(ConfigError, match="invalid role name"):
            analyze_policy(OPEN, OWN, role_name=name)
    assert analyze_policy(OPEN, OWN, role_name="a+b=c,d.e@f_g-h", partition="aws-us-gov")


@pytest.mark.parametrize(
    ("account", "trusted", "orgs"),
    [("12345", (), ()), (OWN, ("not-an-account",), ()), (OWN, (), ("org-1",))],
)
def test_invalid_ids_raise_config_error(
    account: str, trusted: tuple[str, ...], orgs: tuple[str, ...]
) -> None:
    with pytest.raises(ConfigError):
        analyze_policy(OPEN, account, trusted_accounts=trusted, trusted_orgs=orgs)


def test_import_is_light() -> None:
    code = (
        "import sys, trustwarden\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'boto3', 'botocore', 'click', 'rich', 'yaml'})\n"
        "print(heavy, 'trustwarden.engine' in sys.modules)\n"
        "trustwarden.analyze_policy\n"
        "print('trustwarden.engine' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    assert out[0] == "[] False"
    assert out[1] == "True"
