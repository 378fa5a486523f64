"""Pytest plug-in: a real ``moto_server`` process on 127.0.0.1 for boto3 tests.

The whole boto3/botocore/HTTP stack runs for real against it: pagination, retries,
signing. ``MOTO_ACCOUNT_ID`` is left unset so multi-account (assumed-role) tests work.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from tests.moto_process import (
    SCRUBBED_ENV,
    MotoServer,
    MotoServerError,
    MotoServerNotInstalledError,
    client_environment,
    moto_server_process,
)

__all__ = ["MotoServer", "moto_env", "moto_server"]


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    """Start ``moto_server`` on a free loopback port for the whole test session."""
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with contextlib.ExitStack() as stack:
        try:
            server = stack.enter_context(moto_server_process(log))
        except MotoServerNotInstalledError as exc:
            pytest.skip(str(exc))
        except MotoServerError as exc:
            pytest.fail(str(exc))
        yield server


@pytest.fixture
def moto_env(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """A clean moto server and an environment that points boto3's standard chain at it."""
    moto_server.reset()
    for name in SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    for name, value in client_environment(moto_server.endpoint).items():
        monkeypatch.setenv(name, value)
    return moto_server
