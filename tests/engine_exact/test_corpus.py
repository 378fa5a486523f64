"""The adversarial corpus (issue #11's classes) and realistic policies, judged independently.

``test_engine_*`` ask the engine under test; ``test_oracle_*`` check that the independent
oracle reaches the documented verdict by itself, so a wrong expectation or a weak oracle shows
up here and not as a false alarm against the engine.
"""

from __future__ import annotations

import pytest

from tests.engine_exact import iam
from tests.engine_exact.corpus import CORPUS, REALISTIC
from tests.engine_exact.judge import OWN, is_exposed, run, show, witness_verdicts
from tests.engine_exact.oracle import find_allowed
from tests.engine_exact.policies import Case
from trustwarden.model import Status


def _params(cases: list[Case]) -> list[object]:
    return [pytest.param(c, id=c.id) for c in cases]


def _check_engine(c: Case) -> None:
    result = run(c.document, c.settings)
    assert result.status in c.expect, f"{c.id}: {c.why}\n{show(result)}"
    if result.status is Status.FAIL:
        assert is_exposed(result), show(result)
        problems = witness_verdicts(c.document, result, c.settings)
        assert not problems, f"{c.id}: {problems}\n{show(result)}"
    if result.status is Status.ERROR and c.error_names:
        assert c.error_names in (result.error or ""), f"{c.id}: error must name the field"
        assert "\n" not in (result.error or "")


@pytest.mark.parametrize("c", _params(CORPUS))
def test_engine_adversarial(c: Case) -> None:
    _check_engine(c)


@pytest.mark.parametrize("c", _params(REALISTIC))
def test_engine_realistic_no_regression(c: Case) -> None:
    _check_engine(c)


@pytest.mark.parametrize("c", _params(CORPUS + REALISTIC))
def test_oracle_reaches_the_documented_verdict(c: Case) -> None:
    outcome = find_allowed(c.document, OWN, c.settings.trusted_accounts, c.settings.trusted_orgs)
    refused = iam.refusal(c.document)
    if c.expect == frozenset({Status.ERROR}):
        assert refused is not None, f"{c.id}: IAM refuses this document"
        if c.error_names:
            assert c.error_names in refused
        return
    if refused is not None:
        assert Status.ERROR in c.expect, f"{c.id}: IAM refuses it ({refused})"
        return
    if c.exposed:
        assert outcome.request is not None, f"{c.id}: oracle found no way in ({outcome.tried})"
    elif Status.FAIL not in c.expect:
        found = outcome.request.describe() if outcome.request else None
        assert outcome.request is None, f"{c.id}: oracle let in {found}"
