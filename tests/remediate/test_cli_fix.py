"""``trustwarden fix`` and ``rollback`` through main(), live roles on the moto server."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import trustwarden.cli.fix as fix_cli
from tests.moto_server import MotoServer
from tests.remediate.cli_runner import Run, run_cli
from tests.remediate.live import SAFE, client, current, exposed, fail_update, seed
from trustwarden.aws.options import AwsOptions
from trustwarden.aws.session import make_session
from trustwarden.remediate.journal import read_journal

pytestmark = pytest.mark.moto_server

EXT_ID = "vendor-issued-7f3a"
ORIGINALS = {"vendor-a": exposed(sid="VendorA"), "vendor-b": exposed("333333333333"), "ec2": SAFE}


@pytest.fixture
def estate(moto_env: MotoServer) -> Any:
    iam = client()
    seed(iam, ORIGINALS)
    return iam


def fix(tmp_path: Path, *args: str) -> Run:
    """``fix --external-id EXT_ID``, with ``--role '*'`` unless the test selects roles: the
    two vendors' roles get one ID on purpose."""
    every = () if "--role" in args else ("--role", "*")
    return run_cli(
        "fix", "--external-id", EXT_ID, *every, *args, cwd=tmp_path, state=tmp_path / "state"
    )


def rollback(tmp_path: Path, *args: str) -> Run:
    return run_cli("rollback", *args, "--yes", cwd=tmp_path)


def unchanged(iam: Any) -> bool:
    return all(current(iam, name) == doc for name, doc in ORIGINALS.items())


def test_dry_run_shows_diffs_and_changes_nothing(estate: Any, tmp_path: Path) -> None:
    run = fix(tmp_path)
    assert run.code == 0
    assert "arn:aws:iam::123456789012:role/vendor-a: fail -> pass" in run.out
    assert f'+          "sts:ExternalId": "{EXT_ID}"' in run.out
    assert "--- arn:aws:iam::123456789012:role/vendor-b (current)" in run.out
    assert "role/ec2" not in run.out
    assert "3 roles: 2 to change, 0 not fixable as asked, 1 nothing to do" in run.err
    assert "dry run: nothing changed; add --apply to change 2 roles" in run.err
    assert "\x1b[" not in run.out  # no colour when not on a terminal
    assert unchanged(estate)
    assert not (tmp_path / "state").exists()  # no journal for a dry run


def test_apply_refuses_without_terminal_or_yes(estate: Any, tmp_path: Path) -> None:
    run = fix(tmp_path, "--apply")
    assert run.code == 2
    assert "refusing to change 2 roles without confirmation" in run.err
    assert "add --yes" in run.err
    assert unchanged(estate)


@pytest.mark.parametrize(("answer", "code"), [("n\n", 0), ("y\n", 0)])
def test_apply_asks_on_a_terminal(
    estate: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str, code: int
) -> None:
    monkeypatch.setattr(fix_cli, "stdin_is_terminal", lambda: True)
    monkeypatch.setattr("sys.stdin", io.StringIO(answer))
    run = fix(tmp_path, "--apply", "--journal", str(tmp_path / "j.jsonl"))
    assert run.code == code
    assert "Change the trust policy of 2 roles in account 123456789012?" in run.err
    assert unchanged(estate) is answer.startswith("n")
    if answer.startswith("n"):
        assert "nothing changed" in run.err


def test_apply_then_second_run_is_a_no_op_then_rollback(estate: Any, tmp_path: Path) -> None:
    run = fix(tmp_path, "--apply", "--yes")
    assert run.code == 0, run.err
    journal = tmp_path / "state" / "trustwarden" / "journal-20240501T120000Z-123456789012.jsonl"
    assert f"journal: {journal}" in run.err
    assert f"2 of 2 roles changed; to undo: trustwarden rollback {journal}" in run.err
    assert "role/vendor-a: applied: changed and verified" in run.out
    for name in ("vendor-a", "vendor-b"):
        assert current(estate, name)["Statement"][0]["Condition"] == {
            "StringEquals": {"sts:ExternalId": EXT_ID}
        }
    assert len(read_journal(journal).intents) == 2

    again = fix(tmp_path, "--apply", "--yes")
    assert again.code == 0
    assert "3 roles: 0 to change, 0 not fixable as asked, 3 nothing to do" in again.err
    assert "nothing to apply" in again.err
    assert len(read_journal(journal).intents) == 2  # nothing journaled either

    back = rollback(tmp_path, str(journal))
    assert back.code == 0, back.err
    assert back.out.count(": restored: original restored and verified") == 2
    assert "restored 2 of 2 roles" in back.err
    assert unchanged(estate)

    twice = rollback(tmp_path, str(journal))
    assert twice.code == 0
    assert twice.out.count(": nothing-to-do: the original is in place") == 2
    assert unchanged(estate)


