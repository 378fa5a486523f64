"""Read one account's IAM roles with paginated ``ListRoles``: no per-role calls.

``ListRoles`` already returns each role's trust policy, so a verdict for a whole account
costs one call per 1,000 roles. Only the fields trustwarden reports are kept; the raw page
is dropped before the next one is fetched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from trustwarden.aws.session import AwsContext
from trustwarden.model import Arn, Origin, Role, RoleFacts

#: The largest page ``ListRoles`` serves.
PAGE_SIZE = 1000


def role_from_listing(item: Mapping[str, Any], *, account_id: str, source: str = "aws") -> Role:
    """Build a :class:`Role` from one ``ListRoles``/``GetRole`` entry.

    The trust policy is kept exactly as delivered (decoded dict or encoded string); the
    engine parses it so a malformed one becomes an ``error`` result for this role only.
    """
    arn = str(item.get("Arn", ""))
    name = str(item.get("RoleName", ""))
    parsed = Arn.parse(arn)
    owner = parsed.account_id if parsed is not None and parsed.account_id else account_id
    path, role_id = item.get("Path"), item.get("RoleId")
    facts = RoleFacts(
        path=str(path) if path is not None else None,
        role_id=str(role_id) if role_id is not None else None,
    )
    return Role(
        arn=arn,
        name=name,
        account_id=owner,
        trust_document=item.get("AssumeRolePolicyDocument"),
        origin=Origin(source=source, pointer=arn or None, account_id=owner),
        facts=facts,
    )


def iter_roles(
    ctx: AwsContext, *, role_filter: Callable[[str], bool] | None = None
) -> Iterator[Role]:
    """Yield every role of ``ctx``'s account (those whose name passes ``role_filter``).

    One ``ListRoles`` call per 1,000 roles (``MaxItems``, following ``Marker`` while
    ``IsTruncated``). botocore exceptions propagate to the caller.
    """
    iam = ctx.client("iam")
    kwargs: dict[str, Any] = {"MaxItems": PAGE_SIZE}
    while True:
        page = iam.list_roles(**kwargs)
        items = page.get("Roles", [])
        marker = page.get("Marker") if page.get("IsTruncated") else None
        del page
        for item in items:
            if role_filter is not None and not role_filter(str(item.get("RoleName", ""))):
                continue
            yield role_from_listing(item, account_id=ctx.account_id)
        if not marker:
            return
        kwargs["Marker"] = marker
