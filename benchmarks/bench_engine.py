"""Engine throughput: ``analyze_roles`` over a generated estate, in one process.

Usage::

    python benchmarks/bench_engine.py [--roles 100000] [--seed 7] [--runs 3] [--tracemalloc]

The estate (see ``generate_estate.py``) is written to a temporary file and read with the
offline source (not timed), then ``analyze_roles`` runs over the list of roles. Prints
roles/s by wall clock and by CPU time (the CPU figure is steadier on a shared machine), the
process's peak RSS, and with ``--tracemalloc`` the peak Python memory of the analysis alone
(tracemalloc slows the run, so that run is separate and not timed). Target: >= 20,000 roles/s.

It also prints the share of trust documents past the fast path (distinct documents and
roles) on the generated estate and on the bundled sample, how many of those reach z3 itself
(the rest the direct tier decides), and the throughput when every document is unique and
needs the exact decision (``--unique N`` of them, from ``solver_documents``), once as the
engine runs and once with the direct tier off (z3 decides each).
"""

from __future__ import annotations

import argparse
import collections
import gc
import random
import resource
import statistics
import string
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_estate import write_estate

from trustwarden.engine import analyze_role, analyze_roles, exact
from trustwarden.engine.exact import needs_solver
from trustwarden.errors import PolicyError
from trustwarden.model import Role, Settings
from trustwarden.policy import decode_document, parse_policy
from trustwarden.sources.offline import load_file

TARGET_ROLES_PER_SECOND = 20_000
TARGET_SOLVER_ROLES_PER_SECOND = 1_000
SAMPLE = (
    Path(__file__).resolve().parents[1] / "src/trustwarden/data/sample/authorization-details.json"
)


def solver_share(roles: list[Role]) -> str:
    """How many roles (and distinct documents) the exact solver decides."""
    verdicts: dict[str, bool] = {}
    solver_roles = 0
    for role in roles:
        key = repr(role.trust_document)
        if key not in verdicts:
            try:
                verdicts[key] = needs_solver(parse_policy(decode_document(role.trust_document)))
            except PolicyError:
                verdicts[key] = False
        solver_roles += verdicts[key]
    docs = sum(verdicts.values())
    return (
        f"{solver_roles:,} of {len(roles):,} roles ({solver_roles / max(len(roles), 1):.2%}), "
        f"{docs:,} of {len(verdicts):,} distinct documents"
    )


