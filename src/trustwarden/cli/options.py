"""Shared pieces of trustwarden's commands: the run context, option groups and source choice.

Every option is declared once here (or in :mod:`trustwarden.cli.live_options` for the
organisation options of ``scan``) and means the same in every command that takes it. Each
group adds its click options and hands the command **one** frozen value:

* :func:`input_options` → ``source: SourceSpec`` (``--input``, ``--sample``, ``--account-id``)
* :func:`aws_options` → ``aws: AwsOptions`` (``--profile``, ``--region``, ``--assume-role``,
  ``--assume-role-external-id``, ``--max-attempts``, ``--retry-mode``)
* :func:`trust_options` → ``trust: TrustSpec`` (``--trusted-account``, ``--trusted-org``,
  ``--config``, ``--known-accounts``); :func:`resolve_config` turns it into
  :class:`~trustwarden.model.Settings`
* :func:`role_option` → ``roles`` (``--role``: a name, an ARN or a shell pattern)
* :func:`fail_on_option` → ``fail_on: str | None`` (``--fail-on``)
* :func:`pass_app` → ``app: AppContext`` (injected streams, environment, clock)

:func:`build_source` picks the :class:`~trustwarden.pipeline.Source`: files, the sample, or
the live account of the credentials.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar, cast

import click

from trustwarden.aws.options import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_RETRY_MODE,
    RETRY_MODES,
    AwsOptions,
)
from trustwarden.config import FAIL_ON_VALUES
from trustwarden.errors import ConfigError
from trustwarden.formats.escape import escape
from trustwarden.model import Settings
from trustwarden.pipeline import Source
from trustwarden.suppress import SuppressRule

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_FAIL_ON = "fail"
DEFAULT_FORMAT = "table"
PROG = "trustwarden"


# --------------------------------------------------------------------------- run context


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class AppContext:
    """What a command may touch: injected streams, environment, working directory and clock.

    Commands write only to ``stdout``/``stderr`` here (never ``print``), read the
    environment only through ``env``, and take timestamps only from :meth:`timestamp`, so
    ``main([...], stdout=..., stderr=..., env=...)`` runs them in-process and deterministically.
    """

    stdout: TextIO
    stderr: TextIO
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path = field(default_factory=Path.cwd)
    clock: Callable[[], datetime] = _utc_now
    debug: bool = False

    def timestamp(self) -> str:
        """Now, as ISO 8601 UTC with a ``Z`` (fixed by ``SOURCE_DATE_EPOCH`` if set)."""
        epoch = self.env.get("SOURCE_DATE_EPOCH", "").strip()
        now = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else self.clock()
        return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def is_terminal(self, stream: TextIO) -> bool:
        """Whether ``stream`` is an interactive terminal."""
        isatty = getattr(stream, "isatty", None)
        try:
            return bool(isatty()) if isatty is not None else False
        except (OSError, ValueError):
            return False

    def wants_color(self, stream: TextIO) -> bool:
        """Colour only on a terminal, and never with ``NO_COLOR`` set or ``TERM=dumb``."""
        if self.env.get("NO_COLOR") or self.env.get("TERM") == "dumb":
            return False
        return self.is_terminal(stream)

    def width(self, stream: TextIO) -> int | None:
        """The output width: ``COLUMNS``, else the terminal's, else ``None`` (a default)."""
        columns = self.env.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        if self.is_terminal(stream):
            try:
                return os.get_terminal_size(stream.fileno()).columns
            except (OSError, ValueError, AttributeError):
                return None
        return None

    def error(self, message: str, hint: str | None = None) -> None:
        """``trustwarden: error: <message>`` (and ``hint: ...``) on stderr, each one line.

        Messages carry input (role names, file names, policy text): every control and
        format character in them is escaped (:func:`~trustwarden.formats.escape.escape`).
        """
        self.stderr.write(f"{PROG}: error: {escape(message)}\n")
        if hint:
            self.stderr.write(f"hint: {escape(hint)}\n")
        self.stderr.flush()

    def warn(self, message: str) -> None:
        """``trustwarden: warning: <message>`` on stderr, escaped as :meth:`error`."""
        self.stderr.write(f"{PROG}: warning: {escape(message)}\n")
        self.stderr.flush()

    def info(self, message: str) -> None:
        """``trustwarden: <message>`` on stderr, escaped as :meth:`error`."""
        self.stderr.write(f"{PROG}: {escape(message)}\n")
        self.stderr.flush()


