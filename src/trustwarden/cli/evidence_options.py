"""``--evidence SOURCE`` and ``--since`` (scan, explain, fix): read CloudTrail evidence.

Thin: the options, a progress bar on a terminal, and :func:`trustwarden.evidence.load_evidence`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import click

from trustwarden.cli.options import AppContext
from trustwarden.errors import ConfigError
from trustwarden.evidence import DEFAULT_DAYS, Evidence, EvidenceSpec, load_evidence, parse_since

F = TypeVar("F", bound=Callable[..., Any])

EVIDENCE_OPTIONS = [
    click.option(
        "--evidence",
        "evidence_source",
        metavar="SOURCE",
        help=(
            "Read who really assumes each role from CloudTrail: `cloudtrail` (event history, "
            f"every enabled region, last {DEFAULT_DAYS} days), s3://bucket/prefix or a "
            "directory of a trail's log files (AWSLogs/.../*.json.gz)."
        ),
    ),
    click.option(
        "--since",
        metavar="WHEN",
        help="With --evidence: only calls since WHEN (YYYY-MM-DD, ISO date-time, or e.g. 30d).",
    ),
]


def evidence_options(command: F) -> F:
    """Add ``--evidence``/``--since``; pass ``evidence: EvidenceArgs | None``."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        source = kwargs.pop("evidence_source")
        since = kwargs.pop("since")
        kwargs["evidence"] = _spec(source, since)
        return command(*args, **kwargs)

    wrapped: Any = wrapper
    for option in reversed(EVIDENCE_OPTIONS):
        wrapped = option(wrapped)
    return cast("F", wrapped)


@dataclass(frozen=True, slots=True)
class EvidenceArgs:
    """``--evidence``/``--since`` as given (``--since`` is read against the app's clock)."""

    source: str
    since: str | None = None

    def spec(self, app: AppContext) -> EvidenceSpec:
        """The evidence source, ``--since`` resolved (:class:`ConfigError` if unreadable)."""
        since = None if self.since is None else parse_since(self.since, app.clock())
        return EvidenceSpec(source=self.source, since=since)


def _spec(source: str | None, since: str | None) -> EvidenceArgs | None:
    if source is None:
        if since is not None:
            raise ConfigError("--since needs --evidence")
        return None
    if not source:
        raise ConfigError("--evidence needs a source: cloudtrail, s3://bucket/prefix or a path")
    return EvidenceArgs(source=source, since=since)


def read_evidence(
    app: AppContext,
    args: EvidenceArgs | None,
    *,
    aws_context: Callable[[], Any] | None = None,
    quiet: bool = False,
) -> Evidence | None:
    """Load the evidence (a progress bar on a terminal stderr); ``None`` without ``--evidence``."""
    if args is None:
        return None
    spec = args.spec(app)
    if aws_context is None and spec.needs_aws:
        aws_context = default_aws_context
    if quiet or not app.is_terminal(app.stderr):
        evidence = load_evidence(spec, now=app.clock(), aws_context=aws_context)
    else:
        from rich.console import Console  # noqa: PLC0415 - rich loads on use
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn  # noqa: PLC0415

        unit = "regions" if spec.kind == "cloudtrail" else "files"
        with Progress(
            TextColumn(f"reading evidence ({unit})"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[calls]} AssumeRole calls"),
            console=Console(file=app.stderr),
            transient=True,
        ) as bar:
            task = bar.add_task("evidence", total=None, calls=0)

            def progress(done: int, total: int, calls: int) -> None:
                bar.update(task, completed=done, total=total, calls=calls)

            evidence = load_evidence(
                spec, now=app.clock(), aws_context=aws_context, progress=progress
            )
    if not quiet:
        window = evidence.window
        app.info(
            f"evidence: {window.calls_counted} AssumeRole calls to {len(evidence.roles)} roles "
            f"from {window.files_read} {'regions' if spec.kind == 'cloudtrail' else 'files'}"
            + (
                f", {window.copies_skipped} duplicate copies skipped"
                if window.copies_skipped
                else ""
            )
        )
    for problem in evidence.window.problems:
        app.warn(f"evidence: {problem}")
    return evidence


def default_aws_context() -> Any:
    """The current credentials' AWS context (boto3's standard chain)."""
    from trustwarden.aws.session import make_session  # noqa: PLC0415

    return make_session()


__all__ = ["EVIDENCE_OPTIONS", "EvidenceArgs", "evidence_options", "read_evidence"]
