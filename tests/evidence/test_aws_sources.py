"""Evidence from AWS: log files in moto server's S3; LookupEvents from a loopback stub."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from tests.evidence.cloudtrail import ROLE_ACCOUNT, assume_role, log_file_bytes, log_file_key
from tests.evidence.lookup_stub import lookup_stub
from tests.moto_server import MotoServer
from trustwarden.aws.session import make_session
from trustwarden.errors import AwsAccessError
from trustwarden.evidence import EvidenceSpec, load_evidence
from trustwarden.evidence.aggregate import Aggregator
from trustwarden.evidence.aws import read_s3

VENDOR = "387546586013"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def put_trail(bucket: str, files: int) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    for i in range(files):
        when = f"2026-11-{i + 1:02d}T08:00:00Z"
        records = [
            assume_role(
                role="vendor",
                caller_account=VENDOR,
                when=when,
                seq=i,
                external_id="vendor-id-9f8e7d",
            ),
            # Both copies of one call in an organisation trail's bucket.
            assume_role(
                role="vendor",
                caller_account=VENDOR,
                when=when,
                seq=i,
                external_id="vendor-id-9f8e7d",
                copy="caller",
            ),
        ]
        s3.put_object(
            Bucket=bucket,
            Key=log_file_key(ROLE_ACCOUNT, "us-east-1", when, f"K{i:015d}"),
            Body=log_file_bytes(records[:1]),
        )
        s3.put_object(
            Bucket=bucket,
            Key=log_file_key(VENDOR, "us-east-1", when, f"K{i:015d}"),
            Body=log_file_bytes(records[1:]),
        )
    s3.put_object(Bucket=bucket, Key="AWSLogs/notes.txt", Body=b"not a log file")


def test_s3_trail_every_page_each_call_once(moto_env: MotoServer) -> None:
    put_trail("trail-bucket", 5)
    agg = Aggregator("s3")
    ctx = make_session()
    read_s3(ctx.client("s3"), "s3://trail-bucket/AWSLogs/", agg, page_size=3)
    assert agg.files_read == 10
    caller = agg.evidence().for_role(ROLE_ACCOUNT, "vendor").callers[0]  # type: ignore[union-attr]
    assert (caller.account_id, caller.calls) == (VENDOR, 5)
    assert agg.copies_skipped == 5


def test_s3_through_load_evidence_and_since(moto_env: MotoServer) -> None:
    put_trail("trail-bucket", 5)
    spec = EvidenceSpec(
        "s3://trail-bucket/AWSLogs/111111111111/", since=datetime(2026, 11, 4, tzinfo=UTC)
    )
    evidence = load_evidence(spec, now=NOW, aws_context=make_session)
    assert evidence.window.files_read == 2  # 11/04 and 11/05; older folders are not read
    assert evidence.window.calls_counted == 2


def test_s3_missing_bucket_is_an_aws_error(moto_env: MotoServer) -> None:
    with pytest.raises(AwsAccessError, match="reading evidence from s3://nope/"):
        load_evidence(EvidenceSpec("s3://nope/"), now=NOW, aws_context=make_session)


def _calls(region: str, n: int, first: int, **kw: object) -> list[Mapping[str, Any]]:
    return [
        assume_role(
            role="vendor",
            caller_account=VENDOR,
            when=f"2026-11-0{i + 1}T08:00:00Z",
            seq=first + i,
            region=region,
            **kw,  # type: ignore[arg-type]
        )
        for i in range(n)
    ]


def test_lookup_events_every_region_pages_and_throttling(
    moto_env: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = {
        # The global endpoint's calls are recorded in us-east-1, regional ones in theirs.
        "us-east-1": _calls("us-east-1", 5, 0, external_id="vendor-id-9f8e7d"),
        "eu-west-1": _calls("eu-west-1", 3, 10, external_id="vendor-id-9f8e7d")
        + _calls("eu-west-1", 1, 20, error_code="AccessDenied"),
    }
    with lookup_stub(events, page_size=2, throttle={"us-east-1": 1}) as (endpoint, log):
        monkeypatch.setenv("AWS_ENDPOINT_URL_CLOUDTRAIL", endpoint)
        evidence = load_evidence(EvidenceSpec("cloudtrail"), now=NOW, aws_context=make_session)
    caller = evidence.for_role(ROLE_ACCOUNT, "vendor").callers[0]  # type: ignore[union-attr]
    assert (caller.calls, caller.successes) == (9, 8)
    assert caller.refusals == (("AccessDenied", 1),)
    described = boto3.client("ec2", region_name="us-east-1").describe_regions()["Regions"]
    assert set(log.requests) == {r["RegionName"] for r in described}  # every enabled region
    assert log.requests["us-east-1"] == 1 + 3  # one throttled, then three pages
    assert log.requests["eu-west-1"] == 2
    first = next(b for b in log.bodies if b["region"] == "us-east-1")
    assert first["LookupAttributes"] == [
        {"AttributeKey": "EventName", "AttributeValue": "AssumeRole"}
    ]
    start = datetime.fromtimestamp(first["StartTime"], UTC)
    assert (NOW - start).days == 90  # the default window
    assert evidence.window.start == "2026-08-31T12:00:00Z"
