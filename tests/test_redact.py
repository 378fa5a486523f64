"""The one place exceptions become text: nothing an AWS answer put into them gets through."""

from __future__ import annotations

import io
import json

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from botocore.parsers import ResponseParserError

from trustwarden.aws.faults import describe, is_aws_failure
from trustwarden.cli import scan
from trustwarden.cli.main import main
from trustwarden.redact import exception_text, format_traceback, from_aws_library

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
KEY_ID = "ASIAIOSFODNN7EXAMPLE"
BODY = json.dumps({"Credentials": {"AccessKeyId": KEY_ID, "SecretAccessKey": SECRET}})


def client_error(code: str, message: str, status: int = 400) -> ClientError:
    response = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "AssumeRole")


def test_a_parser_error_is_an_aws_failure_described_without_its_body() -> None:
    exc = ResponseParserError(f"Unable to parse response, invalid XML received:\n{BODY}")
    assert is_aws_failure(exc)
    assert from_aws_library(exc)
    text = exception_text(exc)
    assert SECRET not in text
    assert KEY_ID not in text
    assert "cannot be read" in text


@pytest.mark.parametrize(
    "message",
    [
        BODY,  # botocore's JSON parser puts an unparseable body into Message
        f"<Error>{SECRET}</Error>",
        f"the key {KEY_ID} is not valid",
        f"secret {SECRET} here",
        "x" * 400,
    ],
)
def test_client_error_messages_that_may_quote_a_body_are_left_out(message: str) -> None:
    text = describe(client_error("AccessDenied", message))
    assert text == "AssumeRole: AccessDenied"


def test_plain_service_messages_and_codes_are_kept() -> None:
    plain = "User: arn:aws:iam::123456789012:user/a is not authorized to perform: sts:AssumeRole"
    assert describe(client_error("AccessDenied", plain)) == f"AssumeRole: AccessDenied: {plain}"
    assert describe(client_error("500", BODY, status=500)) == "AssumeRole: HTTP 500"


def test_other_botocore_errors_show_their_kind_only() -> None:
    exc = ParamValidationError(report=f"Invalid type for parameter ExternalId, value: {SECRET}")
    assert describe(exc) == "ParamValidationError while talking to AWS"


def _parse() -> None:
    raise ResponseParserError(f"invalid XML received: {BODY}")


def _wrapped() -> None:
    try:
        _parse()
    except ResponseParserError as exc:
        raise RuntimeError("wrapped") from exc


def test_the_debug_traceback_redacts_every_exception_of_the_chain() -> None:
    with pytest.raises(RuntimeError) as caught:
        _wrapped()
    text = format_traceback(caught.value)
    assert "botocore.parsers.ResponseParserError: AWS sent an answer" in text
    assert "RuntimeError: wrapped" in text
    assert "direct cause" in text
    assert SECRET not in text
    assert KEY_ID not in text


def test_an_unexpected_botocore_error_in_a_command_is_exit_3_without_its_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise ResponseParserError(f"invalid XML received: {BODY}")

    monkeypatch.setattr(scan, "scan_source", explode)
    for debug in ([], ["--debug"]):
        out, err = io.StringIO(), io.StringIO()
        code = main([*debug, "scan", "--sample"], stdout=out, stderr=err, env={})
        assert code == 3
        assert err.getvalue().startswith("trustwarden: error: talking to AWS: ")
        assert SECRET not in err.getvalue() + out.getvalue()
        assert KEY_ID not in err.getvalue() + out.getvalue()
