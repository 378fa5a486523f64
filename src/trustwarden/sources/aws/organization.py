"""AWS Organizations: the accounts to scan and how to enter them.

Run from the management account or a delegated administrator. Only the account id, name
and status are kept from ``ListAccounts``; e-mail addresses and raw pages are dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from trustwarden.aws.faults import AWS_ERRORS, describe
from trustwarden.aws.session import AwsContext
from trustwarden.errors import AwsAccessError, ConfigError
from trustwarden.model import is_account_id

_ROLE_PATH_NAME = re.compile(r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
_ORG_HINT = (
    "run --organization from the management account or a delegated administrator "
    "(needs organizations:ListAccounts and organizations:DescribeOrganization)"
)


@dataclass(frozen=True, slots=True)
class Account:
    """One member account of the organisation."""

    id: str
    name: str
    status: str  # ACTIVE | SUSPENDED | PENDING_CLOSURE | ...

    @property
    def active(self) -> bool:
        """Only active accounts can be entered."""
        return self.status == "ACTIVE"


@dataclass(frozen=True, slots=True)
class Organization:
    """The organisation id and its accounts, sorted by id."""

    id: str
    accounts: tuple[Account, ...]

    @property
    def account_ids(self) -> frozenset[str]:
        """Every account of the organisation, whatever its status."""
        return frozenset(a.id for a in self.accounts)


def parse_account_ids(values: Iterable[str]) -> frozenset[str]:
    """Account ids from CLI values (each may hold several, comma- or space-separated)."""
    ids: set[str] = set()
    for value in values:
        for item in re.split(r"[,\s]+", value.strip()):
            if not item:
                continue
            if not is_account_id(item):
                raise ConfigError(f"not an AWS account id: {item!r}", "use 12 digits")
            ids.add(item)
    return frozenset(ids)


def member_role_arn(account_id: str, role: str, partition: str = "aws") -> str:
    """The ARN of ``role`` (a name, optionally with a path) in ``account_id``."""
    name = role.strip("/")
    if not _ROLE_PATH_NAME.match(name):
        raise ConfigError(f"not an IAM role name: {role!r}")
    return f"arn:{partition}:iam::{account_id}:role/{name}"


def _status(item: dict[str, Any]) -> str:
    # ``State`` replaces ``Status`` in newer API versions; accept either.
    return str(item.get("State") or item.get("Status") or "UNKNOWN")


def read_organization(ctx: AwsContext, *, client: Any = None) -> Organization:
    """Describe the organisation and list all its accounts (paginated ``ListAccounts``).

    Raises :class:`AwsAccessError` when the caller may not list the organisation.
    """
    org = client if client is not None else ctx.client("organizations")
    try:
        org_id = str(org.describe_organization()["Organization"]["Id"])
        accounts: list[Account] = []
        kwargs: dict[str, Any] = {}
        while True:
            page = org.list_accounts(**kwargs)
            accounts.extend(
                Account(id=str(a["Id"]), name=str(a.get("Name", "")), status=_status(a))
                for a in page.get("Accounts", [])
            )
            token = page.get("NextToken")
            if not token:
                break
            kwargs["NextToken"] = token
    except AWS_ERRORS as exc:
        raise AwsAccessError(f"listing the organization: {describe(exc)}", _ORG_HINT) from None
    return Organization(id=org_id, accounts=tuple(sorted(accounts, key=lambda a: a.id)))
