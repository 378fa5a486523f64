"""What an AWS Config rule event and its parameters say, and how a verdict becomes an evaluation.

Pure: no AWS calls (they are in :mod:`trustwarden.integrations.aws_config`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from trustwarden.config import validate_account_id, validate_org_id
from trustwarden.engine.describe import label_principal
from trustwarden.errors import ConfigError, TrustwardenError
from trustwarden.model import Arn, Finding, Origin, Role, RoleResult, Status
from trustwarden.rules.catalog import INVALID_POLICY, WILDCARD_WEAK_PROTECTION

RESOURCE_TYPE = "AWS::IAM::Role"
COMPLIANT = "COMPLIANT"
NON_COMPLIANT = "NON_COMPLIANT"
NOT_APPLICABLE = "NOT_APPLICABLE"
ANNOTATION_LIMIT = 256
DELETED_STATUSES = frozenset({"ResourceDeleted", "ResourceDeletedNotRecorded"})
FAIL_ON_VALUES = ("fail", "warn")
PARAMETER_NAMES = (
    "TrustedAccounts",
    "TrustedOrgs",
    "TrustOrganization",
    "FailOn",
    "KnownAccountsS3Uri",
    "MemberRoleName",
    "AssumeExecutionRole",
)


class EventError(TrustwardenError):
    """A Config event (or its rule parameters) that the handler cannot act on."""


@dataclass(frozen=True, slots=True)
class RuleParameters:
    """The rule's ``InputParameters`` (the event's ``ruleParameters``), checked."""

    trusted_accounts: frozenset[str] = frozenset()
    trusted_orgs: frozenset[str] = frozenset()
    trust_organization: bool = False
    fail_on: str = "fail"
    known_accounts_uri: str | None = None
    member_role: str | None = None
    assume_execution_role: bool = False


def parse_parameters(raw: object) -> RuleParameters:
    """``ruleParameters`` (a JSON string, a dict, or absent) as :class:`RuleParameters`.

    Lists are comma- or space-separated strings (Config parameters are strings) or JSON
    lists; booleans are ``"true"``/``"false"``. Unknown names are errors, so a typo never
    silently does nothing.
    """
    table = _json_object(raw, "ruleParameters", empty_ok=True)
    for name in table:
        if name not in PARAMETER_NAMES:
            raise EventError(
                f"unknown rule parameter {name!r}", hint=f"known: {', '.join(PARAMETER_NAMES)}"
            )
    try:
        accounts = frozenset(validate_account_id(v) for v in _list(table, "TrustedAccounts"))
        orgs = frozenset(validate_org_id(v) for v in _list(table, "TrustedOrgs"))
    except ConfigError as exc:
        raise EventError(f"rule parameters: {exc.message}", hint=exc.hint) from None
    fail_on = (_text(table, "FailOn") or "fail").lower()
    if fail_on not in FAIL_ON_VALUES:
        raise EventError(f"rule parameter FailOn must be fail or warn, not {fail_on!r}")
    uri = _text(table, "KnownAccountsS3Uri")
    if uri is not None:
        split_s3_uri(uri)
    return RuleParameters(
        trusted_accounts=accounts,
        trusted_orgs=orgs,
        trust_organization=_flag(table, "TrustOrganization"),
        fail_on=fail_on,
        known_accounts_uri=uri,
        member_role=_text(table, "MemberRoleName"),
        assume_execution_role=_flag(table, "AssumeExecutionRole"),
    )


def split_s3_uri(uri: str) -> tuple[str, str]:
    """``s3://bucket/key`` as (bucket, key)."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    if not uri.startswith("s3://") or not bucket or not key:
        raise EventError(f"KnownAccountsS3Uri must look like s3://bucket/key, not {uri!r}")
    return bucket, key


def parse_invoking_event(event: Mapping[str, Any]) -> dict[str, Any]:
    """The event's ``invokingEvent`` (a JSON string in real events) as a dict."""
    if not isinstance(event, Mapping):
        raise EventError(f"the event is a {type(event).__name__}, not a JSON object")
    return _json_object(event.get("invokingEvent"), "invokingEvent")


