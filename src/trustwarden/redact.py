"""The one place an exception becomes text for people: nothing from an AWS answer gets through.

botocore and urllib3 put raw response bodies into some exception messages (a
``ResponseParserError`` quotes the whole unparseable body, which for ``AssumeRole`` holds the
temporary credentials). Every message trustwarden shows for an exception it did not raise on
purpose - the ``internal error`` line, a skipped account's reason, the ``--debug`` traceback -
is made here:

* an exception of an AWS client library (botocore, boto3, urllib3, s3transfer), or any
  exception raised *inside* one of them, is described by
  :func:`trustwarden.sources.aws.faults.describe`: operation, error code, never a body,
  header or credential (other exceptions: their type only);
* any other exception raised inside ``http.client`` shows its type only, as its message may
  quote what the server sent;
* everything else is ``Type: message``.

This module imports nothing from AWS; botocore is loaded only to describe its own exceptions.
"""

from __future__ import annotations

import traceback

#: Packages whose exceptions describe a conversation with AWS.
AWS_LIBRARIES = ("botocore", "boto3", "urllib3", "s3transfer")
#: Code whose messages may quote what a server sent (the AWS libraries and the HTTP client).
_QUOTING = (*AWS_LIBRARIES, "http.client")
_WITHHELD = "message withheld: it may quote an AWS answer"


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def from_aws_library(exc: BaseException) -> bool:
    """True when ``exc`` comes from an AWS client library: one of its exception classes, or
    any exception raised inside its code (botocore decoding a body that is not UTF-8 raises
    a plain ``UnicodeDecodeError``): a failure talking to AWS, not a bug of trustwarden."""
    return any(_in(cls.__module__, AWS_LIBRARIES) for cls in type(exc).__mro__) or _raised_in(
        exc, AWS_LIBRARIES
    )


def _raised_in(exc: BaseException, packages: tuple[str, ...]) -> bool:
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    return _in(str(tb.tb_frame.f_globals.get("__name__", "")), packages)


def _message(exc: BaseException) -> str:
    if from_aws_library(exc):
        from trustwarden.sources.aws.faults import describe  # noqa: PLC0415 - botocore on use

        return describe(exc)
    if _raised_in(exc, _QUOTING):
        return f"({_WITHHELD})"
    return " ".join(str(exc).split())


def exception_text(exc: BaseException) -> str:
    """``Type: message`` on one line, with nothing an AWS answer put into it (module doc)."""
    message = _message(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def format_traceback(exc: BaseException) -> str:
    """``exc``'s traceback, causes included, each message redacted as by :func:`exception_text`.

    Frames show file, line and source as Python prints them; exception messages are the only
    part that can carry data from outside, so they are the part replaced.
    """
    chain: list[BaseException] = []  # newest first
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = _predecessor(current)
    parts: list[str] = []
    older: BaseException | None = None
    for item in reversed(chain):
        if older is not None:
            parts.append(_CAUSE if item.__cause__ is older else _CONTEXT)
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(item.__traceback__))
        kind = type(item).__qualname__
        if type(item).__module__ != "builtins":
            kind = f"{type(item).__module__}.{kind}"
        message = _message(item)
        parts.append(f"{kind}: {message}\n" if message else f"{kind}\n")
        older = item
    return "".join(parts)


def _predecessor(exc: BaseException) -> BaseException | None:
    """The exception Python would print before ``exc`` (its cause, or its context)."""
    if exc.__cause__ is not None:
        return exc.__cause__
    return None if exc.__suppress_context__ else exc.__context__


_CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
_CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


__all__ = ["AWS_LIBRARIES", "exception_text", "format_traceback", "from_aws_library"]
