"""README.md and docs/cli.md agree with the code: --help texts, exit codes, rules, commands.

After changing an option, rewrite the --help texts quoted in docs/cli.md with
``make readme-help`` (``TW_UPDATE_README=1 python -m pytest tests/cli/test_readme.py``).
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import click
import pytest

from trustwarden.cli.main import cli as cli_group
from trustwarden.cli.main import main
from trustwarden.errors import ExitCode
from trustwarden.rules import RULES

ROOT = Path(__file__).parents[2]
README = ROOT / "README.md"
CLI_DOC = ROOT / "docs" / "cli.md"
BLOCK = re.compile(r"<!-- help: (?P<command>[^>]+?) -->\n```text\n(?P<body>.*?)```\n", re.S)
END_MARKER = "<!-- help: end -->"
UPDATE = os.environ.get("TW_UPDATE_README") == "1"


def help_text(command: str) -> str:
    out = io.StringIO()
    args = command.split()[1:]  # drop "trustwarden"
    code = main([*args, "--help"], stdout=out, stderr=io.StringIO(), env={})
    assert code == 0, command
    return out.getvalue()


def listed_commands() -> list[str]:
    with click.Context(cli_group) as ctx:
        return ["trustwarden"] + [f"trustwarden {name}" for name in cli_group.list_commands(ctx)]


def test_quoted_help_matches_the_code() -> None:
    text = CLI_DOC.read_text(encoding="utf-8")
    quoted = {m["command"]: m["body"] for m in BLOCK.finditer(text)}
    wanted = listed_commands()
    # the root and the commands this file's owners maintain must always be quoted
    for required in ("trustwarden", "trustwarden scan", "trustwarden explain"):
        assert required in wanted
    if UPDATE:
        text = _rewrite(text, wanted)
        CLI_DOC.write_text(text, encoding="utf-8")
        quoted = {m["command"]: m["body"] for m in BLOCK.finditer(text)}
    missing = [c for c in wanted if c not in quoted]
    assert not missing, f"docs/cli.md lacks --help blocks for {missing}: run `make readme-help`"
    stale = [c for c in quoted if c not in wanted]
    assert not stale, f"docs/cli.md quotes --help of unknown commands {stale}"
    for command in wanted:
        assert quoted[command] == help_text(command), (
            f"`{command} --help` differs from docs/cli.md: run `make readme-help`"
        )


def _rewrite(text: str, wanted: list[str]) -> str:
    def fill(match: re.Match[str]) -> str:
        command = match["command"]
        if command not in wanted:
            return ""
        return f"<!-- help: {command} -->\n```text\n{help_text(command)}```\n"

    text = BLOCK.sub(fill, text)
    present = {m["command"] for m in BLOCK.finditer(text)}
    extra = "".join(
        f"<!-- help: {c} -->\n```text\n{help_text(c)}```\n\n" for c in wanted if c not in present
    )
    return text.replace(END_MARKER, extra + END_MARKER, 1)


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n## {heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_exit_code_table_matches_the_code() -> None:
    section = _section(README.read_text(encoding="utf-8"), "Exit codes")
    rows = re.findall(r"^\| (\d+) \|", section, re.M)
    assert sorted(int(r) for r in rows) == sorted(int(c) for c in ExitCode)


def test_exit_codes_in_root_help_match_the_code() -> None:
    words = " ".join(help_text("trustwarden").split())
    for code in ExitCode:
        assert f"{int(code)} " in words


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_every_rule_has_a_row(rule_id: str) -> None:
    rule = RULES[rule_id]
    page = f"src/trustwarden/data/rules/{rule_id}.md"
    assert (ROOT / page).is_file()
    rules = _section(README.read_text(encoding="utf-8"), "Rules")
    assert (
        f"| [{rule_id}]({page}) | {rule.status.value} | {rule.severity.value} | {rule.title} |"
        in rules
    )


def test_quick_start_is_exactly_the_two_commands() -> None:
    section = _section(README.read_text(encoding="utf-8"), "Quick start")
    commands = re.findall(r"```sh\n(.*?)\n```", section, re.S)
    assert commands == [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/trustwarden scan --sample",
        "python3 -m venv .venv && .venv/bin/pip install '.[test]' && .venv/bin/python -m pytest",
    ]


def test_ci_runs_the_readme_test_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert '"$py" -m pytest' in script
    assert "'.[dev]'" in script
