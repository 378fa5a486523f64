"""The engine's corpus and the sample estate through the Config rule handler: same verdicts as
``trustwarden scan``.

Every table of cases under ``tests/engine/`` (documents with the verdict the engine contract
requires) and every role of the bundled sample is sent to the handler as a
``ConfigurationItemChangeNotification`` (document URL-encoded as Config delivers it) and
scanned with ``trustwarden scan --format json`` from a ``list-roles`` file. The handler's
``ComplianceType`` must be the scan verdict mapped as documented: fail and error →
NON_COMPLIANT, warn → COMPLIANT (FailOn=fail) or NON_COMPLIANT (FailOn=warn), pass →
COMPLIANT; its annotation names the scan's rule ID.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

import tests.engine
from tests.cli.runner import invoke
from tests.engine.helpers import OWN, Case
from tests.integrations.events import change_event, role_item
from tests.moto_server import MotoServer
from trustwarden.config import load_config
from trustwarden.integrations import aws_config
from trustwarden.model import Role, Settings
from trustwarden.sources.offline import load_files
from trustwarden.sources.sample import sample_config_path, sample_paths

pytestmark = pytest.mark.moto_server

EXPECTED = {"fail": "NON_COMPLIANT", "error": "NON_COMPLIANT", "pass": "COMPLIANT"}


def engine_cases() -> list[Case]:
    """Every ``Case`` in a module-level list of a ``tests/engine`` module."""
    cases: list[Case] = []
    for info in pkgutil.iter_modules(tests.engine.__path__):
        module = importlib.import_module(f"tests.engine.{info.name}")
        for value in vars(module).values():
            if isinstance(value, list) and value and all(isinstance(v, Case) for v in value):
                cases.extend(value)
    return cases


def as_config_document(document: object) -> object:
    """What Config's item holds: URL-encoded JSON for an object; text as it came."""
    return quote(json.dumps(document)) if isinstance(document, dict) else document


def scan_verdicts(
    tmp_path: Path, roles: list[dict[str, Any]], settings: Settings
) -> dict[str, tuple[str, list[str]]]:
    """``{role name: (status, finding codes)}`` from ``trustwarden scan --format json``."""
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"Roles": roles}))
    args = ["scan", "--input", str(path), "--format", "json", "--fail-on", "never"]
    for account in sorted(settings.trusted_accounts):
        args += ["--trusted-account", account]
    for org in sorted(settings.trusted_orgs):
        args += ["--trusted-org", org]
    run = invoke(args, env={"NO_COLOR": "1"}, cwd=tmp_path)
    assert run.code in (0, 2), run.err
    report = json.loads(run.out)
    return {
        r["role_name"]: (
            r["status"],
            [f["code"] for f in r["findings"] if f["status"] == r["status"]],
        )
        for r in report["results"]
    }


def parameters(settings: Settings, fail_on: str) -> dict[str, str]:
    # the roles' account is not the function's (moto's default): enter it as an org rule does
    return {
        "MemberRoleName": "TrustwardenConfigRuleRole",
        "TrustedAccounts": ",".join(sorted(settings.trusted_accounts)),
        "TrustedOrgs": ",".join(sorted(settings.trusted_orgs)),
        "FailOn": fail_on,
    }


def check_through_handler(
    tmp_path: Path, account: str, named: Iterable[tuple[str, str, object]], settings: Settings
) -> int:
    """Send each (name, ARN, document) through scan and the handler; assert they agree."""
    listing: list[dict[str, Any]] = [
        {"RoleName": name, "Arn": arn, "RoleId": f"AROA{i:017d}", "AssumeRolePolicyDocument": doc}
        for i, (name, arn, doc) in enumerate(named)
    ]
    verdicts = scan_verdicts(tmp_path, listing, settings)
    assert len(verdicts) == len(listing)
    for entry in listing:
        name = entry["RoleName"]
        status, codes = verdicts[name]
        partition = entry["Arn"].split(":")[1]
        document = as_config_document(entry["AssumeRolePolicyDocument"])
        item = role_item(account, name, document, role_id=entry["RoleId"], partition=partition)
        for fail_on in ("fail", "warn") if status == "warn" else ("fail",):
            event = change_event(item, account, parameters=parameters(settings, fail_on))
            (evaluation,) = aws_config.evaluate(event)
            wanted = EXPECTED.get(status) or ("NON_COMPLIANT" if fail_on == "warn" else "COMPLIANT")
            assert evaluation["ComplianceType"] == wanted, (name, status, evaluation)
            if codes:
                assert codes[0] in evaluation["Annotation"], (name, codes, evaluation)
    return len(listing)


@pytest.fixture
def account(moto_env: MotoServer) -> str:
    aws_config.clear_caches()
    return OWN


def test_engine_corpus_gives_the_same_verdicts_as_scan(account: str, tmp_path: Path) -> None:
    cases = engine_cases()
    assert len(cases) > 100
    groups: dict[tuple[frozenset[str], frozenset[str]], list[tuple[str, str, object]]] = {}
    for i, case in enumerate(cases):
        key = (case.settings.trusted_accounts, case.settings.trusted_orgs)
        name = f"case-{i:04d}"
        arn = f"arn:{case.partition}:iam::{OWN}:role/{name}"
        groups.setdefault(key, []).append((name, arn, case.document))
    checked = 0
    for n, ((accounts, orgs), named) in enumerate(sorted(groups.items(), key=str)):
        folder = tmp_path / f"group-{n}"
        folder.mkdir()
        settings = Settings(trusted_accounts=accounts, trusted_orgs=orgs)
        checked += check_through_handler(folder, account, named, settings)
    assert checked == len(cases)


def test_sample_estate_gives_the_same_verdicts_as_scan(account: str, tmp_path: Path) -> None:
    roles = [r for r in load_files(sample_paths()) if isinstance(r, Role)]
    config = load_config(sample_config_path(), tmp_path)
    settings = Settings(
        trusted_accounts=frozenset(config.trusted_accounts),
        trusted_orgs=frozenset(config.trusted_orgs),
    )
    named = [(r.name, r.arn, r.trust_document) for r in roles]
    assert check_through_handler(tmp_path, roles[0].account_id, named, settings) == len(roles)
