"""``trustwarden lambda-package``: contents decided from the declared dependencies, reproducible."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from importlib import metadata
from pathlib import Path

import boto3
import pytest

from tests.aws.helpers import TRUST_OTHER_ACCOUNT
from tests.cli.runner import invoke
from tests.integrations.events import change_event, role_item
from tests.moto_server import MotoServer
from trustwarden.integrations.lambda_package import (
    FILE_MODE,
    FIXED_TIME,
    declared_requirements,
    normalize,
    plan_package,
    write_package,
)

ROOT = Path(__file__).resolve().parents[2]


def names_of(requirements: list[str]) -> list[str]:
    return [normalize(re.split(r"[<>=!~;\[ (]", r, maxsplit=1)[0]) for r in requirements]


def fake_distribution(root: Path, name: str, files: dict[str, str], requires: str = "") -> Path:
    """An installed distribution on disk (``name-1.0.dist-info`` with METADATA and RECORD)."""
    info = root / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    metadata_text = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"
    for requirement in filter(None, requires.split(",")):
        metadata_text += f"Requires-Dist: {requirement}\n"
    (info / "METADATA").write_text(metadata_text)
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    record = [*files, f"{info.name}/METADATA", f"{info.name}/RECORD"]
    (info / "RECORD").write_text("".join(f"{line},,\n" for line in record))
    return info


def test_the_same_installation_gives_the_same_bytes(tmp_path: Path) -> None:
    first = write_package(plan_package(), tmp_path / "a.zip")
    second = write_package(plan_package(), tmp_path / "b.zip")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256 == second.sha256
    with zipfile.ZipFile(first.path) as archive:
        infos = archive.infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {FIXED_TIME}
    assert {i.external_attr for i in infos} == {FILE_MODE}


def test_contents_follow_the_declared_dependencies(tmp_path: Path) -> None:
    plan = plan_package()
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    runtime = [r for r in declared_requirements() if "extra" not in r.partition(";")[2]]
    assert sorted(names_of(runtime)) == sorted(names_of(declared))
    actions = {d.name: d.action for d in plan.decisions}
    assert actions["boto3"] == "omitted"
    assert actions["click"] == actions["rich"] == "omitted"
    assert actions["pyyaml"] == "vendored"
    names = set(plan.files)
    assert "trustwarden/integrations/aws_config.py" in names
    assert "trustwarden/py.typed" in names
    assert "yaml/__init__.py" in names
    assert not any(n.endswith((".so", ".pyc")) or "__pycache__" in n for n in names)
    assert not any(n.split("/")[0] in {"boto3", "botocore", "click", "rich"} for n in names)
    assert not any(n.endswith(("/RECORD", "/INSTALLER", "/direct_url.json")) for n in names)


def test_the_packaged_handler_runs_from_the_zip_with_pure_python_yaml(tmp_path: Path) -> None:
    built = write_package(plan_package(), tmp_path / "rule.zip")
    code = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(built.path)!r})\n"
        "import yaml, trustwarden\n"
        "from trustwarden.integrations.aws_config import handler\n"
        "from trustwarden.known_accounts import known_accounts_from_text\n"
        "names = known_accounts_from_text(\"- name: V\\n  accounts: ['222222222222']\\n\", "
        "source='s3://b/k')\n"
        "print(json.dumps([trustwarden.__file__, yaml.__file__, yaml.__with_libyaml__, names,"
        " handler({'invokingEvent': '{'}, None), "
        "sorted({m.split('.')[0] for m in sys.modules} & {'click', 'rich'})]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    own, yaml_file, libyaml, names, put, cli = json.loads(out.stdout)
    assert own.startswith(str(built.path))
    assert yaml_file.startswith(str(built.path))
    assert libyaml is False
    assert names == {"222222222222": "V"}
    assert put == []
    assert cli == []


def test_a_dependency_with_compiled_code_is_reported_not_packed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    fake_distribution(site, "fastthing", {"fastthing/__init__.py": "", "fastthing/_c.so": "x"})
    fake_distribution(
        site, "purething", {"purething/__init__.py": "X = 1\n"}, requires="helperthing>=1"
    )
    fake_distribution(site, "helperthing", {"helperthing/__init__.py": ""})

    def lookup(name: str) -> metadata.Distribution:
        info = site / f"{name}-1.0.dist-info"
        if not info.is_dir():
            raise metadata.PackageNotFoundError(name)
        return metadata.PathDistribution(info)

    plan = plan_package(
        ["fastthing", "purething", "boto3>=1", "pytest ; extra == 'test'"], lookup=lookup
    )
    decisions = {d.name: d for d in plan.decisions}
    assert decisions["fastthing"].action == "omitted"
    assert "compiled code (fastthing/_c.so)" in decisions["fastthing"].reason
    assert "Lambda layer" in decisions["fastthing"].reason
    assert [d.name for d in plan.missing_compiled] == ["fastthing"]
    assert decisions["purething"].action == decisions["helperthing"].action == "vendored"
    assert "pytest" not in decisions
    assert "purething/__init__.py" in plan.files
    assert "helperthing/__init__.py" in plan.files
    assert "purething-1.0.dist-info/METADATA" in plan.files
    assert "purething-1.0.dist-info/RECORD" not in plan.files
    assert not any(name.startswith("fastthing") for name in plan.files)


def test_cli_writes_the_zip_and_says_what_it_left_out(tmp_path: Path) -> None:
    run = invoke(["lambda-package", "--out", "pkg/rule.zip"], env={}, cwd=tmp_path)
    assert run.code == 0, run.err
    assert run.out.strip() == str(tmp_path / "pkg" / "rule.zip")
    assert zipfile.is_zipfile(tmp_path / "pkg" / "rule.zip")
    assert "omitted boto3: provided by the Lambda Python runtime" in run.err
    assert "handler trustwarden.integrations.aws_config.handler" in run.err


@pytest.mark.parametrize("args", [["lambda-package"], ["lambda-package", "--out", "."]])
def test_cli_usage_errors(tmp_path: Path, args: list[str]) -> None:
    run = invoke(args, env={}, cwd=tmp_path)
    assert run.code == 2
    assert run.err.startswith("trustwarden: error:")


@pytest.mark.moto_server
def test_the_extracted_package_evaluates_a_config_event_as_lambda_would(
    tmp_path: Path, moto_env: MotoServer
) -> None:
    """Lambda unpacks the zip into /var/task and imports the handler from there, with the
    runtime's boto3: here the task directory is the only source of trustwarden and yaml."""
    built = write_package(plan_package(), tmp_path / "rule.zip")
    task = tmp_path / "task"
    with zipfile.ZipFile(built.path) as archive:
        archive.extractall(task)
    account = str(boto3.client("sts").get_caller_identity()["Account"])
    item = role_item(account, "vendor", TRUST_OTHER_ACCOUNT)
    code = (
        "import json, sys\n"
        "from trustwarden.integrations.aws_config import handler\n"
        "import trustwarden, yaml\n"
        "put = handler(json.load(sys.stdin), None)\n"
        "print(json.dumps([trustwarden.__file__, yaml.__file__, put]))  # as the runtime does\n"
    )
    env = {**os.environ, "PYTHONPATH": str(task)}
    out = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(change_event(item, account)),
        capture_output=True,
        text=True,
        check=True,
        cwd=task,
        env=env,
    )
    own, yaml_file, put = json.loads(out.stdout)
    assert own.startswith(str(task))
    assert yaml_file.startswith(str(task))
    assert [(e["ComplianceResourceId"], e["ComplianceType"]) for e in put] == [
        (item["resourceId"], "NON_COMPLIANT")
    ]
    assert "TW001" in put[0]["Annotation"]
