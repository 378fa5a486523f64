"""Turn botocore exceptions into one-line reasons and trustwarden errors.

Nothing here prints. :func:`describe` is where an AWS failure becomes text, and it never
quotes a response body, a header, a request parameter or a credential: it names the
operation and the error code, adds the service's error message only when that is short plain
text with nothing shaped like a key, secret or token in it, and describes everything else
(an answer botocore could not parse, a broken connection, ...) by kind alone.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    CredentialRetrievalError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
    SSOError,
    TokenRetrievalError,
)
from botocore.parsers import ResponseParserError
from urllib3.exceptions import HTTPError as Urllib3Error

from trustwarden.errors import AwsAccessError
from trustwarden.redact import from_aws_library

#: What to catch around AWS calls. botocore's ``ResponseParserError`` (an answer it cannot
#: parse) is not a ``BotoCoreError``; urllib3's errors can escape while a body is read.
AWS_ERRORS: tuple[type[Exception], ...] = (
    ClientError,
    BotoCoreError,
    ResponseParserError,
    Urllib3Error,
)

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
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_.:-]{0,99}")
# Shaped like an access key id, or a run of base64 as long as a secret key or longer.
_SECRET_SHAPED = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{12,}|[A-Za-z0-9/+=]{40,}")
_MARKUP = frozenset("<>{}")


def error_code(exc: BaseException) -> str | None:
    """The AWS error code of a ``ClientError``, else ``None``."""
    if isinstance(exc, ClientError):
        code = exc.response.get("Error", {}).get("Code")
        return str(code) if code else None
    return None


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 1] + "…"


def _service_message(value: object) -> str | None:
    """The service's error message if it is short plain text; else ``None``.

    botocore puts the whole body into the message when it cannot parse an error answer (JSON
    protocols), so anything long, structured or secret-shaped is left out.
    """
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text or len(text) > _MAX_MESSAGE or not text.isprintable():
        return None
    if _MARKUP.intersection(text) or _SECRET_SHAPED.search(text):
        return None
    return text


def _endpoint(exc: BotoCoreError) -> str:
    """The endpoint URL of a connection error, without any user:password part."""
    url = urlsplit(str(exc.kwargs.get("endpoint_url", "")))
    if not url.hostname:
        return "the AWS endpoint"
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.hostname}{port}"


def describe(exc: BaseException) -> str:
    """A one-line description of an AWS-side failure: no body, header or credential in it."""
    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        raw_code = str(err.get("Code") or "")
        named = _CODE.fullmatch(raw_code) and not _SECRET_SHAPED.search(raw_code)
        code = raw_code if named else "Error"
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code == "Error" and isinstance(status, int):
            code = f"HTTP {status}"
        op = getattr(exc, "operation_name", None) or "call"
        # Without an error code of its own the answer was not an AWS error document: botocore
        # then puts the whole body (an HTML page, a proxy's text) into the message.
        message = _service_message(err.get("Message")) if named else None
        return f"{op}: {code}: {message}" if message else f"{op}: {code}"
    if isinstance(exc, ResponseParserError):
        return "AWS sent an answer that cannot be read (malformed; its content is not shown)"
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
    if isinstance(exc, (EndpointConnectionError, ConnectTimeoutError)):
        return f"cannot reach {_endpoint(exc)}"
    if isinstance(exc, ReadTimeoutError):
        return f"{_endpoint(exc)} did not answer in time"
    if isinstance(exc, NoRegionError):
        return "no AWS region configured (pass --region or set AWS_REGION)"
    # Anything else: its kind only. Messages of other exceptions may quote what was sent or
    # received (parameter values, partial bodies).
    return f"{type(exc).__name__} while talking to AWS"


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
    """True for exceptions that come from talking to AWS (and so describe one account).

    Every exception of an AWS client library counts, not only ``BotoCoreError`` and
    ``ClientError``: see :data:`AWS_ERRORS`.
    """
    return isinstance(exc, AWS_ERRORS) or from_aws_library(exc)


_CREDENTIAL_HINT = (
    "configure credentials (aws configure / aws sso login / AWS_PROFILE) or pass --profile"
)


def to_access_error(exc: BaseException, *, doing: str) -> AwsAccessError:
    """Wrap an AWS failure as :class:`AwsAccessError` (exit 3) with a one-line message."""
    hint = _CREDENTIAL_HINT if is_credential_problem(exc) else None
    if error_code(exc) in ACCESS_DENIED_CODES:
        hint = "see docs/permissions/ for the minimal read-only policy"
    return AwsAccessError(f"{doing}: {describe(exc)}", hint)
