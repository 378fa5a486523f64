"""Run the CLI in-process through ``main([...])`` with captured streams."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from trustwarden.cli.main import main

DATA = Path(__file__).parent / "data"
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


RunCli = Callable[..., Run]


@pytest.fixture
def cli(tmp_path: Path) -> RunCli:
    """``cli("scan", "--input", ...)`` → :class:`Run`; the working directory is empty."""

    def run(
        *args: str,
        env: Mapping[str, str] | None = None,
        tty: bool = False,
        cwd: Path | None = None,
    ) -> Run:
        out: io.StringIO = TtyStringIO() if tty else io.StringIO()
        err = io.StringIO()
        code = main(
            list(args),
            stdout=out,
            stderr=err,
            env=dict(env or {}),
            clock=lambda: FIXED_NOW,
            cwd=cwd or tmp_path,
        )
        return Run(code, out.getvalue(), err.getvalue())

    return run


def data(name: str) -> str:
    """The path of a file under tests/cli/data, as a string argument."""
    return str(DATA / name)