pass_app = click.make_pass_decorator(AppContext)
"""Decorator: pass the :class:`AppContext` that ``main`` created as the first argument."""


def option_group(
    options: Iterable[Callable[[F], F]], names: tuple[str, ...], build: Callable[..., Any], as_: str
) -> Callable[[F], F]:
    """Add ``options`` to a command and pass their values as one object named ``as_``."""

    def decorator(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            values = {name: kwargs.pop(name) for name in names}
            kwargs[as_] = build(**values)
            return command(*args, **kwargs)

        wrapped: Any = wrapper
        for option in reversed(list(options)):
            wrapped = option(wrapped)
        return wrapped  # type: ignore[no-any-return]

    return decorator


# --------------------------------------------------------------------------- validation


def _validate_each(
    validate: Callable[[str], str],
) -> Callable[[click.Context, click.Parameter, tuple[str, ...]], tuple[str, ...]]:
    """A click callback that runs ``validate`` on every value of a repeatable option."""

    def callback(
        ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
    ) -> tuple[str, ...]:
        del ctx, param
        try:
            return tuple(validate(v) for v in values)
        except ConfigError as exc:
            raise click.BadParameter(exc.message) from None

    return callback


def _validate_optional(
    validate: Callable[[str], str],
) -> Callable[[click.Context, click.Parameter, str | None], str | None]:
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
        del ctx, param
        if value is None:
            return None
        try:
            return validate(value)
        except ConfigError as exc:
            raise click.BadParameter(exc.message) from None

    return callback


def _account_id(value: str) -> str:
    from trustwarden.config import validate_account_id  # noqa: PLC0415 - loaded on use

    return validate_account_id(value)


def _org_id(value: str) -> str:
    from trustwarden.config import validate_org_id  # noqa: PLC0415 - loaded on use

    return validate_org_id(value)


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True, slots=True)
class SourceSpec:
    """Which roles to read, as given on the command line."""

    inputs: tuple[Path, ...] = ()
    sample: bool = False
    account_id: str | None = None
    templates: tuple[Path, ...] = ()  # scan PATH...: infrastructure-as-code files and folders

    def validate(self) -> None:
        """Reject combinations that make no sense (:class:`ConfigError`)."""
        if self.sample and self.inputs:
            raise ConfigError("--sample and --input cannot be combined")
        if self.templates and (self.sample or self.inputs):
            raise ConfigError("PATH arguments (templates) cannot be combined with --input/--sample")

    @property
    def offline(self) -> bool:
        """Whether the roles come from files (``--input``/``--sample``/PATH), not from AWS."""
        return self.sample or bool(self.inputs) or bool(self.templates)

    def bundled_config(self) -> Path | None:
        """A trust config that comes with the source (the sample estate's), if any."""
        if not self.sample:
            return None
        from trustwarden.sources.sample import sample_config_path  # noqa: PLC0415

        path = sample_config_path()
        return path if path.is_file() else None


SOURCE_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--input",
        "inputs",
        multiple=True,
        metavar="FILE",
        type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
        help=(
            "Read roles from FILE (repeatable): output of `aws iam "
            "get-account-authorization-details`, `list-roles`, `get-role`, or a bare trust "
            "policy (with --account-id)."
        ),
    ),
    click.option(
        "--sample",
        is_flag=True,
        help="Use the sample estate bundled with trustwarden (no AWS needed).",
    ),
    click.option(
        "--account-id",
        metavar="ID",
        callback=_validate_optional(_account_id),
        help=(
            "The account of the role(s) in bare trust-policy documents, or the account "
            "templates (PATH) deploy to."
        ),
    ),
]


def input_options(command: F) -> F:
    """Add ``--input``/``--sample``/``--account-id``; pass ``source: SourceSpec``."""
    decorate = option_group(
        SOURCE_OPTIONS, ("inputs", "sample", "account_id"), _source_spec, "source"
    )
    return cast("F", decorate(command))


