"""A progress bar on stderr for multi-account scans (accounts done, roles seen, errors)."""

from __future__ import annotations

from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from trustwarden.sources.aws.scanner import ScanProgress
from trustwarden.words import counted


def make_progress(stream: TextIO) -> Progress:
    """A transient rich progress display writing to ``stream``."""
    return Progress(
        TextColumn("scanning accounts"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[roles]}, {task.fields[errors]}"),
        TimeElapsedColumn(),
        console=Console(file=stream),
        transient=True,
        redirect_stdout=False,
        redirect_stderr=False,
    )


class ProgressBar:
    """A bar on ``stream`` that follows :class:`ScanProgress` snapshots; gone once stopped."""

    def __init__(self, stream: TextIO) -> None:
        self._progress = make_progress(stream)
        self._task = self._progress.add_task(
            "scan", total=None, roles=counted(0, "role"), errors=counted(0, "error")
        )

    def update(self, now: ScanProgress) -> None:
        """Show a snapshot (called on the thread that consumes the scan)."""
        self._progress.update(
            self._task,
            total=now.accounts_total,
            completed=now.accounts_done,
            roles=counted(now.roles_seen, "role"),
            errors=counted(now.errors, "error"),
        )

    def start(self) -> None:
        """Show the bar."""
        self._progress.start()

    def stop(self) -> None:
        """Remove the bar."""
        self._progress.stop()
