"""Run the CLI in-process through ``main([...])`` with captured streams."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from tests.cli.runner import Run, invoke

DATA = Path(__file__).parent / "data"

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
        return invoke(args, env=env or {}, cwd=cwd or tmp_path, tty=tty)

    return run


def data(name: str) -> str:
    """The path of a file under tests/cli/data, as a string argument."""
    return str(DATA / name)
