"""Shared builders for the remediation tests."""

from __future__ import annotations

import json
from typing import Any

from trustwarden.model import Role, Settings

OWN = "111111111111"
OUTSIDER = "222222222222"
OTHER = "444444444444"
FRIEND = "333333333333"
EXTERNAL_ID = "vendor-issued-7f3a"
SETTINGS = Settings(trusted_accounts=frozenset({FRIEND}))


def role(doc: Any, name: str = "r", account: str = OWN) -> Role:
    """A role in ``account`` with trust document ``doc``."""
    return Role(
        arn=f"arn:aws:iam::{account}:role/{name}", name=name, account_id=account, trust_document=doc
    )


def allow(
    principal: Any, condition: dict[str, Any] | None = None, sid: str | None = None
) -> dict[str, Any]:
    """An Allow sts:AssumeRole statement."""
    stmt: dict[str, Any] = {}
    if sid:
        stmt["Sid"] = sid
    stmt.update({"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"})
    if condition is not None:
        stmt["Condition"] = condition
    return stmt


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    """A trust policy with these statements."""
    return {"Version": "2012-10-17", "Statement": list(statements)}


def outsider_policy(account: str = OUTSIDER) -> dict[str, Any]:
    """A policy that lets ``account`` assume the role unconditionally."""
    return policy(allow({"AWS": f"arn:aws:iam::{account}:root"}))


def dumps(doc: Any) -> str:
    return json.dumps(doc)