def _source_spec(inputs: tuple[Path, ...], sample: bool, account_id: str | None) -> SourceSpec:
    spec = SourceSpec(inputs=tuple(inputs), sample=sample, account_id=account_id)
    spec.validate()
    return spec


def aws_flags_given(aws: AwsOptions) -> list[str]:
    """The connection flags that were given (for "cannot be combined with --input")."""
    flags = {
        "--profile": aws.profile,
        "--region": aws.region,
        "--assume-role": aws.assume_role,
        "--assume-role-external-id": aws.assume_role_external_id,
        "--max-attempts": aws.max_attempts,
        "--retry-mode": aws.retry_mode,
    }
    return [flag for flag, value in flags.items() if value is not None]


def build_source(
    spec: SourceSpec, aws: AwsOptions, *, app: AppContext, enrich: bool = False
) -> Source:
    """Files (``--input``), the sample (``--sample``), templates (``scan PATH``), else the
    credentials' live account."""
    if spec.offline:
        flags = aws_flags_given(aws) + (["--enrich"] if enrich else [])
        if flags:
            raise ConfigError(
                f"{', '.join(flags)} cannot be combined with --input/--sample/PATH",
                hint="these options are for live AWS roles (no --input/--sample)",
            )
        if spec.sample:
            from trustwarden.sources.local import SampleSource  # noqa: PLC0415

            return SampleSource()
        if spec.templates:
            from trustwarden.sources.local import TemplateSource  # noqa: PLC0415

            return TemplateSource(spec.templates, spec.account_id)
        from trustwarden.sources.local import FileSource  # noqa: PLC0415

        return FileSource(spec.inputs, spec.account_id)
    if spec.account_id is not None:
        raise ConfigError("--account-id is for --input files; live scans read it from STS")
    aws.validate()
    from trustwarden.sources.aws.scanner import AccountSource  # noqa: PLC0415 - boto3 on use

    return AccountSource(aws=aws, enrich=enrich, env=app.env)


AWS_OPTIONS: list[Callable[[Any], Any]] = [
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
    click.option(
        "--assume-role-external-id",
        metavar="ID",
        help="External ID for --assume-role (not the External ID that fix requires).",
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
]


def aws_options(command: F) -> F:
    """Add the AWS connection options; pass ``aws: AwsOptions`` (one option per field)."""
    names = tuple(f.name for f in fields(AwsOptions))
    return cast("F", option_group(AWS_OPTIONS, names, AwsOptions, "aws")(command))


ENRICH_OPTION = click.option(
    "--enrich",
    is_flag=True,
    help="Live roles that are not pass: fetch last use, tags and permissions (shown in the "
    "report; admin-equivalent roles get a higher severity).",
)
"""``--enrich``, the same in ``scan`` and ``explain``; passes ``enrich: bool``."""


ROLE_HELP = (
    "Only this role: its name or ARN, or a shell pattern on names (case-insensitive; "
    "repeatable). A name or ARN that matches no role is an error."
)


def role_option(
    *, required: bool = False, multiple: bool = True, help_text: str = ROLE_HELP
) -> Callable[[F], F]:
    """``--role NAME|ARN|PATTERN``, the same in every command; passes ``roles``."""
    return click.option(
        "--role",
        "roles",
        multiple=multiple,
        required=required,
        metavar="NAME|ARN|PATTERN",
        help=help_text,
    )


def renamed_option(old: str, new: str) -> Callable[[F], F]:
    """A hidden ``old`` flag that is a usage error pointing at ``new`` (it was renamed)."""

    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        del param
        if value is not None:
            raise click.UsageError(
                f"{old} was renamed {new} (the ID for --assume-role); "
                f"{old} now means only the ID that fix requires",
                ctx=ctx,
            )

    return click.option(
        old,
        "renamed_" + old.lstrip("-").replace("-", "_"),
        hidden=True,
        expose_value=False,
        callback=callback,
        metavar="ID",
    )


# --------------------------------------------------------------------------- trust settings


@dataclass(frozen=True, slots=True)
class TrustSpec:
    """Trusted accounts/orgs, the config file and the known-accounts list, as given."""

    trusted_accounts: tuple[str, ...] = ()
    trusted_orgs: tuple[str, ...] = ()
    config: Path | None = None
    known_accounts: Path | None = None


TRUST_OPTIONS: list[Callable[[Any], Any]] = [
    click.option(
        "--trusted-account",
        "trusted_accounts",
        multiple=True,
        metavar="ID",
        callback=_validate_each(_account_id),
        help="Trust this 12-digit account (repeatable; adds to the config file).",
    ),
    click.option(
        "--trusted-org",
        "trusted_orgs",
        multiple=True,
        metavar="o-ID",
        callback=_validate_each(_org_id),
        help="Trust this AWS Organization, o-... (repeatable; adds to the config file).",
    ),
    click.option(
        "--config",
        metavar="PATH",
        type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
        help=(
            "Read settings from PATH (default: .trustwarden.toml, else [tool.trustwarden] in "
            "pyproject.toml, in the working directory; --sample: the sample's own)."
        ),
    ),
    click.option(
        "--known-accounts",
        metavar="PATH",
        type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path),
        help=(
            "Name the owners of accounts listed in PATH, a YAML file in the format of "
            "fwdcloudsec/known_aws_accounts, in reports (replaces known_accounts in the config "
            "file; never changes a verdict)."
        ),
    ),
]


