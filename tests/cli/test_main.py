"""main(): every exception maps to a documented exit code and a one-line message."""

from __future__ import annotations

import errno
import gc
import io
import signal
import threading
from collections.abc import Iterator
from types import SimpleNamespace

import click
import pytest

import trustwarden.cli.scan as scan_module
from tests.cli.conftest import RunCli, data
from trustwarden import __version__
from trustwarden.cli import main as main_module
from trustwarden.cli.main import cli as cli_group
from trustwarden.cli.main import main
from trustwarden.errors import AwsAccessError, ConfigError, ExitCode


def test_version(cli: RunCli) -> None:
    for flag in ("--version", "-V"):
        run = cli(flag)
        assert (run.code, run.out, run.err) == (0, f"trustwarden {__version__}\n", "")


def test_help_lists_commands(cli: RunCli) -> None:
    run = cli("--help")
    assert run.code == 0
    assert "scan" in run.out
    assert "explain" in run.out
    assert "Exit codes:" in run.out
    assert run.err == ""


def test_subcommand_help(cli: RunCli) -> None:
    run = cli("scan", "--help")
    assert run.code == 0
    assert "--input FILE" in run.out
    assert "--fail-on [fail|warn|never]" in run.out


def test_no_command_is_a_usage_error(cli: RunCli) -> None:
    run = cli()
    assert run.code == 2
    assert run.err == "trustwarden: error: Missing command.\nhint: try 'trustwarden --help'\n"


def test_unknown_command(cli: RunCli) -> None:
    run = cli("scna")
    assert run.code == 2
    assert run.err.startswith("trustwarden: error: No such command 'scna'.")


def test_bad_flag_is_one_line_and_a_hint(cli: RunCli) -> None:
    run = cli("scan", "--bogus")
    assert run.code == 2
    assert run.out == ""
    first, second = run.err.splitlines()
    assert first.startswith("trustwarden: error: No such option")  # click words it per version
    assert "--bogus" in first
    assert second == "hint: try 'trustwarden scan --help'"


def test_bad_choice(cli: RunCli) -> None:
    run = cli("scan", "--sample", "--fail-on", "sometimes")
    assert run.code == 2
    assert "Invalid value for '--fail-on'" in run.err
    assert len(run.err.splitlines()) == 2


