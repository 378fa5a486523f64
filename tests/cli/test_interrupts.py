"""A signal while one report event is written is raised after it: no half-written result."""

from __future__ import annotations

import signal

import pytest

from trustwarden.cli.interrupts import defer, whole_event
from trustwarden.errors import Terminated


def test_outside_an_event_the_signal_is_not_held() -> None:
    assert defer(signal.SIGINT) is False


@pytest.mark.parametrize(
    ("signum", "raised"), [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)]
)
def test_a_signal_during_an_event_is_raised_once_it_is_written(
    signum: int, raised: type[BaseException]
) -> None:
    written: list[str] = []

    def write_one_event() -> None:
        with whole_event():
            written.append("first half")
            assert defer(signum) is True
            written.append("second half")

    with pytest.raises(raised):
        write_one_event()
    assert written == ["first half", "second half"]
    with whole_event():  # the held signal is gone once raised
        written.append("next")
    assert defer(signal.SIGINT) is False


def test_the_main_handler_holds_a_signal_during_an_event() -> None:
    from trustwarden.cli import main  # noqa: PLC0415

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        # As in a terminal: a run started in the background inherits SIGINT ignored, and
        # _catch_signals leaves an ignored signal ignored (the test below).
        signal.signal(signal.SIGINT, signal.default_int_handler)
        main._catch_signals()
        done: list[str] = []

        def write_one_event() -> None:
            with whole_event():
                signal.raise_signal(signal.SIGINT)
                done.append("written")

        with pytest.raises(KeyboardInterrupt):
            write_one_event()
        assert done == ["written"]
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def test_a_signal_inherited_as_ignored_stays_ignored() -> None:
    from trustwarden.cli import main  # noqa: PLC0415

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a background job's SIGINT
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        main._catch_signals()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert callable(signal.getsignal(signal.SIGTERM))
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