def trust_options(command: F) -> F:
    """Add ``--trusted-account``/``--trusted-org``/``--config``/``--known-accounts``.

    Passes ``trust: TrustSpec``.
    """
    decorate = option_group(
        TRUST_OPTIONS,
        ("trusted_accounts", "trusted_orgs", "config", "known_accounts"),
        TrustSpec,
        "trust",
    )
    return cast("F", decorate(command))


@dataclass(frozen=True, slots=True)
class ResolvedConfig:
    """Settings from the config file with the command-line flags added."""

    settings: Settings
    fail_on: str | None = None
    format: str | None = None
    suppressions: tuple[SuppressRule, ...] = ()


def resolve_config(
    trust: TrustSpec,
    *,
    source: SourceSpec,
    cwd: Path,
    fail_on: str | None = None,
    roles: tuple[str, ...] = (),
) -> ResolvedConfig:
    """Read the config file and add the command-line trust flags.

    The file is ``--config`` if given, else the source's bundled config (``--sample``),
    else ``.trustwarden.toml`` (or ``[tool.trustwarden]`` in ``pyproject.toml``) in ``cwd``.
    ``--known-accounts`` replaces the file's ``known_accounts``; ``--fail-on`` the file's
    ``fail_on``; ``roles`` (``--role``) selects roles.
    """
    from trustwarden.config import build_settings, load_config  # noqa: PLC0415

    path = trust.config if trust.config is not None else source.bundled_config()
    file_config = load_config(path, cwd)
    settings = build_settings(
        file_config, trust.trusted_accounts, trust.trusted_orgs, trust.known_accounts
    )
    threshold = fail_on or file_config.fail_on or DEFAULT_FAIL_ON
    return ResolvedConfig(
        settings=replace(settings, fail_on=threshold, roles=tuple(roles)),
        fail_on=threshold,
        format=file_config.format,
        suppressions=file_config.suppressions,
    )


# --------------------------------------------------------------------------- other options


def fail_on_option(command: F) -> F:
    """Add ``--fail-on fail|warn|never``; pass ``fail_on`` (``None`` when not given)."""
    return click.option(
        "--fail-on",
        type=click.Choice(FAIL_ON_VALUES),
        default=None,
        help=(
            "Exit 1 when a role is at or above this verdict: fail (default), warn, or never "
            "(errors and skipped items still exit 2)."
        ),
    )(command)


__all__ = [
    "AWS_OPTIONS",
    "ENRICH_OPTION",
    "SOURCE_OPTIONS",
    "TRUST_OPTIONS",
    "AppContext",
    "ResolvedConfig",
    "SourceSpec",
    "TrustSpec",
    "aws_flags_given",
    "aws_options",
    "build_source",
    "fail_on_option",
    "input_options",
    "pass_app",
    "renamed_option",
    "resolve_config",
    "role_option",
    "trust_options",
]
