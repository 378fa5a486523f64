"""One meaning per flag (issue 8, item 7), live on the moto server: explain, --role, rollback's
confirmation and the organisation's own accounts."""

from __future__ import annotations

import io
import json
import os
import re
from pathlib import Path

import boto3
import pytest

import trustwarden.cli.fix as fix_cli
from tests.aws.helpers import TRUST_OTHER_ACCOUNT, TRUST_SERVICE, create_roles, seed_org
from tests.cli.runner import Run, invoke
from tests.moto_server import MotoServer

pytestmark = pytest.mark.moto_server


def run(*args: str, cwd: Path) -> Run:
    return invoke(args, env=dict(os.environ), cwd=cwd)


def test_explain_works_on_live_roles(moto_env: MotoServer, tmp_path: Path) -> None:
    iam = boto3.client("iam")
    create_roles(iam, 2, prefix="xacct", trust=TRUST_OTHER_ACCOUNT)
    done = run("explain", "--role", "xacct-00001", cwd=tmp_path)
    assert done.code == 1, done.err
    assert done.out.startswith("Role xacct-00001  arn:aws:iam::123456789012:role/xacct-00001")
    assert "witness: arn:aws:iam::999988887777:" in " ".join(done.out.split())
    by_arn = run(
        "explain",
        "--role",
        "arn:aws:iam::123456789012:role/xacct-00000",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert json.loads(by_arn.out)["result"]["role_name"] == "xacct-00000"


def test_live_literal_role_that_matches_nothing_is_exit_2(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    create_roles(boto3.client("iam"), 2, prefix="deploy", trust=TRUST_SERVICE)
    for command in (["scan"], ["explain"], ["fix", "--require-mfa"]):
        done = run(*command, "--role", "deploy-0000", cwd=tmp_path)
        assert done.code == 2, (command, done.err)
        assert re.search(r"closest: deploy-0000[01], deploy-0000[01]\)", done.err), command
    matched = run("scan", "--role", "DEPLOY-*", "--format", "json", cwd=tmp_path)
    assert matched.code == 0
    assert len(json.loads(matched.out)["results"]) == 2


def test_organization_trusts_its_own_accounts_by_default(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    org = seed_org(2, 1)  # each member's audit role trusts the management account
    trusting = run("scan", "--organization", cwd=tmp_path)
    assert trusting.code == 0, trusting.err
    summary = " ".join(trusting.out.split())
    assert f"Trusted the organization {org.org_id} and its 3 accounts" in summary
    assert "--no-trust-organization to judge them as outsiders" in summary
    judged = run("scan", "--organization", "--no-trust-organization", cwd=tmp_path)
    assert judged.code == 1
    assert "Trusted the organization" not in judged.out
    as_json = run("scan", "--organization", "--format", "json", cwd=tmp_path)
    assert json.loads(as_json.out)["run"]["notes"][0].startswith("trusted the organization")
    assert "trustwarden: trusted the organization" in as_json.err


def _applied(tmp_path: Path) -> Path:
    iam = boto3.client("iam")
    create_roles(iam, 2, prefix="vendor", trust=TRUST_OTHER_ACCOUNT)
    journal = tmp_path / "j.jsonl"
    done = run("fix", "--require-mfa", "--apply", "--yes", "--journal", str(journal), cwd=tmp_path)
    assert done.code == 0, done.err
    return journal


def _restored(name: str) -> bool:
    doc = boto3.client("iam").get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
    return "Condition" not in json.dumps(doc)


def test_rollback_asks_like_fix_apply(
    moto_env: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = _applied(tmp_path)
    refused = run("rollback", str(journal), cwd=tmp_path)  # no terminal, no --yes
    assert refused.code == 2
    assert "refusing to change 2 roles without confirmation" in refused.err
    assert not _restored("vendor-00000")

    monkeypatch.setattr(fix_cli, "stdin_is_terminal", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    declined = run("rollback", str(journal), cwd=tmp_path)
    assert declined.code == 0
    assert "Restore the trust policy of up to 2 roles in account 123456789012?" in declined.err
    assert "nothing changed" in declined.err
    assert not _restored("vendor-00000")

    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    one = run("rollback", str(journal), "--role", "*-00001", cwd=tmp_path)
    assert one.code == 0, one.err
    assert (_restored("vendor-00000"), _restored("vendor-00001")) == (False, True)

    rest = run("rollback", str(journal), "--yes", "--role", "vendor-00000", cwd=tmp_path)
    assert rest.code == 0, rest.err
    assert _restored("vendor-00000")


def test_rollback_literal_role_not_in_journal_names_the_closest(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    journal = _applied(tmp_path)
    done = run("rollback", str(journal), "--yes", "--role", "vendor-0000", cwd=tmp_path)
    assert done.code == 2
    assert "no role 'vendor-0000' in the journal (closest: vendor-0000" in done.err


def test_enrich_facts_in_table_json_and_explain(moto_env: MotoServer, tmp_path: Path) -> None:
    iam = boto3.client("iam")
    create_roles(iam, 1, prefix="xacct", trust=TRUST_OTHER_ACCOUNT)
    iam.tag_role(RoleName="xacct-00000", Tags=[{"Key": "team", "Value": "blue"}])
    table = run("scan", "--enrich", cwd=tmp_path)
    assert table.code == 1
    assert "tags: team=blue" in table.out
    assert "never used (per IAM)" in table.out
    report = json.loads(run("scan", "--enrich", "--format", "json", cwd=tmp_path).out)
    facts = report["results"][0]["facts"]
    assert facts["tags"] == {"team": "blue"}
    assert facts["enriched"] is True
    assert facts["permissions"] == {"managed_policies": [], "documents": 0}
    explained = run("explain", "--enrich", "--role", "xacct-00000", cwd=tmp_path)
    assert "Role facts: tags: team=blue" in explained.out
    plain = run("explain", "--role", "xacct-00000", cwd=tmp_path)
    assert "Role facts" not in plain.out  # ListRoles has no tags: shown only when fetched


def test_enrich_error_is_reported_not_silent(
    moto_env: MotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.aws.helpers import Injector  # noqa: PLC0415
    from trustwarden.sources.aws import scanner  # noqa: PLC0415

    create_roles(boto3.client("iam"), 1, prefix="xacct", trust=TRUST_OTHER_ACCOUNT)
    deny = Injector(
        lambda p, _: (
            (403, "AccessDenied", "no iam:GetRole") if p.get("Action") == "GetRole" else None
        )
    )
    real = scanner.AccountSource

    def with_fault(**kwargs: object) -> object:
        return real(**kwargs, hooks=[("before-send.iam", deny)])  # type: ignore[arg-type]

    monkeypatch.setattr(scanner, "AccountSource", with_fault)
    report = json.loads(run("scan", "--enrich", "--format", "json", cwd=tmp_path).out)
    assert "GetRole: AccessDenied" in report["results"][0]["facts"]["enrich_error"]
    table = run("scan", "--enrich", cwd=tmp_path)
    assert "facts not fetched: GetRole: AccessDenied" in " ".join(table.out.split())
