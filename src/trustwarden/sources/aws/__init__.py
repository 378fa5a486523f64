"""Live AWS source: sessions, one account's roles, whole organisations, enrichment, faults.

Entry points: :func:`make_session` (credentials → :class:`AwsContext`), :func:`iter_roles`
(one account's roles from paginated ``ListRoles``), :class:`LiveScan` / :func:`scan_live`
(a stream of ``RoleResult``/``Skipped`` events for one account or an organisation).
Names are imported on first use, so importing a submodule without boto3
(:mod:`trustwarden.sources.aws.defaults`) does not load boto3.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustwarden.sources.aws.account import iter_roles
    from trustwarden.sources.aws.defaults import DEFAULT_MEMBER_ROLE
    from trustwarden.sources.aws.scanner import LiveScan, LiveScanOptions, ScanProgress, scan_live
    from trustwarden.sources.aws.session import AwsContext, assume, make_session

_LAZY = {
    "DEFAULT_MEMBER_ROLE": "defaults",
    "AwsContext": "session",
    "LiveScan": "scanner",
    "LiveScanOptions": "scanner",
    "ScanProgress": "scanner",
    "assume": "session",
    "iter_roles": "account",
    "make_session": "session",
    "scan_live": "scanner",
}

__all__ = [
    "DEFAULT_MEMBER_ROLE",
    "AwsContext",
    "LiveScan",
    "LiveScanOptions",
    "ScanProgress",
    "assume",
    "iter_roles",
    "make_session",
    "scan_live",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
