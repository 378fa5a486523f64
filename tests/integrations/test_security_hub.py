"""Security Hub import: batches, throttling, per-finding failures, archiving (moto round trip)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tests.formats.builders import OWN, fail_result, warn_result
from tests.moto_server import MotoServer
from trustwarden.formats.asff import row_to_asff
from trustwarden.formats.findings import finding_rows
from trustwarden.integrations.security_hub import (
    BATCH_SIZE,
    archived,
    import_account,
    import_all,
)
from trustwarden.model import RoleResult

REGION = "us-east-1"
T0, T1 = "2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"


def asff(*results: RoleResult, when: str = T0) -> list[dict[str, Any]]:
    return [row_to_asff(row, REGION, when) for r in results for row in finding_rows(r)]


class FakeHub:
    """A client that throttles the first ``throttle`` calls and rejects ids in ``reject``."""

    def __init__(self, throttle: int = 0, reject: frozenset[str] = frozenset()) -> None:
        self.throttle = throttle
        self.reject = reject
        self.batches: list[list[dict[str, Any]]] = []

    def batch_import_findings(self, Findings: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        if self.throttle:
            self.throttle -= 1
            raise ClientError({"Error": {"Code": "ThrottlingException"}}, "BatchImportFindings")
        self.batches.append(Findings)
        failed = [
            {"Id": f["Id"], "ErrorCode": "InvalidInput", "ErrorMessage": "bad"}
            for f in Findings
            if f["Id"] in self.reject
        ]
        return {
            "FailedCount": len(failed),
            "SuccessCount": len(Findings) - len(failed),
            "FailedFindings": failed,
        }

    def get_findings(self, **kwargs: Any) -> dict[str, Any]:
        return {"Findings": []}


def many(n: int) -> list[dict[str, Any]]:
    return asff(*(fail_result(f"Role{i}") for i in range(n)))


def test_batches_of_100_throttling_retried_failures_reported() -> None:
    findings = many(BATCH_SIZE * 2 + 5)
    hub = FakeHub(throttle=2, reject=frozenset({findings[3]["Id"]}))
    sleeps: list[float] = []
    outcome = import_account(hub, OWN, findings, region=REGION, now=T1, sleep=sleeps.append)
    assert [len(b) for b in hub.batches] == [100, 100, 5]
    assert sleeps == [0.5, 1.0]  # two throttled calls, exponential back-off
    assert outcome.imported == len(findings) - 1
    assert outcome.failed == [(findings[3]["Id"], "InvalidInput: bad")]
    assert outcome.error is None


def test_persistent_throttling_is_an_account_error_not_a_crash() -> None:
    hub = FakeHub(throttle=100)
    outcome = import_account(hub, OWN, many(1), region=REGION, now=T1, sleep=lambda _: None)
    assert outcome.error is not None
    assert "ThrottlingException" in outcome.error


def test_each_account_through_its_own_client() -> None:
    other = "444455556666"
    mine = asff(fail_result("A"))
    theirs = [{**f, "AwsAccountId": other} for f in asff(fail_result("B"))]
    hubs: dict[str, FakeHub] = {}

    def client_for(account: str) -> FakeHub:
        if account == "777777777777":
            raise RuntimeError("cannot assume the member role")
        return hubs.setdefault(account, FakeHub())

    outcomes = import_all(
        client_for, mine + theirs, accounts=["777777777777"], region=REGION, now=T1
    )
    assert [(o.account_id, o.imported, o.error) for o in outcomes] == [
        (OWN, 1, None),
        (other, 1, None),
        ("777777777777", 0, "RuntimeError: cannot assume the member role"),
    ]
    assert {f["AwsAccountId"] for f in hubs[OWN].batches[0]} == {OWN}
    assert {f["AwsAccountId"] for f in hubs[other].batches[0]} == {other}


def test_archived_leaves_workflow_and_hub_fields_out() -> None:
    stored = {
        **asff(fail_result())[0],
        "Workflow": {"Status": "SUPPRESSED"},
        "WorkflowState": "NEW",
        "ProductFields": {"trustwarden/RuleId": "TW001", "aws/securityhub/FindingId": "x"},
    }
    again = archived(stored, T1)
    assert again["RecordState"] == "ARCHIVED"
    assert again["Compliance"]["Status"] == "PASSED"
    assert again["UpdatedAt"] == T1
    assert "Workflow" not in again
    assert "WorkflowState" not in again
    assert again["ProductFields"] == {"trustwarden/RuleId": "TW001"}


@pytest.mark.moto_server
def test_round_trip_against_moto(moto_env: MotoServer) -> None:
    client = boto3.client("securityhub", region_name=REGION)
    client.enable_security_hub()

    def states() -> dict[str, tuple[str, str]]:
        found = client.get_findings(MaxResults=100)["Findings"]
        return {
            f["Resources"][0]["Id"].rsplit("/", 1)[1]: (f["RecordState"], f["Compliance"]["Status"])
            for f in found
        }

    first = asff(fail_result("A"), warn_result("B"))
    outcome = import_account(client, OWN, first, region=REGION, now=T0)
    assert (outcome.imported, outcome.archived, outcome.failed) == (2, 0, [])
    assert states() == {"A": ("ACTIVE", "FAILED"), "B": ("ACTIVE", "WARNING")}

    again = import_account(
        client, OWN, asff(fail_result("A"), warn_result("B"), when=T1), region=REGION, now=T1
    )
    assert (again.imported, again.archived) == (2, 0)  # same Ids: updated, not duplicated
    assert len(client.get_findings()["Findings"]) == 2

    fixed = import_account(client, OWN, asff(warn_result("B"), when=T1), region=REGION, now=T1)
    assert (fixed.imported, fixed.archived) == (1, 1)
    assert states() == {"A": ("ARCHIVED", "PASSED"), "B": ("ACTIVE", "WARNING")}  # kept

    quiet = import_account(client, OWN, asff(warn_result("B"), when=T1), region=REGION, now=T1)
    assert quiet.archived == 0  # an archived finding is not archived again


@pytest.mark.moto_server
def test_scan_of_some_roles_archives_only_those(moto_env: MotoServer) -> None:
    client = boto3.client("securityhub", region_name=REGION)
    client.enable_security_hub()
    import_account(client, OWN, asff(fail_result("A"), warn_result("B")), region=REGION, now=T0)
    partial = import_account(
        client, OWN, [], region=REGION, now=T1, covered=lambda arn: arn.endswith("/B")
    )
    assert partial.archived == 1
    states = {
        f["Resources"][0]["Id"][-1]: f["RecordState"] for f in client.get_findings()["Findings"]
    }
    assert states == {"A": "ACTIVE", "B": "ARCHIVED"}
