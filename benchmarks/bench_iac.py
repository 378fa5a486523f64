"""Templates: ``trustwarden scan DIR --account-id ... --format json`` on generated IaC.

Usage::

    python benchmarks/bench_iac.py [--files 2000] [--seed 7] [--checkov PATH] [--keep DIR]

Generates a directory of ``--files`` templates — CloudFormation YAML (short-form tags),
CloudFormation JSON (long-form intrinsics) and Terraform directories (``jsonencode`` and
``aws_iam_policy_document``, own account from ``aws_caller_identity``) — each with two roles of
known verdict (vendor roles with and without External ID, GitHub OIDC roles, service roles,
``"*"`` with an External ID, ``BoolIfExists`` MFA). Runs the CLI as a subprocess (after one
small untimed run that compiles its bytecode, as ``pip install`` does) and reports wall time,
files/s and the child's peak RSS, and checks every verdict. With ``--checkov`` (the
``checkov`` executable, e.g. ``/work/checkov-venv/bin/checkov``) runs ``checkov -d DIR
--framework cloudformation terraform`` on the same directory and prints the time ratio and
what Checkov flagged among the roles.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.iac.render import hcl_value

OWN = "111111111111"
VENDORS = [f"{n:012d}" for n in range(222222220000, 222222220050)]
OIDC = "token.actions.githubusercontent.com"
KINDS = ("vendor_open", "vendor_external_id", "ci_oidc", "service", "star_external_id", "mfa_if")
EXPECTED = {
    "vendor_open": "fail",
    "vendor_external_id": "pass",
    "ci_oidc": "pass",
    "service": "pass",
    "star_external_id": "warn",
    "mfa_if": "fail",
}


def external_id(vendor: str) -> str:
    """The External ID ``vendor`` issued: its own (one shared by vendors is a finding, TW007)."""
    return "vendor-" + hashlib.sha256(vendor.encode()).hexdigest()[:16]


def statement(kind: str, vendor: Any, own: Any, eid: str) -> dict[str, Any]:
    """One trust statement of ``kind``; ``vendor``/``own`` are account values in the form,
    ``eid`` the External ID that vendor issued."""
    if kind == "service":
        return {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    if kind == "ci_oidc":
        return {
            "Effect": "Allow",
            "Principal": {"Federated": own},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{OIDC}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{OIDC}:sub": "repo:example-org/app:ref:refs/heads/main"},
            },
        }
    principal = "*" if kind == "star_external_id" else vendor
    out: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": "sts:AssumeRole",
    }
    if kind in ("vendor_external_id", "star_external_id"):
        out["Condition"] = {"StringEquals": {"sts:ExternalId": eid}}
    if kind == "mfa_if":
        out["Condition"] = {"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}}
    return out


def cfn(kinds: list[str], rng: random.Random) -> tuple[dict[str, Any], list[str]]:
    """A CloudFormation template, intrinsics in long form (the YAML dumper shortens them)."""
    vendor = rng.choice(VENDORS)
    resources: dict[str, Any] = {}
    names = []
    for index, kind in enumerate(kinds):
        name = f"Role{index}{kind.title().replace('_', '')}"
        own = {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:oidc-provider/{OIDC}"}
        vendor_arn = {"Fn::Sub": "arn:aws:iam::${VendorAccount}:root"}
        resources[name] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": {"Fn::Sub": f"{name}-${{AWS::Region}}"},
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [statement(kind, vendor_arn, own, external_id(vendor))],
                },
                "ManagedPolicyArns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
            },
        }
        names.append(name)
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {"VendorAccount": {"Type": "String", "Default": vendor}},
        "Resources": resources,
    }
    return template, names


class _Tagged(yaml.SafeDumper):
    """Dumps ``{"Fn::Sub": x}`` as ``!Sub x``."""


def _represent_dict(dumper: yaml.SafeDumper, data: dict[str, Any]) -> yaml.Node:
    if len(data) == 1:
        ((key, value),) = data.items()
        if key.startswith("Fn::") and isinstance(value, str):
            return dumper.represent_scalar(f"!{key[4:]}", value)
    return dumper.represent_dict(data)


_Tagged.add_representer(dict, _represent_dict)


def terraform(kinds: list[str], rng: random.Random) -> tuple[str, list[str]]:
    """A Terraform module: one jsonencode role and one aws_iam_policy_document role."""
    vendor = rng.choice(VENDORS)
    parts = [
        'data "aws_caller_identity" "current" {}\n\n'
        f'variable "vendor_account" {{\n  default = "{vendor}"\n}}\n\n'
    ]
    own = f"arn:aws:iam::${{data.aws_caller_identity.current.account_id}}:oidc-provider/{OIDC}"
    vendor_arn = "arn:aws:iam::${var.vendor_account}:root"
    names = []
    for index, kind in enumerate(kinds):
        name = f"role{index}_{kind}"
        names.append(f"aws_iam_role.{name}")
        stmt = statement(kind, "@VENDOR@", "@OWN@", external_id(vendor))
        policy = {"Version": "2012-10-17", "Statement": [stmt]}
        body = hcl_value(policy, "  ")
        body = body.replace('"@VENDOR@"', f'"{vendor_arn}"').replace('"@OWN@"', f'"{own}"')
        if index % 2 == 0:
            parts.append(
                f'resource "aws_iam_role" "{name}" {{\n  name = "{name}"\n'
                f"  assume_role_policy = jsonencode({body})\n}}\n\n"
            )
        else:
            stmt = statement(kind, vendor_arn, own, external_id(vendor))
            parts.append(_policy_document(name, stmt))
    return "".join(parts), names


def _policy_document(name: str, stmt: dict[str, Any]) -> str:
    lines = [f'data "aws_iam_policy_document" "{name}" {{\n  statement {{\n']
    lines.append(f'    actions = ["{stmt["Action"]}"]\n')
    for ptype, value in stmt["Principal"].items():
        lines.append(
            f'    principals {{\n      type = "{ptype}"\n      identifiers = ["{value}"]\n    }}\n'
        )
    for test, pairs in stmt.get("Condition", {}).items():
        for variable, value in pairs.items():
            lines.append(
                f'    condition {{\n      test = "{test}"\n      variable = "{variable}"\n'
                f'      values = ["{value}"]\n    }}\n'
            )
    lines.append("  }\n}\n\n")
    lines.append(
        f'resource "aws_iam_role" "{name}" {{\n  name = "{name}"\n'
        f"  assume_role_policy = data.aws_iam_policy_document.{name}.json\n}}\n\n"
    )
    return "".join(lines)


def generate(root: Path, files: int, seed: int) -> dict[tuple[str, str], str]:
    """Write the templates; the expected verdict per (file, role name)."""
    rng = random.Random(seed)
    expected: dict[tuple[str, str], str] = {}
    for number in range(files):
        kinds = [rng.choice(KINDS), rng.choice(KINDS)]
        form = number % 3
        if form == 2:
            text, names = terraform(kinds, rng)
            directory = root / f"tf-{number:05d}"
            directory.mkdir()
            path = directory / "main.tf"
            path.write_text(text)
        else:
            template, names = cfn(kinds, rng)
            if form == 0:
                path = root / f"stack-{number:05d}.yaml"
                path.write_text(yaml.dump(template, Dumper=_Tagged, sort_keys=False))
            else:
                path = root / f"stack-{number:05d}.json"
                path.write_text(json.dumps(template, indent=2))
        for name, kind in zip(names, kinds, strict=True):
            expected[(str(path), name)] = EXPECTED[kind]
    return expected


def _command() -> list[str]:
    script = shutil.which("trustwarden")
    if script:
        return [script]
    return [sys.executable, "-c", "from trustwarden.cli.main import entry_point; entry_point()"]


def _timed(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[float, float, float, int, str, str]:
    """(wall s, CPU s, peak RSS MiB of the child, exit code, stdout, stderr).

    CPU time is the child's and its waited-for children's (user + system).

    Output goes to temporary files, not pipes: a child blocked on a full pipe while we wait
    for it would never finish.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        cpu = usage.ru_utime + usage.ru_stime
        return wall, cpu, usage.ru_maxrss / 1024, proc.returncode, out.read(), err.read()


