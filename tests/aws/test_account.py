"""iter_roles: paginated ListRoles, no per-role calls."""

from __future__ import annotations

import boto3
import pytest

from tests.aws.helpers import TRUST_OTHER_ACCOUNT, CallCounter, create_roles
from tests.moto_server import MotoServer
from trustwarden.aws.session import make_session
from trustwarden.sources.aws.account import iter_roles

pytestmark = pytest.mark.moto_server


def test_pages_over_more_than_1000_roles(moto_env: MotoServer) -> None:
    names = create_roles(boto3.client("iam"), 1003)
    counter = CallCounter()
    ctx = make_session(hooks=counter.hooks)
    roles = list(iter_roles(ctx))
    assert sorted(r.name for r in roles) == names
    assert len({r.arn for r in roles}) == 1003
    # 1003 roles at MaxItems=1000: exactly two pages, nothing per role.
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1, "iam.ListRoles": 2}


def test_role_fields_come_straight_from_list_roles(moto_env: MotoServer) -> None:
    iam = boto3.client("iam")
    create_roles(iam, 1, prefix="x", trust=TRUST_OTHER_ACCOUNT)
    iam.create_role(RoleName="pathy", Path="/team/", AssumeRolePolicyDocument="{}", Description="d")
    ctx = make_session()
    roles = {r.name: r for r in iter_roles(ctx)}
    role = roles["x-00000"]
    assert role.arn == "arn:aws:iam::123456789012:role/x-00000"
    assert role.account_id == "123456789012"
    assert role.trust_document == TRUST_OTHER_ACCOUNT
    assert role.origin.source == "aws"
    assert role.origin.account_id == "123456789012"
    assert role.facts.path == "/"
    assert role.facts.role_id
    assert roles["pathy"].arn == "arn:aws:iam::123456789012:role/team/pathy"
    assert roles["pathy"].facts.path == "/team/"


def test_role_filter_applies_to_names(moto_env: MotoServer) -> None:
    iam = boto3.client("iam")
    create_roles(iam, 3, prefix="keep")
    create_roles(iam, 2, prefix="drop")
    ctx = make_session()
    kept = [r.name for r in iter_roles(ctx, role_filter=lambda n: n.startswith("keep"))]
    assert sorted(kept) == ["keep-00000", "keep-00001", "keep-00002"]


def test_empty_account_yields_nothing(moto_env: MotoServer) -> None:
    counter = CallCounter()
    assert list(iter_roles(make_session(hooks=counter.hooks))) == []
    assert counter.calls["iam.ListRoles"] == 1
