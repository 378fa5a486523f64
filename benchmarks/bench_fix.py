"""Benchmark: plan fixes for many roles (pure), then apply and roll back against moto.

Prints plans/s and peak memory for the planner, and for the live part wall time, roles/s and
API calls by operation for ``apply`` (per role: GetRole before, UpdateAssumeRolePolicy,
GetRole after) and ``rollback``.

    python benchmarks/bench_fix.py [--plan-roles 10000] [--live-roles 200]
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import boto3  # noqa: E402
from tests.aws.helpers import CallCounter  # noqa: E402
from tests.moto_process import moto_environment  # noqa: E402

from trustwarden.aws.session import make_session  # noqa: E402
from trustwarden.model import Role, Settings  # noqa: E402
from trustwarden.remediate.apply import OutcomeKind, apply_plans  # noqa: E402
from trustwarden.remediate.journal import Journal, read_journal  # noqa: E402
from trustwarden.remediate.mapping import ExternalIds  # noqa: E402
from trustwarden.remediate.plan import FixOptions, PlanAction, plan_roles  # noqa: E402
from trustwarden.remediate.rollback import RollbackKind, rollback  # noqa: E402
from trustwarden.remediate.store import IamTrustPolicyStore  # noqa: E402
from trustwarden.sources.aws.account import iter_roles  # noqa: E402

OWN = "123456789012"
OPTIONS = FixOptions(external_ids=ExternalIds(default="vendor-issued-7f3a"))


def trust(kind: int, i: int) -> dict[str, Any]:
    """A realistic mix: unconditioned vendor, weak External ID, weak MFA, service, own account."""
    vendor = f"arn:aws:iam::{200000000000 + i % 997:012d}:root"
    statements: list[dict[str, Any]] = [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    if kind == 0:
        statements.append(
            {"Effect": "Allow", "Principal": {"AWS": vendor}, "Action": "sts:AssumeRole"}
        )
    elif kind == 1:
        statements.append(
            {
                "Sid": "Vendor",
                "Effect": "Allow",
                "Principal": {"AWS": [vendor, f"arn:aws:iam::{OWN}:root"]},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Condition": {"StringLike": {"sts:ExternalId": "*"}},
            }
        )
    elif kind == 2:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"AWS": vendor},
                "Action": "sts:AssumeRole",
                "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}},
            }
        )
    elif kind == 3:
        statements.append(
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{OWN}:root"},
                "Action": "sts:AssumeRole",
            }
        )
    return {"Version": "2012-10-17", "Statement": statements}


def bench_plan(count: int) -> None:
    rng = random.Random(7)
    roles = [
        Role(
            arn=f"arn:aws:iam::{OWN}:role/r{i}",
            name=f"r{i}",
            account_id=OWN,
            trust_document=trust(rng.randrange(5), i),
        )
        for i in range(count)
    ]
    start = time.perf_counter()
    actions = Counter(p.action for p in plan_roles(roles, Settings(), OPTIONS))
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"plan: {count} roles in {elapsed:.2f} s = {count / elapsed:,.0f} roles/s")
    shown = {a.value: n for a, n in sorted(actions.items())}
    print(f"plan: {shown}; peak RSS {peak:.0f} MiB")


def bench_live(count: int) -> None:
    with moto_environment():
        import json  # noqa: PLC0415

        iam = boto3.client("iam")
        for i in range(count):
            iam.create_role(RoleName=f"r{i}", AssumeRolePolicyDocument=json.dumps(trust(i % 3, i)))
        counter = CallCounter()
        calls = counter.calls
        ctx = make_session(hooks=counter.hooks)
        start = time.perf_counter()
        plans = list(plan_roles(iter_roles(ctx), Settings(), OPTIONS))
        planned = time.perf_counter() - start
        changes = sum(1 for p in plans if p.action is PlanAction.CHANGE)
        print(f"live plan: {count} roles ({changes} to change) in {planned:.2f} s")
        print(f"live plan: calls {dict(calls)}")
        with tempfile.TemporaryDirectory() as tmp:
            journal_path = Path(tmp) / "journal.jsonl"
            calls.clear()
            store = IamTrustPolicyStore(ctx.client("iam"))
            start = time.perf_counter()
            with Journal(journal_path) as journal:
                outcomes = Counter(o.kind for o in apply_plans(plans, store, journal))
            applied = time.perf_counter() - start
            print(
                f"apply: {outcomes[OutcomeKind.APPLIED]} roles in {applied:.2f} s = "
                f"{changes / applied:,.0f} roles/s; calls {dict(calls)} "
                f"({sum(calls.values()) / max(changes, 1):.1f} per role)"
            )
            calls.clear()
            start = time.perf_counter()
            kinds = Counter(
                o.kind
                for o in rollback(read_journal(journal_path), store, account_id=ctx.account_id)
            )
            undone = time.perf_counter() - start
            print(
                f"rollback: {kinds[RollbackKind.RESTORED]} roles in {undone:.2f} s; "
                f"calls {dict(calls)}; journal {journal_path.stat().st_size / 1024:.0f} KiB"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plan-roles", type=int, default=10_000)
    parser.add_argument("--live-roles", type=int, default=200)
    args = parser.parse_args()
    bench_plan(args.plan_roles)
    if args.live_roles:
        bench_live(args.live_roles)


if __name__ == "__main__":
    main()