def _installed_env(cache: Path) -> dict[str, str]:
    """The environment of an installed trustwarden: bytecode compiled once, then reused.

    ``pip install`` compiles bytecode, so Checkov's run never compiles its sources; a source
    checkout under ``PYTHONDONTWRITEBYTECODE`` would compile every module on every run.
    """
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def run_trustwarden(
    root: Path, expected: dict[tuple[str, str], str], files: int
) -> tuple[float, float]:
    """Scan, check every verdict, print the numbers; returns (wall, CPU) seconds."""
    out = root.parent / "report.json"
    env = _installed_env(root.parent / "pycache")
    first = next(p for p in sorted(root.iterdir()) if p.suffix in (".yaml", ".json"))
    _timed([*_command(), "scan", str(first), "--format", "json"], env=env)  # compiles bytecode
    argv = [*_command(), "scan", str(root), "--account-id", OWN, "--format", "json"]
    wall, cpu, rss, code, _, err = _timed([*argv, "--output", str(out)], env=env)
    if code not in (0, 1):
        raise SystemExit(f"trustwarden exited {code}: {err[-2000:]}")
    report = json.loads(out.read_text())
    got = {(r["origin"]["file"], r["role_name"]): r["status"] for r in report["results"]}
    wrong = {k: (v, got.get(k)) for k, v in expected.items() if got.get(k) != v}
    print(
        f"trustwarden: {files} files, {len(got)} roles in {wall:.2f} s (CPU {cpu:.2f} s, "
        f"{files / wall:.0f} files/s), peak RSS {rss:.0f} MiB, "
        f"wrong verdicts: {len(wrong)} of {len(expected)}"
    )
    for key, (want, have) in list(wrong.items())[:5]:
        print(f"  {key}: expected {want}, got {have}")
    if wrong:
        raise SystemExit(1)
    return wall, cpu


