"""Run ``trustwarden`` in-process via ``main([...])`` with captured streams and a fixed clock."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from trustwarden.cli.main import main

FIXED_NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


class TtyStringIO(io.StringIO):
    """A captured stream that claims to be a terminal."""

    def isatty(self) -> bool:
        return True


def invoke(args: Sequence[str], *, env: Mapping[str, str], cwd: Path, tty: bool = False) -> Run:
    """``main(args)`` with exactly ``env``, working directory ``cwd`` and :data:`FIXED_NOW`."""
    out: io.StringIO = TtyStringIO() if tty else io.StringIO()
    err = io.StringIO()
    code = main(list(args), stdout=out, stderr=err, env=dict(env), clock=lambda: FIXED_NOW, cwd=cwd)
    return Run(code, out.getvalue(), err.getvalue())
