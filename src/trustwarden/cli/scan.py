"""``trustwarden scan``: evaluate every role of a source and write a report.

The command is a thin loop: resolve settings, open the source (set-up errors surface before
any output), open the output, then stream each event to the format's writer while counting
verdicts for the exit code. Ctrl-C (or SIGTERM) closes the report with what was finished
(marked incomplete) and exits 130 (143).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from pathlib import Path

import click

from trustwarden import __version__
from trustwarden.cli.evidence_options import EvidenceArgs, evidence_options, read_evidence
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
from trustwarden.formats import RenderOptions, RunInfo, format_names, get_format
from trustwarden.formats.outputs import (
    Outputs,
    OutputSpec,
    OutputTarget,
    parse_output,
    parse_outputs,
)
from trustwarden.marks import build_markers, mark_events
from trustwarden.model import RoleResult, Severity, Skipped, Status

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


def _check_outputs(
    ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """A directory is not a report file (the usage error click gives for a path)."""
    del ctx, param
    for value in values:
        path = parse_output(value, DEFAULT_FORMAT).path
        if path is not None and path.is_dir():
            raise click.BadParameter(f"{path} is a directory", param_hint="'--output'")
    return values


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
    "outputs",
    multiple=True,
    metavar="[FORMAT:]PATH",
    callback=_check_outputs,
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
    live: LiveSpec,
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
    from trustwarden.postscan import after_engine  # noqa: PLC0415

    if templates:
        source = dataclasses.replace(source, templates=templates)
        source.validate()
    config = resolve_config(trust, source=source, cwd=app.cwd)
    threshold = effective_fail_on(fail_on, config)
    fmt = get_format(format_name or config.format or DEFAULT_FORMAT)
    known = read_evidence(app, evidence, aws_context=live.evidence_context, quiet=quiet)
    specs = parse_outputs(outputs, fmt.name) or [OutputSpec(fmt.name)]
    markers, suppressor = build_markers(
        config.suppressions, baseline, date.fromisoformat(app.timestamp()[:10])
    )
    target = Outputs(specs, app.stdout)  # a bad --output fails before any AWS set-up
    hub = SecurityHubRun(live, app, offline=source.offline) if security_hub else None
    output = specs[0].path if len(specs) == 1 else None
    try:
        to_terminal = target.targets[0].to_stdout and app.is_terminal(app.stdout)
        opened = open_scan_events(
            source,
            live,
            config.settings,
            app=app,
            quiet=quiet,
            progress_ok=not (to_terminal and fmt.name != "table"),  # table output is buffered
        )
        run = RunInfo(
            tool_version=__version__, settings=opened.settings, started_at=app.timestamp()
        )
        options = _options_for(app, live.region, show_pass=show_pass, min_severity=min_severity)
        target.start(run, options, extra=[hub.collector] if hub else [])
        writer = target
        # The table on a terminal lists skipped items itself; elsewhere say so on stderr too.
        echo_skipped = not quiet and not (fmt.name == "table" and to_terminal)
        events = after_engine(opened.events, known)
        events = mark_events(events, markers) if markers else events
        counts, skipped, stopped = _consume(events, writer, app, echo_skipped=echo_skipped)
        if stopped is not None:
            close = getattr(opened.events, "close", None)
            if callable(close):
                close()  # stops a live scan's workers
        writer.close(finished_at=app.timestamp(), complete=stopped is None)
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
    if hub is not None and not hub.send(quiet=quiet):
        code = max(code, ExitCode.AWS_ACCESS)
    if not quiet:
        for problem in suppressor.problems():
            app.warn(problem)
        for line in _written(specs):
            app.info(line)
        _say_outcome(app, counts, skipped, output=output, format_name=specs[0].format, code=code)
    return code


def _written(specs: list[OutputSpec]) -> list[str]:
    """``wrote FORMAT report to PATH`` per report when there are several."""
    return [f"wrote {s.format} report to {s.path}" for s in specs] if len(specs) > 1 else []


def _consume(
    events: Iterator[RoleResult | Skipped], writer: Outputs, app: AppContext, *, echo_skipped: bool
) -> tuple[dict[str, int], int, KeyboardInterrupt | None]:
    """Hand each event to the writers; count verdicts for ``--fail-on`` (suppressed and
    baseline findings do not count: :attr:`RoleResult.open_status`) and skipped items.
    Ctrl-C (or SIGTERM) stops the source and is returned, not raised.
    """
    counts = {s.value: 0 for s in STATUSES}
    skipped = 0
    try:
        for event in events:
            if isinstance(event, Skipped):
                writer.add_skipped(event)
                skipped += 1
                if echo_skipped:
                    app.warn(f"skipped {event.what}: {event.reason}")
            elif isinstance(event, RoleResult):
                writer.add_result(event)
                counts[event.open_status.value] += 1
    except KeyboardInterrupt as exc:
        close = getattr(events, "close", None)
        if callable(close):
            close()  # stops a live scan's workers
        return counts, skipped, exc
    return counts, skipped, None


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


class SecurityHubRun:
    """``--security-hub``: the AWS session (made before the scan, so credential errors come
    first), the collector the scan feeds, and the import after it.
    """

    def __init__(self, live: LiveSpec, app: AppContext, *, offline: bool) -> None:
        from trustwarden.integrations.security_hub import FindingCollector  # noqa: PLC0415
        from trustwarden.sources.aws.session import make_session  # noqa: PLC0415

        self.app = app
        self.live = live
        self.offline = offline
        self.ctx = make_session(
            profile=live.profile,
            assume_role_arn=live.assume_role,
            external_id=live.external_id,
            region=live.region,
        )
        self.collector = FindingCollector(self.ctx.region, app.timestamp())

    def send(self, *, quiet: bool) -> bool:
        """Import; report each account (and each rejected finding). False on any failure."""
        from trustwarden.integrations import security_hub as sh  # noqa: PLC0415
        from trustwarden.sources.aws.defaults import DEFAULT_MEMBER_ROLE  # noqa: PLC0415

        member = (self.live.member_role or DEFAULT_MEMBER_ROLE) if self.live.organization else None
        every_role = not self.offline and not self.live.roles  # a whole live account
        outcomes = self.collector.send(
            sh.session_clients(self.ctx, member), now=self.app.timestamp(), every_role=every_role
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


__all__ = ["OutputTarget", "scan_command", "scan_exit_code"]  # OutputTarget: formats.outputs
