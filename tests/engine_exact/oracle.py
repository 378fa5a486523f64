"""A brute-force oracle: try a small finite universe of attacker requests against a policy.

The universe is built from the policy's own literals plus perturbations (several fillers for
each wildcard, values between numeric and date bounds, decimals, addresses in and out of
ranges, several-element sets, case variants, accounts drawn from patterns and between
mentioned ones) and fresh values. Every request is checked by the STS/contract validator
(:mod:`tests.engine_exact.sts`) and judged by the independent evaluator
(:mod:`tests.engine_exact.iam`). Finding an allowed request proves exposure; finding none
proves nothing (the universe is finite).
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from tests.engine_exact import iam
from tests.engine_exact.iam import AttackRequest, Caller, Cond, ContextValue, Policy
from tests.engine_exact.sts import (
    ORG_ID_RE,
    SESSION_NAME_RE,
    attacker_problems,
    is_policy_literal_external_id,
    valid_tag_key,
    valid_tag_value,
)

# Fillers for "*" and "?": the engine's own (x, "", Q7z, 0, 9) and others it never tries.
FILLS = (("k3", "k"), ("Zq", "Z"), ("oracle", "3"), ("7", "7"), ("", "m"), ("x", "x"))
DIGITS = "2370951486"
FRESH_ACCOUNTS = ("818181818181", "727272727272")
FRESH_ORG = "o-oracle00001"
FRESH_EXT = "oracle-ext-77"
FRESH_VALUE = "oracle-val"
BIND = ("oraclebind1", "o-oraclebind1")
IDENTITY_KEYS = {
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principaltype",
    "aws:username",
    "aws:userid",
    "aws:principalisawsservice",
}
MFA_KEYS = {"aws:multifactorauthpresent", "aws:multifactorauthage"}
ORG_KEYS = {"aws:principalorgid", "aws:principalorgpaths"}
EXT = "sts:externalid"
# Keys every AssumeRole request carries: never absent in the universe.
ALWAYS = {
    "aws:currenttime",
    "aws:epochtime",
    "aws:securetransport",
    "aws:sourceip",
    "aws:requestedregion",
}
# A value AWS could send for each always-present key.
ALWAYS_DEFAULT = {
    "aws:currenttime": "2026-01-01T00:00:00Z",
    "aws:epochtime": "1767225600",
    "aws:sourceip": "192.0.2.10",
    "aws:securetransport": "true",
    "aws:requestedregion": "us-east-1",
}
# Keys a direct call by an IAM user or role session carries with a fixed value (None: absent).
FIXED: dict[str, str | None] = {
    "aws:principalservicename": None,
    "aws:principalservicenameslist": None,
    "aws:calledvia": None,
    "aws:calledviafirst": None,
    "aws:calledvialast": None,
    "aws:viaawsservice": "false",
}
MULTIVALUED = {"aws:tagkeys", "aws:calledvia", "aws:principalorgpaths"}
MAX_REQUESTS = 6000
MAX_CALLERS = 40
_ACCOUNT_TEXT = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])")
_ACCOUNT_PATTERN = re.compile(r"[0-9*?]*[*?][0-9*?]*|[0-9]+[*?][0-9*?]*")
_NAMED = re.compile(r"(?i)\b(user|role|assumed-role)/([^\s\"',]+)")


@dataclass(frozen=True)
class Tpl:
    """A value holding policy variables, resolved against each request's context."""

    text: str


Candidate = str | Tpl | None


@dataclass(frozen=True)
class Outcome:
    """What the oracle found: an allowed outsider request (or None) and how many it tried."""

    request: AttackRequest | None
    tried: int
    refused: str | None = None


# --------------------------------------------------------------------------- collecting


