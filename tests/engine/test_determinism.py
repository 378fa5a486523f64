"""The README contract: the same input gives byte-identical JSON, whatever the process.

Solver-path documents (z3 orders terms by memory address, Python's hash seed orders sets)
are scanned in two processes with different ``PYTHONHASHSEED`` values.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from trustwarden.engine.exact import needs_solver
from trustwarden.policy import parse_policy

ENTRY = "from trustwarden.cli.main import entry_point; entry_point()"
SRC = str(Path(__file__).resolve().parents[2] / "src")


def _st(principal: Any, condition: dict[str, Any], effect: str = "Allow") -> dict[str, Any]:
    return {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole",
            "Condition": condition}  # fmt: skip


DOCUMENTS: list[list[dict[str, Any]]] = [
    [
        {
            "Effect": "Allow",
            "NotPrincipal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}},
        },
        _st(
            {"AWS": "arn:aws:sts::222222222222:assumed-role/vendor/s1"},
            {
                "StringNotEquals": {"aws:PrincipalOrgID": "o-trusted0001"},
                "Null": {"sts:ExternalId": "false"},
            },
        ),
    ],
    [
        _st({"AWS": "*"}, {"StringLike": {"sts:ExternalId": "tenant-*"}}),
        _st("*", {"StringEquals": {"sts:ExternalId": ["tenant-x", "tenant-0"]}}, "Deny"),
    ],
    [_st({"AWS": "*"}, {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/deploy*"}})],
    [
        _st(
            {"AWS": "arn:aws:iam::444455556666:root"},
            {"StringEquals": {"sts:ExternalId": "${aws:PrincipalTag/team}"}},
        ),
    ],
    [
        _st(
            {"AWS": "arn:aws:iam::444455556666:root"},
            {
                "NumericGreaterThan": {"aws:PrincipalTag/level": "7"},
                "NumericLessThan": {"aws:PrincipalTag/level": "8"},
                "ForAnyValue:StringLike": {"aws:TagKeys": ["a*", "b*"]},
            },
        ),
    ],
]


def _estate(documents: list[list[dict[str, Any]]] = DOCUMENTS) -> dict[str, Any]:
    roles = []
    for i, statements in enumerate(documents):
        document = {"Version": "2012-10-17", "Statement": statements}
        assert needs_solver(parse_policy(document))
        roles.append(
            {
                "RoleName": f"r{i}",
                "Arn": f"arn:aws:iam::111111111111:role/r{i}",
                "Path": "/",
                "AssumeRolePolicyDocument": document,
                "RolePolicyList": [],
                "AttachedManagedPolicies": [],
            }
        )
    return {"RoleDetailList": roles}


def _scan(path: Path, seed: str) -> bytes:
    env = {**os.environ, "PYTHONPATH": SRC, "PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": "0"}
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "scan", "--input", str(path), "--format", "json"],
        capture_output=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode in (0, 1, 2), proc.stderr.decode(errors="replace")
    return proc.stdout


def test_solver_witnesses_are_byte_identical_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "estate.json"
    path.write_text(json.dumps(_estate()), encoding="utf-8")
    first = _scan(path, "1")
    second = _scan(path, "2")
    report = json.loads(first)
    assert "witness" in first.decode(), report
    assert first == second


def test_a_documents_witness_does_not_depend_on_what_was_analysed_before(
    tmp_path: Path,
) -> None:
    """z3's memory layout differs with the documents decided before: the witness must not."""
    alone = tmp_path / "alone.json"
    alone.write_text(json.dumps(_estate()), encoding="utf-8")
    after = tmp_path / "after.json"
    # The same documents twice, so each is decided once more after all the others.
    twice = _estate([*DOCUMENTS, *DOCUMENTS])
    for i, role in enumerate(twice["RoleDetailList"][len(DOCUMENTS) :]):
        role["AssumeRolePolicyDocument"]["Statement"] = [
            {**st, "Sid": "again"} for st in role["AssumeRolePolicyDocument"]["Statement"]
        ]
        role["RoleName"], role["Arn"] = f"again{i}", f"arn:aws:iam::111111111111:role/again{i}"
    after.write_text(json.dumps(twice), encoding="utf-8")
    first = json.loads(_scan(alone, "3"))["results"]
    second = json.loads(_scan(after, "4"))["results"][len(DOCUMENTS) :]
    witnesses = [[f.get("witness") for f in r["findings"]] for r in first]
    assert any(any(w) for w in witnesses)
    assert witnesses == [[f.get("witness") for f in r["findings"]] for r in second]
    assert [r["status"] for r in first] == [r["status"] for r in second]
