"""Live AWS sources: one account's roles, whole organisations, enrichment.

Entry points: :class:`AccountSource` and :class:`OrganizationSource` (sources for
:func:`trustwarden.pipeline.scan`), :func:`iter_roles` (one account's roles from paginated
``ListRoles``). Sessions, retries and error mapping live in :mod:`trustwarden.aws`.
"""

from trustwarden.aws.options import DEFAULT_MEMBER_ROLE
from trustwarden.sources.aws.account import iter_roles
from trustwarden.sources.aws.scanner import AccountSource, OrganizationSource, ScanProgress

__all__ = [
    "DEFAULT_MEMBER_ROLE",
    "AccountSource",
    "OrganizationSource",
    "ScanProgress",
    "iter_roles",
]
