"""Evidence of who really assumes each role: CloudTrail ``AssumeRole`` records, aggregated.

``--evidence SOURCE``: ``cloudtrail`` (event history, every enabled region, the last
:data:`DEFAULT_DAYS` days unless ``since`` says otherwise), ``s3://bucket/prefix`` (a trail's
log files in S3) or a local directory (or file) of log files. :func:`load_evidence` reads the
source into an :class:`Evidence` aggregate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from trustwarden.errors import ConfigError
from trustwarden.evidence.aggregate import Aggregator
from trustwarden.evidence.logfiles import Progress, read_directory
from trustwarden.evidence.model import (
    AssumeRoleCall,
    CallerEvidence,
    Evidence,
    EvidenceWindow,
    ObservedCall,
    RoleEvidence,
    role_key,
)
from trustwarden.evidence.records import call_from_record

DEFAULT_DAYS = 90
LIVE = "cloudtrail"


@dataclass(frozen=True, slots=True)
class EvidenceSpec:
    """Where evidence comes from, as given on the command line."""

    source: str
    since: datetime | None = None

    @property
    def kind(self) -> str:
        """``cloudtrail``, ``s3`` or ``files``."""
        if self.source == LIVE:
            return LIVE
        return "s3" if self.source.startswith("s3://") else "files"

    @property
    def needs_aws(self) -> bool:
        """Whether reading it calls AWS."""
        return self.kind != "files"


def iso(moment: datetime) -> str:
    """CloudTrail's time format, ``YYYY-MM-DDTHH:MM:SSZ`` (UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_since(text: str, now: datetime) -> datetime:
    """``--since``: an ISO date or date-time (UTC unless it says), or ``Nd`` days ago."""
    value = text.strip()
    if value.endswith("d") and value[:-1].isdigit():
        return now - timedelta(days=int(value[:-1]))
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(
            f"--since {text!r} is not a date",
            hint="give YYYY-MM-DD, an ISO date-time, or a number of days such as 30d",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def load_evidence(
    spec: EvidenceSpec,
    *,
    now: datetime,
    aws_context: Callable[[], Any] | None = None,
    progress: Progress | None = None,
) -> Evidence:
    """Read ``spec`` into an aggregate. ``aws_context`` makes the AWS context when needed.

    A missing local path is a :class:`ConfigError`; AWS failures are
    :class:`~trustwarden.errors.AwsAccessError` (exit 3).
    """
    since = spec.since
    if since is None and spec.kind == LIVE:
        since = now - timedelta(days=DEFAULT_DAYS)
    aggregator = Aggregator(spec.source, since=iso(since) if since else None, until=None)
    if spec.kind == "files":
        path = Path(spec.source)
        if not path.exists():
            raise ConfigError(
                f"--evidence {spec.source}: no such file or directory",
                hint="give a directory of CloudTrail log files, s3://bucket/prefix or cloudtrail",
            )
        read_directory(path, aggregator, progress)
        return aggregator.evidence()
    if aws_context is None:
        raise ConfigError(f"--evidence {spec.source} needs AWS credentials")
    from trustwarden.aws.faults import AWS_ERRORS, to_access_error  # noqa: PLC0415
    from trustwarden.evidence import aws  # noqa: PLC0415 - boto3 loads on use

    ctx = aws_context()
    try:
        if spec.kind == "s3":
            try:
                aws.parse_s3_url(spec.source)
            except ValueError as exc:
                raise ConfigError(f"--evidence {spec.source}: {exc}") from None
            aws.read_s3(ctx.client("s3"), spec.source, aggregator, progress)
        else:
            start = since or now - timedelta(days=DEFAULT_DAYS)
            regions = aws.enabled_regions(ctx)
            aws.read_lookup_events(
                ctx, regions, aggregator, start=start, end=now, progress=progress
            )
    except AWS_ERRORS as exc:
        raise to_access_error(exc, doing=f"reading evidence from {spec.source}") from None
    return aggregator.evidence()


__all__ = [
    "DEFAULT_DAYS",
    "AssumeRoleCall",
    "CallerEvidence",
    "Evidence",
    "EvidenceSpec",
    "EvidenceWindow",
    "ObservedCall",
    "RoleEvidence",
    "call_from_record",
    "iso",
    "load_evidence",
    "parse_since",
    "role_key",
]
