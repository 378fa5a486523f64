"""Standard streams that fail the documented way: closed, full or gone.

* standard output: a failed write (a full disk, ``/dev/full``, a closed descriptor, or no
  stdout at all after ``>&-``) raises :class:`~trustwarden.errors.OutputError` (one line,
  exit 2); a reader that went away still raises ``BrokenPipeError`` (a quiet exit 2);
* standard error: a failed write is dropped, so that the exit code stays the one the run
  earned (with ``2>&-`` every error used to end as exit 1).
"""

from __future__ import annotations

import errno
from typing import Any, TextIO, cast

from trustwarden.errors import OutputError


class GuardedStream:
    """Wraps a text stream (or ``None``, a closed one); everything else is delegated."""

    def __init__(self, stream: TextIO | None, *, name: str, quiet: bool) -> None:
        self.wrapped = stream
        self._name = name
        self._quiet = quiet  # drop failed writes instead of raising

    def _failed(self, exc: BaseException | None) -> None:
        if isinstance(exc, BrokenPipeError) or (
            isinstance(exc, OSError) and exc.errno == errno.EPIPE
        ):
            raise BrokenPipeError(errno.EPIPE, "broken pipe") from None
        if self._quiet:
            return
        reason = "it is closed"
        if isinstance(exc, OSError):
            reason = exc.strerror or type(exc).__name__
        raise OutputError(f"cannot write to {self._name}: {reason}") from None

    def write(self, text: str) -> int:
        """Write ``text``; see the module doc for failures."""
        if self.wrapped is None:
            self._failed(None)
            return len(text)
        try:
            return self.wrapped.write(text)
        except (OSError, ValueError) as exc:  # ValueError: the stream was closed
            self._failed(exc)
            return len(text)

    def flush(self) -> None:
        """Flush; see the module doc for failures."""
        if self.wrapped is None:
            return
        try:
            self.wrapped.flush()
        except (OSError, ValueError) as exc:
            self._failed(exc)

    def isatty(self) -> bool:
        """Whether the stream is a terminal (``False`` when closed)."""
        try:
            return self.wrapped is not None and self.wrapped.isatty()
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> Any:
        if self.wrapped is None:
            raise AttributeError(name)
        return getattr(self.wrapped, name)


def guard_stdout(stream: TextIO | None) -> TextIO:
    """Standard output whose write failures are :class:`OutputError` (see module doc)."""
    return cast(TextIO, GuardedStream(stream, name="standard output", quiet=False))


def guard_stderr(stream: TextIO | None) -> TextIO:
    """Standard error whose write failures are dropped (see module doc)."""
    return cast(TextIO, GuardedStream(stream, name="standard error", quiet=True))


def unwrap(stream: TextIO) -> TextIO | None:
    """The stream a :func:`guard_stdout`/:func:`guard_stderr` wraps (or ``stream`` itself)."""
    return stream.wrapped if isinstance(stream, GuardedStream) else stream


__all__ = ["GuardedStream", "guard_stderr", "guard_stdout", "unwrap"]
