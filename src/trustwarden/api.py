"""The public Python API (re-exported by :mod:`trustwarden`): one trust policy in, a verdict out."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from trustwarden.config import validate_account_id, validate_org_id
from trustwarden.engine import analyze_role
from trustwarden.errors import ConfigError
from trustwarden.model import Origin, Role, RoleResult, Settings

DEFAULT_ROLE_NAME = "policy"
# The AWS partitions: a typo such as "aws-cnn" would otherwise judge every principal of the
# real partitions as unable to reach the role, and the verdict would silently be "pass".
PARTITIONS = frozenset(
    {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}
)
_ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)  # IAM's role-name characters


def analyze_policy(
    document: Mapping[str, object] | str | bytes,
    account_id: str,
    *,
    trusted_accounts: Iterable[str] = (),
    trusted_orgs: Iterable[str] = (),
    known_accounts: Mapping[str, str] | None = None,
    role_name: str = DEFAULT_ROLE_NAME,
    partition: str = "aws",
) -> RoleResult:
    """The verdict for one trust policy of a role in ``account_id``.

    ``document`` is a dict, JSON text or URL-encoded JSON text (as IAM and AWS Config
    deliver it). The result's ``status`` is ``"fail"``, ``"warn"``, ``"pass"`` or
    ``"error"`` (a :class:`~trustwarden.model.Status`, a ``str``); each ``fail`` finding
    carries a ``witness``: a request that gets in. ``known_accounts`` (``{account id: owner}``)
    only names owners in messages. A malformed document is an ``error`` result, never an
    exception; an invalid ``account_id``, trusted id, ``role_name`` or ``partition`` (one
    of :data:`PARTITIONS`) raises :class:`~trustwarden.errors.ConfigError`.
    """
    own = validate_account_id(account_id)
    if partition not in PARTITIONS:
        raise ConfigError(
            f"unknown partition {partition!r}", hint=f"one of: {', '.join(sorted(PARTITIONS))}"
        )
    if not isinstance(role_name, str) or not _ROLE_NAME.fullmatch(role_name):
        raise ConfigError(
            f"invalid role name {role_name!r}",
            hint="1-64 letters, digits and +=,.@_- (IAM's role-name characters)",
        )
    settings = Settings(
        trusted_accounts=frozenset(validate_account_id(a) for a in trusted_accounts),
        trusted_orgs=frozenset(validate_org_id(o) for o in trusted_orgs),
        known_accounts=dict(known_accounts or {}),
    )
    role = Role(
        arn=f"arn:{partition}:iam::{own}:role/{role_name}",
        name=role_name,
        account_id=own,
        trust_document=document,
        origin=Origin(source="api", account_id=own),
    )
    return analyze_role(role, settings)


__all__ = ["analyze_policy"]
