"""Who may import whom (docs/architecture.md), and a light ``import trustwarden``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "trustwarden"
CORE = {
    "model",
    "errors",
    "policy",
    "rules",
    "config",
    "files",
    "known_accounts",
    "jsonvalues",
    "redact",
    "words",
    "suppress",
}
THIRD_PARTY = {"boto3", "botocore", "click", "rich"}

# layer -> what it may import: trustwarden layers and third-party packages.
ALLOWED: dict[str, set[str]] = {
    **dict.fromkeys(CORE, CORE),
    "redact": CORE | {"aws"},  # describes botocore's exceptions through aws.faults, lazily
    "model": CORE | {"evidence"},  # RoleResult.evidence: evidence.model's value types
    "engine": CORE | {"engine"},
    # after the engine: External ID checks and CloudTrail evidence; suppressions and baselines
    "postscan": CORE | {"engine", "evidence", "external_id_checks"},
    "external_id_checks": CORE | {"engine"},  # TW006-TW009, on the engine's parsed policy
    "baseline": CORE | {"formats"},  # reads an earlier JSON report
    "marks": CORE | {"baseline"},
    "evidence": CORE | {"engine", "aws", "evidence", "formats", "boto3", "botocore"},
    "pipeline": CORE | {"engine", "pipeline", "evidence", "marks", "postscan"},
    "aws": CORE | {"aws", "boto3", "botocore", "__init__"},
    "sources": CORE | {"pipeline", "aws", "sources", "botocore"},
    "formats": CORE | {"engine", "evidence", "formats", "rich", "__init__"},
    "remediate": CORE
    | {"engine", "pipeline", "aws", "sources", "evidence", "remediate", "botocore"},
    "api": CORE | {"engine"},
    "integrations": CORE
    | {
        "__init__",
        "api",
        "engine",
        "pipeline",
        "aws",
        "sources",
        "integrations",
        "formats",
        "postscan",
        "botocore",
    },
    "__init__": CORE | {"api", "pipeline", "sources", "aws"},
}


def layer_of(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def used_layers(path: Path) -> set[str]:
    layers: set[str] = set()
    for module in imports(path):
        parts = module.split(".")
        if parts[0] == "trustwarden":
            layers.add(parts[1] if len(parts) > 1 else "__init__")
        elif parts[0] in THIRD_PARTY:
            layers.add(parts[0])
    return layers


FILES = sorted(p for p in PACKAGE.rglob("*.py") if layer_of(p) != "cli")


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_import_direction(path: Path) -> None:
    layer = layer_of(path)
    assert layer in ALLOWED, f"{layer} is not in docs/architecture.md's table"
    forbidden = used_layers(path) - ALLOWED[layer] - {layer}
    assert not forbidden, f"{path.relative_to(SRC)} ({layer}) imports {sorted(forbidden)}"


def test_only_the_cli_imports_click() -> None:
    offenders = [p for p in FILES if "click" in used_layers(p)]
    assert offenders == []


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    import boto3\n    from trustwarden.cli.main import main\n")
    assert {"boto3", "cli"} <= used_layers(bad)


def test_import_trustwarden_is_light() -> None:
    code = (
        "import sys, trustwarden\n"
        "from trustwarden import Settings, scan, Source, RoleResult, Skipped, Status\n"
        "heavy = sorted(m for m in ('boto3', 'botocore', 'click', 'rich') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(SRC)},
    )
    assert done.stdout.strip() == ""
