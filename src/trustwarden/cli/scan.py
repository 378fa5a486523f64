"""``trustwarden scan``: evaluate every role of a source and write reports.

The command is a thin loop: resolve settings, pick the source, start
:func:`trustwarden.pipeline.scan` (set-up errors surface before any output), open the
outputs, then hand each event to the writers; the scan counts verdicts for the exit code
(suppressed and baseline findings do not count). Ctrl-C (or SIGTERM) closes the reports with
what was finished (marked incomplete) and exits 130 (143).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from trustwarden import __version__
from trustwarden.aws.options import DEFAULT_MEMBER_ROLE, AwsOptions
from trustwarden.cli.evidence_options import EvidenceArgs, evidence_options, read_evidence
from trustwarden.cli.interrupts import whole_event
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
from trustwarden.formats import RenderOptions, RunInfo, format_names, get_format
from trustwarden.formats.outputs import (
    Outputs,
    OutputSpec,
    OutputTarget,
    parse_output,
    parse_outputs,
)
from trustwarden.marks import build_markers
from trustwarden.model import RoleResult, Severity, Skipped, Status
from trustwarden.pipeline import STATUSES, Scan, scan
from trustwarden.words import counted

if TYPE_CHECKING:
    from trustwarden.cli.progress import ProgressBar

#: ``--output`` values that are format names, not files (the AWS CLI's ``--output json`` habit):
#: trustwarden's formats and the AWS CLI's.
_AWS_CLI_OUTPUTS = ("json", "table", "text", "yaml", "yaml-stream")


def check_outputs(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """``--output json`` is the AWS CLI's format flag, not a file name; a directory is not a
    report file: usage errors."""
    del param
    for value in values:
        name = value.lower()
        if name in {*format_names(), *_AWS_CLI_OUTPUTS} and not Path(value).exists():
            raise click.UsageError(
                f"--output takes a file name, not a format: use --format {name} "
                "(and --output FILE, or FORMAT:FILE, to write to a file)",
                ctx=ctx,
            )
        path = parse_output(value, DEFAULT_FORMAT).path
        if path is not None and path.is_dir():
            raise click.BadParameter(f"{path} is a directory", ctx=ctx, param_hint="'--output'")
    return values


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
    "outputs",
    multiple=True,
    metavar="[FORMAT:]PATH",
    callback=check_outputs,
    help=(
        "Write a report to PATH instead of standard output (repeatable; one scan). The format "
        "is FORMAT, else from the suffix (.json .sarif .csv .html .xml=junit), else --format; "
        "asff: and ocsf: need the prefix."
    ),
)
@click.option("--show-pass", is_flag=True, help="The table lists passing roles too.")
@click.option(
    "--severity",
    "min_severity",
    type=click.Choice([s.value for s in Severity]),
    help="The table lists only roles at or above this severity (the summary counts all).",
)
@click.option(
    "--baseline",
    metavar="REPORT",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help=(
        "An earlier JSON report: its findings are marked baseline, not listed in the table and "
        "not counted for --fail-on."
    ),
)
@click.option(
    "--security-hub",
    is_flag=True,
    help=(
        "Import the findings into AWS Security Hub (each account's through its own session); "
        "findings gone since the last import are archived."
    ),
)
@fail_on_option
@click.option("--quiet", "-q", is_flag=True, help="No messages on standard error except errors.")
@evidence_options
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
    outputs: tuple[str, ...],
    show_pass: bool,
    min_severity: str | None,
    baseline: Path | None,
    security_hub: bool,
    fail_on: str | None,
    quiet: bool,
    evidence: EvidenceArgs | None,
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
    known = read_evidence(app, evidence, aws_context=lambda: aws.connect(app.env), quiet=quiet)
    specs = parse_outputs(outputs, fmt.name) or [OutputSpec(fmt.name)]
    markers, suppressor = build_markers(
        config.suppressions, baseline, date.fromisoformat(app.timestamp()[:10])
    )
    target = Outputs(specs, app.stdout)  # a bad --output fails before any AWS set-up
    hub = (
        SecurityHubRun(aws, org, app, every_role=not source.offline and not roles)
        if (security_hub)
        else None
    )
    output = specs[0].path if len(specs) == 1 else None
    try:
        to_terminal = target.targets[0].to_stdout and app.is_terminal(app.stdout)
        bar = _progress_bar(
            app, org, quiet=quiet, streaming_here=to_terminal and fmt.name != "table"
        )
        chosen = scan_source(
            source, aws, org, app=app, progress=bar.update if bar is not None else None
        )
        running = scan(chosen, config.settings, evidence=known, markers=markers)
        run = RunInfo(
            tool_version=__version__,
            settings=running.settings,
            started_at=app.timestamp(),
            notes=running.notes,
        )
        options = _options_for(app, aws.region, show_pass=show_pass, min_severity=min_severity)
        target.start(run, options, extra=[hub.collector] if hub else [])
        # The table on a terminal lists skipped items itself; elsewhere say so on stderr too.
        echo_skipped = not quiet and not (fmt.name == "table" and to_terminal)
        if bar is not None:
            bar.start()
        try:
            stopped = _consume(running, target, app, echo_skipped=echo_skipped)
        finally:
            if bar is not None:
                bar.stop()
        target.close(finished_at=app.timestamp(), complete=stopped is None)
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
    if hub is not None and not hub.send(quiet=quiet):
        code = max(code, ExitCode.AWS_ACCESS)
    if not quiet:
        if len(specs) > 1 or specs[0].format != "table" or output is not None:
            for note in running.notes:
                app.info(note)
        for problem in suppressor.problems():
            app.warn(problem)
        for line in _written(specs):
            app.info(line)
        _say_outcome(
            app,
            running.counts,
            running.skipped,
            output=output,
            format_name=specs[0].format,
            code=code,
        )
    return code


def _consume(
    running: Scan, target: Outputs, app: AppContext, *, echo_skipped: bool
) -> KeyboardInterrupt | None:
    """Hand each event to the writers. Ctrl-C (or SIGTERM: :class:`Terminated`) stops the
    scan's source and is returned, not raised."""
    try:
        for event in running:
            if isinstance(event, Skipped):
                with whole_event():
                    target.add_skipped(event)
                if echo_skipped:
                    app.warn(f"skipped {event.what}: {event.reason}")
            elif isinstance(event, RoleResult):
                with whole_event():
                    target.add_result(event)
    except KeyboardInterrupt as exc:
        running.close()  # stops a live scan's workers
        return exc
    return None