def test_trustwarden_error_message_and_hint(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ConfigError("the thing is wrong", hint="do the other thing")

    monkeypatch.setattr(scan_module, "resolve_config", boom)
    run = cli("scan", "--input", data("estate.json"))
    assert run.code == 2
    assert run.err == "trustwarden: error: the thing is wrong\nhint: do the other thing\n"


def test_error_subclass_keeps_its_exit_code(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise AwsAccessError("no credentials found")

    monkeypatch.setattr(scan_module, "resolve_config", boom)
    run = cli("scan", "--input", data("estate.json"))
    assert run.code == int(ExitCode.AWS_ACCESS) == 3
    assert run.err == "trustwarden: error: no credentials found\n"


def test_unexpected_exception_is_one_line_without_traceback(
    cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise ValueError("surprise")

    monkeypatch.setattr(scan_module, "resolve_config", boom)
    run = cli("scan", "--input", data("estate.json"))
    assert run.code == 2
    assert run.err.splitlines() == [
        "trustwarden: error: internal error: ValueError: surprise",
        "hint: this is a bug in trustwarden; rerun with --debug for the traceback and report it",
    ]
    debug = cli("--debug", "scan", "--input", data("estate.json"))
    assert debug.code == 2
    assert "Traceback (most recent call last)" in debug.err
    assert 'raise ValueError("surprise")' in debug.err
    env_debug = cli("scan", "--input", data("estate.json"), env={"TRUSTWARDEN_DEBUG": "1"})
    assert "Traceback" in env_debug.err


def test_ctrl_c_before_output_exits_130(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(scan_module, "resolve_config", interrupt)
    run = cli("scan", "--input", data("estate.json"))
    assert run.code == 130
    assert run.err.endswith("trustwarden: error: interrupted\n")
    assert "Traceback" not in run.err


class ClosedPipe(io.StringIO):
    def write(self, s: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def test_broken_pipe_is_quiet() -> None:
    err = io.StringIO()
    code = main(
        ["scan", "--input", data("estate.json"), "--format", "json"],
        stdout=ClosedPipe(),
        stderr=err,
        env={},
    )
    assert code == 2
    assert err.getvalue() == ""


def test_sys_exit_inside_a_command_keeps_its_code(
    cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    def leave(*args: object, **kwargs: object) -> None:
        raise SystemExit(4)

    monkeypatch.setattr(scan_module, "resolve_config", leave)
    assert cli("scan", "--input", data("estate.json")).code == 4


def test_missing_command_module_is_not_listed(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli_group.lazy_commands, "ghost", "trustwarden.cli.no_such_module:cmd")
    assert "ghost" not in cli("--help").out
    run = cli("ghost")
    assert run.code == 2
    assert "No such command 'ghost'" in run.err
    assert cli("scan", "--input", data("estate.json")).code == 1  # other commands unaffected


def test_broken_command_module_does_not_break_others(
    cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(cli_group.lazy_commands, "broken", "tests.cli.broken_command:command")
    run = cli("--help")
    assert run.code == 0
    assert "broken" in run.out
    assert "unavailable: RuntimeError: this module is broken on purpose" in run.out
    assert "scan" in run.out
    broken = cli("broken")
    assert broken.code == 2
    assert "internal error: RuntimeError: this module is broken on purpose" in broken.err
    assert cli("scan", "--input", data("estate.json")).code == 1


def test_lazy_target_must_be_a_command(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli_group.lazy_commands, "odd", "trustwarden.cli.main:main")
    run = cli("odd")
    assert run.code == 2
    assert "is not a click command" in run.err


def test_entry_point_exits_with_mains_code(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(main_module, "main", lambda: 7)
    # Worker threads an earlier test left finishing their last call would make _leave use
    # os._exit (tests/aws/test_cli_live.py covers that grace); this test is about the code.
    only_me = SimpleNamespace(
        current_thread=threading.current_thread, enumerate=lambda: [threading.current_thread()]
    )
    monkeypatch.setattr(main_module, "threading", only_me)
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    threshold = gc.get_threshold()
    try:
        with pytest.raises(SystemExit) as caught:
            main_module.entry_point()
    finally:  # the process-wide settings entry_point makes stay out of the other tests
        gc.set_threshold(*threshold)
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert caught.value.code == 7


def test_uses_process_streams_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"trustwarden {__version__}\n"


def test_click_abort_exits_130(cli: RunCli, monkeypatch: pytest.MonkeyPatch) -> None:
    def abort(*args: object, **kwargs: object) -> Iterator[None]:
        raise click.Abort

    monkeypatch.setattr(scan_module, "resolve_config", abort)
    assert cli("scan", "--input", data("estate.json")).code == 130


class _Unwritable(io.StringIO):
    """A stream on a full disk."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_stdout_is_one_line_and_exit_2() -> None:
    err = io.StringIO()
    args = ["scan", "--input", data("estate.json"), "--format", "json"]
    code = main(args, stdout=_Unwritable(), stderr=err, env={})
    assert code == ExitCode.USAGE
    assert err.getvalue() == (
        "trustwarden: error: cannot write to standard output: No space left on device\n"
    )


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["scan", "--input", data("estate.json")], ExitCode.FINDINGS),
        (["scan", "--input", "/nonexistent/roles.json"], ExitCode.USAGE),
    ],
)
def test_an_unwritable_stderr_keeps_the_exit_code(args: list[str], code: ExitCode) -> None:
    assert main(args, stdout=io.StringIO(), stderr=_Unwritable(), env={}) == code
