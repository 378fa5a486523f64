"""Reading small user-supplied text files (configuration, account lists)."""

from __future__ import annotations

from pathlib import Path

from trustwarden.errors import ConfigError


def read_utf8(path: Path) -> str:
    """The file's text; a one-line :class:`ConfigError` when it cannot be read as UTF-8."""
    try:
        return path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
