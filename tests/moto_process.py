"""A real ``moto_server`` process on 127.0.0.1, for the test fixtures and the benchmarks.

``MOTO_ACCOUNT_ID`` is left unset so multi-account (assumed-role) scenarios work. No pytest
import here: the benchmarks use :func:`moto_environment` and print their own memory use.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SCRUBBED_ENV = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "MOTO_ACCOUNT_ID",
)
START_TIMEOUT = 30.0


class MotoServerError(RuntimeError):
    """The moto server did not start."""


class MotoServerNotInstalledError(MotoServerError):
    """``moto_server`` is not installed."""


@dataclass(frozen=True)
class MotoServer:
    """A running moto server."""

    endpoint: str

    def reset(self) -> None:
        """Forget every resource the server holds."""
        req = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _server_command(port: int) -> list[str]:
    exe = shutil.which("moto_server", path=str(Path(sys.executable).parent)) or shutil.which(
        "moto_server"
    )
    if exe is None:
        raise MotoServerNotInstalledError(
            "moto_server is not installed (pip install 'moto[server]')"
        )
    return [exe, "-H", "127.0.0.1", "-p", str(port)]


@contextlib.contextmanager
def moto_server_process(log: Path) -> Iterator[MotoServer]:
    """Run ``moto_server`` on a free loopback port (output to ``log``) until the block ends.

    Raises :class:`MotoServerNotInstalledError` or :class:`MotoServerError` if it cannot start.
    """
    port = _free_port()
    command = _server_command(port)
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            if proc.poll() is not None:
                raise MotoServerError(f"moto_server exited early: {log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise MotoServerError(
                        f"moto_server did not start within {START_TIMEOUT:.0f} s"
                    ) from None
                time.sleep(0.1)
        yield MotoServer(endpoint)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def client_environment(endpoint: str) -> dict[str, str]:
    """Variables that point boto3's standard chain at ``endpoint`` with fake credentials.

    Set them after removing :data:`SCRUBBED_ENV` (profiles, tokens, role settings).
    """
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent/trustwarden-test-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/trustwarden-test-credentials",
    }


@contextlib.contextmanager
def moto_environment() -> Iterator[str]:
    """For scripts: a moto server, and this process's environment pointing boto3 at it.

    Yields the endpoint. The environment is left changed. Exits with a one-line message if
    the server cannot start.
    """
    with (
        tempfile.TemporaryDirectory(prefix="trustwarden-moto-") as tmp,
        contextlib.ExitStack() as stack,
    ):
        try:
            server = stack.enter_context(moto_server_process(Path(tmp) / "server.log"))
        except MotoServerError as exc:
            sys.exit(str(exc))
        for name in SCRUBBED_ENV:
            os.environ.pop(name, None)
        os.environ.update(client_environment(server.endpoint))
        yield server.endpoint
