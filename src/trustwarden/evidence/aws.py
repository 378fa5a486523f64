"""Evidence from AWS: a trail's log files in S3, or CloudTrail's event history
(``LookupEvents``) in every enabled region. boto3 is used only here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime
from functools import partial
from typing import IO, Any

from trustwarden.evidence.aggregate import Aggregator
from trustwarden.evidence.logfiles import Progress, add_file, delivered_before, is_log_file
from trustwarden.evidence.records import EVENT_NAME, call_from_record


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/prefix`` → (bucket, prefix); ``ValueError`` without a bucket."""
    rest = url.removeprefix("s3://")
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise ValueError("no bucket in the S3 URL")
    return bucket, prefix


def s3_keys(
    client: Any, bucket: str, prefix: str, since: str | None, page_size: int | None = None
) -> Iterator[str]:
    """The log files' keys under ``prefix`` (``ListObjectsV2``, every page)."""
    paginator = client.get_paginator("list_objects_v2")
    config = {"PageSize": page_size} if page_size else {}
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix, PaginationConfig=config):
        for item in page.get("Contents", ()):
            key = str(item.get("Key", ""))
            if is_log_file("/" + key) and not delivered_before(key, since):
                yield key


def read_s3(
    client: Any,
    url: str,
    aggregator: Aggregator,
    progress: Progress | None = None,
    *,
    page_size: int | None = None,
) -> None:
    """Read every log file under ``s3://bucket/prefix``, streaming each object's body."""
    bucket, prefix = parse_s3_url(url)
    keys = list(s3_keys(client, bucket, prefix, aggregator.since, page_size))
    for done, key in enumerate(keys, 1):
        add_file(aggregator, f"s3://{bucket}/{key}", partial(_body, client, bucket, key))
        if progress is not None:
            progress(done, len(keys), aggregator.counted)


def _body(client: Any, bucket: str, key: str) -> IO[bytes]:
    body: IO[bytes] = client.get_object(Bucket=bucket, Key=key)["Body"]
    return body


def enabled_regions(ctx: Any) -> list[str]:
    """The account's enabled regions (``DescribeRegions`` lists only those by default)."""
    answer = ctx.client("ec2").describe_regions()
    return sorted(str(r["RegionName"]) for r in answer.get("Regions", ()))


def read_lookup_events(
    ctx: Any,
    regions: list[str],
    aggregator: Aggregator,
    *,
    start: datetime,
    end: datetime,
    progress: Progress | None = None,
) -> None:
    """``LookupEvents`` for ``EventName=AssumeRole`` in each region, every page.

    Calls to the global STS endpoint are recorded in us-east-1, calls to a regional endpoint
    in that region, so every enabled region is read. Throttling is retried by botocore (the
    context's retry mode); any other failure propagates to the caller.
    """
    for done, region in enumerate(regions, 1):
        client = dataclasses.replace(ctx, region=region).client("cloudtrail")
        paginator = client.get_paginator("lookup_events")
        pages = paginator.paginate(
            LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": EVENT_NAME}],
            StartTime=start,
            EndTime=end,
        )
        for page in pages:
            aggregator.add_all(_call(event) for event in page.get("Events", ()))
        aggregator.files_read += 1
        if progress is not None:
            progress(done, len(regions), aggregator.counted)


def _call(event: Any) -> Any:
    text = event.get("CloudTrailEvent") if isinstance(event, dict) else None
    if not isinstance(text, str):
        return None
    try:
        record = json.loads(text)
    except ValueError:
        return None
    return call_from_record(record)