def run_checkov(
    checkov: str,
    root: Path,
    expected: dict[tuple[str, str], str],
    ours: tuple[float, float],
    files: int,
) -> None:
    """Checkov on the same directory: time, ratio, and what it flagged among the roles."""
    argv = [checkov, "-d", str(root), "--framework", "cloudformation", "terraform"]
    argv += ["-o", "json", "--quiet", "--compact"]
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    wall, cpu, rss, code, out, err = _timed(argv, env=env)
    print(
        f"checkov: {wall:.2f} s (CPU {cpu:.2f} s, {files / wall:.0f} files/s), peak RSS "
        f"{rss:.0f} MiB (exit {code}); "
        f"trustwarden is {wall / ours[0]:.1f}x faster (wall), {cpu / ours[1]:.1f}x (CPU)"
    )
    try:
        data = json.loads(out)
    except json.JSONDecodeError:
        print("  checkov output was not JSON:", err[-500:])
        return
    reports = data if isinstance(data, list) else [data]
    flagged: dict[tuple[str, str], set[str]] = {}
    for report in reports:
        for check in (report.get("results") or {}).get("failed_checks") or []:
            resource = str(check.get("resource", ""))
            if "IAM::Role" in resource or "aws_iam_role" in resource:
                key = (str(check.get("file_path", "")), resource.rsplit(".", 1)[-1])
                flagged.setdefault(key, set()).add(str(check.get("check_id", "?")))
    print("  roles by kind: our verdict | how many Checkov flagged (its check ids)")
    for kind in KINDS:
        names = {n for n in flagged if _kind_of(n[1]) == kind}
        total = sum(1 for (_, name) in expected if _kind_of(name.rsplit(".", 1)[-1]) == kind)
        ids = sorted({i for n in names for i in flagged[n]})
        print(f"    {kind:20} {EXPECTED[kind]:4} | {len(names)} of {total} ({', '.join(ids)})")


def _kind_of(name: str) -> str | None:
    """The kind a generated role name encodes (``Role0VendorOpen``, ``role1_vendor_open``)."""
    flat = name.lower().replace("_", "")
    return next((k for k in KINDS if flat.endswith(k.replace("_", ""))), None)


def _load() -> str:
    """The 1, 5 and 15 minute load averages (wall times depend on them)."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


def main() -> int:
    """Generate, scan, compare."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--checkov", metavar="PATH", help="the checkov executable")
    parser.add_argument("--keep", metavar="DIR", type=Path, help="generate into DIR and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="tw-bench-iac-"))
    root = work / "templates"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    try:
        expected = generate(root, args.files, args.seed)
        print(f"load average before: {_load()}")
        ours = run_trustwarden(root, expected, args.files)
        if args.checkov:
            run_checkov(args.checkov, root, expected, ours, args.files)
        print(f"load average after: {_load()}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
