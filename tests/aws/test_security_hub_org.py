"""``scan --organization --security-hub``: each member's findings land in that member's hub."""

from __future__ import annotations

import io
import os

import boto3
import pytest

from tests.aws.helpers import TRUST_OTHER_ACCOUNT, assumed_client, create_roles, seed_org
from tests.moto_server import MotoServer
from trustwarden.cli.main import main

pytestmark = pytest.mark.moto_server


def test_each_member_account_gets_its_own_findings(moto_env: MotoServer) -> None:
    org = seed_org(2, 2, trust=TRUST_OTHER_ACCOUNT)
    create_roles(boto3.client("iam"), 1, prefix="mgmt", trust=TRUST_OTHER_ACCOUNT)
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["scan", "--organization", "--trust-organization", "--security-hub", "--format", "json"],
        stdout=out,
        stderr=err,
        env=dict(os.environ),
    )
    assert code == 1, err.getvalue()
    for account in org.members:
        assert f"Security Hub {account}: 2 imported, 0 archived, 0 rejected" in err.getvalue()
        hub = assumed_client("securityhub", f"arn:aws:iam::{account}:role/TrustwardenAuditRole")
        found = hub.get_findings()["Findings"]
        assert len(found) == 2
        assert {f["AwsAccountId"] for f in found} == {account}
        assert {f["ProductArn"].split(":")[4] for f in found} == {account}
    mine = boto3.client("securityhub").get_findings()["Findings"]
    assert {f["AwsAccountId"] for f in mine} == {org.management}
