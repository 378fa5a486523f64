"""Run ``trustwarden`` in-process with the process environment, which boto3 reads too."""

from __future__ import annotations

import os
from pathlib import Path

from tests.cli.runner import Run, invoke

__all__ = ["Run", "run_cli"]


def run_cli(*args: str, cwd: Path, state: Path | None = None) -> Run:
    """``main(args)`` with the process environment (boto3 reads it too) and a fixed clock."""
    env = dict(os.environ)
    env.pop("NO_COLOR", None)
    if state is not None:
        env["XDG_STATE_HOME"] = str(state)
    return invoke(args, env=env, cwd=cwd)
