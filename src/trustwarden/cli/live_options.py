"""Live-AWS options of ``trustwarden scan`` and the event stream they describe.

:func:`live_options` adds the options to a command and passes one ``live: LiveSpec``;
:func:`open_scan_events` picks the source: files (``--input``/``--sample``) through
:func:`trustwarden.cli.options.open_events`, else the AWS account of the current
credentials or, with ``--organization``, every account of the organisation.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast

import click

from trustwarden.cli.options import AppContext, OpenedSource, SourceSpec, open_events
from trustwarden.errors import ConfigError
from trustwarden.model import Settings
from trustwarden.sources.aws.defaults import (
    DEFAULT_MEMBER_ROLE,
    DEFAULT_WORKERS,
    MAX_WORKERS,
    RETRY_MODES,
)

if TYPE_CHECKING:  # boto3 loads only for live scans, not when reading files
    from trustwarden.sources.aws.scanner import LiveScanOptions

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_RETRY_MODE = "adaptive"


@dataclass(frozen=True, slots=True)
class LiveSpec:
    """The live-AWS options as given on the command line (``None``: not given)."""

    profile: str | None = None
    region: str | None = None
    assume_role: str | None = None
    external_id: str | None = None
    organization: bool = False
    member_role: str | None = None
    trust_organization: bool = False
    accounts: tuple[str, ...] = ()
    exclude_accounts: tuple[str, ...] = ()
    workers: int | None = None
    enrich: bool = False
    max_attempts: int | None = None
    retry_mode: str | None = None
    roles: tuple[str, ...] = ()

    def evidence_context(self) -> Any:
        """An AWS context for ``--evidence cloudtrail``/``s3://``: these credentials."""
        from trustwarden.sources.aws.session import make_session  # noqa: PLC0415

        return make_session(
            profile=self.profile,
            region=self.region,
            assume_role_arn=self.assume_role,
            external_id=self.external_id,
        )

    def given(self) -> list[str]:
        """The flags that were given, for "cannot be combined with --input" messages."""
        flags = {
            "--profile": self.profile is not None,
            "--region": self.region is not None,
            "--assume-role": self.assume_role is not None,
            "--external-id": self.external_id is not None,
            "--organization": self.organization,
            "--member-role": self.member_role is not None,
            "--trust-organization": self.trust_organization,
            "--accounts": bool(self.accounts),
            "--exclude-accounts": bool(self.exclude_accounts),
            "--workers": self.workers is not None,
            "--enrich": self.enrich,
            "--max-attempts": self.max_attempts is not None,
            "--retry-mode": self.retry_mode is not None,
            "--role": bool(self.roles),
        }
        return [flag for flag, on in flags.items() if on]

    def to_options(self, env: Mapping[str, str]) -> LiveScanOptions:
        """Library options; retry settings fall back to ``AWS_MAX_ATTEMPTS``/``AWS_RETRY_MODE``."""
        from trustwarden.sources.aws.organization import parse_account_ids  # noqa: PLC0415
        from trustwarden.sources.aws.scanner import LiveScanOptions  # noqa: PLC0415

        if self.member_role is not None and not self.organization:
            raise ConfigError("--member-role needs --organization")
        if self.workers is not None and not self.organization:
            raise ConfigError("--workers needs --organization")
        options = LiveScanOptions(
            profile=self.profile,
            region=self.region,
            assume_role_arn=self.assume_role,
            external_id=self.external_id,
            max_attempts=_max_attempts(self.max_attempts, env),
            retry_mode=_retry_mode(self.retry_mode, env),
            organization=self.organization,
            member_role=self.member_role or DEFAULT_MEMBER_ROLE,
            trust_organization=self.trust_organization,
            accounts=parse_account_ids(self.accounts),
            exclude_accounts=parse_account_ids(self.exclude_accounts),
            workers=self.workers if self.workers is not None else DEFAULT_WORKERS,
            enrich=self.enrich,
            role_patterns=self.roles,
        )
        options.validate()
        return options


def _max_attempts(flag: int | None, env: Mapping[str, str]) -> int:
    if flag is not None:
        return flag
    raw = env.get("AWS_MAX_ATTEMPTS", "").strip()
    if not raw:
        return DEFAULT_MAX_ATTEMPTS
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"AWS_MAX_ATTEMPTS must be a positive integer, not {raw!r}")
    return int(raw)


