"""Run ``trustwarden`` in-process through ``main([...])`` with captured streams."""

from __future__ import annotations

import io
import os
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


def run_cli(*args: str, cwd: Path, state: Path | None = None) -> Run:
    """``main(args)`` with the process environment (boto3 reads it too) and a fixed clock."""
    out, err = io.StringIO(), io.StringIO()
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    if state is not None:
        env["XDG_STATE_HOME"] = str(state)
    code = main(list(args), stdout=out, stderr=err, env=env, clock=lambda: FIXED_NOW, cwd=cwd)
    return Run(code, out.getvalue(), err.getvalue())
