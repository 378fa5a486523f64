"""``trustwarden scan``: evaluate every role of a source and write a report.

The command is a thin loop: resolve settings, open the source (set-up errors surface before
any output), open the output, then stream each event to the format's writer while counting
verdicts for the exit code. Ctrl-C (or SIGTERM) closes the report with what was finished
(marked incomplete) and exits 130 (143).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

import click

from trustwarden import __version__
from trustwarden.cli.live_options import LiveSpec, live_options, open_scan_events
from trustwarden.cli.options import (
    DEFAULT_FORMAT,
    AppContext,
    SourceSpec,
    TrustSpec,
    effective_fail_on,
    fail_on_option,
    input_options,
    pass_app,
    resolve_config,
    trust_options,
)
from trustwarden.errors import ExitCode, Terminated
from trustwarden.files import OutputFile, stream_alias
from trustwarden.formats import RenderOptions, RunInfo, format_names, get_format
from trustwarden.model import RoleResult, Skipped, Status
from trustwarden.words import counted

STATUSES = (Status.FAIL, Status.WARN, Status.PASS, Status.ERROR)


def scan_exit_code(counts: Mapping[str, int], skipped: int, fail_on: str) -> ExitCode:
    """The documented exit code for a finished scan.

    2 when any role could not be evaluated or anything was skipped (whatever ``fail_on``
    says), else 1 when a role's verdict is at or above ``fail_on``, else 0.
    """
    if counts.get(Status.ERROR.value, 0) or skipped:
        return ExitCode.USAGE
    if fail_on == "never":
        return ExitCode.OK
    threshold = Status(fail_on).rank
    for status in (Status.FAIL, Status.WARN):
        if status.rank >= threshold and counts.get(status.value, 0):
            return ExitCode.FINDINGS
    return ExitCode.OK


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
@live_options
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
    metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report to PATH instead of standard output.",
)
@fail_on_option
@click.option("--quiet", "-q", is_flag=True, help="No messages on standard error except errors.")
@pass_app
def scan_command(
    app: AppContext,
    *,
    templates: tuple[Path, ...],
    source: SourceSpec,
    live: LiveSpec,
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
    config = resolve_config(trust, source=source, cwd=app.cwd)
    threshold = effective_fail_on(fail_on, config)
    fmt = get_format(format_name or config.format or DEFAULT_FORMAT)
    target = OutputTarget(output, app.stdout)  # a bad --output fails before any AWS set-up
    try:
        to_terminal = output is None and app.is_terminal(app.stdout)
        opened = open_scan_events(
            source,
            live,
            config.settings,
            app=app,
            quiet=quiet,
            progress_ok=not (to_terminal and fmt.name != "table"),  # table output is buffered
        )
        options = RenderOptions(
            color=output is None and app.wants_color(app.stdout),
            width=app.width(app.stdout) if output is None else None,
            region=live.region or app.env.get("AWS_REGION") or app.env.get("AWS_DEFAULT_REGION"),
        )
        run = RunInfo(
            tool_version=__version__, settings=opened.settings, started_at=app.timestamp()
        )
        writer = fmt.open(target.stream, run, options)
        counts = {s.value: 0 for s in STATUSES}
        skipped = 0
        # The table on a terminal lists skipped items itself; elsewhere say so on stderr too.
        echo_skipped = not quiet and not (fmt.name == "table" and to_terminal)
        stopped: KeyboardInterrupt | None = None  # Ctrl-C, or SIGTERM (Terminated)
        try:
            for event in opened.events:
                if isinstance(event, Skipped):
                    writer.add_skipped(event)
                    skipped += 1
                    if echo_skipped:
                        app.warn(f"skipped {event.what}: {event.reason}")
                elif isinstance(event, RoleResult):
                    writer.add_result(event)
                    counts[event.status.value] += 1
        except KeyboardInterrupt as exc:
            stopped = exc
            close = getattr(opened.events, "close", None)
            if callable(close):
                close()  # stops a live scan's workers
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
    code = scan_exit_code(counts, skipped, threshold)
    if not quiet:
        _say_outcome(app, counts, skipped, output=output, format_name=fmt.name, code=code)
    return code


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
            f"wrote {format_name} report to {output}: {counted(total, 'role')} ({shown}{extra})"
        )
    elif code is ExitCode.USAGE and format_name != "table":
        errors = counts[Status.ERROR.value]
        parts = []
        if errors:
            parts.append(f"{counted(errors, 'role')} could not be evaluated")
        if skipped:
            parts.append(f"{counted(skipped, 'item')} skipped")
        app.warn(f"{' and '.join(parts)}; see the report")


__all__ = ["OutputTarget", "scan_command", "scan_exit_code"]
