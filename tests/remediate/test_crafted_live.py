"""Crafted values against live roles (moto server): nothing non-finite is sent to IAM, and
rollback's messages about a crafted journal reach the terminal escaped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.formats.test_escape import unsafe_chars
from tests.moto_server import MotoServer
from tests.remediate.cli_runner import run_cli
from tests.remediate.live import MOTO_ACCOUNT, client, exposed, seed
from trustwarden.remediate.journal import read_journal

pytestmark = pytest.mark.moto_server

EXT_ID = "vendor-issued-7f3a"
CRAFTED = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": '
    '"arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole", "Condition": '
    '{"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": 1e999}}}]}'
)


def raw_policy(iam: Any, name: str) -> object:
    return iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]


def test_a_live_policy_with_1e999_is_left_alone(moto_env: MotoServer, tmp_path: Path) -> None:
    iam = client()
    seed(iam, {"vendor-a": exposed()})
    iam.create_role(RoleName="crafted", AssumeRolePolicyDocument=CRAFTED)
    before = raw_policy(iam, "crafted")
    journal = tmp_path / "j.jsonl"
    run = run_cli(
        "fix", "--external-id", EXT_ID, "--apply", "--yes", "--journal", str(journal), cwd=tmp_path
    )
    assert run.code == 2, run.err  # crafted cannot be fixed; vendor-a is
    assert "role/crafted: not fixed: cannot evaluate the role:" in run.out
    assert "is not finite" in run.out
    assert "role/vendor-a: applied: changed and verified" in run.out
    assert raw_policy(iam, "crafted") == before
    text = journal.read_text(encoding="utf-8")
    assert "Infinity" not in text
    assert "NaN" not in text
    assert [i.role_name for i in read_journal(journal).intents] == ["vendor-a"]


def test_rollback_messages_about_a_crafted_journal_are_escaped(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    doc = exposed()
    records: list[dict[str, Any]] = [
        {"v": 1, "event": "run", "run_id": "r", "time": "t", "account_id": MOTO_ACCOUNT}
    ]
    for account, name in (
        ("333333333333", "other\x1b[2K\x1b[GPASS\u202e"),
        (MOTO_ACCOUNT, "gone\x1b[2K\u2066x"),
    ):
        records.append(
            {
                "v": 1,
                "event": "intent",
                "run_id": "r",
                "time": "t",
                "role_arn": f"arn:aws:iam::{account}:role/{name}\nforged: restored",
                "role_name": name,
                "account_id": account,
                "original": doc,
                "planned": doc,
            }
        )
    journal = tmp_path / "j.jsonl"
    journal.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    for args in ((), ("--dry-run",), ("--role", "nope\x1b[2K\u202e")):
        run = run_cli("rollback", str(journal), *args, cwd=tmp_path)
        # Unless --role selects nothing, the role in this account is looked up: moto cannot
        # answer for a name with control characters (an unreadable answer): exit 5.
        assert run.code == (2 if "--role" in args else 5), run.err
        for text in (run.out, run.err):
            assert [c for c in unsafe_chars(text) if c != "\n"] == []
            assert not any(line.startswith("forged") for line in text.splitlines())
        if not args:
            assert "role/other\\x1b[2K\\x1b[GPASS\\u202e\\nforged: restored: skipped" in run.out
