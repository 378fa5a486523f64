"""AWS sessions for scanning: boto3's standard credential chain, optional role assumption.

:func:`make_session` resolves credentials the way the AWS CLI does (``--profile``, environment,
SSO, container/instance roles), optionally assumes a role, and asks STS who we are.
:func:`assume` enters another account (an organisation member) from an existing context.
Both honour ``AWS_ENDPOINT_URL`` and the usual retry settings, and both raise
:class:`~trustwarden.errors.AwsAccessError` with a one-line message on failure.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.credentials import Credentials, RefreshableCredentials
from botocore.parsers import ResponseParserError
from botocore.utils import parse_timestamp

from trustwarden import __version__
from trustwarden.aws.faults import AWS_ERRORS, to_access_error
from trustwarden.aws.options import RETRY_MODES
from trustwarden.errors import ConfigError
from trustwarden.model import Arn

DEFAULT_REGION = "us-east-1"
SESSION_NAME_PREFIX = "trustwarden"

#: ``(event name, handler)`` pairs registered on every botocore session trustwarden creates,
#: including member-account sessions (e.g. ``("before-call.*.*", counter)``).
EventHooks = Sequence[tuple[str, Callable[..., Any]]]

_CLIENT_LOCK = threading.Lock()


def default_session_name(now: Callable[[], float] = time.time) -> str:
    """``trustwarden-<UTC timestamp>``: shows up in CloudTrail as the tool's session."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now()))
    return f"{SESSION_NAME_PREFIX}-{stamp}"


@dataclass(frozen=True, eq=False)
class AwsContext:
    """Everything needed to call AWS as one identity in one account."""

    session: boto3.Session
    config: Config
    account_id: str
    caller_arn: str
    region: str
    partition: str = "aws"
    profile: str | None = None
    session_name: str = SESSION_NAME_PREFIX
    hooks: tuple[tuple[str, Callable[..., Any]], ...] = field(default=())
    # Temporary credentials of a member account (see :func:`assume`); never shown in repr.
    credentials: Credentials | None = field(default=None, repr=False)

    def client(self, service: str) -> Any:
        """A new botocore client for ``service`` with the context's retry configuration.

        Safe to call from several threads (boto3 sessions are not thread-safe; creating
        clients is serialised, using them is not).
        """
        keys: dict[str, str] = {}
        if self.credentials is not None:
            keys = {
                "aws_access_key_id": self.credentials.access_key,
                "aws_secret_access_key": self.credentials.secret_key,
                "aws_session_token": self.credentials.token,
            }
        with _CLIENT_LOCK:
            return self.session.client(service, region_name=self.region, config=self.config, **keys)


def make_config(*, max_attempts: int = 10, retry_mode: str = "adaptive", pool: int = 16) -> Config:
    """The botocore configuration trustwarden uses for every client."""
    if retry_mode not in RETRY_MODES:
        raise ConfigError(
            f"unknown retry mode {retry_mode!r}", f"use one of: {', '.join(RETRY_MODES)}"
        )
    if max_attempts < 1:
        raise ConfigError(f"max attempts must be at least 1, not {max_attempts}")
    return Config(
        retries={"total_max_attempts": max_attempts, "mode": retry_mode},
        user_agent_extra=f"trustwarden/{__version__}",
        max_pool_connections=pool,
    )


def _register(session: boto3.Session, hooks: EventHooks) -> None:
    for event, handler in hooks:
        session.events.register(event, handler)


def fast_timestamp(value: object) -> datetime:
    """Parse an API timestamp; ISO 8601 through the standard library.

    botocore's default goes through ``dateutil`` at about a millisecond per value, which
    is most of the client-side cost of a 1,000-role ``ListRoles`` page (one ``CreateDate``
    per role). Anything ``fromisoformat`` rejects falls back to botocore's parser.
    """
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return parsed
    result: datetime = parse_timestamp(value)
    return result


def _tune(core: Any) -> None:
    """Per botocore session: the fast timestamp parser; unreadable JSON answers are errors."""
    core.get_component("response_parser_factory").set_parser_defaults(
        timestamp_parser=fast_timestamp
    )
    core.register("before-parse", _reject_unreadable_json)


def _reject_unreadable_json(operation_model: Any, response_dict: Any, **_: Any) -> None:
    """A successful JSON-protocol answer (Organizations) must be a JSON object.

    botocore reads any other body as an answer with no fields: an organisation without
    accounts, a clean scan. It is a :class:`ResponseParserError` instead (never quoting it).
    """
    body = response_dict.get("body")
    if (
        operation_model.service_model.resolved_protocol not in ("json", "rest-json")
        or not 200 <= int(response_dict.get("status_code") or 0) < 300
        or not isinstance(body, bytes)
        or not body.strip()
    ):
        return
    try:
        parsed = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        parsed = None
    if not isinstance(parsed, dict):
        raise ResponseParserError("the JSON answer cannot be read")


