"""Evidence from CloudTrail log files on disk, in the trail layout AWS documents."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.evidence.cloudtrail import ROLE_ACCOUNT, assume_role, other_event, write_log_file
from trustwarden.errors import ConfigError
from trustwarden.evidence import EvidenceSpec, call_from_record, load_evidence
from trustwarden.evidence.aggregate import Aggregator
from trustwarden.evidence.logfiles import read_directory

VENDOR = "387546586013"
NOW = datetime(2026, 11, 29, tzinfo=UTC)


def read(root: Path, since: str | None = None) -> Aggregator:
    aggregator = Aggregator(str(root), since=since)
    read_directory(root, aggregator)
    return aggregator


def test_documented_role_account_copy_is_read() -> None:
    # The role account's copy as in the IAM User Guide: only account and principal ID.
    record = assume_role(
        role="EC2-dev",
        caller_account="777788889999",
        when="2014-07-18T15:07:39Z",
        seq=1,
        role_account="111122223333",
        serial_number="arn:aws:iam::777788889999:mfa",
        external_id="ext-1",
    )
    assert record["userIdentity"] == {
        "type": "AWSAccount",
        "principalId": record["userIdentity"]["principalId"],
        "accountId": "777788889999",
    }
    call = call_from_record(record)
    assert call is not None
    assert (call.role_account, call.role_name, call.caller_account) == (
        "111122223333",
        "EC2-dev",
        "777788889999",
    )
    assert call.caller_arn is None
    assert call.external_id == "ext-1"
    assert call.mfa_device == "arn:aws:iam::777788889999:mfa"
    assert call.dedupe_key == record["sharedEventID"]


def test_other_events_and_malformed_records_are_not_evidence() -> None:
    assert call_from_record(other_event("2026-11-01T00:00:00Z", 1)) is None
    assert call_from_record({"eventName": "AssumeRole"}) is None
    assert call_from_record([1, 2]) is None
    bad_arn = assume_role(role="r", caller_account=VENDOR, when="2026-11-01T00:00:00Z", seq=1)
    bad_arn["requestParameters"]["roleArn"] = "not-an-arn"
    assert call_from_record(bad_arn) is None


def test_both_accounts_copies_of_one_call_count_once(tmp_path: Path) -> None:
    # An organisation trail holds both copies: same sharedEventID, different recipients.
    when = "2026-11-01T10:00:00Z"
    kw = {
        "role": "vendor",
        "caller_account": VENDOR,
        "when": when,
        "seq": 1,
        "external_id": "x-123456789",
    }
    mine = assume_role(**kw, copy="role")  # type: ignore[arg-type]
    theirs = assume_role(**kw, copy="caller")  # type: ignore[arg-type]
    assert mine["sharedEventID"] == theirs["sharedEventID"]
    assert mine["eventID"] != theirs["eventID"]
    write_log_file(tmp_path, ROLE_ACCOUNT, "us-east-1", when, [mine], org="o-a1b2c3d4e5")
    write_log_file(tmp_path, VENDOR, "us-east-1", when, [theirs], org="o-a1b2c3d4e5")
    agg = read(tmp_path)
    evidence = agg.evidence()
    caller = evidence.for_role(ROLE_ACCOUNT, "vendor").callers[0]  # type: ignore[union-attr]
    assert (caller.account_id, caller.calls, caller.successes) == (VENDOR, 1, 1)
    assert agg.copies_skipped == 1


def test_the_same_record_delivered_twice_counts_once(tmp_path: Path) -> None:
    when = "2026-11-01T10:00:00Z"
    record = assume_role(role="vendor", caller_account=VENDOR, when=when, seq=1)
    write_log_file(tmp_path, ROLE_ACCOUNT, "us-east-1", when, [record], unique="AAAAAAAAAAAAAAAA")
    write_log_file(tmp_path, ROLE_ACCOUNT, "us-east-2", when, [record], unique="BBBBBBBBBBBBBBBB")
    evidence = read(tmp_path).evidence()
    assert evidence.for_role(ROLE_ACCOUNT, "vendor").callers[0].calls == 1  # type: ignore[union-attr]


def test_regional_endpoints_failures_mfa_and_switching_ids(tmp_path: Path) -> None:
    def call(seq: int, when: str, region: str, **kw: Any) -> None:
        write_log_file(
            tmp_path,
            ROLE_ACCOUNT,
            region,
            when,
            [
                assume_role(
                    role="Vendor", caller_account=VENDOR, when=when, seq=seq, region=region, **kw
                )
            ],
            unique=f"U{seq:015d}",
        )

    call(1, "2026-10-01T08:00:00Z", "us-east-1", external_id="id-one-aaaa")  # global endpoint
    call(2, "2026-10-02T08:00:00Z", "eu-west-1", external_id="id-one-aaaa")  # regional
    call(3, "2026-10-03T08:00:00Z", "ap-southeast-2", external_id="id-two-bbbb")  # switched
    call(4, "2026-10-04T08:00:00Z", "us-east-1", external_id="wrong", error_code="AccessDenied")
    call(
        5,
        "2026-10-05T08:00:00Z",
        "us-east-1",
        external_id="id-one-aaaa",
        serial_number=f"arn:aws:iam::{VENDOR}:mfa/ops",
    )
    evidence = read(tmp_path).evidence()
    role = evidence.for_role(ROLE_ACCOUNT, "vendor")  # names are case-insensitive
    assert role is not None
    (caller,) = role.callers
    assert caller.calls == 5
    assert caller.successes == 4
    assert dict(caller.external_ids) == {"id-one-aaaa": 3, "id-two-bbbb": 1}
    assert caller.sent_external_ids == ("id-one-aaaa", "id-two-bbbb")
    assert caller.refusals == (("AccessDenied", 1),)
    assert caller.mfa_calls == 1
    assert caller.mfa_devices == (f"arn:aws:iam::{VENDOR}:mfa/ops",)
    assert (caller.first_seen, caller.last_seen) == ("2026-10-01T08:00:00Z", "2026-10-05T08:00:00Z")
    # The refused call's External ID is not something the vendor "sends".
    assert "wrong" not in caller.sent_external_ids
    shapes = {(o.external_id, o.mfa, o.count) for o in role.observed}
    assert shapes == {
        ("id-one-aaaa", False, 2),
        ("id-two-bbbb", False, 1),
        ("id-one-aaaa", True, 1),
    }


def test_role_with_no_outside_use_has_no_evidence(tmp_path: Path) -> None:
    when = "2026-10-01T08:00:00Z"
    write_log_file(
        tmp_path,
        ROLE_ACCOUNT,
        "us-east-1",
        when,
        [assume_role(role="used", caller_account=VENDOR, when=when, seq=1)],
    )
    evidence = read(tmp_path).evidence()
    assert evidence.for_role(ROLE_ACCOUNT, "unused") is None


def test_since_skips_older_folders_and_records(tmp_path: Path) -> None:
    old = "2026-09-01T08:00:00Z"
    new = "2026-11-01T08:00:00Z"
    write_log_file(
        tmp_path,
        ROLE_ACCOUNT,
        "us-east-1",
        old,
        [assume_role(role="r", caller_account=VENDOR, when=old, seq=1)],
    )
    write_log_file(
        tmp_path,
        ROLE_ACCOUNT,
        "us-east-1",
        new,
        [assume_role(role="r", caller_account=VENDOR, when=new, seq=2)],
    )
    agg = read(tmp_path, since="2026-10-01T00:00:00Z")
    assert agg.files_read == 1
    assert agg.evidence().for_role(ROLE_ACCOUNT, "r").callers[0].calls == 1  # type: ignore[union-attr]


def test_bad_files_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    when = "2026-10-01T08:00:00Z"
    good = write_log_file(
        tmp_path,
        ROLE_ACCOUNT,
        "us-east-1",
        when,
        [assume_role(role="r", caller_account=VENDOR, when=when, seq=1)],
    )
    (good.parent / "broken.json.gz").write_bytes(b"not gzip")
    (good.parent / "empty.json.gz").write_bytes(gzip.compress(b'{"NoRecords": 1}'))
    digest = tmp_path / "AWSLogs/111111111111/CloudTrail-Digest/us-east-1/2026/10/01/x.json.gz"
    digest.parent.mkdir(parents=True)
    digest.write_bytes(gzip.compress(json.dumps({"digest": True}).encode()))
    agg = read(tmp_path)
    assert agg.files_read == 1
    assert len(agg.problems) == 2
    assert all("not a CloudTrail log file" in p for p in agg.problems)


def test_load_evidence_reads_a_directory_and_rejects_a_missing_one(tmp_path: Path) -> None:
    when = "2026-10-01T08:00:00Z"
    write_log_file(
        tmp_path,
        ROLE_ACCOUNT,
        "us-east-1",
        when,
        [assume_role(role="r", caller_account=VENDOR, when=when, seq=1)],
    )
    seen: list[tuple[int, int, int]] = []
    evidence = load_evidence(
        EvidenceSpec(str(tmp_path)), now=NOW, progress=lambda *a: seen.append(a)
    )
    assert evidence.window.calls_counted == 1
    assert seen == [(1, 1, 1)]
    with pytest.raises(ConfigError, match="no such file"):
        load_evidence(EvidenceSpec(str(tmp_path / "missing")), now=NOW)


@pytest.mark.parametrize(
    ("caller_account", "role_account"),
    [
        ("\u0662" * 12, ROLE_ACCOUNT),  # Arabic-Indic digits: no AWS account looks like that
        ("\uff12" * 12, ROLE_ACCOUNT),  # full-width digits
        ("222222222222\n", ROLE_ACCOUNT),  # a trailing newline
        ("222222222222", "\u0661" * 12),  # the role's account in other digits
    ],
)
def test_records_with_accounts_aws_cannot_have_are_ignored(
    caller_account: str, role_account: str
) -> None:
    record = assume_role(
        role="Vendor",
        caller_account=caller_account,
        when="2026-11-01T00:00:00Z",
        seq=1,
        role_account=role_account,
    )
    assert call_from_record(record) is None
