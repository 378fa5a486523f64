"""Defaults and limits of the live AWS source, importable without boto3 (for option help)."""

from __future__ import annotations

#: The member role trustwarden assumes by default: a read-only audit role created by the
#: StackSet in ``docs/permissions/member-role-stackset.yaml``. (``OrganizationAccountAccessRole``
#: exists by default in created accounts but is an administrator role.)
DEFAULT_MEMBER_ROLE = "TrustwardenAuditRole"
DEFAULT_WORKERS = 8  # accounts scanned at once
MAX_WORKERS = 64
RETRY_MODES = ("standard", "adaptive", "legacy")  # botocore's retry modes

__all__ = ["DEFAULT_MEMBER_ROLE", "DEFAULT_WORKERS", "MAX_WORKERS", "RETRY_MODES"]
