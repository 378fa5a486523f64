"""No AWS answer reaches any output: real credentials in a body botocore cannot parse.

A loopback proxy in front of the moto server passes moto's real ``AssumeRole`` answer on with
a stray ``<`` appended: real temporary credentials in a broken body. botocore's
``ResponseParserError`` quotes that body; none of it may reach stdout, stderr (``--debug``
included) or the report.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.aws.helpers import seed_org
from tests.aws.proxy import BrokenAnswers, proxy
from tests.moto_server import MotoServer
from trustwarden.cli.main import main

pytestmark = pytest.mark.moto_server

ROLE = "arn:aws:iam::111122223333:role/Audit"
_FIELDS = ("AccessKeyId", "SecretAccessKey", "SessionToken")


@pytest.fixture
def broken_sts(moto_env: MotoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[BrokenAnswers]:
    """Every AssumeRole answer, through the proxy, is moto's real one plus a stray ``<``."""
    broken = BrokenAnswers("AssumeRole")
    with proxy(moto_env.endpoint, rewrite=broken) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        yield broken


def secrets(broken: BrokenAnswers) -> set[str]:
    """The credential strings of every answer the proxy broke (there must be some)."""
    found: set[str] = set()
    for body in broken.bodies:
        text = body.decode()
        for field in _FIELDS:
            found.update(re.findall(rf"<{field}>([^<]+)</{field}>", text))
    assert len(found) >= len(_FIELDS), "the proxy saw no AssumeRole answer"
    return found


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err, env=dict(os.environ))
    return code, out.getvalue(), err.getvalue()


def assert_nothing_from_the_answer(broken: BrokenAnswers, *texts: str) -> None:
    for secret in secrets(broken):
        for text in texts:
            assert secret not in text
    for text in texts:
        assert "AssumeRoleResponse" not in text
        assert "<Credentials>" not in text


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
@pytest.mark.parametrize(
    "command",
    [
        ("scan", "--assume-role", ROLE),
        ("fix", "--assume-role", ROLE, "--external-id", "id-from-the-vendor"),
    ],
    ids=["scan", "fix"],
)
def test_assume_role_with_a_broken_answer_is_an_aws_error_without_secrets(
    broken_sts: BrokenAnswers, command: tuple[str, ...], debug: tuple[str, ...]
) -> None:
    code, out, err = run(*debug, *command)
    assert code == 3
    assert out == ""
    assert err.startswith(f"trustwarden: error: assuming {ROLE}: AWS sent an answer that cannot")
    assert "internal error" not in err
    if debug:
        assert "Traceback (most recent call last)" in err
    else:
        assert "Traceback" not in err
    assert_nothing_from_the_answer(broken_sts, out, err)


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
def test_rollback_assume_role_with_a_broken_answer(
    broken_sts: BrokenAnswers, tmp_path: Path, debug: tuple[str, ...]
) -> None:
    journal = tmp_path / "journal.jsonl"
    doc = {"Version": "2012-10-17", "Statement": []}
    records = [
        {"v": 1, "event": "run", "run_id": "r", "time": "t", "account_id": "111122223333"},
        {
            "v": 1,
            "event": "intent",
            "run_id": "r",
            "time": "t",
            "role_arn": "arn:aws:iam::111122223333:role/app",
            "role_name": "app",
            "account_id": "111122223333",
            "original": doc,
            "planned": doc,
        },
    ]
    journal.write_text("".join(json.dumps(r) + "\n" for r in records))
    before = journal.read_text()
    code, out, err = run(*debug, "rollback", str(journal), "--assume-role", ROLE)
    assert code == 3
    assert "internal error" not in err
    assert_nothing_from_the_answer(broken_sts, out, err, journal.read_text())
    assert journal.read_text() == before  # nothing was attempted, nothing recorded


@pytest.mark.parametrize("debug", [(), ("--debug",)], ids=["plain", "debug"])
def test_organization_scan_skips_members_without_secrets_in_the_report(
    moto_env: MotoServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, debug: tuple[str, ...]
) -> None:
    org = seed_org(2, 1, management_roles=1)  # seeded before the proxy breaks AssumeRole
    broken = BrokenAnswers("AssumeRole")
    report = tmp_path / "report.json"
    with proxy(moto_env.endpoint, rewrite=broken) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        code, out, err = run(
            *debug, "scan", "--organization", "--format", "json", "--output", str(report)
        )
        _, stdout_report, _ = run(*debug, "scan", "--organization", "--format", "json")
    assert code == 2  # the members are skipped; the management account is still scanned
    document = json.loads(report.read_text())
    skipped = {s["account_id"]: s["reason"] for s in document["skipped"]}
    assert set(skipped) == set(org.members)
    for account, reason in skipped.items():
        assert reason == (
            f"cannot assume arn:aws:iam::{account}:role/TrustwardenAuditRole: "
            "AWS sent an answer that cannot be read (malformed; its content is not shown)"
        )
    assert {r["account_id"] for r in document["results"]} == {org.management}
    assert_nothing_from_the_answer(broken, out, err, report.read_text(), stdout_report)
