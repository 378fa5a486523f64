"""No AWS answer reaches any output: every kind of broken answer, for every live command.

A loopback proxy in front of the moto server replaces one operation's answer with what a
broken load balancer, a captive portal or a truncated connection sends: truncated XML, an
HTML error page, a 500 with a body, garbage from a JSON-protocol service (Organizations). Each
carries a marker; it may reach no output, log or file, with and without ``--debug``.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest

from tests.aws.helpers import seed_org, trust_account
from tests.aws.proxy import proxy
from tests.moto_server import MotoServer
from trustwarden.cli.main import main

pytestmark = pytest.mark.moto_server

MARK = "leak-9f3c2e"  # short plain text: not shaped like a key, passes any length filter
BodyFor = Callable[[bytes], tuple[int, bytes]]

#: name -> (status, body) from moto's real body.
ANSWERS: dict[str, BodyFor] = {
    "truncated": lambda real: (200, real[: len(real) // 2] + MARK.encode()),
    "html-500": lambda _r: (500, f"<html><body>proxy error, session {MARK}</body></html>".encode()),
    "html-403": lambda _r: (403, f"<html><body>blocked: {MARK}</body></html>".encode()),
    "doctype-502": lambda _r: (502, f"<!DOCTYPE html><p>bad gateway {MARK}".encode()),
    "text-500": lambda _r: (500, f"upstream failed for token {MARK}".encode()),
    "text-400": lambda _r: (400, f"bad request token {MARK}".encode()),
    "garbage-200": lambda _r: (200, f"\x00\xff garbage {MARK}".encode("latin-1")),
}


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, env=dict(os.environ))
    return code, out.getvalue(), err.getvalue()


class Broken:
    """A proxy ``rewrite`` that breaks every answer to ``action``, counting them."""

    def __init__(self, action: str, answer: str) -> None:
        self.action, self.answer, self.hits = action, ANSWERS[answer], 0

    def __call__(self, seen: str, status: int, body: bytes) -> bytes | tuple[int, bytes]:
        if seen != self.action:
            return body
        self.hits += 1
        return self.answer(body)


def check(code: int, out: str, err: str, *files: Path) -> None:
    for text in (out, err, *(f.read_text(errors="replace") for f in files if f.exists())):
        assert MARK not in text
        assert "internal error" not in text
    assert code in (1, 2, 3, 4, 5), (code, err)


@pytest.fixture(autouse=True)
def _one_attempt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")


@contextmanager
def breaking(moto: MotoServer, mp: pytest.MonkeyPatch, action: str, answer: str) -> Iterator[None]:
    """Route boto3 through a proxy that breaks ``action``; assert it was asked."""
    rewrite = Broken(action, answer)
    with proxy(moto.endpoint, rewrite=rewrite) as url:
        mp.setenv("AWS_ENDPOINT_URL", url)
        yield
        mp.setenv("AWS_ENDPOINT_URL", moto.endpoint)
    assert rewrite.hits, f"the command never called {action}"


def seed_vendor_role() -> None:
    boto3.client("iam").create_role(
        RoleName="vendor", AssumeRolePolicyDocument=json.dumps(trust_account("222222222222"))
    )


DEBUG = pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
ANSWER = pytest.mark.parametrize("answer", list(ANSWERS))


@DEBUG
@ANSWER
@pytest.mark.parametrize("action", ["ListRoles", "GetCallerIdentity"])
def test_scan(
    moto_env: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    action: str,
    answer: str,
    debug: tuple[str, ...],
) -> None:
    seed_vendor_role()
    report = tmp_path / "report.json"
    with breaking(moto_env, monkeypatch, action, answer):
        result = run(*debug, "scan", "--format", "json", "--output", str(report))
    check(*result, report)


@DEBUG
@ANSWER
@pytest.mark.parametrize("action", ["ListAccounts", "DescribeOrganization"])
def test_organization_scan(
    moto_env: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    action: str,
    answer: str,
    debug: tuple[str, ...],
) -> None:
    seed_org(1, 1, management_roles=1)
    report = tmp_path / "report.json"
    with breaking(moto_env, monkeypatch, action, answer):
        result = run(*debug, "scan", "--organization", "--format", "json", "--output", str(report))
    check(*result, report)


@DEBUG
@ANSWER
@pytest.mark.parametrize("action", ["GetRole", "UpdateAssumeRolePolicy"])
def test_fix_apply(
    moto_env: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    action: str,
    answer: str,
    debug: tuple[str, ...],
) -> None:
    seed_vendor_role()
    journal = tmp_path / "journal.jsonl"
    fix = ("fix", "--external-id", "vendor-7f3a", "--apply", "--yes", "--journal", str(journal))
    with breaking(moto_env, monkeypatch, action, answer):
        result = run(*debug, *fix)
    check(*result, journal)


@DEBUG
@ANSWER
@pytest.mark.parametrize("action", ["GetRole", "UpdateAssumeRolePolicy"])
def test_rollback(
    moto_env: MotoServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    action: str,
    answer: str,
    debug: tuple[str, ...],
) -> None:
    seed_vendor_role()
    journal = tmp_path / "journal.jsonl"
    fix = ("fix", "--external-id", "vendor-7f3a", "--apply", "--yes", "--journal", str(journal))
    assert run(*fix)[0] == 0
    with breaking(moto_env, monkeypatch, action, answer):
        result = run(*debug, "rollback", str(journal))
    check(*result, journal)
