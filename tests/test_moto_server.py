"""The moto server fixture really serves IAM over HTTP on loopback."""

from __future__ import annotations

import boto3
import pytest

from tests.moto_server import MotoServer


@pytest.mark.moto_server
def test_iam_round_trip_over_http(moto_env: MotoServer) -> None:
    iam = boto3.client("iam")
    assert iam.meta.endpoint_url == moto_env.endpoint
    iam.create_role(
        RoleName="r1", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}'
    )
    names = [r["RoleName"] for r in iam.list_roles()["Roles"]]
    assert names == ["r1"]
    moto_env.reset()
    assert iam.list_roles()["Roles"] == []
