"""Is a request one that STS accepts, from a caller the contract calls an attacker?

STS (AssumeRole API reference, IAM quotas): ``ExternalId`` is 2-1,224 characters of
``[A-Za-z0-9_+=,.@:/-]`` (ASCII: the API pattern's ``\\w`` is not Unicode); ``RoleSessionName``
2-64 of ``[A-Za-z0-9_+=,.@-]``; account IDs are 12 ASCII digits; the root user cannot call
``AssumeRole``; ``aws:MultiFactorAuthPresent`` is present exactly for temporary credentials.
The contract (README, Semantics): the caller is outside the role's account, the trusted
accounts and the trusted organisations, has no MFA, and does not send a literal External ID
the policy names.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tests.engine_exact.iam import ACCOUNT_RE, AttackRequest, Caller, value_text

EXTERNAL_ID_RE = re.compile(r"[A-Za-z0-9_+=,.@:/-]{2,1224}")
SESSION_NAME_RE = re.compile(r"[A-Za-z0-9_+=,.@-]{2,64}")
IAM_NAME_RE = re.compile(r"[A-Za-z0-9_+=,.@-]{1,64}")
ORG_ID_RE = re.compile(r"o-[a-z0-9]{10,32}")


def _tag_text(value: str, low: int, high: int) -> bool:
    """IAM tags: Unicode letters, digits, spaces and ``_ . : / = + - @``."""
    return low <= len(value) <= high and all(
        ch.isalnum() or ch in "_.:/=+-@" or unicodedata.category(ch).startswith("Z") for ch in value
    )


def valid_tag_value(value: str) -> bool:
    """A tag value IAM accepts (0-256 characters)."""
    return _tag_text(value, 0, 256)


def valid_tag_key(value: str) -> bool:
    """A tag key IAM accepts (1-128 characters)."""
    return _tag_text(value, 1, 128)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


# Keys AWS fills in itself: their values have a fixed shape.
_FORMATS: dict[str, Callable[[str], bool]] = {
    "aws:currenttime": lambda v: (
        re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z", v)
        is not None
    ),
    "aws:epochtime": lambda v: re.fullmatch(r"[0-9]{1,12}", v) is not None,
    "aws:sourceip": _is_ip,
    "aws:securetransport": lambda v: v == "true",  # STS is HTTPS only
    "aws:principalisawsservice": lambda v: v == "false",
}
_USER_ID_RE = re.compile(r"AIDA[A-Z0-9]{12,}")
_ROLE_ID_RE = re.compile(r"AROA[A-Z0-9]{12,}:(.+)")


def _literal_ids(doc: Mapping[str, Any]) -> list[tuple[str, bool]]:
    """Literal External IDs the policy names anywhere (value, compared ignoring case)."""
    out: list[tuple[str, bool]] = []
    raw = doc.get("Statement")
    for stmt in [raw] if isinstance(raw, Mapping) else raw or []:
        block = stmt.get("Condition") if isinstance(stmt, Mapping) else None
        if not isinstance(block, Mapping):
            continue
        for operator, keys in block.items():
            if not isinstance(keys, Mapping):
                continue
            for key, values in keys.items():
                if str(key).lower() != "sts:externalid":
                    continue
                for v in values if isinstance(values, list) else [values]:
                    text = value_text(v)
                    like = "Like" in str(operator) and ("*" in text or "?" in text)
                    variable = "${" in text and doc.get("Version") == "2012-10-17"
                    if not like and not variable:
                        out.append((text, "IgnoreCase" in str(operator)))
    return out


def is_policy_literal_external_id(doc: Mapping[str, Any], value: str) -> bool:
    """Whether ``value`` is (or, under an IgnoreCase operator, case-folds to) a literal ID."""
    return any(
        value == lit or (folded and value.lower() == lit.lower())
        for lit, folded in _literal_ids(doc)
    )


def sts_problems(request: AttackRequest) -> list[str]:
    """Why STS would refuse this ``AssumeRole`` call (empty: it accepts it)."""
    c: Caller = request.caller
    out: list[str] = []
    if not ACCOUNT_RE.fullmatch(c.account):
        out.append(f"account {c.account!r} is not 12 ASCII digits")
    if c.kind == "root":
        out.append("the root user cannot call AssumeRole")
    if c.kind in ("user", "role") and not IAM_NAME_RE.fullmatch(c.leaf):
        out.append(f"{c.kind} name {c.leaf!r} is not a valid IAM name")
    if c.kind == "role" and not SESSION_NAME_RE.fullmatch(c.session):
        out.append(f"session name {c.session!r} is not valid")
    ext = request.external_id
    if ext is not None and not EXTERNAL_ID_RE.fullmatch(ext):
        out.append(f"ExternalId {ext!r} is not 2-1224 of [A-Za-z0-9_+=,.@:/-]")
    if request.mfa not in (None, "false", "true"):
        out.append(f"aws:MultiFactorAuthPresent {request.mfa!r} is not a boolean")
    if c.kind == "role" and request.mfa is None:
        out.append("a role session has temporary credentials: MFA key present (false)")
    if request.org_id is not None and not ORG_ID_RE.fullmatch(request.org_id):
        out.append(f"organisation {request.org_id!r} is not an o-... id")
    if request.org_paths is not None:
        if request.org_id is None:
            out.append("org paths without an organisation")
        elif any(not p.startswith(request.org_id + "/") for p in request.org_paths):
            out.append("org paths of another organisation")
    if request.userid is not None:
        m = _ROLE_ID_RE.fullmatch(request.userid)
        if c.kind == "user" and not _USER_ID_RE.fullmatch(request.userid):
            out.append(f"aws:userid {request.userid!r} is not a user's unique id")
        if c.kind == "role" and (m is None or m.group(1) != c.session):
            out.append(f"aws:userid {request.userid!r} is not role-id:session")
    for key, value in request.extra:
        values = value if isinstance(value, tuple) else (value,)
        if key.startswith(("aws:principaltag/", "aws:requesttag/")) and not all(
            valid_tag_value(v) for v in values
        ):
            out.append(f"{key} value {value!r} is not a valid tag value")
        if key == "aws:tagkeys" and not all(valid_tag_key(v) for v in values):
            out.append(f"aws:TagKeys {value!r} holds an invalid tag key")
        if key in _FORMATS and not all(_FORMATS[key](v) for v in values):
            out.append(f"{key} {value!r} is not what AWS sends for it")
        if key in ("sts:rolesessionname", "sts:sourceidentity") and not all(
            SESSION_NAME_RE.fullmatch(v) for v in values
        ):
            out.append(f"{key} {value!r} is not valid")
    return out


def attacker_problems(
    request: AttackRequest,
    doc: Mapping[str, Any],
    trusted_accounts: Iterable[str],
    trusted_orgs: Iterable[str],
) -> list[str]:
    """Why the request is not one the contract's attacker may make (empty: it is)."""
    out = sts_problems(request)
    if request.caller.account in set(trusted_accounts):
        out.append(f"account {request.caller.account} is trusted (or the role's own)")
    orgs = {o.lower() for o in trusted_orgs}
    if request.org_id is not None and request.org_id.lower() in orgs:
        out.append(f"organisation {request.org_id} is trusted")
    if request.mfa == "true":
        out.append("the attacker has no MFA")
    if request.external_id is not None and is_policy_literal_external_id(doc, request.external_id):
        out.append(f"ExternalId {request.external_id!r} is a literal the policy names")
    return out
