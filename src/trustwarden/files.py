"""Reading small user-supplied text files, and the one place files are written.

Every file trustwarden writes (``--output``, ``fix --out-dir`` files, the ``--journal``) goes
through :func:`output_kind`, which decides how the path may be written:

* a new path or a regular file: written atomically (a temporary sibling, then a rename) —
  or, for the journal, appended to;
* a character device or a FIFO (``/dev/null``, ``/dev/tty``, a named pipe): written straight
  through, never created, truncated, renamed over or chmod-ed;
* a process's own stream (``/dev/stdout``, ``/dev/stderr``, ``/dev/fd/N``): written to that
  descriptor;
* anything else is refused with a one-line :class:`ConfigError` (exit 2): a directory, a block
  device, a socket, and a symbolic link to a regular file or to nothing (following it could
  overwrite a file the link's owner chose, replacing it would destroy the link).
"""

from __future__ import annotations

import contextlib
import enum
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import TextIO

from trustwarden.errors import ConfigError

_FD_ALIAS = re.compile(r"/(?:dev/fd|proc/self/fd)/(\d+)")
_STREAM_ALIASES = {"/dev/stdout": 1, "/dev/stderr": 2}


def read_utf8(path: Path) -> str:
    """The file's text; a one-line :class:`ConfigError` when it cannot be read as UTF-8."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None


class OutputKind(enum.Enum):
    """How a path may be written."""

    FILE = "file"  # a regular file or a new path: replaced atomically (or appended to)
    THROUGH = "through"  # a character device or FIFO: opened and written, nothing else


def stream_alias(path: Path) -> int | None:
    """The descriptor ``path`` names (``/dev/stdout`` → 1, ``/dev/fd/3`` → 3), else ``None``."""
    text = str(path)
    if text in _STREAM_ALIASES:
        return _STREAM_ALIASES[text]
    match = _FD_ALIAS.fullmatch(text)
    return int(match.group(1)) if match else None


def output_kind(path: Path, what: str = "") -> OutputKind:
    """How ``path`` may be written (see the module notes); :class:`ConfigError` if not at all."""
    try:
        info = path.lstat()
    except (FileNotFoundError, NotADirectoryError):
        return OutputKind.FILE  # a new path (creating it says why it cannot be)
    except OSError as exc:
        raise ConfigError(f"cannot write {_label(path, what)}: {exc.strerror or exc}") from None
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return OutputKind.FILE
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return OutputKind.THROUGH
    if stat.S_ISLNK(mode):
        try:
            target = path.stat().st_mode
        except OSError:
            target = 0
        if stat.S_ISCHR(target) or stat.S_ISFIFO(target):
            return OutputKind.THROUGH
        raise ConfigError(
            f"refusing to write {_label(path, what)}: it is a symbolic link",
            hint="give the path of the file itself",
        )
    kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file, device or FIFO"
    raise ConfigError(f"cannot write {_label(path, what)}: it is {kind}")


def writes_through(path: Path, what: str = "") -> bool:
    """Whether ``path`` is written straight through (a stream alias, device or FIFO)."""
    return stream_alias(path) is not None or output_kind(path, what) is OutputKind.THROUGH


def open_through(path: Path, what: str = "", *, append: bool = False) -> int:
    """Open a device, FIFO or stream alias for writing (no create, no truncate); a descriptor."""
    alias = stream_alias(path)
    try:
        if alias is not None:
            return os.dup(alias)
        fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | (os.O_APPEND if append else 0))
    except OSError as exc:
        raise ConfigError(f"cannot write {_label(path, what)}: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):  # swapped since it was looked at
        os.close(fd)
        raise ConfigError(f"cannot write {_label(path, what)}: it changed while being opened")
    return fd


class OutputFile:
    """A text output at ``path``: atomic for regular files and new paths, written through else.

    A regular file (or new path) is written to a temporary sibling (mode 0600: reports and
    fixed policies describe exposures) and renamed over ``path`` on :meth:`commit`, so a failed
    run never leaves a half-written file; :meth:`discard` removes the temporary file. A device,
    FIFO or ``/dev/stdout`` is written as it goes and left in place (its mode untouched).
    """

    def __init__(self, path: Path, what: str = "") -> None:
        self.path = path
        self.what = what
        self._tmp: Path | None = None
        if writes_through(path, what):
            fd = open_through(path, what)
        else:
            try:
                fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            except OSError as exc:
                raise ConfigError(
                    f"cannot write {_label(path, what)}: {exc.strerror or exc}",
                    hint="check that the directory exists and is writable",
                ) from None
            self._tmp = Path(name)
        self.stream: TextIO = os.fdopen(fd, "w", encoding="utf-8", newline="\n")

    @property
    def atomic(self) -> bool:
        """Whether the output goes to a temporary file renamed into place."""
        return self._tmp is not None

    def commit(self) -> None:
        """Flush and close; move a temporary file into place (unless ``path`` became odd)."""
        try:
            self.stream.close()
            if self._tmp is not None:
                output_kind(self.path, self.what)  # still absent, or a regular file
                self._tmp.replace(self.path)
                self._tmp = None
        except OSError as exc:
            self.discard()
            raise ConfigError(
                f"cannot write {_label(self.path, self.what)}: {exc.strerror or exc}"
            ) from None
        except ConfigError:
            self.discard()
            raise

    def discard(self) -> None:
        """Drop what was not committed (a device or FIFO keeps what it was sent)."""
        with contextlib.suppress(OSError):
            self.stream.close()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None


def write_text(path: Path, text: str, what: str = "") -> None:
    """Write ``text`` to ``path`` as :class:`OutputFile` does, in one go."""
    out = OutputFile(path, what)
    try:
        out.stream.write(text)
    except OSError as exc:
        out.discard()
        raise ConfigError(f"cannot write {_label(path, what)}: {exc.strerror or exc}") from None
    except BaseException:
        out.discard()
        raise
    out.commit()


def _label(path: Path, what: str) -> str:
    return f"{what} {path}" if what else str(path)