def z3_share(roles: list[Role], settings: Settings) -> str:
    """Of the distinct documents past the fast path, how many reach z3 itself.

    The rest are decided by the direct tier. Counted by wrapping the solver's entry point
    for this measurement only (not timed).
    """
    encoder = exact._Encoder  # instrumentation of a private class, for this count only
    original = encoder.solve
    calls = 0

    def counting(self: Any, statement: Any, outsider: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(self, statement, outsider)

    distinct = {repr(r.trust_document): r for r in roles}
    exact_docs = reached = 0
    encoder.solve = counting  # type: ignore[method-assign]
    try:
        for role in distinct.values():
            try:
                policy = parse_policy(decode_document(role.trust_document))
            except PolicyError:
                continue
            if not needs_solver(policy):
                continue
            exact_docs += 1
            before = calls
            analyze_role(role, settings)
            reached += calls > before
    finally:
        encoder.solve = original  # type: ignore[method-assign]
    return f"{reached:,} of {exact_docs:,} distinct documents past the fast path"


def solver_documents(count: int, seed: int) -> list[Role]:
    """``count`` roles whose trust documents are all different and all need the solver.

    Shapes an attacker or an unusual estate writes: External ID patterns with Deny lists,
    numeric windows on tags, ARN patterns on ``aws:PrincipalArn``, tag-bound External IDs.
    """
    rng = random.Random(seed)
    roles = []
    for i in range(count):
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(6)) + str(i)
        shape = i % 4
        if shape == 0:
            statements = [
                _st({"AWS": "*"}, {"StringLike": {"sts:ExternalId": f"{word}-*"}}),
                _st("*", {"StringEquals": {"sts:ExternalId": [f"{word}-x", f"{word}-0"]}}, "Deny"),
            ]
        elif shape == 1:
            low = rng.randint(1, 1000)
            statements = [
                _st(
                    {"AWS": f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:root"},
                    {
                        "NumericGreaterThan": {f"aws:PrincipalTag/{word}": str(low)},
                        "NumericLessThan": {f"aws:PrincipalTag/{word}": str(low + 1)},
                    },
                )
            ]
        elif shape == 2:
            statements = [
                _st({"AWS": "*"}, {"ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::*:role/{word}*"}})
            ]
        else:
            statements = [
                _st(
                    {"AWS": f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:root"},
                    {"StringEquals": {"sts:ExternalId": f"${{aws:PrincipalTag/{word}}}"}},
                )
            ]
        document = {"Version": "2012-10-17", "Statement": statements}
        roles.append(
            Role(f"arn:aws:iam::111111111111:role/r{i}", f"r{i}", "111111111111", document)
        )
    return roles


def _st(
    principal: object, condition: dict[str, object], effect: str = "Allow"
) -> dict[str, object]:
    return {
        "Effect": effect,
        "Principal": principal,
        "Action": "sts:AssumeRole",
        "Condition": condition,
    }


def load_roles(count: int, seed: int) -> list[Role]:
    """A generated estate of ``count`` roles, as the offline source reads it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "estate.json"
        with path.open("w", encoding="utf-8") as out:
            write_estate(out, count, seed)
        return [r for r in load_file(path) if isinstance(r, Role)]


def run_once(
    roles: list[Role], settings: Settings
) -> tuple[float, float, collections.Counter[str]]:
    """(wall seconds, CPU seconds, status counts) of one full analysis."""
    counts: collections.Counter[str] = collections.Counter()
    wall, cpu = time.perf_counter(), time.process_time()
    for result in analyze_roles(roles, settings):
        counts[result.status.value] += 1
    return time.perf_counter() - wall, time.process_time() - cpu, counts


def run_once_z3_only(
    roles: list[Role], settings: Settings
) -> tuple[float, float, collections.Counter[str]]:
    """:func:`run_once` with the direct tier switched off, so z3 decides every document.

    Shows what the solver alone costs (the floor when a shape is new to the direct tier).
    """
    defaults = exact.ExactSearch.__init__.__kwdefaults__
    assert defaults is not None
    saved = dict(defaults)
    defaults["direct"] = False
    try:
        return run_once(roles, settings)
    finally:
        defaults.update(saved)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--roles", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=3, help="timed runs (the best is reported)")
    parser.add_argument("--tracemalloc", action="store_true", help="also measure Python heap")
    parser.add_argument("--unique", type=int, default=400, help="unique solver documents")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    roles = load_roles(args.roles, args.seed)
    print(
        f"estate: {len(roles)} roles generated and loaded in {time.perf_counter() - started:.1f} s"
    )
    settings = Settings(trusted_accounts=frozenset({"023456789012"}))

    walls, cpus = [], []
    counts: collections.Counter[str] = collections.Counter()
    for run in range(args.runs):
        gc.collect()
        wall, cpu, counts = run_once(roles, settings)
        walls.append(wall)
        cpus.append(cpu)
        print(
            f"run {run + 1}: {wall:.2f} s wall ({len(roles) / wall:,.0f} roles/s), "
            f"{cpu:.2f} s CPU ({len(roles) / cpu:,.0f} roles/s)"
        )
    best = min(walls)
    print(f"verdicts: {dict(sorted(counts.items()))}")
    print(
        f"engine: best {len(roles) / best:,.0f} roles/s wall, "
        f"{len(roles) / min(cpus):,.0f} roles/s CPU "
        f"(median {len(roles) / statistics.median(walls):,.0f} roles/s wall); "
        f"target >= {TARGET_ROLES_PER_SECOND:,} roles/s: "
        f"{'met' if len(roles) / best >= TARGET_ROLES_PER_SECOND else 'NOT met'}"
    )
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak RSS of this process (estate + results): {peak_rss:,.0f} MiB")
    print(f"solver share, generated estate: {solver_share(roles)}")
    sample = [r for r in load_file(SAMPLE) if isinstance(r, Role)]
    print(f"solver share, bundled sample: {solver_share(sample)}")
    print(f"reaching z3, generated estate: {z3_share(roles, settings)}")
    print(f"reaching z3, bundled sample: {z3_share(sample, settings)}")

    if args.unique:
        unique = solver_documents(args.unique, args.seed)
        wall, cpu, counts = run_once(unique, settings)
        rate = len(unique) / wall
        print(
            f"unique solver documents: {len(unique)} in {wall:.2f} s wall "
            f"({rate:,.0f} roles/s wall, {len(unique) / cpu:,.0f} roles/s CPU), "
            f"verdicts {dict(sorted(counts.items()))}; target >= "
            f"{TARGET_SOLVER_ROLES_PER_SECOND:,} roles/s: "
            f"{'met' if rate >= TARGET_SOLVER_ROLES_PER_SECOND else 'NOT met'}"
        )
        print(f"reaching z3, unique documents: {z3_share(unique, settings)}")
        wall, cpu, z3_counts = run_once_z3_only(unique, settings)
        print(
            f"same documents, direct tier off (every one decided by z3): {wall:.2f} s wall "
            f"({len(unique) / wall:,.0f} roles/s wall, {len(unique) / cpu:,.0f} roles/s CPU), "
            f"verdicts {'the same' if z3_counts == counts else dict(sorted(z3_counts.items()))}"
        )

    if args.tracemalloc:
        gc.collect()
        tracemalloc.start()
        results = list(analyze_roles(roles, settings))
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"tracemalloc, memory allocated by the analysis keeping all {len(results)} results "
            "(the roles themselves excluded): "
            f"peak {peak / 2**20:,.0f} MiB, retained {current / 2**20:,.0f} MiB"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
