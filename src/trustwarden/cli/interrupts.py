"""Keep a report whole when Ctrl-C (or SIGTERM) arrives while one event is being written.

The signal handler in :mod:`trustwarden.cli.main` raises ``KeyboardInterrupt`` (SIGTERM:
:class:`~trustwarden.errors.Terminated`) where the program happens to be. Inside
:func:`whole_event` it only remembers the signal; it is raised when the event is written,
so no report ends with half a result.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from trustwarden.errors import Terminated

_state: dict[str, int | bool | None] = {"deferring": False, "pending": None}


def defer(signum: int) -> bool:
    """Called by the signal handler: ``True`` when the signal is held for later."""
    if not _state["deferring"]:
        return False
    _state["pending"] = signum
    return True


@contextmanager
def whole_event() -> Iterator[None]:
    """Write one event without being cut off; a signal that came meanwhile is raised after."""
    _state["deferring"] = True
    try:
        yield
    finally:
        _state["deferring"] = False
        pending, _state["pending"] = _state["pending"], None
        if pending is not None:
            raise Terminated if pending == signal.SIGTERM else KeyboardInterrupt


__all__ = ["defer", "whole_event"]
