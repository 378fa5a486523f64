"""How to reach AWS: the connection options every live command shares (no boto3 here)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from trustwarden.errors import ConfigError

if TYPE_CHECKING:
    from trustwarden.aws.session import AwsContext, EventHooks

RETRY_MODES = ("standard", "adaptive", "legacy")
DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_RETRY_MODE = "adaptive"

#: The member role an organisation scan assumes by default: a read-only audit role created
#: by the StackSet in ``docs/permissions/member-role-stackset.yaml``.
#: (``OrganizationAccountAccessRole`` exists by default in created accounts but is an
#: administrator role.)
DEFAULT_MEMBER_ROLE = "TrustwardenAuditRole"
#: Accounts of an organisation scanned at once: the default and the most.
DEFAULT_WORKERS = 8
MAX_WORKERS = 64


@dataclass(frozen=True, slots=True)
class AwsOptions:
    """Credentials and retries: ``--profile``, ``--region``, ``--assume-role`` (with
    ``--assume-role-external-id``), ``--max-attempts`` and ``--retry-mode``.

    ``None`` for ``max_attempts``/``retry_mode`` means ``AWS_MAX_ATTEMPTS``/``AWS_RETRY_MODE``
    from the environment given to :meth:`connect`, else the defaults.
    """

    profile: str | None = None
    region: str | None = None
    assume_role: str | None = None
    assume_role_external_id: str | None = None
    max_attempts: int | None = None
    retry_mode: str | None = None

    def validate(self) -> None:
        """Raise :class:`ConfigError` for combinations that make no sense."""
        if self.assume_role_external_id and not self.assume_role:
            raise ConfigError("--assume-role-external-id needs --assume-role")
        if self.max_attempts is not None and self.max_attempts < 1:
            raise ConfigError(f"max attempts must be at least 1, not {self.max_attempts}")
        if self.retry_mode is not None and self.retry_mode not in RETRY_MODES:
            raise ConfigError(
                f"unknown retry mode {self.retry_mode!r}", f"use one of: {', '.join(RETRY_MODES)}"
            )

    def resolved(self, env: Mapping[str, str]) -> tuple[int, str]:
        """``(max_attempts, retry_mode)``: the options, else the environment, else defaults."""
        attempts = self.max_attempts
        if attempts is None:
            raw = env.get("AWS_MAX_ATTEMPTS", "").strip()
            if raw and (not (raw.isascii() and raw.isdigit()) or int(raw) < 1):
                raise ConfigError(f"AWS_MAX_ATTEMPTS must be a positive integer, not {raw!r}")
            attempts = int(raw) if raw else DEFAULT_MAX_ATTEMPTS
        mode = self.retry_mode
        if mode is None:
            raw = env.get("AWS_RETRY_MODE", "").strip()
            if raw and raw not in RETRY_MODES:
                raise ConfigError(
                    f"AWS_RETRY_MODE must be one of {', '.join(RETRY_MODES)}, not {raw!r}"
                )
            mode = raw or DEFAULT_RETRY_MODE
        return attempts, mode

    def connect(
        self, env: Mapping[str, str] | None = None, *, hooks: EventHooks = ()
    ) -> AwsContext:
        """Resolve credentials and identify the account (one STS call).

        Raises :class:`~trustwarden.errors.AwsAccessError` (exit 3) on failure.
        """
        from trustwarden.aws.session import make_session  # noqa: PLC0415 - boto3 on use

        self.validate()
        attempts, mode = self.resolved(env if env is not None else {})
        return make_session(
            profile=self.profile,
            region=self.region,
            assume_role_arn=self.assume_role,
            external_id=self.assume_role_external_id,
            max_attempts=attempts,
            retry_mode=mode,
            hooks=hooks,
        )


__all__ = [
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_MEMBER_ROLE",
    "DEFAULT_RETRY_MODE",
    "DEFAULT_WORKERS",
    "MAX_WORKERS",
    "RETRY_MODES",
    "AwsOptions",
]
