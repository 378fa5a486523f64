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


def trust_account(account_id: str, *, sid: str | None = None) -> dict[str, Any]:
    """A trust policy that lets ``account_id`` assume the role with no condition."""
    stmt: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account_id}:root"},
        "Action": "sts:AssumeRole",
    }
    if sid:
        stmt = {"Sid": sid, **stmt}
    return {"Version": "2012-10-17", "Statement": [stmt]}


TRUST_OTHER_ACCOUNT = trust_account("999988887777")
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
    """Counts API calls per ``service.Operation`` through a botocore ``before-call`` hook."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._lock = threading.Lock()

    def on_call(self, event_name: str, **_: Any) -> None:
        _event, service, operation = event_name.split(".", 2)  # before-send.iam.ListRoles
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


def _is_json_protocol(request: Any) -> bool:
    return "X-Amz-Target" in request.headers


def request_params(request: Any) -> dict[str, str]:
    """Parameters of a request plus its ``Action``, for query and JSON protocols alike."""
    body = request.body
    if isinstance(body, bytes):
        body = body.decode()
    if not isinstance(body, str):
        body = ""
    if _is_json_protocol(request):
        target = request.headers["X-Amz-Target"]
        target = target.decode() if isinstance(target, bytes) else target
        loaded = json.loads(body) if body else {}
        params = {k: str(v) for k, v in loaded.items()}
        params["Action"] = target.rsplit(".", 1)[-1]
        return params
    return {k: v[0] for k, v in parse_qs(body).items()}


def create_roles(
    iam: Any,
    count: int,
    *,
    prefix: str = "role",
    trust: dict[str, Any] | None = None,
    cross_every: int = 0,
) -> list[str]:
    """Create roles ``{prefix}-00000``, … trusting ``trust`` (default: an AWS service).

    With ``cross_every=N``, roles 0, N, 2N, … trust another account instead
    (:data:`TRUST_OTHER_ACCOUNT`). Sequential: moto's IAM answers 500 to concurrent writes.
    """
    names = [f"{prefix}-{i:05d}" for i in range(count)]
    doc = json.dumps(trust or TRUST_SERVICE)
    cross = json.dumps(TRUST_OTHER_ACCOUNT)
    for i, name in enumerate(names):
        is_cross = cross_every and i % cross_every == 0
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=cross if is_cross else doc)
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


class SeededOrg:
    """An organisation created in moto: management account ``123456789012`` plus members."""

    def __init__(self, org_id: str, management: str, members: list[str]) -> None:
        self.org_id = org_id
        self.management = management
        self.members = members


def seed_org(
    members: int,
    roles_per_account: int,
    *,
    member_role: str = "TrustwardenAuditRole",
    trust: dict[str, Any] | None = None,
    cross_every: int = 0,
    management_roles: int = 0,
) -> SeededOrg:
    """Create an organisation and seed roles into each member through assumed-role credentials.

    Member ``i`` gets roles ``app-{i}-00000``, …; ``trust`` and ``cross_every`` as for
    :func:`create_roles`.
    """
    org = boto3.client("organizations")
    org_id = org.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    management = boto3.client("sts").get_caller_identity()["Account"]
    ids: list[str] = []
    for i in range(members):
        status = org.create_account(
            AccountName=f"member-{i}", Email=f"m{i}@example.com", RoleName=member_role
        )["CreateAccountStatus"]
        account_id = status["AccountId"]
        ids.append(account_id)
        iam = assumed_client("iam", f"arn:aws:iam::{account_id}:role/{member_role}")
        create_roles(
            iam, roles_per_account, prefix=f"app-{i}", trust=trust, cross_every=cross_every
        )
    if management_roles:
        create_roles(
            boto3.client("iam"),
            management_roles,
            prefix="mgmt",
            trust=trust,
            cross_every=cross_every,
        )
    return SeededOrg(org_id, management, sorted(ids))


class Injector:
    """A ``before-send`` hook that answers some requests with a canned AWS error."""

    def __init__(
        self, decide: Callable[[dict[str, str], int], tuple[int, str, str] | None]
    ) -> None:
        self._decide = decide
        self._lock = threading.Lock()
        self.sent = 0
        self.injected: Counter[str] = Counter()

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        params = request_params(request)
        with self._lock:
            self.sent += 1
            number = self.sent
        answer = self._decide(params, number)
        if answer is None:
            return None
        status, code, message = answer
        with self._lock:
            self.injected[f"{params.get('Action')}:{code}"] += 1
        return error_response(
            request.url, status, code, message, query=not _is_json_protocol(request)
        )
