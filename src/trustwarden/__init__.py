"""trustwarden: find and fix AWS IAM roles that outside accounts can assume without an
External ID or MFA (the confused-deputy risk).

The public API is what ``__all__`` lists; everything else is internal. Names are imported on
first use, so ``import trustwarden`` stays cheap (no boto3, click or rich; the live sources
load boto3 when first named)::

    import trustwarden
    result = trustwarden.analyze_policy(document, "111111111111")
    result.status            # "fail" | "warn" | "pass" | "error"
    result.findings[0].witness

    for item in trustwarden.scan(trustwarden.FileSource((Path("authz.json"),))):
        ...  # RoleResult or Skipped, in input order

Sources: :class:`FileSource`, :class:`SampleSource`, :class:`TemplateSource`,
:class:`AccountSource`, :class:`OrganizationSource`, or anything with
``open(settings) -> Opened`` (:class:`Source`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from trustwarden.api import analyze_policy
    from trustwarden.aws.options import AwsOptions
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
    from trustwarden.pipeline import Opened, RolesSource, Scan, Source, scan
    from trustwarden.sources.aws.scanner import AccountSource, OrganizationSource
    from trustwarden.sources.local import FileSource, SampleSource, TemplateSource

_LAZY = {
    "analyze_policy": "trustwarden.api",
    "AwsOptions": "trustwarden.aws.options",
    "Finding": "trustwarden.model",
    "Role": "trustwarden.model",
    "RoleFacts": "trustwarden.model",
    "RoleResult": "trustwarden.model",
    "Settings": "trustwarden.model",
    "Severity": "trustwarden.model",
    "Skipped": "trustwarden.model",
    "Status": "trustwarden.model",
    "Witness": "trustwarden.model",
    "Opened": "trustwarden.pipeline",
    "RolesSource": "trustwarden.pipeline",
    "Scan": "trustwarden.pipeline",
    "Source": "trustwarden.pipeline",
    "scan": "trustwarden.pipeline",
    "AccountSource": "trustwarden.sources.aws.scanner",
    "OrganizationSource": "trustwarden.sources.aws.scanner",
    "FileSource": "trustwarden.sources.local",
    "SampleSource": "trustwarden.sources.local",
    "TemplateSource": "trustwarden.sources.local",
}

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
    "RolesSource",
    "SampleSource",
    "Scan",
    "Settings",
    "Severity",
    "Skipped",
    "Source",
    "Status",
    "TemplateSource",
    "Witness",
    "__version__",
    "analyze_policy",
    "scan",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trustwarden' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