def _account_of(arn: str) -> str:
    parsed = Arn.parse(arn)
    return parsed.account_id if parsed is not None else ""


def _partition_of(arn: str) -> str:
    parsed = Arn.parse(arn)
    return parsed.partition if parsed is not None else "aws"


def make_session(
    *,
    profile: str | None = None,
    assume_role_arn: str | None = None,
    external_id: str | None = None,
    region: str | None = None,
    max_attempts: int = 10,
    retry_mode: str = "adaptive",
    session_name: str | None = None,
    hooks: EventHooks = (),
) -> AwsContext:
    """Resolve credentials, optionally assume ``assume_role_arn``, and identify the account.

    Costs one STS call: ``GetCallerIdentity``, or ``AssumeRole`` with ``assume_role_arn``
    (whose answer names the account).
    """
    config = make_config(max_attempts=max_attempts, retry_mode=retry_mode)
    name = session_name or default_session_name()
    try:
        session = boto3.Session(profile_name=profile, region_name=region)
        _tune(session._session)
        _register(session, hooks)
        resolved_region = region or session.region_name or DEFAULT_REGION
        ctx = AwsContext(
            session=session,
            config=config,
            account_id="",
            caller_arn="",
            region=resolved_region,
            profile=profile,
            session_name=name,
            hooks=tuple(hooks),
        )
        if assume_role_arn:
            # The AssumeRole answer names the account: no GetCallerIdentity needed.
            return assume(ctx, assume_role_arn, external_id=external_id)
        identity = ctx.client("sts").get_caller_identity()
    except AWS_ERRORS as exc:
        doing = f"assuming {assume_role_arn}" if assume_role_arn else "reading AWS credentials"
        raise to_access_error(exc, doing=doing) from None
    arn = str(identity["Arn"])
    return replace(
        ctx, account_id=str(identity["Account"]), caller_arn=arn, partition=_partition_of(arn)
    )


def assume(
    ctx: AwsContext,
    role_arn: str,
    *,
    external_id: str | None = None,
    sts: Any = None,
    refreshable: bool = True,
) -> AwsContext:
    """Enter ``role_arn`` from ``ctx`` with temporary credentials.

    Costs one STS ``AssumeRole`` call. The account id comes from the assumed-role ARN, so
    no ``GetCallerIdentity`` is needed. With ``refreshable`` (for long runs) the context
    gets a session of its own that assumes the role again before the credentials expire;
    without it (one member account, scanned in well under the default hour) clients are
    made from ``ctx``'s session with the temporary keys, which is much cheaper.
    Pass ``sts`` (a client of ``ctx``) when calling from several threads: boto3 sessions
    are not thread-safe, clients are. Raises botocore exceptions unchanged; callers decide
    whether that is fatal.
    """
    if sts is None:
        sts = ctx.client("sts")
    assumed: list[str] = []

    def fetch() -> dict[str, str]:
        kwargs: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": ctx.session_name}
        if external_id:
            kwargs["ExternalId"] = external_id
        response = sts.assume_role(**kwargs)
        creds = response["Credentials"]
        assumed.append(str(response["AssumedRoleUser"]["Arn"]))
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": creds["Expiration"].isoformat(),
        }

    credentials = RefreshableCredentials.create_from_metadata(
        metadata=fetch(), refresh_using=fetch, method="sts-assume-role"
    )
    if not refreshable:
        # Clients come from the parent session with these keys: no new botocore session
        # (building one costs tens of milliseconds of CPU, per account, under the GIL).
        caller_arn = assumed[0]
        return replace(
            ctx,
            account_id=_account_of(caller_arn),
            caller_arn=caller_arn,
            partition=_partition_of(caller_arn),
            credentials=credentials.get_frozen_credentials(),
        )
    with _CLIENT_LOCK:
        loader = ctx.session._session.get_component("data_loader")
    core = botocore.session.Session(profile=ctx.profile)
    # Share the parsed service models with the parent session: creating clients for
    # hundreds of accounts would otherwise re-read the same JSON models each time.
    core.register_component("data_loader", loader)
    core._credentials = credentials
    _tune(core)
    session = boto3.Session(botocore_session=core, region_name=ctx.region)
    _register(session, ctx.hooks)
    caller_arn = assumed[0]
    return replace(
        ctx,
        session=session,
        credentials=None,
        account_id=_account_of(caller_arn),
        caller_arn=caller_arn,
        partition=_partition_of(caller_arn),
    )
