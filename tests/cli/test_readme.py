"""README.md and docs/cli.md agree with the code: --help texts, exit codes, rules, commands.

After changing an option, rewrite the --help texts quoted in docs/cli.md with
``make readme-help`` (``TW_UPDATE_README=1 python -m pytest tests/cli/test_readme.py``).
"""

from __future__ import annotations

import io
import itertools
import os
import re
import shlex
from pathlib import Path

import click
import pytest

from tests.cli.runner import Run, invoke
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


def test_python_api_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: python-api -->\n```python\n(?P<code>.*?)```\n", text, re.S)
    assert match is not None, "README lacks the Python API example"
    code = match["code"]
    assert len(code.strip().splitlines()) <= 10
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("vendor-admin-access high arn:aws:iam::")
    assert "calls sts:AssumeRole with no ExternalId" in out[1]
    assert {line.split()[0] for line in out[:-1]} == {"vendor-admin-access", "vendor-notaction"}
    assert out[-1].endswith("exit code 1")


# --------------------------------------------------------------------------- examples

OUTPUT_BLOCK = re.compile(
    r"(<!-- output: trustwarden scan --sample -->\n```text\n)(?P<body>.*?)(```\n)", re.S
)
EXCERPT_WIDTH = "100"


def _sample_scan(tmp_path: Path) -> Run:
    return invoke(["scan", "--sample"], env={"COLUMNS": EXCERPT_WIDTH}, cwd=tmp_path)


def _chunks(text: str) -> list[str]:
    return [c.strip("\n") for c in text.split("\n\n") if c.strip()]


def test_the_output_excerpt_is_what_the_sample_prints(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    match = OUTPUT_BLOCK.search(text)
    assert match is not None, "README lacks the output excerpt of `trustwarden scan --sample`"
    printed = _chunks(_sample_scan(tmp_path).out)
    quoted = _chunks(match["body"])
    if UPDATE:  # keep the same roles (their first lines), re-rendered; then the summary
        heads = [q.splitlines()[0].split()[1] for q in quoted[:-1]]
        fresh = [c for c in printed if len(c.split()) > 1 and c.split()[1] in heads]
        body = "\n\n".join([*fresh, printed[-1]]) + "\n"
        README.write_text(text[: match.start("body")] + body + text[match.end("body") :])
        quoted = _chunks(body)
    assert quoted, "the excerpt is empty"
    for chunk in quoted:
        assert chunk in printed, f"not what `trustwarden scan --sample` prints:\n{chunk}"
    assert quoted[-1] == printed[-1], "the excerpt ends with the summary lines"


def _example_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    lines = [
        re.split(r"  #| [>|] ", line)[0].strip()  # no comment, redirection or pipe
        for block in re.findall(r"```sh\n(.*?)```", text, re.S)
        for line in block.splitlines()
    ]
    return [line for line in lines if line.startswith("trustwarden ")]


def test_the_readme_has_examples_for_every_command() -> None:
    used = {shlex.split(c)[1] for c in _example_commands()}
    assert set(listed_commands()) - {"trustwarden"} <= {f"trustwarden {u}" for u in used}


@pytest.mark.parametrize("command", _example_commands())
def test_every_example_parses(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = shlex.split(command)[1:]
    monkeypatch.chdir(tmp_path)
    for option, value in itertools.pairwise(args):
        if option in ("--input", "--known-accounts", "--baseline"):  # files the reader would have
            (tmp_path / value).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / value).write_text("{}", encoding="utf-8")
    for arg in args:
        if arg.endswith("/"):  # folders of templates (scan PATH...)
            (tmp_path / arg).mkdir(parents=True, exist_ok=True)
    with click.Context(cli_group, info_name="trustwarden", obj=None) as ctx:
        sub = cli_group.get_command(ctx, args[0])
        assert sub is not None, command
        sub.make_context(args[0], args[1:], parent=ctx).close()  # UsageError if stale


@pytest.mark.parametrize("command", [c for c in _example_commands() if "--sample" in c])
def test_offline_examples_work_as_pasted(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # --output report.json lands here
    (tmp_path / "docs").symlink_to(README.parent / "docs")  # docs/examples/..., as in a checkout
    run = invoke(shlex.split(command)[1:], env={}, cwd=tmp_path)
    # 2 without an error message: a role of the sample could not be evaluated (exit codes)
    assert run.code in (0, 1, 2), (command, run.err)
    assert "error:" not in run.err, run.err


def test_the_quick_start_says_what_the_sample_exits_with(tmp_path: Path) -> None:
    section = _section(README.read_text(encoding="utf-8"), "Quick start")
    code = _sample_scan(tmp_path).code
    assert f"exits with code {code}" in " ".join(section.split())


def test_witness_is_defined_before_its_first_use() -> None:
    text = README.read_text(encoding="utf-8")
    first = re.search(r"witness", text, re.I)
    assert first is not None
    assert text[first.start() - 2 : first.end() + 3] == "**witness**:"
