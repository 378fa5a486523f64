"""Benchmark: the AWS Config rule's scheduled evaluation of one account with many roles.

Seeds a moto server process with ``--roles`` roles (every tenth trusts another account with
no condition), then runs the handler on a ``ScheduledNotification`` shaped like AWS's
example (result token ``TESTMODE``) and prints wall time, API calls by operation and the
handler's peak Python memory (``tracemalloc``). Lambda's limits: 15 minutes, and the
memory the function is given (512 MB in ``deploy/``).

    python benchmarks/bench_config_rule.py [--roles 5000] [--latency 0]

``--latency`` puts a loopback proxy in front of moto that delays every request (AWS answers
in tens of milliseconds, moto on loopback in about one).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import boto3  # noqa: E402
from benchmarks.bench_live_account import latency  # noqa: E402
from tests.aws.helpers import CallCounter, create_roles  # noqa: E402
from tests.integrations.events import scheduled_event  # noqa: E402
from tests.moto_process import moto_environment  # noqa: E402

from trustwarden.integrations import aws_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    args = parser.parse_args()
    with moto_environment() as endpoint:
        iam = boto3.client("iam")
        account = boto3.client("sts").get_caller_identity()["Account"]
        start = time.perf_counter()
        create_roles(iam, args.roles, cross_every=10)
        print(f"seeded {args.roles} roles in {time.perf_counter() - start:.1f} s")
        event = scheduled_event(account)
        with latency(endpoint, args.latency):
            counter = CallCounter()
            aws_config.clear_caches()
            start = time.perf_counter()
            put = aws_config.evaluate(event, None, hooks=counter.hooks)
            elapsed = time.perf_counter() - start
            # a second run for memory: tracemalloc slows Python down severalfold
            aws_config.clear_caches()
            tracemalloc.start()
            aws_config.evaluate(event, None)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    kinds = Counter(e["ComplianceType"] for e in put)
    print(f"scheduled evaluation of {args.roles} roles (latency {args.latency * 1000:.0f} ms):")
    print(f"  wall time {elapsed:.2f} s (Lambda limit 900 s)")
    print(f"  peak Python memory {peak / 2**20:.1f} MiB (tracemalloc, second run; 512 MB given)")
    print(f"  evaluations {len(put)}: {dict(sorted(kinds.items()))}")
    print(f"  API calls {sum(counter.calls.values())}:")
    for operation, count in sorted(counter.calls.items()):
        print(f"    {operation}: {count}")


if __name__ == "__main__":
    main()
