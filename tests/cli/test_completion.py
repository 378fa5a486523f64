"""Shell completion, as the README documents it (click's ``_TRUSTWARDEN_COMPLETE``)."""

from __future__ import annotations

import io

import pytest

from trustwarden.cli.main import main


def _complete(monkeypatch: pytest.MonkeyPatch, **env: str) -> tuple[int, str]:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    raw = io.BytesIO()  # click may write bytes to the stream's buffer, as to a real stdout
    out = io.TextIOWrapper(raw, encoding="utf-8", write_through=True)
    code = main([], stdout=out, stderr=io.StringIO())
    out.flush()
    return code, raw.getvalue().decode("utf-8")


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_is_printed(monkeypatch: pytest.MonkeyPatch, shell: str) -> None:
    code, script = _complete(monkeypatch, _TRUSTWARDEN_COMPLETE=f"{shell}_source")
    assert code == 0
    assert "_TRUSTWARDEN_COMPLETE" in script
    assert "trustwarden" in script


def test_commands_and_options_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _complete(
        monkeypatch,
        _TRUSTWARDEN_COMPLETE="bash_complete",
        COMP_WORDS="trustwarden ru",
        COMP_CWORD="1",
    )
    assert (code, out.split()) == (0, ["plain,rules"])
    code, out = _complete(
        monkeypatch,
        _TRUSTWARDEN_COMPLETE="bash_complete",
        COMP_WORDS="trustwarden scan --fail",
        COMP_CWORD="2",
    )
    assert (code, out.split()) == (0, ["plain,--fail-on"])
