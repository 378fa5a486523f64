"""``trustwarden scan``: evaluate every role of a source and write a report.

The command is a thin loop: resolve settings, pick the source, start
:func:`trustwarden.pipeline.scan` (set-up errors surface before any output), open the
output, then hand each event to the format's writer; the scan counts verdicts for the exit
code. Ctrl-C (or SIGTERM) closes the report with what was finished
(marked incomplete) and exits 130 (143).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from trustwarden import __version__
from trustwarden.aws.options import AwsOptions
from trustwarden.cli.live_options import OrgSpec, organization_options, scan_source
from trustwarden.cli.options import (
    DEFAULT_FORMAT,
    AppContext,
    SourceSpec,
    TrustSpec,
    aws_options,
    fail_on_option,
    input_options,
    pass_app,
    renamed_option,
    resolve_config,
    role_option,
    trust_options,
)
from trustwarden.errors import ExitCode, Terminated
from trustwarden.files import OutputFile, stream_alias
from trustwarden.formats import RenderOptions, RunInfo, format_names, get_format
from trustwarden.model import RoleResult, Skipped, Status
from trustwarden.pipeline import STATUSES, scan

if TYPE_CHECKING:
    from trustwarden.cli.progress import ProgressBar

#: ``--output`` values that are format names, not files (the AWS CLI's ``--output json`` habit):
#: trustwarden's formats and the AWS CLI's.
_AWS_CLI_OUTPUTS = ("json", "table", "text", "yaml", "yaml-stream")


def check_output(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """``--output json`` is the AWS CLI's format flag, not a file name: a usage error."""
    del param
    name = str(value).lower() if value is not None else ""
    if value is not None and name in {*format_names(), *_AWS_CLI_OUTPUTS} and not value.exists():
        raise click.UsageError(
            f"--output takes a file name, not a format: use --format {name} "
            "(and --output FILE to write to a file)",
            ctx=ctx,
        )
    return value


class OutputTarget:
    """Where the report goes: stdout, or ``--output`` through :class:`OutputFile`.

    A regular file is written atomically (a failed run never leaves a half-written report);
    a device, FIFO or ``/dev/stdout`` is written straight through and never replaced.
    """

    def __init__(self, path: Path | None, stdout: TextIO) -> None:
        self.path = path
        self._file: OutputFile | None = None
        if path is None or stream_alias(path) == 1:
            self.stream: TextIO = stdout
            return
        self._file = OutputFile(path)
        self.stream = self._file.stream

    def commit(self) -> None:
        """Flush; for a file, move it into place."""
        if self._file is None:
            self.stream.flush()
        else:
            self._file.commit()

    def discard(self) -> None:
        """Drop a file that was not committed (stdout is left alone)."""
        if self._file is not None:
            self._file.discard()


