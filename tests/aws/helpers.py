"""Test helpers for live-AWS tests: API call counting and fault injection via botocore hooks."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import boto3
from botocore.awsrequest import AWSResponse

TRUST_OTHER_ACCOUNT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::999988887777:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}
TRUST_SERVICE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


class CallCounter:
    """Counts API calls (``before-call``) and HTTP attempts (``before-send``) per operation."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.sends: Counter[str] = Counter()
        self._lock = threading.Lock()

    def on_call(self, event_name: str, **_: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        with self._lock:
            self.calls[f"{service}.{operation}"] += 1

    @property
    def hooks(self) -> list[tuple[str, Callable[..., Any]]]:
        return [("before-call.*.*", self.on_call)]


class _StaticRaw:
    """Just enough of a urllib3 response for botocore's ``AWSResponse``."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, amt: int | None = None, decode_content: bool = True) -> Iterable[bytes]:
        yield self._body


def error_response(
    url: str, status: int, code: str, message: str, *, query: bool = True
) -> AWSResponse:
    """A canned AWS error answer (query-protocol XML, or JSON for JSON services)."""
    if query:
        body = (
            "<ErrorResponse><Error><Type>Sender</Type>"
            f"<Code>{code}</Code><Message>{message}</Message></Error>"
            "<RequestId>trustwarden-test</RequestId></ErrorResponse>"
        ).encode()
        headers = {"Content-Type": "text/xml"}
    else:
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-ErrorType": code}
    return AWSResponse(url, status, headers, _StaticRaw(body))


def request_params(request: Any) -> dict[str, str]:
    """Form parameters of a query-protocol request (``Action``, ``RoleArn``, ...)."""
    body = request.body
    if isinstance(body, bytes):
        body = body.decode()
    if not isinstance(body, str):
        return {}
    return {k: v[0] for k, v in parse_qs(body).items()}


def create_roles(
    iam: Any, count: int, *, prefix: str = "role", trust: dict[str, Any] | None = None
) -> list[str]:
    names = [f"{prefix}-{i:05d}" for i in range(count)]
    doc = json.dumps(trust or TRUST_SERVICE)
    for name in names:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)
    return names


def assumed_client(service: str, role_arn: str) -> Any:
    """A client acting inside another moto account, through assumed-role credentials."""
    creds = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="seed")["Credentials"]
    return boto3.client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )
