"""A progress bar on stderr for multi-account scans (accounts done, roles seen, errors)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from trustwarden.sources.aws.scanner import ProgressCallback, ScanProgress
from trustwarden.words import counted

T = TypeVar("T")


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


def with_progress(
    events: Callable[[ProgressCallback | None], Iterator[T]], stream: TextIO, total: int
) -> Iterator[T]:
    """Yield from ``events(callback)`` while a bar on ``stream`` follows the callbacks.

    The bar disappears when the stream ends, is closed, or is interrupted.
    """
    progress = make_progress(stream)
    task = progress.add_task(
        "scan", total=total, roles=counted(0, "role"), errors=counted(0, "error")
    )

    def update(now: ScanProgress) -> None:
        progress.update(
            task,
            total=now.accounts_total,
            completed=now.accounts_done,
            roles=counted(now.roles_seen, "role"),
            errors=counted(now.errors, "error"),
        )

    progress.start()
    try:
        yield from events(update)
    finally:
        progress.stop()
