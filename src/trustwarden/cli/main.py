"""The ``trustwarden`` command: ``main(argv) -> exit code`` owns every error → exit-code mapping.

Commands are loaded lazily (a :class:`LazyGroup`): ``trustwarden --help`` and every other
command keep working when one command's module is missing or broken.

Exit codes (see :class:`~trustwarden.errors.ExitCode` and the README):

* a :class:`~trustwarden.errors.TrustwardenError` → its ``exit_code``, with
  ``trustwarden: error: <message>`` and an optional ``hint: ...`` line on stderr;
* a usage error (unknown option, bad value, missing argument) → 2;
* Ctrl-C → 130, SIGTERM → 143 (the console script turns SIGTERM into
  :class:`~trustwarden.errors.Terminated`, a ``KeyboardInterrupt``, so cleanup is the same);
* the reader of our output went away (broken pipe) → 2, silently; standard output closed
  or full → 2, one line; standard error closed → the same codes, silently;
* an exception of the AWS client libraries that no command caught → 3, described without
  anything from the answer (:mod:`trustwarden.redact`);
* any other exception is a bug → one ``internal error`` line and 2 (``--debug`` adds the
  traceback, with exception messages passed through the same redaction).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.util
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn, TextIO

import click

from trustwarden import __version__
from trustwarden.cli.interrupts import defer
from trustwarden.cli.options import PROG, AppContext
from trustwarden.cli.streams import guard_stderr, guard_stdout, unwrap
from trustwarden.errors import ExitCode, OutputError, Terminated, TrustwardenError
from trustwarden.formats.escape import escape_lines
from trustwarden.redact import exception_text, format_traceback, from_aws_library

# name -> "module:attribute" of a click command, imported on first use.
LAZY_COMMANDS: dict[str, str] = {
    "scan": "trustwarden.cli.scan:scan_command",
    "explain": "trustwarden.cli.explain:explain_command",
    "fix": "trustwarden.cli.fix:fix_command",
    "rollback": "trustwarden.cli.rollback:rollback_command",
    "rules": "trustwarden.cli.rules:rules_command",
    "schema": "trustwarden.cli.schema:schema_command",
    "lambda-package": "trustwarden.cli.lambda_package:lambda_package_command",
}

CONTEXT_SETTINGS: dict[str, Any] = {
    "help_option_names": ["-h", "--help"],
    "max_content_width": 100,
    "terminal_width": 100,  # fixed, so --help is the same everywhere (the README quotes it)
}


class OutputClosedError(Exception):
    """Standard output was closed by its reader (``trustwarden scan | head``)."""


class LazyGroup(click.Group):
    """A group whose commands are imported when used.

    A command whose module does not exist is not listed and is "no such command"; one
    whose module fails to import is listed as unavailable in ``--help`` and fails alone.
    """

    def __init__(self, *args: Any, lazy_commands: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = [n for n, target in self.lazy_commands.items() if _module_exists(target)]
        return names + [n for n in super().list_commands(ctx) if n not in self.lazy_commands]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy_commands.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        if not _module_exists(target):
            return None
        module_name, _, attribute = target.partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(command, click.Command):
            msg = f"{target} is not a click command"
            raise TypeError(msg)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows: list[tuple[str, str]] = []
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max((len(n) for n in names), default=0)
        for name in names:
            try:
                command = self.get_command(ctx, name)
            except Exception as exc:  # noqa: BLE001 - a broken command must not break --help
                rows.append((name, f"(unavailable: {type(exc).__name__}: {exc})"))
                continue
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            # click turns EPIPE into sys.exit(1); we want our own quiet exit code.
            raise OutputClosedError from exc


def _module_exists(target: str) -> bool:
    module_name = target.partition(":")[0]
    try:
        return importlib.util.find_spec(module_name) is not None
    except (ImportError, ValueError):
        return False


@click.group(
    cls=LazyGroup,
    lazy_commands=LAZY_COMMANDS,
    context_settings=CONTEXT_SETTINGS,
    no_args_is_help=False,
)
@click.version_option(
    __version__, "--version", "-V", prog_name=PROG, message="%(prog)s %(version)s"
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs on standard error.")
def cli(debug: bool) -> None:
    """Find and fix AWS IAM roles that principals in other accounts can assume without an
    External ID or MFA (the confused-deputy risk).

    Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage/input error or a role that
    could not be evaluated, 3 AWS access error, 4 fix failed and was rolled back, 5 rollback
    incomplete, 130 interrupted (143 on SIGTERM).
    """
    del debug  # read before parsing by main(), so errors during parsing honour it too


def main(
    argv: Sequence[str] | None = None,
    *,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    env: Mapping[str, str] | None = None,
    clock: Callable[[], datetime] | None = None,
    cwd: Path | None = None,
) -> int:
    """Run ``trustwarden`` with ``argv`` and return the exit code; never raises, never exits.

    ``stdout``/``stderr``/``env`` default to the process's; ``clock`` (UTC ``datetime``)
    and ``cwd`` exist for tests. ``SOURCE_DATE_EPOCH`` in ``env`` fixes report timestamps.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    out = guard_stdout(stdout if stdout is not None else sys.stdout)
    err = guard_stderr(stderr if stderr is not None else sys.stderr)
    environ = dict(os.environ if env is None else env)
    debug = "--debug" in args[: args.index("--")] if "--" in args else "--debug" in args
    debug = debug or environ.get("TRUSTWARDEN_DEBUG", "") not in ("", "0")
    app_kwargs: dict[str, Any] = {"stdout": out, "stderr": err, "env": environ, "debug": debug}
    if clock is not None:
        app_kwargs["clock"] = clock
    if cwd is not None:
        app_kwargs["cwd"] = cwd
    app = AppContext(**app_kwargs)
    if debug:
        _enable_debug_logging(err)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = cli.main(args=args, prog_name=PROG, standalone_mode=False, obj=app)
            out.flush()  # a full disk shows here, while errors can still be reported
        return _as_exit_code(result)
    except OutputError as exc:
        app.error(exc.message, exc.hint)
        _silence_stdout(unwrap(out))
        return int(exc.exit_code)
    except TrustwardenError as exc:
        app.error(exc.message, exc.hint)
        _maybe_traceback(app, exc)
        return int(exc.exit_code)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.UsageError as exc:
        hint = f"try '{exc.ctx.command_path} --help'" if exc.ctx is not None else None
        app.error(_one_line(exc.format_message()), hint)
        return int(ExitCode.USAGE)
    except click.ClickException as exc:
        app.error(_one_line(exc.format_message()))
        return int(ExitCode.USAGE)
    except (KeyboardInterrupt, click.Abort) as exc:
        if isinstance(exc, Terminated) or isinstance(exc.__cause__, Terminated):
            app.error("terminated")
            return int(ExitCode.TERMINATED)
        app.error("interrupted")
        return int(ExitCode.INTERRUPTED)
    except (OutputClosedError, BrokenPipeError):
        _silence_stdout(unwrap(out))
        return int(ExitCode.USAGE)
    except SystemExit as exc:  # a library called sys.exit(); keep its code
        return exc.code if isinstance(exc.code, int) else int(ExitCode.USAGE)
    except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks
        if from_aws_library(exc):  # an AWS failure no command caught: an access error
            app.error(f"talking to AWS: {exception_text(exc)}")
            _maybe_traceback(app, exc)
            return int(ExitCode.AWS_ACCESS)
        app.error(
            f"internal error: {exception_text(exc)}",
            "this is a bug in trustwarden; rerun with --debug for the traceback and report it",
        )
        _maybe_traceback(app, exc)
        return int(ExitCode.USAGE)


