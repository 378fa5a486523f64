"""make_session / assume against a real moto server process."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.utils import parse_timestamp

from tests.aws.helpers import CallCounter, error_response, request_params
from tests.moto_server import MotoServer
from trustwarden.aws.session import (
    assume,
    default_session_name,
    fast_timestamp,
    make_session,
)
from trustwarden.errors import AwsAccessError, ConfigError, ExitCode

pytestmark = pytest.mark.moto_server


def test_identifies_account_with_one_sts_call(moto_env: MotoServer) -> None:
    counter = CallCounter()
    ctx = make_session(hooks=counter.hooks)
    assert ctx.account_id == "123456789012"
    assert ctx.caller_arn.startswith("arn:aws:")
    assert ctx.partition == "aws"
    assert ctx.region == "us-east-1"
    assert ctx.client("iam").meta.endpoint_url == moto_env.endpoint
    assert dict(counter.calls) == {"sts.GetCallerIdentity": 1}


def test_retry_settings_reach_the_client(moto_env: MotoServer) -> None:
    ctx = make_session(max_attempts=4, retry_mode="standard")
    retries = ctx.client("iam").meta.config.retries
    assert retries["mode"] == "standard"
    assert retries["total_max_attempts"] == 4


def test_assume_role_uses_tool_session_name_and_external_id(moto_env: MotoServer) -> None:
    seen: list[dict[str, str]] = []

    def spy(request: Any, **_: Any) -> None:
        params = request_params(request)
        if params.get("Action") == "AssumeRole":
            seen.append(params)

    counter = CallCounter()
    ctx = make_session(
        assume_role_arn="arn:aws:iam::111122223333:role/Audit",
        external_id="ext-123",
        session_name="trustwarden-test",
        hooks=[*counter.hooks, ("before-send.sts", spy)],
    )
    assert ctx.account_id == "111122223333"
    assert ctx.caller_arn == "arn:aws:sts::111122223333:assumed-role/Audit/trustwarden-test"
    assert seen[0]["ExternalId"] == "ext-123"
    assert seen[0]["RoleSessionName"] == "trustwarden-test"
    assert dict(counter.calls) == {"sts.AssumeRole": 1}
    # The assumed credentials act inside the target account.
    ctx.client("iam").create_role(RoleName="inside", AssumeRolePolicyDocument="{}")
    arn = ctx.client("iam").get_role(RoleName="inside")["Role"]["Arn"]
    assert arn == "arn:aws:iam::111122223333:role/inside"


def test_member_assume_from_context(moto_env: MotoServer) -> None:
    base = make_session()
    member = assume(base, "arn:aws:iam::222233334444:role/TrustwardenAuditRole")
    assert member.account_id == "222233334444"
    assert member.config is base.config
    assert member.session is not base.session


def test_default_session_name_identifies_tool() -> None:
    assert default_session_name(lambda: 0.0) == "trustwarden-19700101T000000Z"


def test_missing_credentials_is_one_line_access_error(
    moto_env: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(AwsAccessError) as info:
        make_session()
    assert info.value.exit_code == ExitCode.AWS_ACCESS
    assert "no AWS credentials found" in info.value.message
    assert "\n" not in info.value.message
    assert info.value.hint


def test_unknown_profile_is_access_error(moto_env: MotoServer) -> None:
    with pytest.raises(AwsAccessError, match="nope"):
        make_session(profile="nope")


def test_expired_token_is_access_error_without_secrets(
    moto_env: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "very-secret-value")

    def expired(request: Any, **_: Any) -> Any:
        return error_response(
            request.url,
            403,
            "ExpiredToken",
            "The security token included in the request is expired",
        )

    with pytest.raises(AwsAccessError) as info:
        make_session(hooks=[("before-send.sts", expired)])
    text = f"{info.value.message} {info.value.hint}"
    assert "ExpiredToken" in text
    assert "very-secret-value" not in text
    assert "testing" not in text


def test_denied_assume_role_is_access_error(moto_env: MotoServer) -> None:
    def denied(request: Any, **_: Any) -> Any:
        return error_response(
            request.url, 403, "AccessDenied", "not authorized to perform sts:AssumeRole"
        )

    with pytest.raises(
        AwsAccessError, match=r"assuming arn:aws:iam::111122223333:role/X: AssumeRole: AccessDenied"
    ):
        make_session(
            assume_role_arn="arn:aws:iam::111122223333:role/X", hooks=[("before-send.sts", denied)]
        )


@pytest.mark.parametrize(("attempts", "mode"), [(0, "adaptive"), (3, "aggressive")])
def test_bad_retry_settings_are_config_errors(attempts: int, mode: str) -> None:
    with pytest.raises(ConfigError):
        make_session(max_attempts=attempts, retry_mode=mode)


def test_region_falls_back_when_unconfigured(
    moto_env: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert boto3.Session().region_name is None
    assert make_session().region == "us-east-1"
    assert make_session(region="eu-west-1").region == "eu-west-1"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("2024-05-01T12:00:00.123456+00:00", datetime(2024, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)),
        ("2024-05-01T12:00:00", datetime(2024, 5, 1, 12)),
        (1714564800, datetime(2024, 5, 1, 12, tzinfo=UTC)),
        ("Wed, 01 May 2024 12:00:00 GMT", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ],
)
def test_fast_timestamp_matches_botocore(raw: object, expected: datetime) -> None:
    assert fast_timestamp(raw) == expected
    assert fast_timestamp(raw) == parse_timestamp(raw)


def test_member_context_without_refresh_shares_session_and_hides_keys(
    moto_env: MotoServer,
) -> None:
    base = make_session()
    member = assume(base, "arn:aws:iam::222233334444:role/Audit", refreshable=False)
    assert member.session is base.session
    assert member.account_id == "222233334444"
    assert member.credentials is not None
    assert member.credentials.secret_key not in repr(member)
    member.client("iam").create_role(RoleName="inside", AssumeRolePolicyDocument="{}")
    arns = [r["Arn"] for r in member.client("iam").list_roles()["Roles"]]
    assert arns == ["arn:aws:iam::222233334444:role/inside"]
    assert base.client("iam").list_roles()["Roles"] == []
