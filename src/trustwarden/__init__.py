"""trustwarden: find and fix AWS IAM roles that outside accounts can assume without an
External ID or MFA (the confused-deputy risk).

The public API (everything else is internal and may change)::

    from trustwarden import FileSource, Settings, scan

    for item in scan(FileSource((Path("authz.json"),)), Settings(trusted_accounts=...)):
        ...  # RoleResult or Skipped, in input order

Sources: :class:`FileSource`, :class:`SampleSource`, :class:`AccountSource`,
:class:`OrganizationSource`, or anything with ``open(settings) -> Opened`` (:class:`Source`).
Importing ``trustwarden`` loads neither boto3, click nor rich; the live sources load boto3
when first named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from trustwarden.model import (
    Finding,
    Role,
    RoleFacts,
    RoleResult,
    Settings,
    Severity,
    Skipped,
    Status,
    Witness,
)
from trustwarden.pipeline import Opened, Scan, Source, scan

if TYPE_CHECKING:
    from trustwarden.aws.options import AwsOptions
    from trustwarden.sources.aws.scanner import AccountSource, OrganizationSource
    from trustwarden.sources.local import FileSource, SampleSource

__version__ = "0.1.0"

_LAZY = {
    "AwsOptions": "trustwarden.aws.options",
    "AccountSource": "trustwarden.sources.aws.scanner",
    "OrganizationSource": "trustwarden.sources.aws.scanner",
    "FileSource": "trustwarden.sources.local",
    "SampleSource": "trustwarden.sources.local",
}


def __getattr__(name: str) -> Any:
    """Load the sources on first use (the live ones need boto3)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trustwarden' has no attribute {name!r}")
    import importlib  # noqa: PLC0415

    return getattr(importlib.import_module(module), name)


__all__ = [
    "AccountSource",
    "AwsOptions",
    "FileSource",
    "Finding",
    "Opened",
    "OrganizationSource",
    "Role",
    "RoleFacts",
    "RoleResult",
    "SampleSource",
    "Scan",
    "Settings",
    "Severity",
    "Skipped",
    "Source",
    "Status",
    "Witness",
    "__version__",
    "scan",
]