def test_size_quota_refusal(estate: Any, tmp_path: Path) -> None:
    run = fix(tmp_path, "--apply", "--yes", "--max-policy-size", "150")
    assert run.code == 2
    assert re.search(r"vendor-a: not fixed: the fixed policy would be \d+ characters", run.out)
    assert "over the quota of 150" in run.out
    assert "nothing to apply" in run.err
    assert unchanged(estate)


def with_hooks(monkeypatch: pytest.MonkeyPatch, install: Any) -> None:
    """Let ``install(iam_client)`` add fault hooks to the IAM client the CLI creates."""

    def make(aws: AwsOptions, env: Any = None) -> Any:
        ctx = make_session(profile=aws.profile)
        real_client = ctx.client

        def patched(service: str) -> Any:
            made = real_client(service)
            if service == "iam":
                install(made)
            return made

        object.__setattr__(ctx, "client", patched)
        return ctx

    monkeypatch.setattr(fix_cli, "make_live_context", make)


def test_failed_update_exits_4_and_journal_restores(estate: Any, tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    with pytest.MonkeyPatch.context() as faults:
        with_hooks(faults, lambda iam: fail_update(iam, calls={2}, when="after"))
        run = fix(tmp_path, "--apply", "--yes", "--journal", str(journal))
    assert run.code == 4
    assert ": rolled-back: fix failed (UpdateAssumeRolePolicy: ServiceFailure" in run.out
    assert "1 of 2 roles changed" in run.err
    back = rollback(tmp_path, str(journal))
    assert back.code == 0
    assert unchanged(estate)


def test_failed_restore_exits_5(
    estate: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def install(iam: Any) -> None:
        fail_update(iam, calls={1}, when="after")
        fail_update(iam, calls={2}, when="before")

    journal = tmp_path / "j.jsonl"
    with pytest.MonkeyPatch.context() as faults:
        with_hooks(faults, install)
        run = fix(tmp_path, "--apply", "--yes", "--journal", str(journal))
    assert run.code == 5
    assert f"trustwarden rollback {journal} --role" in run.out
    assert rollback(tmp_path, str(journal)).code == 0
    assert unchanged(estate)


def test_concurrent_change_exits_2_and_is_kept(
    estate: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edited = exposed("555555555555", sid="Edited")

    def install(iam: Any) -> None:
        def edit_once(**_: Any) -> None:
            iam.meta.events.unregister("before-call.iam.GetRole", edit_once)
            client().update_assume_role_policy(
                RoleName="vendor-a", PolicyDocument=json.dumps(edited)
            )

        iam.meta.events.register("before-call.iam.GetRole", edit_once)

    with_hooks(monkeypatch, install)
    run = fix(tmp_path, "--apply", "--yes", "--journal", str(tmp_path / "j.jsonl"))
    assert run.code == 2
    assert "role/vendor-a: conflict: its trust policy changed since the plan" in run.out
    assert "role/vendor-b: applied" in run.out
    assert current(estate, "vendor-a") == edited


def test_rollback_conflict_and_unknown_role(estate: Any, tmp_path: Path) -> None:
    journal = tmp_path / "j.jsonl"
    assert fix(tmp_path, "--apply", "--yes", "--journal", str(journal)).code == 0
    later = exposed("666666666666")
    estate.update_assume_role_policy(RoleName="vendor-b", PolicyDocument=json.dumps(later))
    run = rollback(tmp_path, str(journal), "--role", "vendor-b", "--role", "nope")
    assert run.code == 2
    assert "no role 'nope' in the journal" in run.err
    assert "role/vendor-b: conflict: its trust policy is not the one trustwarden wrote" in run.out
    assert "vendor-a" not in run.out
    assert current(estate, "vendor-b") == later


def test_per_role_external_id_map(estate: Any, tmp_path: Path) -> None:
    mapping = tmp_path / "ids.csv"
    mapping.write_text("# role,external-id\nvendor-a,id-for-a\n")
    run = run_cli("fix", "--external-id-map", str(mapping), cwd=tmp_path)
    assert run.code == 2  # vendor-b has no entry
    assert '"sts:ExternalId": "id-for-a"' in run.out
    assert "vendor-b: not fixed: no External ID for this role in" in run.out
    assert "never invents one" in run.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "nothing to fix with"),
        (("--external-id", "has space"), "may only contain"),
        (("--external-id", "x"), "2-1224 characters"),
        (("--require-mfa", "--out-dir", "o"), "--out-dir needs --input, --sample or PATH"),
        (("--require-mfa", "--sample", "--apply"), "--apply cannot be used with --input/--sample"),
        (("--require-mfa", "--external-id-map", "missing.csv"), "cannot read External ID map"),
    ],
)
def test_usage_errors(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    run = run_cli("fix", *args, cwd=tmp_path)
    assert run.code == 2
    assert message in run.err
    assert "Traceback" not in run.err


def test_offline_out_dir(tmp_path: Path) -> None:
    doc = exposed()
    policy_file = tmp_path / "trust.json"
    policy_file.write_text(json.dumps(doc))
    out_dir = tmp_path / "fixed"
    run = run_cli(
        "fix",
        "--input",
        str(policy_file),
        "--account-id",
        "111111111111",
        "--require-mfa",
        "--out-dir",
        str(out_dir),
        cwd=tmp_path,
    )
    assert run.code == 0, run.err
    files = sorted(out_dir.iterdir())
    assert len(files) == 1
    assert files[0].name.endswith(".trust.json")
    fixed = json.loads(files[0].read_text())
    assert fixed["Statement"][0]["Condition"] == {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    assert f"wrote {files[0]}" in run.err


def test_offline_prints_fixed_documents(tmp_path: Path) -> None:
    run = run_cli("fix", "--sample", "--require-mfa", "--role", "vendor-admin-access", cwd=tmp_path)
    assert run.code == 0, run.err
    assert "# fixed trust policy of arn:aws:iam::111111111111:role/vendor-admin-access" in run.out
    printed = run.out.split("# fixed trust policy of", 1)[1].split("\n", 1)[1]
    assert json.loads(printed)["Statement"][0]["Condition"]["Bool"] == {
        "aws:MultiFactorAuthPresent": "true"
    }


def test_role_filter_for_live_roles(estate: Any, tmp_path: Path) -> None:
    run = fix(tmp_path, "--role", "VENDOR-A", "--apply", "--yes", "--journal", str(tmp_path / "j"))
    assert run.code == 0
    assert "1 role: 1 to change" in run.err  # not "1 roles"
    assert current(estate, "vendor-b") == ORIGINALS["vendor-b"]
    assert current(estate, "vendor-a") != ORIGINALS["vendor-a"]


def test_journal_path_that_is_not_a_journal_is_refused(estate: Any, tmp_path: Path) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("not a journal\n")
    run = fix(tmp_path, "--apply", "--yes", "--journal", str(precious))
    assert run.code == 2
    assert "exists and is not a trustwarden journal" in run.err
    assert precious.read_text() == "not a journal\n"
    assert unchanged(estate)


def test_interrupt_mid_apply_exits_130_and_rollback_undoes(estate: Any, tmp_path: Path) -> None:
    def install(iam: Any) -> None:
        seen = {"n": 0}

        def interrupt(**_: Any) -> None:
            seen["n"] += 1
            if seen["n"] == 2:
                raise KeyboardInterrupt

        iam.meta.events.register("after-call.iam.UpdateAssumeRolePolicy", interrupt)

    journal = tmp_path / "j.jsonl"
    with pytest.MonkeyPatch.context() as faults:
        with_hooks(faults, install)
        run = fix(tmp_path, "--apply", "--yes", "--journal", str(journal))
    assert run.code == 130
    assert f"stopped; to undo what was changed: trustwarden rollback {journal}" in run.err
    assert not unchanged(estate)  # both updates reached IAM
    back = rollback(tmp_path, str(journal))
    assert back.code == 0
    assert unchanged(estate)


def test_expired_credentials_mid_apply_exit_3(estate: Any, tmp_path: Path) -> None:
    def install(iam: Any) -> None:
        def expired(**_: Any) -> None:
            raise ClientError(
                {"Error": {"Code": "ExpiredToken", "Message": "The security token expired"}},
                "GetRole",
            )

        iam.meta.events.register("before-call.iam.GetRole", expired)

    with pytest.MonkeyPatch.context() as faults:
        with_hooks(faults, install)
        run = fix(tmp_path, "--apply", "--yes", "--journal", str(tmp_path / "j.jsonl"))
    assert run.code == 3
    assert "ExpiredToken" in run.err
    assert "Traceback" not in run.err
    assert unchanged(estate)
