"""The organisation options of ``trustwarden scan`` and the source they describe.

:func:`organization_options` adds ``--organization``, ``--member-role``,
``--trust-organization/--no-trust-organization``, ``--accounts``, ``--exclude-accounts``,
``--workers`` and ``--enrich`` and passes one ``org: OrgSpec``; :func:`scan_source` picks
the source for ``scan``: files, the sample, the credentials' account, or the organisation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, TypeVar, cast

import click

from trustwarden.aws.options import DEFAULT_MEMBER_ROLE, DEFAULT_WORKERS, MAX_WORKERS, AwsOptions
from trustwarden.cli.options import (
    ENRICH_OPTION,
    AppContext,
    SourceSpec,
    build_source,
    option_group,
)
from trustwarden.errors import ConfigError
from trustwarden.pipeline import Source

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class OrgSpec:
    """The organisation options as given (``None``: not given)."""

    organization: bool = False
    member_role: str | None = None
    trust_organization: bool | None = None
    accounts: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    workers: int | None = None
    enrich: bool = False

    def given(self) -> list[str]:
        """The organisation-only flags that were given."""
        flags = {
            "--member-role": self.member_role is not None,
            "--trust-organization": self.trust_organization is True,
            "--no-trust-organization": self.trust_organization is False,
            "--accounts": bool(self.accounts),
            "--exclude-accounts": bool(self.exclude_accounts),
            "--workers": self.workers is not None,
        }
        return [flag for flag, on in flags.items() if on]


ORG_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--organization",
        is_flag=True,
        help="Scan every active account of the AWS Organization (run from the management "
        "account or a delegated administrator).",
    ),
    click.option(
        "--member-role",
        metavar="NAME",
        help=f"Role to assume in each member account (default: {DEFAULT_MEMBER_ROLE}, "
        "see docs/permissions/).",
    ),
    click.option(
        "--trust-organization/--no-trust-organization",
        default=None,
        help="With --organization: trust the organization's own accounts and its org ID "
        "(aws:PrincipalOrgID); on by default, the summary says so.",
    ),
    click.option(
        "--accounts",
        multiple=True,
        metavar="ID[,ID...]",
        help="Scan only these member accounts (repeatable).",
    ),
    click.option(
        "--exclude-accounts",
        multiple=True,
        metavar="ID[,ID...]",
        help="Skip these member accounts (repeatable).",
    ),
    click.option(
        "--workers",
        type=click.IntRange(1, MAX_WORKERS),
        metavar="N",
        help=f"Accounts scanned at once (default: {DEFAULT_WORKERS}).",
    ),
    ENRICH_OPTION,
]


ORG_FIX_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--organization",
        is_flag=True,
        help="Fix roles in every active account of the AWS Organization (one journal).",
    ),
    click.option(
        "--member-role",
        metavar="NAME",
        help=f"With --organization: the role to assume in each member account (default: "
        f"{DEFAULT_MEMBER_ROLE}; fixing needs iam:GetRole and iam:UpdateAssumeRolePolicy).",
    ),
    click.option(
        "--accounts",
        multiple=True,
        metavar="ID[,ID...]",
        help="With --organization: only these accounts (repeatable).",
    ),
    click.option(
        "--exclude-accounts",
        multiple=True,
        metavar="ID[,ID...]",
        help="With --organization: skip these accounts (repeatable).",
    ),
]


def org_fix_options(command: F) -> F:
    """``fix``'s organisation options (a subset of the scan's); pass ``org: OrgSpec``."""
    names = ("organization", "member_role", "accounts", "exclude_accounts")
    return cast("F", option_group(ORG_FIX_OPTIONS, names, OrgSpec, "org")(command))


def organization_options(command: F) -> F:
    """Add the organisation options to a command; pass ``org: OrgSpec`` (one per field)."""
    names = tuple(f.name for f in fields(OrgSpec))
    return cast("F", option_group(ORG_OPTIONS, names, OrgSpec, "org")(command))


def scan_source(
    spec: SourceSpec,
    aws: AwsOptions,
    org: OrgSpec,
    *,
    app: AppContext,
    progress: Callable[[Any], None] | None = None,
) -> Source:
    """The source for ``scan``: :func:`~trustwarden.cli.options.build_source`, or with
    ``--organization`` every account of the organisation."""
    if not org.organization:
        flags = org.given()
        if flags:
            raise ConfigError(f"{', '.join(flags)} needs --organization")
        return build_source(spec, aws, app=app, enrich=org.enrich)
    if spec.offline:
        raise ConfigError("--organization cannot be combined with --input/--sample")
    if spec.account_id is not None:
        raise ConfigError("--account-id is for --input files; live scans read it from STS")
    aws.validate()
    from trustwarden.sources.aws.organization import parse_account_ids  # noqa: PLC0415
    from trustwarden.sources.aws.scanner import OrganizationSource  # noqa: PLC0415

    return OrganizationSource(
        aws=aws,
        member_role=org.member_role or DEFAULT_MEMBER_ROLE,
        accounts=parse_account_ids(org.accounts),
        exclude_accounts=parse_account_ids(org.exclude_accounts),
        workers=org.workers if org.workers is not None else DEFAULT_WORKERS,
        trust_organization=org.trust_organization is not False,
        enrich=org.enrich,
        env=app.env,
        progress=progress,
    )


__all__ = [
    "ORG_FIX_OPTIONS",
    "ORG_OPTIONS",
    "OrgSpec",
    "org_fix_options",
    "organization_options",
    "scan_source",
]
