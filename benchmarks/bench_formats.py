"""Each report format end to end: ``trustwarden scan --input FILE --format F --output OUT``.

Usage::

    python benchmarks/bench_formats.py [--roles 100000] [--seed 7] [--formats json,sarif,...]

Generates an authorization-details estate (``generate_estate.py``) unless ``--input`` is
given, then runs one scan per format as a subprocess and prints its wall time, its own peak
RSS (``os.wait4``) and the report size. The scan itself is included; compare against ``json``
(streamed) to see what a format adds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_offline_scan import command
from generate_estate import write_estate

FORMATS = ("json", "table", "sarif", "asff", "ocsf", "csv", "junit", "html")


def run_format(path: Path, name: str, out: Path) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MiB, exit code) of one scan writing format ``name``."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [*command(), "scan", "--input", str(path), "--format", name, "--output", str(out), "-q"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1, 2):
        raise SystemExit(f"{name}: scan failed with exit code {proc.returncode}")
    return wall, usage.ru_maxrss / 1024, proc.returncode


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--input", type=Path, help="scan this file instead of a generated one")
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.input
        if path is None:
            path = Path(tmp) / "estate.json"
            with path.open("w", encoding="utf-8") as handle:
                write_estate(handle, args.roles, args.seed)
        print(f"input: {path.name}, {path.stat().st_size / 2**20:,.1f} MiB")
        print(f"{'format':<7} {'wall s':>8} {'peak RSS MiB':>13} {'output MiB':>11}  exit")
        for name in args.formats.split(","):
            out = Path(tmp) / f"report.{name}"
            wall, rss, code = run_format(path, name, out)
            size = out.stat().st_size / 2**20
            print(f"{name:<7} {wall:>8.2f} {rss:>13,.0f} {size:>11,.1f}  {code}")
            out.unlink()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