def _strings(doc: Any) -> Iterator[str]:
    if isinstance(doc, str):
        yield doc
    elif isinstance(doc, Mapping):
        for v in doc.values():
            yield from _strings(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _strings(v)
    elif isinstance(doc, bool):
        yield "true" if doc else "false"
    elif isinstance(doc, int | float):
        yield str(doc)


def glob_fills(pattern: str) -> list[str]:
    """Several strings matching an IAM wildcard pattern (the string itself if it has none)."""
    if "*" not in pattern and "?" not in pattern:
        return [pattern]
    out = [pattern.replace("*", s).replace("?", q) for s, q in FILLS]
    return _dedupe(out)


def _account_fills(pattern: str) -> list[str]:
    fixed = len(pattern.replace("*", ""))
    if fixed > 12 or ("*" not in pattern and fixed != 12):
        return []
    out = []
    for d in DIGITS:
        text = pattern.replace("?", d)
        if "*" in text:
            head, _, tail = text.partition("*")
            text = head + d * (12 - fixed) + tail.replace("*", "")
        if iam.ACCOUNT_RE.fullmatch(text):
            out.append(text)
    return out


def _dedupe(values: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for v in values:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def accounts(doc: Mapping[str, Any]) -> list[str]:
    """Accounts worth trying: named, drawn from patterns, between/next to named ones, fresh."""
    named: list[str] = []
    drawn: list[str] = []
    for s in _strings(doc):
        named.extend(_ACCOUNT_TEXT.findall(s))
        for field in re.split(r"[:/]", s):
            for m in _ACCOUNT_PATTERN.finditer(field):
                if any(ch.isdigit() for ch in m.group()) or m.group() in ("*", "????????????"):
                    drawn.extend(_account_fills(m.group()))
    nums = sorted({int(a) for a in named})
    near: list[str] = []
    for n in nums:
        near.extend([f"{n - 1:012d}", f"{n + 1:012d}"])
    for a, b in itertools.combinations(nums, 2):
        if 1 < b - a <= 10**9:
            near.append(f"{(a + b) // 2:012d}")
    ok = [a for a in (*named, *drawn, *near, *FRESH_ACCOUNTS) if iam.ACCOUNT_RE.fullmatch(a)]
    return _dedupe(ok)


def callers(doc: Mapping[str, Any], account_list: list[str], partition: str) -> list[Caller]:
    """Callers in those accounts: a user and a role session each, plus named/derived ones."""
    out: list[Caller] = []
    for s in _strings(doc):
        for m in _NAMED.finditer(s):
            kind = m.group(1).lower()
            rest = m.group(2)
            before = s[: m.start()].rstrip(":")
            field = before.rsplit(":", 1)[-1] if ":" in before else ""
            if iam.ACCOUNT_RE.fullmatch(field):
                accts = [field]
            elif "*" in field or "?" in field:
                accts = [*_account_fills(field)[:3], *FRESH_ACCOUNTS]
            else:
                accts = list(FRESH_ACCOUNTS)
            session = "oracle-s"
            if kind == "assumed-role":
                kind = "role"
                rest, _, session = rest.partition("/")
                session = session or "oracle-s"
            for name in _dedupe(n for r in glob_fills(rest) for n in (r, r.lower())):
                if not name or not iam.IAM_NAME_RE.fullmatch(name.rsplit("/", 1)[-1]):
                    continue
                sessions = [s for s in glob_fills(session)[:2] if SESSION_NAME_RE.fullmatch(s)]
                out.extend(Caller(a, kind, name, s, partition) for a in accts for s in sessions)
    for value in _values_of(doc, "aws:username"):
        for name in glob_fills(value):
            if iam.IAM_NAME_RE.fullmatch(name):
                out.extend(Caller(a, "user", name, partition=partition) for a in account_list[:8])
    for a in account_list:
        out.append(Caller(a, "user", partition=partition))
        out.append(Caller(a, "role", "oracle-r", partition=partition))
    return _dedupe(out)


def _conds(policy: Policy) -> list[Cond]:
    return [c for s in policy.statements for c in s.conds]


def _values_of(doc: Mapping[str, Any], key: str) -> list[str]:
    try:
        policy = iam.parse(doc)
    except iam.Refused:
        return []
    return [v for c in _conds(policy) if c.key == key for v in c.values]


def _referenced(policy: Policy) -> set[str]:
    if not policy.variables_on:
        return set()
    out = set()
    for c in _conds(policy):
        for v in c.values:
            for m in re.finditer(r"\$\{([^},]*)", v):
                out.add(m.group(1).strip().lower())
    return out - {"*", "?", "$"}


def _numeric_values(values: list[str]) -> list[str]:
    nums: list[Decimal] = []
    for v in values:
        try:
            d = Decimal(v)
        except InvalidOperation:
            continue
        if d.is_finite():
            nums.append(d)
    out: list[Decimal] = []
    for d in nums:
        out.extend([d, d - 1, d + 1, d - Decimal("0.5"), d + Decimal("0.5"), d + Decimal("0.001")])
    for a, b in itertools.combinations(sorted(set(nums)), 2):
        out.append((a + b) / 2)
    return [_fmt(d) for d in out]


def _fmt(d: Decimal) -> str:
    return str(d.quantize(Decimal(1))) if d == d.to_integral_value() else format(d.normalize(), "f")


def _date_values(values: list[str]) -> list[str]:
    whens = []
    for v in values:
        try:
            whens.append(iam.parse_date(v))
        except iam.Ambiguous:
            continue
    now = datetime.now(UTC).replace(microsecond=0)
    out = [now, now + timedelta(days=3650)]
    for w in whens:
        out.extend([w, w - timedelta(seconds=1), w + timedelta(seconds=1)])
    for a, b in itertools.combinations(sorted(set(whens)), 2):
        out.append(a + (b - a) / 2)
    return [w.strftime("%Y-%m-%dT%H:%M:%SZ") for w in out]


def _ip_values(values: list[str]) -> list[str]:
    out = ["203.0.113.77"]
    for v in values:
        try:
            net = ipaddress.ip_network(v, strict=False)
        except ValueError:
            continue
        out.append(str(net.network_address))
        if net.num_addresses > 2:
            out.append(str(net.network_address + 1))
        with contextlib.suppress(ipaddress.AddressValueError):
            out.append(str(net.broadcast_address + 1))
    return out


def _string_values(conds: list[Cond], variables_on: bool) -> list[Candidate]:
    """The policy's values as written first, then their case variants, then wildcard fills."""
    written: list[Candidate] = []
    cases: list[Candidate] = []
    fills: list[Candidate] = []
    for c in conds:
        for v in c.values:
            if variables_on and "${" in v:
                written.append(Tpl(v))
                continue
            like = c.base in ("StringLike", "StringNotLike") or c.base.startswith("Arn")
            filled = glob_fills(v) if like else [v]
            first = filled[0]
            written.append(first)
            cases.extend([first.lower(), first.upper(), first.swapcase()])
            for f in filled:
                fills.extend([f, f.swapcase(), f.upper(), f.lower()])
    return _dedupe([*written, *cases, *fills])


def key_values(
    key: str, conds: list[Cond], variables_on: bool, referenced: bool
) -> list[Candidate]:
    """Concrete values (and templates) worth trying for one non-identity key."""
    values = [v for c in conds for v in c.values]
    out: list[Candidate] = []
    bases = {c.base for c in conds}
    if bases & set(iam.NUMERIC_BASES):
        out.extend(_numeric_values(values))
    if bases & set(iam.DATE_BASES) or key in ("aws:currenttime",):
        out.extend(_date_values(values))
    if bases & set(iam.IP_BASES) or key == "aws:sourceip":
        out.extend(_ip_values(values))
    if "Bool" in bases or key == "aws:securetransport":
        out.extend(["true", "false"])
    if bases & (set(iam.STRING_BASES) | set(iam.ARN_BASES) | {"Null"}):
        out.extend(_string_values(conds, variables_on))
        out.extend([FRESH_VALUE, ""])
    if referenced:
        out.extend(BIND)
    if key == "aws:securetransport":
        out = ["true"]  # STS is HTTPS only
    if key == "aws:currenttime":
        out = [v for v in out if isinstance(v, str) and _not_past(v)]
    return _dedupe(out)


def _not_past(text: str) -> bool:
    try:
        return iam.parse_date(text) >= datetime.now(UTC) - timedelta(minutes=5)
    except iam.Ambiguous:
        return False


def _valid_for_key(key: str, value: ContextValue) -> bool:
    values = value if isinstance(value, tuple) else (value,)
    if key.startswith(("aws:principaltag/", "aws:requesttag/")):
        return all(valid_tag_value(v) for v in values)
    if key == "aws:tagkeys":
        return all(valid_tag_key(v) for v in values)
    if key in ("sts:rolesessionname", "sts:sourceidentity"):
        return all(SESSION_NAME_RE.fullmatch(v) for v in values)
    if key == "aws:principalorgpaths":
        return True
    return True


def key_options(
    key: str, conds: list[Cond], variables_on: bool, referenced: bool
) -> list[ContextValue | Tpl | None]:
    """Options for one extra key: absent (unless always sent), values, and for multivalued
    keys sets of zero, one, two and three values."""
    values = key_values(key, conds, variables_on, referenced)
    multi = key in MULTIVALUED or any(c.set_op for c in conds)
    out: list[ContextValue | Tpl | None] = [] if key in ALWAYS else [None]
    if not multi:
        out.extend(v for v in values if isinstance(v, Tpl) or _valid_for_key(key, v))  # type: ignore[arg-type]
        return out
    plain = [v for v in values if isinstance(v, str) and v and _valid_for_key(key, v)][:12]
    if key not in ALWAYS:  # a key AWS always sends (aws:CurrentTime...) is never an empty set
        out.append(())
    elif not plain and key in ALWAYS_DEFAULT:
        plain = [ALWAYS_DEFAULT[key]]  # it is still sent: one value AWS could send
    out.extend((v,) for v in plain)
    out.extend(tuple(p) for p in itertools.combinations(plain, 2))
    if len(plain) >= 3:
        out.append(tuple(plain[:3]))
    return out


def external_ids(conds: list[Cond], variables_on: bool, referenced: bool) -> list[Candidate]:
    """External IDs worth trying: absent, fresh, variants and fills of the policy's values."""
    out: list[Candidate] = [None, FRESH_EXT]
    out.extend(_string_values(conds, variables_on))
    if referenced:
        out.extend(BIND)
    return _dedupe(out)


def org_options(
    conds: list[Cond], variables_on: bool, referenced: set[str]
) -> list[tuple[Candidate, tuple[str, ...] | Tpl | None]]:
    """(PrincipalOrgID, PrincipalOrgPaths) pairs: none, a fresh org, the policy's own."""
    orgs: list[Candidate] = [FRESH_ORG]
    paths: list[str] = []
    tpl_paths: list[Tpl] = []
    for c in conds:
        for v in c.values:
            if variables_on and "${" in v:
                (orgs.append(Tpl(v)) if c.key == "aws:principalorgid" else tpl_paths.append(Tpl(v)))
                continue
            like = c.base in ("StringLike", "StringNotLike")
            for filled in glob_fills(v) if like else [v]:
                if c.key == "aws:principalorgid":
                    orgs.extend([filled, filled.lower()])
                else:
                    paths.append(filled)
    if "aws:principalorgid" in referenced:
        orgs.append(BIND[1])
    orgs.extend(p.split("/", 1)[0] for p in paths)
    out: list[tuple[Candidate, tuple[str, ...] | Tpl | None]] = [(None, None)]
    for org in _dedupe(orgs):
        if isinstance(org, Tpl):
            out.append((org, None))
            continue
        if org is None or not ORG_ID_RE.fullmatch(org):
            continue
        out.append((org, None))
        out.append((org, (f"{org}/r-ab12/ou-ab12-oracle01/",)))
        out.extend((org, (p,)) for p in paths if p.startswith(org + "/"))
        out.extend((org, t) for t in tpl_paths)
    return _dedupe(out)


# --------------------------------------------------------------------------- searching


def _resolve(value: Any, ctx: Mapping[str, ContextValue]) -> Any:
    """A template's value in this context (wildcards left in it filled), or the value."""
    if isinstance(value, tuple):
        return tuple(_resolve(v, ctx) for v in value)
    if not isinstance(value, Tpl):
        return value
    parts = iam.substitute(value.text, ctx, True)
    return "".join(t if lit else t.replace("*", "k3").replace("?", "k") for t, lit in parts)


def _holds_alone(conds: list[Cond], key: str, value: Any, policy: Policy) -> bool:
    """Whether the Allow's variable-free conditions on ``key`` can hold with this value."""
    ctx = {} if value is None else {key: value}
    for c in conds:
        if c.key != key or (policy.variables_on and any("${" in v for v in c.values)):
            continue
        try:
            if not iam.condition_holds(c, ctx, policy.variables_on):
                return False
        except iam.Ambiguous:
            continue
    return True


def find_allowed(
    doc: Mapping[str, Any],
    own_account: str,
    trusted_accounts: Iterable[str] = (),
    trusted_orgs: Iterable[str] = (),
    partition: str = "aws",
    limit: int = MAX_REQUESTS,
) -> Outcome:
    """The first outsider request in the universe that the policy allows."""
    try:
        policy = iam.parse(doc)
    except iam.Refused as exc:
        return Outcome(None, 0, refused=str(exc))
    trusted = {own_account, *trusted_accounts}
    orgs = list(trusted_orgs)
    acct_list = [a for a in accounts(doc) if a not in trusted]
    all_callers = [c for c in callers(doc, acct_list, partition) if c.account not in trusted]
    referenced = _referenced(policy)
    denies = [s for s in policy.statements if s.effect == "Deny" and s.covers_assume_role]
    tried = 0
    for stmt in policy.statements:
        if stmt.effect != "Allow" or not stmt.covers_assume_role:
            continue
        hit, n = _search_statement(
            doc,
            policy,
            stmt,
            denies,
            all_callers,
            referenced,
            trusted,
            orgs,
            partition,
            limit - tried,
        )
        tried += n
        if hit is not None:
            return Outcome(hit, tried)
        if tried >= limit:
            break
    return Outcome(None, tried)


def _search_statement(
    doc: Mapping[str, Any],
    policy: Policy,
    stmt: iam.Stmt,
    denies: list[iam.Stmt],
    all_callers: list[Caller],
    referenced: set[str],
    trusted: set[str],
    orgs: list[str],
    partition: str,
    budget: int,
) -> tuple[AttackRequest | None, int]:
    conds = list(stmt.conds)
    every = conds + [c for d in denies for c in d.conds]
    keys = {c.key for c in every} | referenced
    # Callers the statement names and whose identity passes its variable-free conditions.
    chosen: list[Caller] = []
    for caller in all_callers:
        probe = AttackRequest(caller, mfa=None if caller.kind == "user" else "false")
        ctx = probe.context()
        try:
            names = iam.statement_applies(
                iam.Stmt(
                    stmt.effect,
                    stmt.actions,
                    stmt.not_actions,
                    stmt.principals,
                    stmt.not_principals,
                    (),
                ),
                probe,
                ctx,
                policy,
                partition,
            )
        except iam.Ambiguous:
            continue
        if not names:
            continue
        if all(_holds_alone(conds, k, ctx.get(k), policy) for k in IDENTITY_KEYS if k in keys):
            chosen.append(caller)
    chosen = chosen[:MAX_CALLERS]
    if not chosen:
        return None, 0
    ext_opts = (
        [
            e
            for e in external_ids(
                [c for c in every if c.key == EXT], policy.variables_on, EXT in referenced
            )
            if isinstance(e, Tpl)
            or (
                _holds_alone(conds, EXT, e, policy)
                and (e is None or not is_policy_literal_external_id(doc, e))
            )
        ]
        if EXT in keys
        else [None]
    )
    org_opts = (
        [
            (o, p)
            for o, p in org_options(
                [c for c in every if c.key in ORG_KEYS], policy.variables_on, referenced
            )
            if (isinstance(o, Tpl) or _holds_alone(conds, "aws:principalorgid", o, policy))
            and (isinstance(p, Tpl) or _holds_alone(conds, "aws:principalorgpaths", p, policy))
        ]
        if keys & ORG_KEYS
        else [(None, None)]
    )
    extra_keys = sorted(keys - IDENTITY_KEYS - MFA_KEYS - ORG_KEYS - {EXT})
    extra_opts: list[list[Any]] = []
    for key in extra_keys:
        opts = (
            [FIXED[key]]
            if key in FIXED
            else key_options(
                key, [c for c in every if c.key == key], policy.variables_on, key in referenced
            )
        )
        opts = [o for o in opts if _contains_tpl(o) or _holds_alone(conds, key, o, policy)]
        if not opts:
            return None, 0
        extra_opts.append(opts)
    tried = examined = 0
    for caller in chosen:
        mfas: list[str | None] = [None, "false"] if caller.kind == "user" else ["false"]
        if not keys & MFA_KEYS:
            mfas = mfas[:1]
        for combo in itertools.product(mfas, ext_opts, org_opts, *extra_opts):
            examined += 1
            if tried >= budget or examined >= 4 * budget:
                return None, tried
            mfa, ext, (org, paths), *extras = combo
            request = _build(caller, mfa, ext, org, paths, extra_keys, extras)
            if request is None:
                continue
            if attacker_problems(request, doc, trusted, orgs):
                continue
            tried += 1
            try:
                if iam.allowed(policy, request, partition):
                    return request, tried
            except iam.Ambiguous:
                continue
    return None, tried


def _contains_tpl(value: Any) -> bool:
    if isinstance(value, tuple):
        return any(isinstance(v, Tpl) for v in value)
    return isinstance(value, Tpl)


def _build(
    caller: Caller,
    mfa: str | None,
    ext: Candidate,
    org: Candidate,
    paths: tuple[str, ...] | Tpl | None,
    extra_keys: list[str],
    extras: list[Any],
) -> AttackRequest | None:
    """A concrete request: templates resolved against the rest of the context."""
    plain_extra = tuple((k, v) for k, v in zip(extra_keys, extras, strict=True) if v is not None)
    # Keys AWS always sends are present even when this statement's universe did not vary them.
    plain_extra += tuple((k, v) for k, v in ALWAYS_DEFAULT.items() if k not in extra_keys)
    base = AttackRequest(
        caller,
        mfa,
        ext if isinstance(ext, str) else None,
        org if isinstance(org, str) else None,
        paths if isinstance(paths, tuple) else None,
        tuple((k, v) for k, v in plain_extra if not _contains_tpl(v)),
    )
    pending = [(k, v) for k, v in plain_extra if _contains_tpl(v)]
    if not (pending or isinstance(ext, Tpl) or isinstance(org, Tpl) or isinstance(paths, Tpl)):
        return base
    ctx = base.context()
    try:
        done = tuple((k, _resolve(v, ctx)) for k, v in pending)
        ctx.update(done)
        new_org = _resolve(org, ctx) if isinstance(org, Tpl) else base.org_id
        if new_org is not None:
            ctx["aws:principalorgid"] = new_org
        new_ext = _resolve(ext, ctx) if isinstance(ext, Tpl) else base.external_id
        new_paths = (_resolve(paths, ctx),) if isinstance(paths, Tpl) else base.org_paths
    except iam.Ambiguous:
        return None
    if any(not _valid_for_key(k, v) for k, v in done):
        return None
    return AttackRequest(caller, mfa, new_ext, new_org, new_paths, base.extra + done)
