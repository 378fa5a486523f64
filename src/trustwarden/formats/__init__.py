"""Report formats: a registry of writers that render a scan's results.

A format is a :class:`ReportWriter` factory registered by name. Writers receive results one
at a time (``add_result``/``add_skipped``) and finish with ``close``, so a format that can
stream (JSON) never holds the whole report; one that cannot (the table) buffers. Writers
are pure renderings: they never decide exit codes, read the clock or talk to AWS.

To add a format, write a module with a factory that
matches :data:`WriterFactory` and add one :class:`Format` line to :data:`FORMATS` (or call
:func:`register_format`). The module is imported only when the format is used.
"""

from __future__ import annotations

import difflib
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TextIO, cast

from trustwarden import __version__
from trustwarden.errors import ConfigError
from trustwarden.model import Report, RoleResult, Settings, Severity, Skipped


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Facts about the run that a writer may show. Timestamps are ISO 8601 UTC or ``""``."""

    tool_version: str
    settings: Settings = field(default_factory=Settings)
    started_at: str = ""
    notes: tuple[str, ...] = ()  # one-line facts about the run (e.g. what was trusted, why)


@dataclass(frozen=True, slots=True)
class RenderOptions:
    """Presentation choices made by the caller (the CLI decides them from the terminal).

    ``region`` is the AWS region findings are reported in where a format needs one (ASFF's
    ``ProductArn``); formats fall back to ``us-east-1``. ``show_pass`` and ``min_severity``
    (``--show-pass``, ``--severity``) choose which roles the table lists.
    """

    color: bool = False
    width: int | None = None
    region: str | None = None
    show_pass: bool = False
    min_severity: Severity | None = None


class ReportWriter(Protocol):
    """Receives a scan's items in order and renders them to its stream."""

    def add_result(self, result: RoleResult) -> None:
        """Render (or buffer) one role's result."""

    def add_skipped(self, skipped: Skipped) -> None:
        """Record something that could not be audited."""

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """Finish the output. ``complete=False`` marks a scan that was interrupted."""


WriterFactory = Callable[[TextIO, RunInfo, RenderOptions], ReportWriter]


@dataclass(frozen=True, slots=True)
class Format:
    """A registered output format. ``factory`` is ``"module:attribute"``, imported on use."""

    name: str
    description: str
    factory: str

    def open(
        self, stream: TextIO, run: RunInfo, options: RenderOptions | None = None
    ) -> ReportWriter:
        """Create a writer that renders to ``stream``."""
        module_name, _, attribute = self.factory.partition(":")
        module = importlib.import_module(module_name)
        factory = cast("WriterFactory", getattr(module, attribute))
        return factory(stream, run, options or RenderOptions())


FORMATS: dict[str, Format] = {}


def register_format(fmt: Format) -> None:
    """Add (or replace) a format in the registry."""
    FORMATS[fmt.name] = fmt


register_format(
    Format(
        name="table",
        description="a readable table for a terminal (the default)",
        factory="trustwarden.formats.table:TableReportWriter",
    )
)
register_format(
    Format(
        name="json",
        description="machine-readable JSON, schema_version 1, streamed",
        factory="trustwarden.formats.json_format:JsonReportWriter",
    )
)
register_format(
    Format(
        name="sarif",
        description="SARIF 2.1.0 for GitHub code scanning",
        factory="trustwarden.formats.sarif:SarifReportWriter",
    )
)
register_format(
    Format(
        name="asff",
        description="AWS Security Finding Format for securityhub:BatchImportFindings",
        factory="trustwarden.formats.asff:AsffReportWriter",
    )
)
register_format(
    Format(
        name="ocsf",
        description="OCSF 1.5 Detection Findings (as Prowler's json-ocsf)",
        factory="trustwarden.formats.ocsf:OcsfReportWriter",
    )
)
register_format(
    Format(
        name="csv",
        description="one row per finding, for spreadsheets",
        factory="trustwarden.formats.csv_format:CsvReportWriter",
    )
)
register_format(
    Format(
        name="junit",
        description="JUnit XML for CI systems, one test case per role",
        factory="trustwarden.formats.junit:JunitReportWriter",
    )
)
register_format(
    Format(
        name="html",
        description="one self-contained HTML page (no network)",
        factory="trustwarden.formats.html:HtmlReportWriter",
    )
)


def format_names() -> list[str]:
    """The registered format names, in registration order."""
    return list(FORMATS)


def get_format(name: str) -> Format:
    """The format called ``name``; :class:`ConfigError` (with close matches) if unknown."""
    try:
        return FORMATS[name]
    except KeyError:
        close = difflib.get_close_matches(name, FORMATS, n=3)
        hint = f"did you mean {', '.join(close)}?" if close else None
        known = ", ".join(FORMATS)
        raise ConfigError(f"unknown format {name!r} (known: {known})", hint=hint) from None


def render_report(
    report: Report,
    stream: TextIO,
    name: str = "json",
    *,
    settings: Settings | None = None,
    options: RenderOptions | None = None,
) -> None:
    """Render a whole :class:`Report` in the named format (a loop over a writer)."""
    run = RunInfo(
        tool_version=report.tool_version or __version__,
        settings=settings or Settings(),
        started_at=report.started_at,
    )
    writer = get_format(name).open(stream, run, options)
    for result in report.results:
        writer.add_result(result)
    for skipped in report.skipped:
        writer.add_skipped(skipped)
    writer.close(finished_at=report.finished_at)


__all__ = [
    "FORMATS",
    "Format",
    "RenderOptions",
    "ReportWriter",
    "RunInfo",
    "WriterFactory",
    "format_names",
    "get_format",
    "register_format",
    "render_report",
]
