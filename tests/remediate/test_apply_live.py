"""Apply and rollback against the moto server: verify, journal, restore, conflicts."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.moto_server import MotoServer
from tests.remediate.live import (
    MOTO_ACCOUNT,
    SAFE,
    client,
    current,
    exposed,
    fail_update,
    live_plans,
    seed,
)
from trustwarden.remediate.apply import OutcomeKind, apply_plans
from trustwarden.remediate.document import documents_equal
from trustwarden.remediate.journal import Journal, JournalWriteError, read_journal
from trustwarden.remediate.mapping import ExternalIds
from trustwarden.remediate.plan import FixOptions, PlanAction
from trustwarden.remediate.rollback import RollbackKind, rollback
from trustwarden.remediate.store import IamTrustPolicyStore

pytestmark = pytest.mark.moto_server

EXT = FixOptions(external_ids=ExternalIds(default="vendor-issued-7f3a"))
NO_SLEEP: Any = lambda _seconds: None  # noqa: E731


def run_apply(iam: Any, journal_path: Path, options: FixOptions = EXT) -> list[Any]:
    plans = live_plans(options)
    with Journal(journal_path) as journal:
        return list(apply_plans(plans, IamTrustPolicyStore(iam), journal, sleep=NO_SLEEP))


def run_rollback(iam: Any, journal_path: Path, **kwargs: Any) -> list[Any]:
    with Journal(journal_path) as journal:
        return list(
            rollback(
                read_journal(journal_path),
                IamTrustPolicyStore(iam),
                account_id=MOTO_ACCOUNT,
                journal=journal,
                sleep=NO_SLEEP,
                **kwargs,
            )
        )


def test_apply_verify_rollback_round_trip(moto_env: MotoServer, tmp_path: Path) -> None:
    iam = client()
    originals = {
        "vendor-a": exposed(sid="VendorA"),
        "vendor-b": exposed("333333333333"),
        "ec2": SAFE,
    }
    seed(iam, originals)
    journal_path = tmp_path / "journal.jsonl"

    outcomes = run_apply(iam, journal_path)

    assert sorted((o.plan.role.name, o.kind) for o in outcomes) == [
        ("vendor-a", OutcomeKind.APPLIED),
        ("vendor-b", OutcomeKind.APPLIED),
    ]
    for outcome in outcomes:
        live = current(iam, outcome.plan.role.name)
        assert live == outcome.plan.after
        assert live["Statement"][0]["Condition"] == {
            "StringEquals": {"sts:ExternalId": "vendor-issued-7f3a"}
        }
    assert current(iam, "ec2") == SAFE
    contents = read_journal(journal_path)
    assert {i.role_name: i.original for i in contents.intents} == {
        "vendor-a": originals["vendor-a"],
        "vendor-b": originals["vendor-b"],
    }

    # A second fix run finds nothing to do.
    second = live_plans(EXT)
    assert {p.action for p in second} == {PlanAction.NOTHING}

    restored = run_rollback(iam, journal_path)
    assert sorted((o.role_name, o.kind) for o in restored) == [
        ("vendor-a", RollbackKind.RESTORED),
        ("vendor-b", RollbackKind.RESTORED),
    ]
    for name, doc in originals.items():
        assert current(iam, name) == doc  # parsed JSON equal, key order included
        assert json.dumps(current(iam, name)) == json.dumps(doc)

    # Idempotent: a second rollback has nothing to do and changes nothing.
    again = run_rollback(iam, journal_path)
    assert {o.kind for o in again} == {RollbackKind.NOTHING}
    events = [json.loads(line)["event"] for line in journal_path.read_text().splitlines()]
    assert events.count("intent") == 2
    assert events.count("applied") == 2
    assert events.count("rollback-restored") == 2
    assert events.count("rollback-nothing-to-do") == 2


@pytest.mark.parametrize("when", ["after", "before"])
def test_failed_update_restores_that_role_and_continues(
    moto_env: MotoServer, tmp_path: Path, when: str
) -> None:
    iam = client()
    names = [f"vendor-{i}" for i in range(4)]
    originals = {n: exposed(sid=f"S{i}") for i, n in enumerate(names)}
    seed(iam, originals)
    fail_update(iam, calls={2}, when=when)  # the 2nd role's update fails
    journal_path = tmp_path / "journal.jsonl"

    outcomes = run_apply(iam, journal_path)

    kinds = [o.kind for o in outcomes]
    assert kinds == [
        OutcomeKind.APPLIED,
        OutcomeKind.ROLLED_BACK,
        OutcomeKind.APPLIED,
        OutcomeKind.APPLIED,
    ]
    failed = outcomes[1]
    assert "injected failure #2" in failed.detail
    assert current(iam, failed.plan.role.name) == originals[failed.plan.role.name]
    for outcome in outcomes[2:]:
        assert current(iam, outcome.plan.role.name) == outcome.plan.after

    # The journal holds everything rollback needs to undo the changed roles.
    restored = run_rollback(iam, journal_path)
    assert {o.role_name: o.kind for o in restored} == {
        o.plan.role.name: RollbackKind.NOTHING if o is failed else RollbackKind.RESTORED
        for o in outcomes
    }
    for name, doc in originals.items():
        assert current(iam, name) == doc


def test_restore_failure_is_reported_and_rollback_finishes_later(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    iam = client()
    seed(iam, {"vendor-a": exposed(), "vendor-b": exposed(sid="B")})
    # The 1st update lands but errors; the restore (2nd update) never gets through.
    fail_update(iam, calls={1}, when="after")
    fail_update(iam, calls={2}, when="before")
    journal_path = tmp_path / "journal.jsonl"

    outcomes = run_apply(iam, journal_path)

    assert [o.kind for o in outcomes] == [OutcomeKind.RESTORE_FAILED, OutcomeKind.APPLIED]
    assert "trustwarden rollback" in outcomes[0].detail
    stuck = outcomes[0].plan
    assert current(iam, stuck.role.name) == stuck.after  # the fix is still live

    restored = run_rollback(client(), journal_path)  # a fresh client: no injected faults
    assert {o.kind for o in restored} == {RollbackKind.RESTORED}
    assert current(iam, "vendor-a") == exposed()
    assert current(iam, "vendor-b") == exposed(sid="B")


def test_a_write_that_does_not_take_is_detected_and_undone(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    iam = client()
    seed(iam, {"vendor-a": exposed()})

    def swallow(**_: Any) -> tuple[Any, dict[str, Any]]:  # "success" without sending
        return SimpleNamespace(status_code=200, headers={}), {}

    plans = live_plans(EXT)
    iam.meta.events.register("before-call.iam.UpdateAssumeRolePolicy", swallow)
    with Journal(tmp_path / "j.jsonl") as journal:
        store = IamTrustPolicyStore(iam)
        sleeps: list[float] = []
        outcome = next(apply_plans(plans, store, journal, sleep=sleeps.append, verify_attempts=3))
    assert outcome.kind is OutcomeKind.ROLLED_BACK
    assert "different trust policy" in outcome.detail
    assert sleeps == [0.5, 1.0]  # read back with back-off (IAM is eventually consistent)
    assert current(iam, "vendor-a") == exposed()


def test_a_change_by_someone_else_after_our_write_is_not_overwritten(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    iam = client()
    seed(iam, {"vendor-a": exposed()})
    other = client()
    meddled = exposed("444444444444")

    def meddle(**_: Any) -> None:  # someone rewrites the policy right after our write
        iam.meta.events.unregister("after-call.iam.UpdateAssumeRolePolicy", meddle)
        other.update_assume_role_policy(RoleName="vendor-a", PolicyDocument=json.dumps(meddled))

    plans = live_plans(EXT)
    iam.meta.events.register("after-call.iam.UpdateAssumeRolePolicy", meddle)
    with Journal(tmp_path / "j.jsonl") as journal:
        store = IamTrustPolicyStore(iam)
        outcome = next(apply_plans(plans, store, journal, sleep=NO_SLEEP, verify_attempts=2))
    assert outcome.kind is OutcomeKind.RESTORE_FAILED
    assert "someone else changed the policy meanwhile" in outcome.detail
    assert current(iam, "vendor-a") == meddled


def test_concurrent_change_between_plan_and_apply_is_not_overwritten(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    iam = client()
    seed(iam, {"vendor-a": exposed(), "vendor-b": exposed(sid="B"), "vendor-c": exposed(sid="C")})
    plans = live_plans(EXT)
    # After the plan: someone edits vendor-b, and deletes vendor-c.
    edited = exposed("555555555555", sid="Edited")
    iam.update_assume_role_policy(RoleName="vendor-b", PolicyDocument=json.dumps(edited))
    iam.delete_role(RoleName="vendor-c")
    journal_path = tmp_path / "journal.jsonl"
    with Journal(journal_path) as journal:
        outcomes = list(apply_plans(plans, IamTrustPolicyStore(iam), journal, sleep=NO_SLEEP))

    by_name = {o.plan.role.name: o for o in outcomes}
    assert by_name["vendor-a"].kind is OutcomeKind.APPLIED
    assert by_name["vendor-b"].kind is OutcomeKind.CONFLICT
    assert "changed since the plan" in by_name["vendor-b"].detail
    assert by_name["vendor-c"].kind is OutcomeKind.CONFLICT
    assert "no longer exists" in by_name["vendor-c"].detail
    assert current(iam, "vendor-b") == edited
    # No intent for roles that were not touched.
    assert [i.role_name for i in read_journal(journal_path).intents] == ["vendor-a"]


def test_rollback_leaves_a_role_changed_since_alone(moto_env: MotoServer, tmp_path: Path) -> None:
    iam = client()
    seed(iam, {"vendor-a": exposed(), "vendor-b": exposed(sid="B")})
    journal_path = tmp_path / "journal.jsonl"
    run_apply(iam, journal_path)
    later = exposed("666666666666", sid="Later")
    iam.update_assume_role_policy(RoleName="vendor-b", PolicyDocument=json.dumps(later))

    outcomes = {o.role_name: o for o in run_rollback(iam, journal_path)}

    assert outcomes["vendor-a"].kind is RollbackKind.RESTORED
    assert outcomes["vendor-b"].kind is RollbackKind.CONFLICT
    assert current(iam, "vendor-b") == later


def test_rollback_role_filter_account_check_and_dry_run(
    moto_env: MotoServer, tmp_path: Path
) -> None:
    iam = client()
    seed(iam, {"vendor-a": exposed(), "vendor-b": exposed(sid="B")})
    journal_path = tmp_path / "journal.jsonl"
    run_apply(iam, journal_path)
    contents = read_journal(journal_path)
    store = IamTrustPolicyStore(iam)

    other_account = list(rollback(contents, store, account_id="999999999999", sleep=NO_SLEEP))
    assert {o.kind for o in other_account} == {RollbackKind.SKIPPED}
    assert "999999999999" in other_account[0].detail

    dry = list(rollback(contents, store, account_id=MOTO_ACCOUNT, dry_run=True, sleep=NO_SLEEP))
    assert {o.kind for o in dry} == {RollbackKind.RESTORED}
    assert current(iam, "vendor-a") != exposed()  # nothing written

    only_b = list(rollback(contents, store, roles=["vendor-b"], sleep=NO_SLEEP))
    assert [(o.role_name, o.kind) for o in only_b] == [("vendor-b", RollbackKind.RESTORED)]
    assert current(iam, "vendor-b") == exposed(sid="B")
    assert current(iam, "vendor-a") != exposed()


def test_journal_failure_stops_before_any_change(moto_env: MotoServer, tmp_path: Path) -> None:
    iam = client()
    seed(iam, {"vendor-a": exposed()})
    plans = live_plans(EXT)
    journal = Journal(tmp_path / "j.jsonl")  # never opened: every record fails
    with pytest.raises(JournalWriteError):
        list(apply_plans(plans, IamTrustPolicyStore(iam), journal, sleep=NO_SLEEP))
    assert current(iam, "vendor-a") == exposed()


def test_documents_equal_accepts_iam_rewrites_of_what_was_written() -> None:
    written = exposed()
    written["Statement"][0]["Principal"]["AWS"] = "222222222222"
    as_stored = exposed()  # IAM shows an account id as its root ARN
    as_stored["Statement"][0]["Principal"]["AWS"] = ["arn:aws:iam::222222222222:root"]
    assert documents_equal(as_stored, written)
