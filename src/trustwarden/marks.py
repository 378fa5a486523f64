"""The marking stage of a scan: suppressions and the baseline, between engine and writers.

A marker (:class:`~trustwarden.suppress.Suppressor`, :class:`~trustwarden.baseline.Baseline`)
returns a result with marks on its findings; :func:`mark_events` runs each result of a stream
through the markers and passes skipped items through. Marked results count for ``--fail-on``
by :attr:`~trustwarden.model.RoleResult.open_status`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Protocol

from trustwarden.model import RoleResult, Skipped
from trustwarden.suppress import Suppressor, SuppressRule


class Marker(Protocol):
    """Adds marks to a result's findings."""

    def mark(self, result: RoleResult) -> RoleResult:
        """``result`` with marks (the same object when there is nothing to mark)."""
        ...


def mark_events(
    events: Iterable[RoleResult | Skipped], markers: Sequence[Marker]
) -> Iterator[RoleResult | Skipped]:
    """Each result through every marker, in order; skipped items unchanged."""
    try:
        for event in events:
            if isinstance(event, RoleResult):
                marked = event
                for marker in markers:
                    marked = marker.mark(marked)
                yield marked
            else:
                yield event
    finally:
        close = getattr(events, "close", None)
        if callable(close):
            close()  # stops a live scan's workers when the consumer stops early


def build_markers(
    suppressions: Sequence[SuppressRule], baseline: Path | None, today: date
) -> tuple[list[Marker], Suppressor]:
    """The markers for a run: the suppressions (as of ``today``), then the baseline report
    (read now: a bad one raises :class:`~trustwarden.errors.ConfigError` before any output).
    The :class:`Suppressor` is returned too, for its :meth:`~Suppressor.problems` at the end.
    """
    suppressor = Suppressor(suppressions, today)
    markers: list[Marker] = [suppressor] if suppressor else []
    if baseline is not None:
        from trustwarden.baseline import load_baseline  # noqa: PLC0415 - read on use

        markers.append(load_baseline(baseline))
    return markers, suppressor


__all__ = ["Marker", "build_markers", "mark_events"]