def _as_exit_code(result: object) -> int:
    """A command's return value as an exit code (``None`` means success)."""
    if result is None:
        return int(ExitCode.OK)
    if isinstance(result, int):
        return int(result)
    return int(ExitCode.USAGE)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _maybe_traceback(app: AppContext, exc: BaseException) -> None:
    if app.debug:  # redacted, and escaped: the messages may quote input
        app.stderr.write(escape_lines(format_traceback(exc)))
        app.stderr.flush()


class _EscapingFormatter(logging.Formatter):
    """Debug log lines with input in them (role names, ...) escaped for the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return escape_lines(super().format(record))


def _enable_debug_logging(stream: TextIO) -> None:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_EscapingFormatter(f"{PROG}: debug: %(name)s: %(message)s"))
    logger = logging.getLogger("trustwarden")
    logger.handlers = [handler]
    logger.setLevel(logging.DEBUG)


def _silence_stdout(out: TextIO | None) -> None:
    """After a failed write, point the real stdout at /dev/null so the exit flush is quiet."""
    if out is None or out is not sys.__stdout__:
        return
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.__stdout__.fileno())
        os.close(devnull)


#: After an interrupted run, how long worker threads (an interrupted live scan's in-flight
#: AWS calls) may take before the process leaves without them.
EXIT_GRACE_SECONDS = 2.0


#: Allocations between collections of the youngest generation (CPython's default is 700). A
#: scan allocates millions of short-lived, acyclic objects while holding many live ones (the
#: engine's memo, results held for TW007); the default makes the collector walk that live set
#: again and again (about a third of a 100,000-role scan's time). Cycles are still collected.
GC_THRESHOLD = 50_000


def entry_point() -> NoReturn:
    """The console script: ``main()`` with SIGTERM handled like Ctrl-C, then a prompt exit."""
    _catch_signals()
    gc.set_threshold(GC_THRESHOLD, *gc.get_threshold()[1:])
    try:
        code = main()
    except KeyboardInterrupt as exc:  # a signal before main() could map it
        code = ExitCode.TERMINATED if isinstance(exc, Terminated) else ExitCode.INTERRUPTED
    _leave(int(code))


def _catch_signals() -> None:
    """SIGINT/SIGTERM while ``main()`` runs.

    The first raises ``KeyboardInterrupt`` (SIGTERM: :class:`Terminated`), so the report is
    closed and temporary files removed as for Ctrl-C; the second is ignored while that
    cleanup runs (no traceback from an interrupted cleanup); a third exits at once. A signal
    the process inherited as ignored (a background job's SIGINT) stays ignored.
    """
    seen: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        del frame
        if not seen and defer(signum):  # a report event is being written: raised after it
            seen.append(signum)
            return
        seen.append(signum)
        first = seen[0]
        if len(seen) == 1:
            raise Terminated if first == signal.SIGTERM else KeyboardInterrupt
        if len(seen) > 2:  # the cleanup is stuck: leave now
            os._exit(ExitCode.TERMINATED if first == signal.SIGTERM else ExitCode.INTERRUPTED)

    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, handler)


def _leave(code: int) -> NoReturn:
    """Exit with ``code``, waiting at most :data:`EXIT_GRACE_SECONDS` for other threads.

    Worker threads still busy after an interrupt would otherwise hold the process until their
    AWS calls end; a signal during the wait leaves at once.
    """

    def now(signum: int, frame: FrameType | None) -> None:
        del signum, frame
        os._exit(code)

    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:
            signal.signal(signum, now)
    deadline = time.monotonic() + EXIT_GRACE_SECONDS
    me = threading.current_thread()
    busy = [t for t in threading.enumerate() if t is not me and not t.daemon]
    for thread in busy:
        thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in busy):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                if stream is not None:
                    stream.flush()
        os._exit(code)
    sys.exit(code)


__all__ = ["LAZY_COMMANDS", "LazyGroup", "cli", "entry_point", "main"]
