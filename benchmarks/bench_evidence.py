"""Benchmark: read CloudTrail evidence from gzip log files in the trail layout.

Writes ``--records`` AssumeRole records (``--per-file`` per file; a mix of roles, callers,
External IDs, MFA and refused calls, plus other events) under a temporary
AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ tree, then reads it with the same code as
``--evidence DIR``. Prints records/s and the process's peak memory (ru_maxrss), which stays
flat as the trail grows because only aggregates are kept.

    python benchmarks/bench_evidence.py [--records 1000000] [--per-file 5000]
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.evidence.cloudtrail import ROLE_ACCOUNT, assume_role, log_file_key  # noqa: E402

from trustwarden.evidence.aggregate import Aggregator  # noqa: E402
from trustwarden.evidence.logfiles import read_directory  # noqa: E402

CALLERS = [f"{n:012d}" for n in range(387546586000, 387546586050)]


def write_trail(root: Path, records: int, per_file: int) -> int:
    """Write the trail; returns the number of files."""
    template = assume_role(role="r", caller_account=CALLERS[0], when="2026-11-01T00:00:00Z", seq=0)
    files = 0
    for start in range(0, records, per_file):
        batch = []
        day = 1 + (files % 28)
        when = f"2026-10-{day:02d}T{files % 24:02d}:00:00Z"
        for i in range(start, min(start + per_file, records)):
            rec = copy.deepcopy(template)
            caller = CALLERS[i % len(CALLERS)]
            rec["userIdentity"]["accountId"] = caller
            rec["requestParameters"]["roleArn"] = (
                f"arn:aws:iam::{ROLE_ACCOUNT}:role/vendor-{i % 500}"
            )
            if i % 10:
                rec["requestParameters"]["externalId"] = f"ext-{caller}-{i % 3}"
            if i % 17 == 0:
                rec["requestParameters"]["serialNumber"] = f"arn:aws:iam::{caller}:mfa/u"
            if i % 23 == 0:
                rec["errorCode"] = "AccessDenied"
            if i % 7 == 0:
                rec["eventName"] = "GetCallerIdentity"
            rec["eventID"] = f"e-{i}"
            rec["sharedEventID"] = f"s-{i}"
            rec["eventTime"] = when
            batch.append(rec)
        path = root / log_file_key(ROLE_ACCOUNT, "us-east-1", when, f"U{files:015d}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gzip.compress(json.dumps({"Records": batch}).encode(), compresslevel=6))
        files += 1
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--per-file", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        files = write_trail(root, args.records, args.per_file)
        size = sum(p.stat().st_size for p in root.rglob("*.gz"))
        print(
            f"wrote {args.records:,} records in {files} files ({size / 1e6:.1f} MB gzip) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        agg = Aggregator(str(root))
        t1 = time.perf_counter()
        read_directory(root, agg)
        elapsed = time.perf_counter() - t1
        evidence = agg.evidence()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"read {agg.records_read:,} records ({agg.counted:,} AssumeRole calls counted, "
        f"{len(evidence.roles)} roles) in {elapsed:.2f} s: {agg.records_read / elapsed:,.0f} "
        "records/s"
    )
    print(f"peak RSS {peak / 1024:.0f} MiB (before reading: {before / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
