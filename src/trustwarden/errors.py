"""Exception hierarchy and the documented process exit codes."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the ``trustwarden`` command (documented in the README)."""

    OK = 0  # nothing at or above --fail-on
    FINDINGS = 1  # findings at or above --fail-on
    USAGE = 2  # usage/config/input error, or a role/account that could not be evaluated
    AWS_ACCESS = 3  # AWS credentials or access error
    FIX_ROLLED_BACK = 4  # a fix failed and was rolled back
    ROLLBACK_INCOMPLETE = 5  # a rollback could not restore everything
    INTERRUPTED = 130  # Ctrl-C (SIGINT)
    TERMINATED = 143  # SIGTERM (128 + 15)


class TrustwardenError(Exception):
    """Root of every error trustwarden raises on purpose.

    ``message`` is one line for the user; ``hint`` optionally says what to do about it.
    """

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C raises ``KeyboardInterrupt`` and handled the same way."""


class OutputError(TrustwardenError):
    """Standard output is closed or cannot be written (a full disk, a closed descriptor)."""


class ConfigError(TrustwardenError):
    """Bad configuration file or option value."""


class InputError(TrustwardenError):
    """An input file that cannot be read or is not in a recognised shape."""


class PolicyError(TrustwardenError):
    """A trust-policy document that cannot be read as a policy."""


class AwsAccessError(TrustwardenError):
    """Missing/expired credentials or access denied at the account level."""

    exit_code = ExitCode.AWS_ACCESS


class RemediationError(TrustwardenError):
    """A fix could not be planned or applied."""

    exit_code = ExitCode.FIX_ROLLED_BACK
