"""The organisation scan's progress bar counts in words: "1 role", not "1 roles"."""

from __future__ import annotations

import io
from typing import Any, TextIO

import pytest
from rich.progress import Progress, TaskID, TextColumn

from trustwarden.cli import progress as progress_module
from trustwarden.sources.aws.scanner import ScanProgress


def test_the_bar_says_1_role_and_2_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[str] = []
    make_progress = progress_module.make_progress

    class Spy(Progress):
        def update(self, task_id: TaskID, **fields: Any) -> None:
            super().update(task_id, **fields)
            counts = [c for c in self.columns if isinstance(c, TextColumn)][-1]
            shown.append(str(counts.render(self.tasks[0])))

    def spy(stream: TextIO) -> Progress:
        bar = make_progress(stream)
        return Spy(*bar.columns, console=bar.console, transient=True)

    monkeypatch.setattr(progress_module, "make_progress", spy)
    bar = progress_module.ProgressBar(io.StringIO())
    bar.start()
    bar.update(ScanProgress(accounts_total=2, accounts_done=1, roles_seen=1, errors=2))
    bar.stop()
    assert shown == ["1 role, 2 errors"]
