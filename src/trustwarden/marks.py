"""The marking stage of a scan: suppressions and the baseline, between engine and writers.

A marker (:class:`~trustwarden.suppress.Suppressor`, :class:`~trustwarden.baseline.Baseline`)
returns a result with marks on its findings; :func:`mark_events` runs each result of a stream
through the markers and passes skipped items through. Marked results count for ``--fail-on``
by :attr:`~trustwarden.model.RoleResult.open_status`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Protocol

from trustwarden.model import RoleResult, Skipped


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


__all__ = ["Marker", "mark_events"]
