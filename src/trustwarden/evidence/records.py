"""Read one CloudTrail record (a dict, as in a log file's ``Records`` array or a
``LookupEvents`` ``CloudTrailEvent``) into an :class:`AssumeRoleCall`.

The fields, as AWS documents them for ``AssumeRole`` ("Logging IAM and AWS STS API calls
with AWS CloudTrail", IAM User Guide; "CloudTrail record contents", CloudTrail User Guide):
``eventSource`` ``sts.amazonaws.com``, ``eventName`` ``AssumeRole``, ``eventTime``,
``awsRegion`` (``us-east-1`` for the global endpoint, else the regional endpoint's region),
``userIdentity.accountId`` (the caller's account; in the role account's copy the identity is
``{"type": "AWSAccount", "principalId", "accountId"}``), ``requestParameters.roleArn``,
``.roleSessionName``, ``.externalId``, ``.serialNumber`` (the MFA device), ``errorCode`` on a
refused call, ``sharedEventID`` (the same in both accounts' copies of a cross-account call),
``eventID`` and ``recipientAccountId`` (the account whose trail holds the copy).
"""

from __future__ import annotations

from collections.abc import Mapping

from trustwarden.evidence.model import AssumeRoleCall
from trustwarden.model import Arn, is_account_id

EVENT_SOURCE = "sts.amazonaws.com"
EVENT_NAME = "AssumeRole"


MAX_TEXT = 2048  # longer than anything STS accepts; a forged log cannot make values huge


def _text(value: object) -> str | None:
    return value[:MAX_TEXT] if isinstance(value, str) and value else None


def call_from_record(record: object) -> AssumeRoleCall | None:
    """The call a record describes, or ``None`` for any other record (or a malformed one).

    Records of other events, and ``AssumeRole`` records without a readable role ARN or
    caller account, are not evidence; they are skipped, never an error.
    """
    if not isinstance(record, Mapping):
        return None
    get = record.get
    if get("eventName") != EVENT_NAME or get("eventSource") != EVENT_SOURCE:
        return None
    params = record.get("requestParameters")
    identity = record.get("userIdentity")
    if not isinstance(params, Mapping) or not isinstance(identity, Mapping):
        return None
    role_arn = _text(params.get("roleArn"))
    arn = Arn.parse(role_arn) if role_arn else None
    caller_account = _text(identity.get("accountId"))
    if arn is None or role_arn is None or not caller_account:
        return None
    if arn.service != "iam" or not arn.resource.startswith("role/"):
        return None
    if not (is_account_id(caller_account) and is_account_id(arn.account_id)):
        return None
    principal_id = _text(identity.get("principalId")) or ""
    identity_type = _text(identity.get("type")) or ""
    recipient = _text(record.get("recipientAccountId"))
    return AssumeRoleCall(
        event_time=_text(record.get("eventTime")) or "",
        role_arn=role_arn,
        role_account=arn.account_id,
        role_name=arn.resource.rsplit("/", 1)[-1],
        caller_account=caller_account,
        caller_arn=_caller_arn(identity),
        caller_is_session=identity_type == "AssumedRole" or ":" in principal_id,
        external_id=_optional_text(params.get("externalId")),
        mfa_device=_text(params.get("serialNumber")),
        session_name=_text(params.get("roleSessionName")),
        error_code=_text(record.get("errorCode")),
        region=_text(record.get("awsRegion")) or "",
        dedupe_key=_text(record.get("sharedEventID")) or _text(record.get("eventID")),
        recipient_account=recipient if recipient and is_account_id(recipient) else None,
    )


def _optional_text(value: object) -> str | None:
    """An External ID as sent (an empty string is kept: STS would refuse it, but it was sent)."""
    return value[:MAX_TEXT] if isinstance(value, str) else None


def _caller_arn(identity: Mapping[str, object]) -> str | None:
    """The IAM ARN of the caller (for a role session: the role, as ``aws:PrincipalArn``)."""
    if identity.get("type") == "AssumedRole":
        context = identity.get("sessionContext")
        issuer = context.get("sessionIssuer") if isinstance(context, Mapping) else None
        if isinstance(issuer, Mapping):
            return _text(issuer.get("arn"))
        return None
    arn = _text(identity.get("arn"))
    return arn if arn and arn.startswith("arn:") else None


def is_other_accounts_copy(call: AssumeRoleCall) -> bool:
    """Whether the record is the *caller's* copy of a cross-account call.

    CloudTrail delivers a cross-account ``AssumeRole`` to both accounts' trails, with the same
    ``sharedEventID`` and each account as ``recipientAccountId``. The role account's copy is
    the one counted, so an organisation trail holding both copies counts the call once.
    """
    recipient = call.recipient_account
    return recipient is not None and call.role_account not in (recipient, call.caller_account)
