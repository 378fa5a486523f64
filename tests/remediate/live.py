"""Helpers for the remediation tests that run against the moto server process."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError

from tests.aws.helpers import TRUST_SERVICE, trust_account
from trustwarden.aws.session import make_session
from trustwarden.model import Settings
from trustwarden.policy import decode_document
from trustwarden.remediate.plan import FixOptions, Plan, plan_roles
from trustwarden.sources.aws.account import iter_roles

MOTO_ACCOUNT = "123456789012"  # the account moto serves without MOTO_ACCOUNT_ID
OUTSIDER = "222222222222"
SETTINGS = Settings()


def exposed(account: str = OUTSIDER, sid: str | None = None) -> dict[str, Any]:
    """A trust policy that lets ``account`` in without conditions."""
    return trust_account(account, sid=sid)


SAFE = TRUST_SERVICE


def seed(iam: Any, docs: Mapping[str, Mapping[str, Any]]) -> None:
    """Create one role per ``name: trust policy``; the policy text is pretty-printed JSON."""
    for name, doc in docs.items():
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(doc, indent=2))


def current(iam: Any, name: str) -> dict[str, Any]:
    """The role's trust policy as IAM serves it now, decoded."""
    return decode_document(iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"])


def live_plans(options: FixOptions) -> list[Plan]:
    """Plans for every role of the moto account, read through the real live source."""
    ctx = make_session()
    return list(plan_roles(iter_roles(ctx), SETTINGS, options))


def fail_update(iam: Any, *, calls: set[int], when: str = "after") -> Callable[..., None]:
    """Make the listed UpdateAssumeRolePolicy calls (1-based) fail with ServiceFailure.

    ``when="after"``: the update reaches IAM and the client then sees an error (the worst
    case: the change is live); ``"before"``: the request is never sent.
    """
    seen = {"n": 0}

    def hook(**_: Any) -> None:
        seen["n"] += 1
        if seen["n"] in calls:
            raise ClientError(
                {"Error": {"Code": "ServiceFailure", "Message": f"injected failure #{seen['n']}"}},
                "UpdateAssumeRolePolicy",
            )

    iam.meta.events.register(f"{when}-call.iam.UpdateAssumeRolePolicy", hook)
    return hook


def client() -> Any:
    return boto3.client("iam")
