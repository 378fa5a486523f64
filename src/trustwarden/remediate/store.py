"""Where trust policies are read and written: the one place ``fix``/``rollback`` talk to IAM."""

from __future__ import annotations

from typing import Any, Protocol

from trustwarden.errors import PolicyError
from trustwarden.policy import decode_document
from trustwarden.sources.aws.faults import (
    AWS_ERRORS,
    describe,
    error_code,
    is_credential_problem,
)


class StoreError(Exception):
    """A trust policy could not be read or written. ``str()`` is one credential-free line."""

    def __init__(self, message: str, *, code: str | None = None, credentials: bool = False):
        super().__init__(message)
        self.code = code
        self.credentials = credentials  # the caller's credentials are the problem

    @property
    def not_found(self) -> bool:
        """The role does not exist (any more)."""
        return self.code == "NoSuchEntity"


class TrustPolicyStore(Protocol):
    """Reads and replaces role trust policies."""

    def read(self, role_name: str) -> dict[str, Any]:
        """The role's current trust policy, decoded (:class:`StoreError` on failure)."""
        ...

    def write(self, role_name: str, document: str) -> None:
        """Replace the role's trust policy with ``document`` (:class:`StoreError` on failure)."""
        ...


class IamTrustPolicyStore:
    """A :class:`TrustPolicyStore` on a boto3 IAM client: GetRole, UpdateAssumeRolePolicy."""

    def __init__(self, client: Any) -> None:
        self._iam = client

    def read(self, role_name: str) -> dict[str, Any]:
        """``GetRole`` and decode its trust policy."""
        try:
            response = self._iam.get_role(RoleName=role_name)
        except AWS_ERRORS as exc:
            raise _store_error(exc) from exc
        try:
            return decode_document(response["Role"]["AssumeRolePolicyDocument"])
        except (KeyError, TypeError, PolicyError) as exc:
            raise StoreError(f"GetRole returned no readable trust policy ({exc})") from exc

    def write(self, role_name: str, document: str) -> None:
        """``UpdateAssumeRolePolicy`` with ``document`` exactly as given."""
        try:
            self._iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=document)
        except AWS_ERRORS as exc:
            raise _store_error(exc) from exc


def _store_error(exc: Exception) -> StoreError:
    return StoreError(describe(exc), code=error_code(exc), credentials=is_credential_problem(exc))
