"""Live AWS sources: one account's roles, whole organisations, enrichment.

Entry points: :class:`AccountSource` and :class:`OrganizationSource` (sources for
:func:`trustwarden.pipeline.scan`), :func:`iter_roles` (one account's roles from paginated
``ListRoles``). Sessions, retries and error mapping live in :mod:`trustwarden.aws`.
Names are imported on first use, so a file scan that never touches AWS does not load boto3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustwarden.aws.options import DEFAULT_MEMBER_ROLE
    from trustwarden.sources.aws.account import iter_roles
    from trustwarden.sources.aws.scanner import AccountSource, OrganizationSource, ScanProgress

_LAZY = {
    "DEFAULT_MEMBER_ROLE": "trustwarden.aws.options",
    "AccountSource": f"{__name__}.scanner",
    "OrganizationSource": f"{__name__}.scanner",
    "ScanProgress": f"{__name__}.scanner",
    "iter_roles": f"{__name__}.account",
}

__all__ = [
    "DEFAULT_MEMBER_ROLE",
    "AccountSource",
    "OrganizationSource",
    "ScanProgress",
    "iter_roles",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
