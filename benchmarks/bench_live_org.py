"""Benchmark: an AWS Organization scanned live from a moto server process.

Seeds an organisation (default 200 member accounts x 50 roles, through assumed-role
credentials), then scans it in fresh child processes that stream every event to the JSON
writer (like ``trustwarden scan --organization --format json``) and prints:

* wall time with the default workers, and with 1 worker, for a time-vs-workers ratio;
* peak memory (max RSS of the child, and the Python heap peak from ``tracemalloc`` in a
  separate run) for a scan of the first 50 accounts and of all 200: the target is memory
  independent of the number of accounts, within 20%.

    python benchmarks/bench_live_org.py [--accounts 200] [--roles 50] [--latency 0.03]

``--latency`` (seconds per request, through a loopback proxy) stands in for the tens of
milliseconds an AWS API call takes; moto answers on loopback in about one.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT), str(Path(__file__).resolve().parent)]

from bench_live_account import latency  # noqa: E402
from tests.aws.helpers import seed_org  # noqa: E402
from tests.moto_process import moto_environment  # noqa: E402

from trustwarden import (  # noqa: E402
    OrganizationSource,
    __version__,
    scan,
)
from trustwarden.aws.options import DEFAULT_WORKERS  # noqa: E402
from trustwarden.formats import RenderOptions, RunInfo, get_format  # noqa: E402
from trustwarden.model import RoleResult  # noqa: E402

MEMBER_ROLE = "TrustwardenAuditRole"


def child(accounts: list[str], workers: int, trace: bool) -> None:
    """One scan in this (fresh) process; print a JSON line with time and memory."""
    if trace:
        tracemalloc.start()
    source = OrganizationSource(accounts=frozenset(accounts), workers=workers)
    start = time.perf_counter()
    running = scan(source)
    run = RunInfo(tool_version=__version__, settings=running.settings, started_at="")
    results = skipped = 0
    with Path(os.devnull).open("w", encoding="utf-8") as sink:
        writer = get_format("json").open(sink, run, RenderOptions())
        for event in running:
            if isinstance(event, RoleResult):
                writer.add_result(event)
                results += 1
            else:
                writer.add_skipped(event)
                skipped += 1
        writer.close(complete=True)
    wall = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"wall": wall, "results": results, "skipped": skipped, "rss_kib": rss_kib, "heap": peak}
        )
    )


def measure(accounts: list[str], workers: int, *, trace: bool = False) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", "--workers", str(workers)]
    if trace:
        cmd.append("--trace")
    proc = subprocess.run(
        cmd,
        input="\n".join(accounts),
        capture_output=True,
        text=True,
        check=False,
        env=dict(os.environ),
    )
    if proc.returncode != 0:
        sys.exit(f"child failed: {proc.stderr[-2000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=200)
    parser.add_argument("--roles", type=int, default=50, help="roles per member account")
    parser.add_argument("--small", type=int, default=50, help="account count to compare with")
    parser.add_argument("--latency", type=float, default=0.03)
    parser.add_argument("--workers", type=int, default=DEFAULT_WORKERS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(sys.stdin.read().split(), args.workers, args.trace)
        return

    with moto_environment() as endpoint:
        t0 = time.perf_counter()
        # The member role is one of each account's roles; 1 in 10 others trusts an outsider.
        members = seed_org(
            args.accounts, args.roles - 1, member_role=MEMBER_ROLE, cross_every=10
        ).members
        print(
            f"seeded {len(members)} accounts x {args.roles} roles in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        small = members[: args.small]
        for delay in sorted({0.0, args.latency}):
            with latency(endpoint, delay):
                print(f"\nlatency per request: {delay * 1000:.0f} ms")
                full = measure(members, args.workers)
                print(
                    f"  {len(members)} accounts, {args.workers} workers: {full['wall']:.2f} s, "
                    f"{full['results']:.0f} roles, {full['skipped']:.0f} skipped, "
                    f"{full['results'] / full['wall']:.0f} roles/s, "
                    f"max RSS {full['rss_kib'] / 1024:.1f} MiB"
                )
                if delay:
                    one = measure(members, 1)
                    speed_up = one["wall"] / full["wall"]
                    print(
                        f"  {len(members)} accounts, 1 worker: {one['wall']:.2f} s "
                        f"-> speed-up with {args.workers} workers: {speed_up:.1f}x"
                    )
        print("\nmemory vs account count (0 ms latency):")
        rows = []
        for subset in (small, members):
            rss = measure(subset, args.workers)
            heap = measure(subset, args.workers, trace=True)
            rows.append((len(subset), rss["rss_kib"] / 1024, heap["heap"] / 2**20))
            print(
                f"  {len(subset):4d} accounts: max RSS {rss['rss_kib'] / 1024:.1f} MiB, "
                f"Python heap peak {heap['heap'] / 2**20:.2f} MiB"
            )
        (n1, rss1, heap1), (n2, rss2, heap2) = rows
        print(
            f"  ratio {n2}/{n1} accounts: RSS {rss2 / rss1:.2f}x, heap peak {heap2 / heap1:.2f}x "
            "(target <= 1.20x)"
        )


if __name__ == "__main__":
    main()
