"""The same verdict for a policy whether it is read from a file or from a template.

Every dict-shaped document of the engine's table-driven corpus is rendered into each template
form (CloudFormation JSON and YAML, Terraform ``jsonencode`` and ``aws_iam_policy_document``)
and scanned as a template; the verdict must equal the one for the bare trust-policy file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.engine import test_actions, test_conditions, test_principals, test_verdicts
from tests.engine.helpers import OWN, Case
from tests.iac.render import FORMS
from trustwarden.engine import analyze_roles
from trustwarden.model import Role, RoleResult
from trustwarden.sources.iac import load_paths, merge_results
from trustwarden.sources.offline import load_file


def _corpus() -> list[Case]:
    cases: list[Case] = []
    for module in (test_actions, test_conditions, test_principals, test_verdicts):
        for name in dir(module):
            value = getattr(module, name)
            if name.endswith("_CASES") and isinstance(value, list):
                cases.extend(
                    c
                    for c in value
                    if isinstance(c, Case) and isinstance(c.document, dict) and c.partition == "aws"
                )
    return cases


CORPUS = _corpus()


def _params() -> list[Any]:
    out = []
    for case in CORPUS:
        for form, render in FORMS.items():
            if render("r", case.document) is not None:
                out.append(pytest.param(case, form, id=f"{case.id}-{form}"))
    return out


def test_corpus_is_large_and_every_form_is_used() -> None:
    params = _params()
    assert len(CORPUS) >= 100
    for form in FORMS:
        assert sum(1 for p in params if p.values[1] == form) >= 50, form


@pytest.mark.parametrize(("case", "form"), _params())
def test_template_verdict_equals_file_verdict(case: Case, form: str, tmp_path: Path) -> None:
    policy_file = tmp_path / "r.json"
    policy_file.write_text(json.dumps(case.document))
    (from_file,) = [r for r in load_file(policy_file, account_id=OWN) if isinstance(r, Role)]
    (file_result,) = analyze_roles([from_file], case.settings)

    template_dir = tmp_path / "templates"
    template_dir.mkdir()
    text = FORMS[form]("r", case.document)
    assert text is not None
    (template_dir / f"main.{form.rsplit('.', 1)[-1]}").write_text(text)
    items = list(load_paths([template_dir], account_id=OWN))
    roles = [i for i in items if isinstance(i, Role)]
    assert len(roles) == 1, items
    (template_result,) = list(merge_results(analyze_roles(roles, case.settings), OWN))
    assert isinstance(template_result, RoleResult)

    assert template_result.status is file_result.status, (case.id, form, text)
    assert template_result.status is case.status
    assert {f.code for f in template_result.findings} == {f.code for f in file_result.findings}