def role_from_item(item: Mapping[str, Any], account_id: str) -> Role:
    """The role a configuration item describes.

    The item's ``configuration`` is an object in change notifications and a JSON string in
    ``GetResourceConfigHistory`` answers; its ``assumeRolePolicyDocument`` is URL-encoded
    JSON, which the engine decodes (a malformed one becomes an ``error`` result).
    """
    configuration = item.get("configuration")
    if isinstance(configuration, str):
        configuration = _json_object(configuration, "configurationItem.configuration")
    if not isinstance(configuration, Mapping):
        raise EventError("the configuration item has no configuration object")
    resource_id = _required(item, "resourceId", "configurationItem")  # the RoleId
    owner = str(item.get("awsAccountId") or account_id)
    name = str(item.get("resourceName") or configuration.get("roleName") or resource_id)
    arn = str(item.get("ARN") or item.get("arn") or configuration.get("arn") or "")
    if not arn:
        arn = f"arn:aws:iam::{owner}:role/{name}"
    return Role(
        arn=arn,
        name=name,
        account_id=owner,
        trust_document=configuration.get("assumeRolePolicyDocument"),
        origin=Origin(source="aws-config", pointer=arn, account_id=owner),
    )


def is_out_of_scope(event: Mapping[str, Any], item: Mapping[str, Any]) -> bool:
    """Deleted, left the rule's scope, or not a role: the answer is ``NOT_APPLICABLE``."""
    return (
        event.get("eventLeftScope") is True
        or item.get("configurationItemStatus") in DELETED_STATUSES
        or item.get("resourceType") != RESOURCE_TYPE
    )


def compliance(status: Status, fail_on: str) -> str:
    """fail, error → NON_COMPLIANT; warn → NON_COMPLIANT only with FailOn=warn; pass → COMPLIANT."""
    if status in (Status.FAIL, Status.ERROR):
        return NON_COMPLIANT
    if status is Status.WARN and fail_on == "warn":
        return NON_COMPLIANT
    return COMPLIANT


def annotation(result: RoleResult, known: Mapping[str, str] | None = None) -> str:
    """At most 256 characters naming the rule ID, the principal and the missing control.

    ``known`` (``{account id: owner}``) adds owners' names to the principals.
    """
    finding = next((f for f in result.findings if f.status is result.status), None)
    if result.status is Status.ERROR:
        code = finding.code if finding is not None else INVALID_POLICY.id
        text = f"trustwarden {code}: the trust policy cannot be read as IAM would: {result.error}"
    elif finding is None:
        text = (
            "trustwarden: no principal outside the trusted accounts can assume this role "
            "without an External ID or MFA."
        )
    else:
        text = f"trustwarden {finding.code}: {_finding_text(finding, known or {})}"
    return clip(" ".join(text.split()), ANNOTATION_LIMIT)


def _finding_text(finding: Finding, known: Mapping[str, str]) -> str:
    who = ", ".join(label_principal(p, known) for p in finding.principals) or "a principal"
    where = f" (statement {finding.statement})" if finding.statement is not None else ""
    witness = finding.witness
    if witness is not None:
        external = (
            "an External ID"
            if witness.external_id is None
            else f"the exact External ID (any value such as {witness.external_id!r} works)"
        )
        return f"{who} can assume the role without {external} or MFA{where}."
    if finding.code == WILDCARD_WEAK_PROTECTION.id:
        return (
            f"any AWS account ({who}) can assume the role with only an External ID or MFA, "
            f"which are not secrets; name the account{where}."
        )
    return f"{who}: {finding.message}"


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def timestamp(value: object) -> datetime:
    """An event time (ISO 8601 text or datetime) as an aware datetime; now when missing."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise EventError(f"not an ISO 8601 time: {value[:40]!r}") from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


def rule_region(event: Mapping[str, Any]) -> str | None:
    """The region of the rule (from ``configRuleArn``): where evaluations must go."""
    arn = Arn.parse(str(event.get("configRuleArn") or ""))
    return arn.region if arn is not None and arn.service == "config" and arn.region else None


# --------------------------------------------------------------------------- internals


def _json_object(raw: object, what: str, *, empty_ok: bool = False) -> dict[str, Any]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if empty_ok:
            return {}
        raise EventError(f"the event has no {what}")
    value: object = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            raise EventError(f"{what} is not valid JSON") from None
    if not isinstance(value, Mapping):
        raise EventError(f"{what} is not a JSON object")
    return dict(value)


def _required(table: Mapping[str, Any], key: str, what: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value:
        raise EventError(f"{what} has no {key}")
    return value


def _text(table: Mapping[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise EventError(f"rule parameter {key} must be a string")
    return value.strip() or None


def _flag(table: Mapping[str, Any], key: str) -> bool:
    value = table.get(key)
    if isinstance(value, bool):
        return value
    text = (_text(table, key) or "false").lower()
    if text not in ("true", "false"):
        raise EventError(f"rule parameter {key} must be true or false, not {text!r}")
    return text == "true"


def _list(table: Mapping[str, Any], key: str) -> list[str]:
    value = table.get(key)
    if value is None:
        return []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [v.strip() for v in value if v.strip()]
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    raise EventError(f"rule parameter {key} must be a comma-separated string")
