"""End to end: ``trustwarden scan --input FILE --format json --output OUT`` as a subprocess.

Usage::

    python benchmarks/bench_offline_scan.py [--roles 100000] [--seed 7] [--runs 1] [--input FILE]

Generates an authorization-details estate (``generate_estate.py``; in this process, so it
does not count as a child) unless ``--input`` is given, then runs the CLI on it and measures
the wall time and the child's peak RSS (``getrusage(RUSAGE_CHILDREN)``). The JSON output is
checked: one result per role. Targets for 100,000 roles: < 15 s and < 1 GiB.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_estate import write_estate

TARGET_SECONDS = 15.0
TARGET_RSS_MIB = 1024.0


def command() -> list[str]:
    """How to start the CLI: the console script if installed, else through Python."""
    script = shutil.which("trustwarden")
    if script:
        return [script]
    return [sys.executable, "-c", "from trustwarden.cli.main import entry_point; entry_point()"]


def run_scan(path: Path, out: Path) -> tuple[float, float, int]:
    """(wall seconds, child CPU seconds, exit code) of one scan."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [*command(), "scan", "--input", str(path), "--format", "json", "--output", str(out)],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1, 2):
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"scan failed with exit code {proc.returncode}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--input", type=Path, help="scan this file instead of a generated one")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.input
        if path is None:
            path = Path(tmp) / "estate.json"
            with path.open("w", encoding="utf-8") as handle:
                write_estate(handle, args.roles, args.seed)
        size = path.stat().st_size / 2**20
        print(f"input: {path.name}, {size:,.1f} MiB")
        out = Path(tmp) / "report.json"
        walls = []
        for run in range(args.runs):
            wall, cpu, code = run_scan(path, out)
            walls.append(wall)
            print(f"run {run + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU, exit code {code}")
        report = json.loads(out.read_text(encoding="utf-8"))
        results = len(report["results"])
        print(f"report: {results:,} results, summary {report['summary']}")
        if args.input is None and results != args.roles:
            raise SystemExit(f"expected {args.roles} results, got {results}")

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
    best = min(walls)
    ok_time = best < TARGET_SECONDS
    ok_rss = peak < TARGET_RSS_MIB
    print(
        f"end to end: best {best:.2f} s (target < {TARGET_SECONDS:.0f} s: "
        f"{'met' if ok_time else 'NOT met'}), child peak RSS {peak:,.0f} MiB "
        f"(target < {TARGET_RSS_MIB:,.0f} MiB: {'met' if ok_rss else 'NOT met'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
