"""enrich_role on a stub IAM client: AWS-managed policies are named, not fetched."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from trustwarden.engine.severity import role_severity
from trustwarden.model import Role, Severity
from trustwarden.sources.aws.enrich import PolicyDocuments, enrich_role

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


class StubIam:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def get_role(self, **kw: Any) -> dict[str, Any]:
        self.calls.append("GetRole")
        return {"Role": {"RoleName": kw["RoleName"], "Tags": [], "RoleLastUsed": {}}}

    def list_attached_role_policies(self, **kw: Any) -> dict[str, Any]:
        self.calls.append("ListAttachedRolePolicies")
        if "Marker" not in kw:
            return {"AttachedPolicies": [{"PolicyArn": ADMIN}], "IsTruncated": True, "Marker": "m"}
        return {"AttachedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}

    def list_role_policies(self, **kw: Any) -> dict[str, Any]:
        self.calls.append("ListRolePolicies")
        return {"PolicyNames": []}

    def get_policy(self, **kw: Any) -> dict[str, Any]:
        raise AssertionError("AWS-managed policies must not be fetched")


class UsedStubIam(StubIam):
    def get_role(self, **kw: Any) -> dict[str, Any]:
        last = {"LastUsedDate": datetime(2024, 1, 2, tzinfo=UTC), "Region": "eu-west-1"}
        return {"Role": {"RoleName": kw["RoleName"], "RoleLastUsed": last}}


def test_aws_managed_admin_is_named_not_fetched() -> None:
    iam = StubIam()
    role = Role(
        arn="arn:aws:iam::111122223333:role/r",
        name="r",
        account_id="111122223333",
        trust_document={},
    )
    enriched = enrich_role(iam, role, PolicyDocuments(iam))
    assert enriched.permissions is not None
    assert enriched.permissions.managed_policy_arns == (
        ADMIN,
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    )
    assert enriched.permissions.documents == ()
    assert enriched.facts.tags == ()
    assert enriched.facts.last_used is None
    assert enriched.facts.enriched
    assert iam.calls.count("ListAttachedRolePolicies") == 2
    assert role_severity(enriched) is Severity.HIGH


def test_last_used_is_recorded() -> None:
    iam = UsedStubIam()
    role = Role(
        arn="arn:aws:iam::111122223333:role/r",
        name="r",
        account_id="111122223333",
        trust_document={},
    )
    enriched = enrich_role(iam, role, PolicyDocuments(iam))
    assert enriched.facts.last_used == "2024-01-02T00:00:00+00:00"
    assert enriched.facts.last_used_region == "eu-west-1"
