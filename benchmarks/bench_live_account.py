"""Benchmark: one account with many roles, scanned live from a moto server process.

Prints API calls by operation and wall time, without and with ``--enrich``. Target:
``ListRoles`` pages plus at most 2 other calls for the verdicts; nothing that grows per role
without ``--enrich``.

    python benchmarks/bench_live_account.py [--roles 5000] [--latency 0] [--peer-prowler PATH]

``--latency`` puts a loopback proxy in front of moto that delays every request (AWS answers
in tens of milliseconds, moto on loopback in about one). ``--peer-prowler`` times
``prowler aws --service iam`` (from a separate virtualenv) against the same server.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

import boto3  # noqa: E402
from tests.aws.helpers import CallCounter, create_roles  # noqa: E402
from tests.moto_process import moto_environment  # noqa: E402

from trustwarden import AccountSource, scan  # noqa: E402
from trustwarden.model import RoleResult, Status  # noqa: E402


@contextlib.contextmanager
def latency(endpoint: str, seconds: float) -> Iterator[str]:
    """Point boto3 at a delaying loopback proxy in front of ``endpoint`` (no-op for 0)."""
    if seconds <= 0:
        yield endpoint
        return
    from tests.aws.proxy import slow_proxy  # noqa: PLC0415

    with slow_proxy(endpoint, seconds) as proxy:
        os.environ["AWS_ENDPOINT_URL"] = proxy
        try:
            yield proxy
        finally:
            os.environ["AWS_ENDPOINT_URL"] = endpoint


def timed_scan(*, enrich: bool = False) -> tuple[float, Counter[str], Counter[str]]:
    """Wall time, calls by operation and statuses of one full scan (set-up included)."""
    counter = CallCounter()
    start = time.perf_counter()
    running = scan(AccountSource(enrich=enrich, hooks=counter.hooks))
    statuses: Counter[str] = Counter()
    for event in running:
        statuses[event.status.value if isinstance(event, RoleResult) else "skipped"] += 1
    return time.perf_counter() - start, counter.calls, statuses


def run_prowler(prowler: str, endpoint: str) -> float | None:
    """Seconds for ``prowler aws --service iam`` against the server, or None if it failed."""
    out = tempfile.mkdtemp(prefix="prowler-bench-")
    env = {**os.environ, "AWS_ENDPOINT_URL": endpoint}
    cmd = [
        prowler,
        "aws",
        "--service",
        "iam",
        "--output-directory",
        out,
        "--no-banner",
        "--region",
        "us-east-1",
        "--output-formats",
        "json-ocsf",
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600, check=False)
    elapsed = time.perf_counter() - start
    shutil.rmtree(out, ignore_errors=True)
    # Prowler exits 3 when it found failing checks.
    if proc.returncode not in (0, 3):
        print(f"prowler failed (exit {proc.returncode}): {proc.stderr.strip()[-500:]}")
        return None
    return elapsed


def show(label: str, seconds: float, calls: Counter[str], statuses: Counter[str]) -> None:
    print(f"{label}: {seconds:.2f} s wall, {sum(calls.values())} API calls")
    for op, n in sorted(calls.items()):
        print(f"    {op:34} {n:6d}")
    print(f"    verdicts: {dict(sorted(statuses.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=5000)
    parser.add_argument("--cross-every", type=int, default=20, help="1 in N roles fails")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--peer-prowler", metavar="PATH", help="prowler executable to compare")
    args = parser.parse_args()

    with moto_environment() as endpoint:
        t0 = time.perf_counter()
        create_roles(boto3.client("iam"), args.roles, cross_every=args.cross_every)
        print(f"seeded {args.roles} roles in {time.perf_counter() - t0:.1f} s")
        with latency(endpoint, args.latency) as url:
            print(f"latency per request: {args.latency * 1000:.0f} ms")
            plain = timed_scan()
            show("scan", *plain)
            pages = plain[1]["iam.ListRoles"]
            other = sum(plain[1].values()) - pages
            print(f"    -> ListRoles pages {pages} (ceil({args.roles}/1000)), other calls {other}")
            rich = timed_scan(enrich=True)
            show("scan --enrich", *rich)
            non_pass = sum(n for s, n in rich[2].items() if s != Status.PASS.value)
            print(f"    -> {non_pass} non-pass roles enriched")
            if args.peer_prowler:
                peer = run_prowler(args.peer_prowler, url)
                if peer is not None:
                    print(f"prowler aws --service iam: {peer:.2f} s wall")
                    print(f"    -> prowler / trustwarden = {peer / plain[0]:.1f}x")


if __name__ == "__main__":
    main()
