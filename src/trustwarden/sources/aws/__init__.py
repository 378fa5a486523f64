"""Live AWS source: sessions, one account's roles, whole organisations, enrichment, faults.

Entry points: :func:`make_session` (credentials → :class:`AwsContext`), :func:`iter_roles`
(one account's roles from paginated ``ListRoles``), :class:`LiveScan` / :func:`scan_live`
(a stream of ``RoleResult``/``Skipped`` events for one account or an organisation).
"""

from trustwarden.sources.aws.account import iter_roles
from trustwarden.sources.aws.organization import DEFAULT_MEMBER_ROLE
from trustwarden.sources.aws.scanner import LiveScan, LiveScanOptions, ScanProgress, scan_live
from trustwarden.sources.aws.session import AwsContext, assume, make_session

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
