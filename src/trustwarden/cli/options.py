"""Shared pieces of trustwarden's commands: the run context, option groups and source choice.

Commands reuse the option groups as decorators. Each group adds its click options and hands
the command **one** frozen value instead of many keyword arguments:

* :func:`input_options` → ``source: SourceSpec`` (``--input``, ``--sample``, ``--account-id``)
* :func:`trust_options` → ``trust: TrustSpec`` (``--trusted-account``, ``--trusted-org``,
  ``--config``, ``--known-accounts``); turn it into :class:`~trustwarden.model.Settings`
  with :func:`resolve_config`
* :func:`fail_on_option` → ``fail_on: str | None`` (``--fail-on``)
* :func:`pass_app` → ``app: AppContext`` (injected streams, environment, clock)

Example (a command that reads the same sources as ``scan``)::

    @click.command("fix")
    @input_options
    @trust_options
    @pass_app
    def fix_command(app: AppContext, source: SourceSpec, trust: TrustSpec) -> int:
        config = resolve_config(trust, source=source, cwd=app.cwd)
        for item in open_roles(source):  # Role | Skipped, in input order
            ...

Files and the sample are read by :func:`open_roles` (raw roles, for ``explain``/``fix``) and
:func:`open_events` (results, for ``scan``). Live AWS roles come in elsewhere:
:func:`trustwarden.cli.live_options.open_scan_events` for ``scan`` and
:mod:`trustwarden.cli.fix` for ``fix``; ``explain`` reads files only.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, TypeVar, cast

import click

from trustwarden.config import FAIL_ON_VALUES
from trustwarden.errors import ConfigError, InputError, PolicyError
from trustwarden.formats.escape import escape
from trustwarden.model import Role, RoleResult, Settings, Skipped

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_FAIL_ON = "fail"
DEFAULT_FORMAT = "table"
PROG = "trustwarden"

Event = RoleResult | Skipped


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


def _grouped(
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
    decorate = _grouped(SOURCE_OPTIONS, ("inputs", "sample", "account_id"), _source_spec, "source")
    return cast("F", decorate(command))


def _source_spec(inputs: tuple[Path, ...], sample: bool, account_id: str | None) -> SourceSpec:
    spec = SourceSpec(inputs=tuple(inputs), sample=sample, account_id=account_id)
    spec.validate()
    return spec


NO_SOURCE = ConfigError(
    "nothing to scan: give --input FILE or --sample",
    hint=(
        "this command reads files: export the live roles first, e.g. "
        "aws iam get-account-authorization-details > authz.json, then --input authz.json"
    ),
)


def open_roles(spec: SourceSpec) -> Iterator[Role | Skipped]:
    """The roles of an offline source, in input order, with what could not be read.

    A file that cannot be read (or stops being readable part-way) becomes a
    :class:`Skipped` item and the other files are still read, so one bad file never
    hides the rest of the estate; the exit code is 2 all the same.
    """
    if spec.sample:
        from trustwarden.sources.sample import sample_paths  # noqa: PLC0415

        paths: Iterable[Path] = sample_paths()
    elif spec.inputs:
        paths = spec.inputs
    elif spec.templates:
        from trustwarden.sources.iac import load_paths  # noqa: PLC0415 - loaded on use

        return load_paths(spec.templates, spec.account_id)
    else:
        raise ConfigError(NO_SOURCE.message, hint=NO_SOURCE.hint)
    if spec.account_id is not None:
        _account_id(spec.account_id)  # fail before any output, not while streaming
    return _read_files(paths, spec.account_id)


def _read_files(paths: Iterable[Path], account_id: str | None) -> Iterator[Role | Skipped]:
    from trustwarden.sources.offline import load_file  # noqa: PLC0415 - loaded on use

    for path in paths:
        try:
            yield from load_file(path, account_id=account_id)
        except (InputError, PolicyError) as exc:
            name = str(path)
            reason = exc.message.removeprefix(f"{name}: ")
            yield Skipped(what=name, reason=reason)


@dataclass(frozen=True, slots=True)
class OpenedSource:
    """A source ready to stream: its events and the settings it was evaluated with."""

    events: Iterator[Event]
    settings: Settings


def open_events(
    spec: SourceSpec, settings: Settings, *, app: AppContext, quiet: bool
) -> OpenedSource:
    """Results and skipped items for ``scan``, in input order, evaluated against ``settings``.

    Set-up errors (a missing file, no credentials) raise here, before any output. ``app`` and
    ``quiet`` are for sources that show progress on stderr.
    """
    del app, quiet  # offline sources show no progress
    roles = open_roles(spec)
    events = analyze_events(roles, settings)
    if spec.templates:
        from trustwarden.sources.iac import merge_results  # noqa: PLC0415 - loaded on use

        events = merge_results(events, spec.account_id)
    return OpenedSource(events=events, settings=settings)


def analyze_events(items: Iterable[Role | Skipped], settings: Settings) -> Iterator[Event]:
    """Evaluate the roles of a ``Role | Skipped`` stream, passing skipped items through.

    Uses the engine's batch API (which memoises repeated documents); skipped items come out
    in the order the engine pulls them, before the results of later roles.
    """
    from trustwarden.engine import analyze_roles  # noqa: PLC0415 - the engine loads on use

    held: list[Skipped] = []

    def roles() -> Iterator[Role]:
        for item in items:
            if isinstance(item, Skipped):
                held.append(item)
            else:
                yield item

    for result in analyze_roles(roles(), settings):
        while held:
            yield held.pop(0)
        yield result
    yield from held


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
    decorate = _grouped(
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


def resolve_config(trust: TrustSpec, *, source: SourceSpec, cwd: Path) -> ResolvedConfig:
    """Read the config file and add the command-line trust flags.

    The file is ``--config`` if given, else the source's bundled config (``--sample``),
    else ``.trustwarden.toml`` (or ``[tool.trustwarden]`` in ``pyproject.toml``) in ``cwd``.
    ``--known-accounts`` replaces the file's ``known_accounts``.
    """
    from trustwarden.config import build_settings, load_config  # noqa: PLC0415

    path = trust.config if trust.config is not None else source.bundled_config()
    file_config = load_config(path, cwd)
    settings = build_settings(
        file_config, trust.trusted_accounts, trust.trusted_orgs, trust.known_accounts
    )
    return ResolvedConfig(settings=settings, fail_on=file_config.fail_on, format=file_config.format)


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


def effective_fail_on(flag: str | None, config: ResolvedConfig) -> str:
    """``--fail-on``, else the config file's ``fail_on``, else ``fail``."""
    value = flag or config.fail_on or DEFAULT_FAIL_ON
    if value not in FAIL_ON_VALUES:
        raise ConfigError(
            f"fail_on must be one of {', '.join(FAIL_ON_VALUES)}, not {value!r}",
            hint="check fail_on in the config file",
        )
    return value


__all__ = [
    "SOURCE_OPTIONS",
    "TRUST_OPTIONS",
    "AppContext",
    "OpenedSource",
    "ResolvedConfig",
    "SourceSpec",
    "TrustSpec",
    "analyze_events",
    "effective_fail_on",
    "fail_on_option",
    "input_options",
    "open_events",
    "open_roles",
    "pass_app",
    "resolve_config",
    "trust_options",
]
