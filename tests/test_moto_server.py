"""The moto server really serves IAM over HTTP on loopback; start-up failures are reported."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import boto3
import pytest

from tests import moto_process
from tests.moto_process import (
    SCRUBBED_ENV,
    MotoServer,
    MotoServerError,
    MotoServerNotInstalledError,
    client_environment,
    moto_environment,
    moto_server_process,
)


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


def test_missing_moto_server_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda *_, **__: None)
    with (
        pytest.raises(MotoServerNotInstalledError, match="pip install 'moto\\[server\\]'"),
        moto_server_process(tmp_path / "server.log"),
    ):
        pytest.fail("the block must not run")


def test_server_that_exits_early_is_reported_with_its_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    command = [sys.executable, "-c", "print('address in use'); raise SystemExit(3)"]
    monkeypatch.setattr(moto_process, "_server_command", lambda _port: command)
    with (
        pytest.raises(MotoServerError, match="exited early: address in use"),
        moto_server_process(tmp_path / "server.log"),
    ):
        pytest.fail("the block must not run")


def test_script_environment_exits_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda *_, **__: None)
    with pytest.raises(SystemExit) as exited, moto_environment():
        pytest.fail("the block must not run")
    assert exited.value.code == "moto_server is not installed (pip install 'moto[server]')"


@pytest.mark.moto_server
def test_script_environment_points_boto3_at_a_fresh_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Let monkeypatch restore every variable moto_environment changes.
    for name in (*SCRUBBED_ENV, *client_environment("")):
        monkeypatch.setenv(name, "from-the-caller")
    with moto_environment() as endpoint:
        assert endpoint.startswith("http://127.0.0.1:")
        assert not set(SCRUBBED_ENV) & set(os.environ)
        assert os.environ["AWS_ENDPOINT_URL"] == endpoint
        assert boto3.client("iam").list_roles()["Roles"] == []