@click.command("scan")
@click.argument(
    "templates",
    nargs=-1,
    metavar="[PATH]...",
    type=click.Path(exists=True, path_type=Path),
)
@input_options
@aws_options
@renamed_option("--external-id", "--assume-role-external-id")
@organization_options
@role_option()
@trust_options
@click.option(
    "--format",
    "format_name",
    type=click.Choice(format_names()),
    default=None,
    help="Output format (default: table, or `format` in the config file).",
)
@click.option(
    "--output",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=check_output,
    help="Write the report to FILE instead of standard output (the format is --format).",
)
@fail_on_option
@click.option("--quiet", "-q", is_flag=True, help="No messages on standard error except errors.")
@pass_app
def scan_command(
    app: AppContext,
    *,
    templates: tuple[Path, ...],
    source: SourceSpec,
    aws: AwsOptions,
    org: OrgSpec,
    roles: tuple[str, ...],
    trust: TrustSpec,
    format_name: str | None,
    output: Path | None,
    fail_on: str | None,
    quiet: bool,
) -> int:
    """Find roles that outside accounts can assume without an External ID or MFA.

    PATH: CloudFormation/SAM templates, CDK output (cdk.out), Terraform plans (terraform show
    -json) and Terraform configurations (.tf), as files or directories (searched recursively).
    """
    if templates:
        source = dataclasses.replace(source, templates=templates)
        source.validate()
    config = resolve_config(trust, source=source, cwd=app.cwd, fail_on=fail_on, roles=roles)
    fmt = get_format(format_name or config.format or DEFAULT_FORMAT)
    target = OutputTarget(output, app.stdout)  # a bad --output fails before any AWS set-up
    try:
        to_terminal = output is None and app.is_terminal(app.stdout)
        bar = _progress_bar(
            app, org, quiet=quiet, streaming_here=to_terminal and fmt.name != "table"
        )
        chosen = scan_source(
            source, aws, org, app=app, progress=bar.update if bar is not None else None
        )
        running = scan(chosen, config.settings)
        options = RenderOptions(
            color=output is None and app.wants_color(app.stdout),
            width=app.width(app.stdout) if output is None else None,
            region=aws.region or app.env.get("AWS_REGION") or app.env.get("AWS_DEFAULT_REGION"),
        )
        run = RunInfo(
            tool_version=__version__,
            settings=running.settings,
            started_at=app.timestamp(),
            notes=running.notes,
        )
        writer = fmt.open(target.stream, run, options)
        # The table on a terminal lists skipped items itself; elsewhere say so on stderr too.
        echo_skipped = not quiet and not (fmt.name == "table" and to_terminal)
        stopped: KeyboardInterrupt | None = None  # Ctrl-C, or SIGTERM (Terminated)
        if bar is not None:
            bar.start()
        try:
            for event in running:
                if isinstance(event, Skipped):
                    writer.add_skipped(event)
                    if echo_skipped:
                        app.warn(f"skipped {event.what}: {event.reason}")
                elif isinstance(event, RoleResult):
                    writer.add_result(event)
        except KeyboardInterrupt as exc:
            stopped = exc
            running.close()  # stops a live scan's workers
        finally:
            if bar is not None:
                bar.stop()
        writer.close(finished_at=app.timestamp(), complete=stopped is None)
        target.commit()
    except BaseException:
        target.discard()
        raise
    if stopped is not None:
        if isinstance(stopped, Terminated):
            app.error("terminated: the report holds the roles finished so far")
            return ExitCode.TERMINATED
        app.error("interrupted: the report holds the roles finished so far")
        return ExitCode.INTERRUPTED
    code = running.exit_code()
    if not quiet:
        if fmt.name != "table" or output is not None:
            for note in running.notes:
                app.info(note)
        _say_outcome(
            app, running.counts, running.skipped, output=output, format_name=fmt.name, code=code
        )
    return code


def _progress_bar(
    app: AppContext, org: OrgSpec, *, quiet: bool, streaming_here: bool
) -> ProgressBar | None:
    """A bar on stderr for organisation scans, unless stderr is not a terminal, --quiet, or
    a streaming report goes to the same terminal (the table is buffered)."""
    if not org.organization or quiet or streaming_here or not app.is_terminal(app.stderr):
        return None
    from trustwarden.cli.progress import ProgressBar  # noqa: PLC0415 - rich on use

    return ProgressBar(app.stderr)


def _say_outcome(
    app: AppContext,
    counts: Mapping[str, int],
    skipped: int,
    *,
    output: Path | None,
    format_name: str,
    code: ExitCode,
) -> None:
    total = sum(counts.values())
    if output is not None:
        shown = ", ".join(f"{counts[s.value]} {s.value}" for s in STATUSES)
        extra = f", {skipped} skipped" if skipped else ""
        app.info(
            f"wrote {format_name} report to {output}: {_count(total, 'role')} ({shown}{extra})"
        )
    elif code is ExitCode.USAGE and format_name != "table":
        errors = counts[Status.ERROR.value]
        parts = []
        if errors:
            parts.append(f"{_count(errors, 'role')} could not be evaluated")
        if skipped:
            parts.append(f"{_count(skipped, 'item')} skipped")
        app.warn(f"{' and '.join(parts)}; see the report")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


__all__ = ["OutputTarget", "check_output", "scan_command"]