def _written(specs: list[OutputSpec]) -> list[str]:
    """``wrote FORMAT report to PATH`` per report when there are several."""
    return [f"wrote {s.format} report to {s.path}" for s in specs] if len(specs) > 1 else []


def _options_for(
    app: AppContext, region: str | None, *, show_pass: bool, min_severity: str | None
) -> Callable[[OutputTarget], RenderOptions]:
    """Each report's presentation: colour and width only for standard output."""

    def options(out: OutputTarget) -> RenderOptions:
        return RenderOptions(
            color=out.to_stdout and app.wants_color(app.stdout),
            width=app.width(app.stdout) if out.to_stdout else None,
            region=region or app.env.get("AWS_REGION") or app.env.get("AWS_DEFAULT_REGION"),
            show_pass=show_pass,
            min_severity=Severity(min_severity) if min_severity else None,
        )

    return options


def _progress_bar(
    app: AppContext, org: OrgSpec, *, quiet: bool, streaming_here: bool
) -> ProgressBar | None:
    """A bar on stderr for organisation scans, unless stderr is not a terminal, --quiet, or
    a streaming report goes to the same terminal (the table is buffered)."""
    if not org.organization or quiet or streaming_here or not app.is_terminal(app.stderr):
        return None
    from trustwarden.cli.progress import ProgressBar  # noqa: PLC0415 - rich on use

    return ProgressBar(app.stderr)


class SecurityHubRun:
    """``--security-hub``: the AWS session (made before the scan, so credential errors come
    first), the collector the scan feeds, and the import after it.
    """

    def __init__(self, aws: AwsOptions, org: OrgSpec, app: AppContext, *, every_role: bool) -> None:
        from trustwarden.integrations.security_hub import FindingCollector  # noqa: PLC0415

        self.app = app
        self.org = org
        self.every_role = every_role  # a whole live account: findings gone are archived
        self.ctx: Any = aws.connect(app.env)
        self.collector = FindingCollector(self.ctx.region, app.timestamp())

    def send(self, *, quiet: bool) -> bool:
        """Import; report each account (and each rejected finding). False on any failure."""
        from trustwarden.integrations import security_hub as sh  # noqa: PLC0415

        member = (self.org.member_role or DEFAULT_MEMBER_ROLE) if self.org.organization else None
        outcomes = self.collector.send(
            sh.session_clients(self.ctx, member),
            now=self.app.timestamp(),
            every_role=self.every_role,
        )
        infos, errors = sh.outcome_lines(outcomes)
        for line in infos if not quiet else ():
            self.app.info(line)
        for line in errors:
            self.app.error(line)
        return not errors


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


__all__ = ["OutputTarget", "check_outputs", "scan_command"]  # OutputTarget: formats.outputs
