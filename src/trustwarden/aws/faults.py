"""Turn botocore exceptions into one-line reasons and trustwarden errors.

Nothing here prints. Messages never contain credentials: they are built from error codes
and the service's own message, never from request parameters or headers.
"""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
    SSOError,
    TokenRetrievalError,
)

from trustwarden.errors import AwsAccessError

# Error codes that mean "these credentials are not valid (any more)".
CREDENTIAL_ERROR_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "InvalidToken",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "RequestExpired",
    }
)

# Error codes that mean "you may not do this here" (account-level, not per-role).
ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "AWSOrganizationsNotInUseException",
        "AccountNotFoundException",
        "RegionDisabledException",
    }
)

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "ProvisionedThroughputExceededException",
    }
)

_MAX_MESSAGE = 300


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ``ClientError``, else ``None``."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 1] + "…"


def describe(exc: BaseException) -> str:
    """A one-line, credential-free description of an AWS-side failure."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        code = err.get("Code") or "Error"
        op = getattr(exc, "operation_name", None) or "call"
        message = err.get("Message") or ""
        return _one_line(f"{op}: {code}: {message}" if message else f"{op}: {code}")
    if isinstance(exc, NoCredentialsError):
        return "no AWS credentials found"
    if isinstance(exc, PartialCredentialsError):
        return "incomplete AWS credentials (a key id or secret is missing)"
    if isinstance(exc, ProfileNotFound):
        return _one_line(str(exc))
    if isinstance(exc, (SSOError, TokenRetrievalError)):
        return "the AWS SSO session is missing or expired"
    if isinstance(exc, CredentialRetrievalError):
        return "AWS credentials could not be retrieved from the configured provider"
    if isinstance(exc, EndpointConnectionError):
        return _one_line(f"cannot reach the AWS endpoint: {exc}")
    return _one_line(f"{type(exc).__name__}: {exc}")


def is_credential_problem(exc: BaseException) -> bool:
    """True when the failure is about the caller's own credentials, not about a target."""
    if isinstance(exc, ClientError):
        return error_code(exc) in CREDENTIAL_ERROR_CODES
    return isinstance(
        exc,
        (
            NoCredentialsError,
            PartialCredentialsError,
            ProfileNotFound,
            SSOError,
            TokenRetrievalError,
            CredentialRetrievalError,
        ),
    )


def is_aws_failure(exc: BaseException) -> bool:
    """True for exceptions that come from talking to AWS (and so describe one account)."""
    return isinstance(exc, (ClientError, BotoCoreError))


_CREDENTIAL_HINT = (
    "configure credentials (aws configure / aws sso login / AWS_PROFILE) or pass --profile"
)


def to_access_error(exc: BaseException, *, doing: str) -> AwsAccessError:
    """Wrap an AWS failure as :class:`AwsAccessError` (exit 3) with a one-line message."""
    hint = _CREDENTIAL_HINT if is_credential_problem(exc) else None
    if error_code(exc) in ACCESS_DENIED_CODES:
        hint = "see docs/permissions/ for the minimal read-only policy"
    return AwsAccessError(f"{doing}: {describe(exc)}", hint)
