"""CloudTrail ``AssumeRole`` records and log files in the shape AWS documents.

Shapes follow "Logging IAM and AWS STS API calls with AWS CloudTrail" (IAM User Guide,
"Example cross-account AWS STS API events"): the caller's copy names the IAM identity
(``type`` ``IAMUser``/``AssumedRole`` with ``arn``), the role account's copy names only
``{"type": "AWSAccount", "principalId", "accountId"}``; both share ``requestID`` and
``sharedEventID`` and differ in ``eventID`` and ``recipientAccountId``. Log files follow
"CloudTrail log file examples": ``AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/
ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz`` holding ``{"Records": [...]}``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

ROLE_ACCOUNT = "111111111111"


def _uuid(seed: str) -> str:
    h = hashlib.sha256(seed.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def assume_role(
    *,
    role: str,
    caller_account: str,
    when: str,
    seq: int,
    role_account: str = ROLE_ACCOUNT,
    external_id: str | None = None,
    serial_number: str | None = None,
    caller: str = "user/vendor",
    error_code: str | None = None,
    region: str = "us-east-1",
    copy: str = "role",
    session_name: str = "vendor-session",
) -> dict[str, Any]:
    """One ``AssumeRole`` record; ``copy`` is ``"role"`` (the role account's) or ``"caller"``."""
    seed = f"{role}|{caller_account}|{when}|{seq}"
    role_arn = f"arn:aws:iam::{role_account}:role/{role}"
    is_session = caller.startswith("assumed-role/")
    principal_id = ("AROAEXAMPLE" if is_session else "AIDAEXAMPLE") + _uuid(seed)[:12].upper()
    if is_session:
        principal_id += ":" + caller.rsplit("/", 1)[-1]
    if copy == "role":
        identity: dict[str, Any] = {
            "type": "AWSAccount",
            "principalId": principal_id,
            "accountId": caller_account,
        }
        recipient = role_account
    else:
        identity = {
            "type": "AssumedRole" if is_session else "IAMUser",
            "principalId": principal_id,
            "arn": f"arn:aws:{'sts' if is_session else 'iam'}::{caller_account}:{caller}",
            "accountId": caller_account,
            "accessKeyId": "AKIAIOSFODNN7EXAMPLE",
        }
        if is_session:
            role_name = caller.split("/")[1]
            identity["sessionContext"] = {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": principal_id.split(":")[0],
                    "arn": f"arn:aws:iam::{caller_account}:role/{role_name}",
                    "accountId": caller_account,
                    "userName": role_name,
                },
                "attributes": {"mfaAuthenticated": "false", "creationDate": when},
            }
        else:
            identity["userName"] = caller.rsplit("/", 1)[-1]
        recipient = caller_account
    params: dict[str, Any] = {"roleArn": role_arn, "roleSessionName": session_name}
    if external_id is not None:
        params["externalId"] = external_id
    if serial_number is not None:
        params["serialNumber"] = serial_number
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": identity,
        "eventTime": when,
        "eventSource": "sts.amazonaws.com",
        "eventName": "AssumeRole",
        "awsRegion": region,
        "sourceIPAddress": "192.0.2.101",
        "userAgent": "aws-sdk-go/1.44.0",
        "requestParameters": params,
        "responseElements": None,
        "requestID": _uuid(seed + "req"),
        "eventID": _uuid(seed + copy),
        "readOnly": True,
        "resources": [{"ARN": role_arn, "accountId": role_account, "type": "AWS::IAM::Role"}],
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": recipient,
        "sharedEventID": _uuid(seed + "shared"),
        "eventCategory": "Management",
    }
    if error_code is not None:
        record["errorCode"] = error_code
        record["errorMessage"] = "User is not authorized to perform: sts:AssumeRole"
    else:
        record["responseElements"] = {
            "credentials": {
                "accessKeyId": "ASIAIOSFODNN7EXAMPLE",
                "sessionToken": "<encoded session token blob>",
                "expiration": "Nov 20, 2026, 11:07:39 AM",
            },
            "assumedRoleUser": {
                "assumedRoleId": f"AROAEXAMPLEROLEID:{session_name}",
                "arn": f"arn:aws:sts::{role_account}:assumed-role/{role}/{session_name}",
            },
        }
    return record


def other_event(when: str, seq: int) -> dict[str, Any]:
    """A record that is not AssumeRole evidence (a ``GetCallerIdentity``)."""
    return {
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "accountId": ROLE_ACCOUNT,
            "arn": "arn:aws:iam::111111111111:user/ops",
        },
        "eventTime": when,
        "eventSource": "sts.amazonaws.com",
        "eventName": "GetCallerIdentity",
        "awsRegion": "us-east-1",
        "requestParameters": None,
        "eventID": _uuid(f"other{seq}"),
        "recipientAccountId": ROLE_ACCOUNT,
    }


def log_file_key(account: str, region: str, when: str, unique: str, org: str | None = None) -> str:
    """The S3 key (or relative path) CloudTrail gives a log file delivered at ``when``."""
    day = when[:10].replace("-", "/")
    stamp = when[:16].replace("-", "").replace(":", "")
    prefix = f"AWSLogs/{org}/{account}" if org else f"AWSLogs/{account}"
    name = f"{account}_CloudTrail_{region}_{stamp}Z_{unique}.json.gz"
    return f"{prefix}/CloudTrail/{region}/{day}/{name}"


def log_file_bytes(records: list[dict[str, Any]]) -> bytes:
    """A log file's content: gzip of ``{"Records": [...]}`` (mtime 0: reproducible)."""
    return gzip.compress(json.dumps({"Records": records}).encode(), mtime=0)


def write_log_file(
    root: Path,
    account: str,
    region: str,
    when: str,
    records: list[dict[str, Any]],
    *,
    unique: str = "Mu0KsOhtH1ar15ZZ",
    org: str | None = None,
) -> Path:
    """Write one log file under ``root`` in the trail layout; returns its path."""
    path = root / log_file_key(account, region, when, unique, org)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(log_file_bytes(records))
    return path
