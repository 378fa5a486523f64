"""AWS Config custom Lambda rule: trustwarden's verdict on every IAM role, kept current by Config.

``handler(event, context)`` is the Lambda entry point. It answers the three events AWS
Config sends (see :mod:`trustwarden.integrations.aws_config_rule` for their contents):

* ``ConfigurationItemChangeNotification`` — one role, from the configuration item;
* ``OversizedConfigurationItemChangeNotification`` — one role, fetched with
  ``GetResourceConfigHistory`` (or ``iam:GetRole`` when Config has no item);
* ``ScheduledNotification`` — every role of the account (paginated ``ListRoles``).

Credentials: the function's own for an account-level rule. For an organization rule (the
function in the delegated administrator, invoked from member accounts) the rule parameter
``MemberRoleName`` names the role it assumes in the member account, where it reads roles and
puts evaluations; ``AssumeExecutionRole=true`` assumes the event's ``executionRoleArn``
instead (the RDK's ``ASSUME_ROLE_MODE``). ``PutEvaluations`` goes out in batches of 100; the
token ``TESTMODE`` sets ``TestMode``. An event that cannot be read is logged and answered
with no evaluations, never with an exception (Lambda would retry it).

Only boto3 and the engine are imported: no click, no rich (checked by a test).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from trustwarden import Settings
from trustwarden.engine import analyze_roles
from trustwarden.errors import AwsAccessError, TrustwardenError
from trustwarden.integrations.aws_config_rule import (
    NOT_APPLICABLE,
    RESOURCE_TYPE,
    EventError,
    RuleParameters,
    annotation,
    compliance,
    is_out_of_scope,
    parse_invoking_event,
    parse_parameters,
    role_from_item,
    rule_region,
    split_s3_uri,
    timestamp,
)
from trustwarden.model import Role, RoleResult
from trustwarden.sources.aws.account import iter_roles, role_from_listing
from trustwarden.sources.aws.faults import ACCESS_DENIED_CODES, describe, error_code
from trustwarden.sources.aws.organization import member_role_arn, read_organization
from trustwarden.sources.aws.session import AwsContext, EventHooks, assume, make_session

LOG = logging.getLogger("trustwarden.aws_config")

BATCH_SIZE = 100  # PutEvaluations takes at most 100 evaluations per call
TEST_TOKEN = "TESTMODE"  # noqa: S105 - Config's test-mode result token, not a secret
SESSION_NAME = "trustwarden-config-rule"
CACHE_SECONDS = 900.0  # organization and known-accounts lists, per warm Lambda container
KNOWN_ACCOUNTS_MAX_BYTES = 5_000_000

Evaluation = dict[str, Any]


@dataclass
class _Cache:
    """What is the same for every invocation of a warm container, kept :data:`CACHE_SECONDS`."""

    entries: dict[tuple[str, ...], tuple[float, Any]] = field(default_factory=dict)

    def get(self, key: tuple[str, ...]) -> Any:
        found = self.entries.get(key)
        if found is None or time.monotonic() - found[0] > CACHE_SECONDS:
            return None
        return found[1]

    def put(self, key: tuple[str, ...], value: Any) -> None:
        self.entries[key] = (time.monotonic(), value)


_CACHE = _Cache()


def clear_caches() -> None:
    """Forget the cached session, organization and known-accounts lists (tests)."""
    _CACHE.entries.clear()


def handler(event: Mapping[str, Any], context: object = None) -> list[Evaluation]:
    """The Lambda entry point: evaluate, put the evaluations, return them. Never raises.

    The runtime JSON-encodes what a handler returns, and a value it cannot encode (a
    ``datetime``) fails the invocation (``Runtime.MarshalError``), which Lambda then retries
    as it would an exception: so ``OrderingTimestamp`` is returned as ISO 8601 text.
    """
    return [
        {**item, "OrderingTimestamp": item["OrderingTimestamp"].isoformat()}
        for item in evaluate(event, context)
    ]


def evaluate(
    event: Mapping[str, Any], context: object = None, *, hooks: EventHooks = ()
) -> list[Evaluation]:
    """:func:`handler` with botocore event ``hooks`` (call counting, test stubs)."""
    del context  # the account and region come from the event
    rule = str(event.get("configRuleName", "?")) if isinstance(event, Mapping) else "?"
    put: list[Evaluation] = []  # filled as batches are accepted, so a failure keeps them
    try:
        _evaluate(event, hooks, put)
    except TrustwardenError as exc:
        hint = f" ({exc.hint})" if exc.hint else ""
        LOG.error("rule %s: event not evaluated: %s%s", rule, exc.message, hint)  # noqa: TRY400
    except (BotoCoreError, ClientError) as exc:
        LOG.error("rule %s: event not evaluated: AWS: %s", rule, describe(exc))  # noqa: TRY400
    except Exception:  # the last line of defence: a bug must not become a retry loop
        LOG.exception("rule %s: event not evaluated: internal error", rule)
    counts: dict[str, int] = {}
    for item in put:
        counts[item["ComplianceType"]] = counts.get(item["ComplianceType"], 0) + 1
    LOG.info("rule %s: put %d evaluations %s", rule, len(put), dict(sorted(counts.items())))
    return put


# --------------------------------------------------------------------------- the events


def _evaluate(event: Mapping[str, Any], hooks: EventHooks, put: list[Evaluation]) -> None:
    invoking = parse_invoking_event(event)
    params = parse_parameters(event.get("ruleParameters"))
    token = event.get("resultToken")
    if not isinstance(token, str) or not token:
        raise EventError("the event has no resultToken")
    kind = invoking.get("messageType")
    if kind not in (
        "ConfigurationItemChangeNotification",
        "OversizedConfigurationItemChangeNotification",
        "ScheduledNotification",
    ):
        raise EventError(f"unsupported messageType {str(kind)[:80]!r}")
    base = _base_context(rule_region(event), hooks)
    target = _target(base, event, params)
    if kind == "ScheduledNotification":
        when = timestamp(invoking.get("notificationCreationTime"))
        settings = _settings(base, target, params)
        roles = iter_roles(target)
        _put(target, _judge(roles, settings, params, when), token, put)
        return
    if kind == "ConfigurationItemChangeNotification":
        trigger = invoking.get("configurationItem")
    else:
        trigger = invoking.get("configurationItemSummary")
    if not isinstance(trigger, Mapping):
        raise EventError(f"the {kind} has no configuration item")
    resource_id = str(trigger.get("resourceId") or "")
    if not resource_id:
        raise EventError("the configuration item has no resourceId")
    when = timestamp(trigger.get("configurationItemCaptureTime"))
    item = trigger
    if kind != "ConfigurationItemChangeNotification" and not is_out_of_scope(event, trigger):
        item = _fetch_item(target, trigger)
    if is_out_of_scope(event, item):
        resource_type = str(trigger.get("resourceType") or RESOURCE_TYPE)
        _put(target, [_not_applicable(resource_type, resource_id, when)], token, put)
        return
    role = role_from_item(item, target.account_id)
    settings = _settings(base, target, params)
    _put(target, _judge([role], settings, params, when, resource_id), token, put)


def _judge(
    roles: Iterable[Role],
    settings: Settings,
    params: RuleParameters,
    when: datetime,
    resource_id: str | None = None,
) -> Iterator[Evaluation]:
    for result in analyze_roles(roles, settings):
        yield {
            "ComplianceResourceType": RESOURCE_TYPE,
            "ComplianceResourceId": resource_id or _role_id(result),
            "ComplianceType": compliance(result.status, params.fail_on),
            "Annotation": annotation(result, settings.known_accounts),
            "OrderingTimestamp": when,
        }


def _role_id(result: RoleResult) -> str:
    """Config names an IAM role by its RoleId (``AROA…``), which ``ListRoles`` returns."""
    return str(result.role.extra.get("role_id") or result.role.name)


def _not_applicable(resource_type: str, resource_id: str, when: datetime) -> Evaluation:
    return {
        "ComplianceResourceType": resource_type,
        "ComplianceResourceId": resource_id,
        "ComplianceType": NOT_APPLICABLE,
        "OrderingTimestamp": when,
    }


def _fetch_item(ctx: AwsContext, summary: Mapping[str, Any]) -> Mapping[str, Any]:
    """The full configuration item of an oversized notification.

    ``GetResourceConfigHistory`` gives the item Config recorded; when Config has none (or
    may not be read), ``iam:GetRole`` gives the role's current document. A role that no
    longer exists comes back as a deleted item.
    """
    resource_id = str(summary.get("resourceId") or "")
    name = summary.get("resourceName")
    if not resource_id:
        raise EventError("the configuration item summary has no resourceId")
    try:
        answer = ctx.client("config").get_resource_config_history(
            resourceType=RESOURCE_TYPE, resourceId=resource_id, limit=1
        )
        items = answer.get("configurationItems") or []
        if items:
            return dict(items[0])
    except (BotoCoreError, ClientError) as exc:
        LOG.info("GetResourceConfigHistory %s: %s; reading the role", resource_id, describe(exc))
    if not isinstance(name, str) or not name:
        raise EventError(f"no configuration item for {resource_id} and no role name to read")
    try:
        found = ctx.client("iam").get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if error_code(exc) != "NoSuchEntity":
            raise
        return {**summary, "configurationItemStatus": "ResourceDeleted"}
    role = role_from_listing(found, account_id=ctx.account_id, source="aws-config")
    return {
        **summary,
        "configuration": {
            "arn": role.arn,
            "roleName": role.name,
            "assumeRolePolicyDocument": role.trust_document,
        },
    }


# --------------------------------------------------------------------------- AWS access


def _base_context(region: str | None, hooks: EventHooks) -> AwsContext:
    """The function's own credentials and account (``GetCallerIdentity``).

    Kept for :data:`CACHE_SECONDS` in a warm container (same region and credentials), so a
    warm invocation loads no service models and calls STS once less. Not kept when ``hooks``
    are given: they belong to one caller.
    """
    key = (
        "base",
        region or "",
        os.environ.get("AWS_ACCESS_KEY_ID", ""),
        os.environ.get("AWS_ENDPOINT_URL", ""),
    )
    cached = None if hooks else _CACHE.get(key)
    if isinstance(cached, AwsContext):
        return cached
    base = make_session(region=region, session_name=SESSION_NAME, hooks=hooks)
    if not hooks:
        _CACHE.put(key, base)
    return base


def _target(base: AwsContext, event: Mapping[str, Any], params: RuleParameters) -> AwsContext:
    """Credentials for the account the event is about: where roles are read and results go."""
    account = str(event.get("accountId") or base.account_id)
    try:
        if params.assume_execution_role:
            arn = event.get("executionRoleArn")
            if not isinstance(arn, str) or not arn:
                raise EventError("AssumeExecutionRole is set but the event has no executionRoleArn")
            return assume(base, arn, refreshable=False)
        if account == base.account_id:
            return base
        if params.member_role is None:
            raise EventError(
                f"the event is for account {account}, the function runs in {base.account_id}",
                hint="an organization rule needs the MemberRoleName parameter",
            )
        arn = member_role_arn(account, params.member_role, base.partition)
        return assume(base, arn, refreshable=False)
    except (BotoCoreError, ClientError) as exc:
        raise AwsAccessError(f"entering account {account}: {describe(exc)}") from None


def _settings(base: AwsContext, target: AwsContext, params: RuleParameters) -> Settings:
    accounts = set(params.trusted_accounts)
    orgs = set(params.trusted_orgs)
    if params.trust_organization:
        org_id, members = _organization(base, target)
        if org_id is not None:
            orgs.add(org_id)
        accounts.update(members)
    known = _known_accounts(base, params.known_accounts_uri) if params.known_accounts_uri else {}
    return Settings(
        trusted_accounts=frozenset(accounts), trusted_orgs=frozenset(orgs), known_accounts=known
    )


def _organization(base: AwsContext, target: AwsContext) -> tuple[str | None, frozenset[str]]:
    """The organization id and its accounts; only the id where the accounts cannot be listed.

    ``ListAccounts`` works from the management account and delegated administrators (where
    an organization rule's function runs), once per warm container for every member;
    where it is denied, ``DescribeOrganization`` (any member may call it) gives the id alone.
    Any other failure ends the event (``AwsAccessError``) and is not remembered.
    """
    listed = _CACHE.get(("organization", base.account_id))
    if listed is None:
        try:
            org = read_organization(base)
            listed = (org.id, org.account_ids)
        except AwsAccessError as exc:
            if error_code(exc.__context__ or exc) not in ACCESS_DENIED_CODES:
                # throttled past the retries, a server or network error: judging with the
                # org id alone would flag sibling accounts, and remembering it would do so
                # for every event of this container for CACHE_SECONDS
                raise
            listed = exc.message
        _CACHE.put(("organization", base.account_id), listed)
    if isinstance(listed, tuple):
        return listed
    key = ("organization-id", target.account_id)
    found = _CACHE.get(key)
    if found is None:
        try:
            answer = target.client("organizations").describe_organization()
            found = (str(answer["Organization"]["Id"]), frozenset())
            LOG.warning(
                "TrustOrganization: %s; trusting only aws:PrincipalOrgID %s, not the "
                "organization's account principals (list them in TrustedAccounts)",
                listed,
                found[0],
            )
        except (BotoCoreError, ClientError) as exc:
            LOG.warning("TrustOrganization: no organization found: %s", describe(exc))
            found = (None, frozenset())
        _CACHE.put(key, found)
    return found  # type: ignore[no-any-return]


def _known_accounts(base: AwsContext, uri: str) -> dict[str, str]:
    """Owner names from a known-accounts list in S3; a list that cannot be read is skipped."""
    cached = _CACHE.get(("known", uri))
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    from trustwarden.known_accounts import known_accounts_from_text  # noqa: PLC0415 - YAML on use

    bucket, key = split_s3_uri(uri)
    known: dict[str, str] = {}
    try:
        body = base.client("s3").get_object(Bucket=bucket, Key=key)["Body"]
        data = body.read(KNOWN_ACCOUNTS_MAX_BYTES + 1)
        if len(data) > KNOWN_ACCOUNTS_MAX_BYTES:
            raise EventError(f"{uri}: larger than {KNOWN_ACCOUNTS_MAX_BYTES} bytes")
        known = known_accounts_from_text(data.decode("utf-8"), source=uri)
    except TrustwardenError as exc:
        LOG.warning("known accounts not used: %s", exc.message)
    except UnicodeDecodeError:
        LOG.warning("known accounts not used: %s is not UTF-8 text", uri)
    except (BotoCoreError, ClientError) as exc:
        LOG.warning("known accounts not used: %s: %s", uri, describe(exc))
    _CACHE.put(("known", uri), known)
    return known


def _put(
    ctx: AwsContext, evaluations: Iterable[Evaluation], token: str, put: list[Evaluation]
) -> None:
    """``PutEvaluations`` in batches of 100, as they come; what Config accepts joins ``put``.

    Throttling is retried by botocore (adaptive mode, 10 attempts); a batch that still fails
    raises, which ends the run with the earlier batches kept.
    """
    config = ctx.client("config")
    test_mode = token == TEST_TOKEN

    def send(batch: list[Evaluation]) -> None:
        answer = config.put_evaluations(Evaluations=batch, ResultToken=token, TestMode=test_mode)
        failed = answer.get("FailedEvaluations") or []
        if failed:
            LOG.warning("PutEvaluations: Config rejected %d of %d", len(failed), len(batch))
        rejected = {
            (f.get("ComplianceResourceType"), f.get("ComplianceResourceId")) for f in failed
        }
        put.extend(
            e
            for e in batch
            if (e["ComplianceResourceType"], e["ComplianceResourceId"]) not in rejected
        )

    batch: list[Evaluation] = []
    for evaluation in evaluations:
        batch.append(evaluation)
        if len(batch) == BATCH_SIZE:
            send(batch)
            batch = []
    if batch:
        send(batch)


__all__ = ["BATCH_SIZE", "TEST_TOKEN", "clear_caches", "evaluate", "handler"]