def _retry_mode(flag: str | None, env: Mapping[str, str]) -> str:
    if flag is not None:
        return flag
    raw = env.get("AWS_RETRY_MODE", "").strip()
    if raw and raw not in RETRY_MODES:
        raise ConfigError(f"AWS_RETRY_MODE must be one of {', '.join(RETRY_MODES)}, not {raw!r}")
    return raw or DEFAULT_RETRY_MODE


LIVE_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--profile",
        metavar="NAME",
        help="AWS profile to use (default: boto3's chain: environment, AWS_PROFILE, SSO, "
        "instance role).",
    ),
    click.option("--region", metavar="REGION", help="AWS region for STS (default: configured)."),
    click.option(
        "--assume-role",
        metavar="ARN",
        help="Assume this role first (session name trustwarden-<time>).",
    ),
    click.option("--external-id", metavar="ID", help="External ID for --assume-role."),
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
        "--trust-organization",
        is_flag=True,
        help="Trust every account of the organization and its org ID (aws:PrincipalOrgID).",
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
    click.option(
        "--enrich",
        is_flag=True,
        help="For roles that are not pass: fetch last use, tags and permissions (severity).",
    ),
    click.option(
        "--max-attempts",
        type=click.IntRange(1, 100),
        metavar="N",
        help=f"Attempts per AWS call, retries included (default: AWS_MAX_ATTEMPTS or "
        f"{DEFAULT_MAX_ATTEMPTS}).",
    ),
    click.option(
        "--retry-mode",
        type=click.Choice(RETRY_MODES),
        help=f"botocore retry mode (default: AWS_RETRY_MODE or {DEFAULT_RETRY_MODE}).",
    ),
    click.option(
        "--role",
        "roles",
        multiple=True,
        metavar="PATTERN",
        help="Only roles whose name matches this shell pattern, case-insensitive (repeatable).",
    ),
]

_NAMES = (
    "profile",
    "region",
    "assume_role",
    "external_id",
    "organization",
    "member_role",
    "trust_organization",
    "accounts",
    "exclude_accounts",
    "workers",
    "enrich",
    "max_attempts",
    "retry_mode",
    "roles",
)


def live_options(command: F) -> F:
    """Add the live-AWS options to a command; pass their values as ``live: LiveSpec``."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        values = {name: kwargs.pop(name) for name in _NAMES}
        kwargs["live"] = LiveSpec(**values)
        return command(*args, **kwargs)

    wrapped: Any = wrapper
    for option in reversed(LIVE_OPTIONS):
        wrapped = option(wrapped)
    return cast("F", wrapped)


def open_scan_events(
    source: SourceSpec,
    live: LiveSpec,
    settings: Settings,
    *,
    app: AppContext,
    quiet: bool,
    progress_ok: bool = True,
) -> OpenedSource:
    """The events for ``scan``: from files, or live from AWS when no file is given.

    Live set-up (credentials, organisation listing) happens here, before any output, and
    raises :class:`~trustwarden.errors.AwsAccessError` (exit 3) on failure. A progress bar
    goes to stderr for organisation scans when stderr is a terminal, ``quiet`` is off and
    ``progress_ok`` (the report is not streaming to the same terminal).
    """
    if source.offline:
        flags = live.given()
        if flags:
            raise ConfigError(f"{', '.join(flags)} cannot be combined with --input/--sample")
        return open_events(source, settings, app=app, quiet=quiet)
    if source.account_id is not None:
        raise ConfigError("--account-id is for --input files; live scans read it from STS")
    from trustwarden.sources.aws.scanner import LiveScan  # noqa: PLC0415 - boto3 on use

    scan = LiveScan(live.to_options(app.env), settings)
    if live.organization and progress_ok and not quiet and app.is_terminal(app.stderr):
        from trustwarden.cli.progress import with_progress  # noqa: PLC0415 - rich on use

        events: Iterable[Any] = with_progress(scan.events, app.stderr, scan.accounts_total)
    else:
        events = scan.events()
    return OpenedSource(events=iter(events), settings=scan.settings)


__all__ = ["LIVE_OPTIONS", "LiveSpec", "live_options", "open_scan_events"]
