"""Several reports from one scan: ``--output [FORMAT:]PATH``, repeatable.

Without a prefix the format comes from the file's suffix (:data:`SUFFIXES`); a path whose
suffix names no format gets the fallback (``--format``, so ``--format json --output
report.out`` still works). ``asff:`` and ``ocsf:`` need the prefix (their files end in
``.json``). Every output is written through :class:`~trustwarden.files.OutputFile`: a regular
file atomically (mode 0600), a device or FIFO straight through, ``/dev/stdout`` to standard
output. :class:`Outputs` fans each result out to every writer, so all reports come from one
pass over the scan.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from trustwarden.errors import ConfigError
from trustwarden.files import OutputFile, stream_alias
from trustwarden.formats import RenderOptions, ReportWriter, RunInfo, format_names, get_format
from trustwarden.model import RoleResult, Skipped

SUFFIXES = {
    ".json": "json",
    ".sarif": "sarif",
    ".csv": "csv",
    ".html": "html",
    ".htm": "html",
    ".xml": "junit",
}


@dataclass(frozen=True, slots=True)
class OutputSpec:
    """One report to write: a format name and a path (``None``: standard output)."""

    format: str
    path: Path | None = None


def parse_output(value: str, fallback: str) -> OutputSpec:
    """``[FORMAT:]PATH`` → :class:`OutputSpec`; the format from the prefix, else the suffix,
    else ``fallback``. An unknown prefix is part of the path (``C:report``, ``a:b.json``).
    """
    prefix, sep, rest = value.partition(":")
    if sep and rest and prefix.lower() in format_names():
        return OutputSpec(prefix.lower(), Path(rest))
    path = Path(value)
    return OutputSpec(SUFFIXES.get(path.suffix.lower(), fallback), path)


def parse_outputs(values: Sequence[str], fallback: str) -> list[OutputSpec]:
    """Every ``--output``; :class:`ConfigError` when two name the same file."""
    specs = [parse_output(v, fallback) for v in values]
    seen: dict[Path, OutputSpec] = {}
    for spec in specs:
        path = spec.path
        if path is None:  # parse_output always gives a path
            continue
        key = path.absolute()
        if key in seen and stream_alias(path) is None:
            raise ConfigError(f"--output {path} is given twice")
        seen[key] = spec
    return specs


class OutputTarget:
    """Where one report goes: standard output, or a path through :class:`OutputFile`.

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

    @property
    def to_stdout(self) -> bool:
        """Whether this report goes to standard output."""
        return self._file is None

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


class Outputs:
    """Every report of a run; a :class:`~trustwarden.formats.ReportWriter` that fans out.

    Opening the targets happens at construction (a bad path fails before any AWS set-up);
    :meth:`start` creates the writers, ``options_for`` choosing each one's presentation.
    """

    def __init__(self, specs: Sequence[OutputSpec], stdout: TextIO) -> None:
        self.specs = list(specs)
        self.targets: list[OutputTarget] = []
        try:
            for spec in self.specs:
                get_format(spec.format)  # an unknown format fails before any file is made
                self.targets.append(OutputTarget(spec.path, stdout))
        except BaseException:
            self.discard()
            raise
        self._writers: list[ReportWriter] = []

    def start(
        self,
        run: RunInfo,
        options_for: Callable[[OutputTarget], RenderOptions],
        extra: Sequence[ReportWriter] = (),
    ) -> None:
        """Create each report's writer (which may write a header); ``extra`` writers (e.g.
        the Security Hub collector) receive the same items.
        """
        self._writers = [
            get_format(spec.format).open(target.stream, run, options_for(target))
            for spec, target in zip(self.specs, self.targets, strict=True)
        ]
        self._writers.extend(extra)

    def add_result(self, result: RoleResult) -> None:
        """Hand a result to every report."""
        for writer in self._writers:
            writer.add_result(result)

    def add_skipped(self, skipped: Skipped) -> None:
        """Hand a skipped item to every report."""
        for writer in self._writers:
            writer.add_skipped(skipped)

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """Finish every report and put the files in place."""
        for writer in self._writers:
            writer.close(finished_at=finished_at, complete=complete)
        for target in self.targets:
            target.commit()

    def discard(self) -> None:
        """Drop every file not yet committed."""
        for target in self.targets:
            target.discard()


__all__ = ["SUFFIXES", "OutputSpec", "OutputTarget", "Outputs", "parse_output", "parse_outputs"]
