"""The attacker model: search for one request an outside principal can make that the policy allows.

The attacker (see the engine issue's contract) is any principal in an account outside the
trusted set and outside every trusted organisation, calling ``sts:AssumeRole`` without MFA
(long-term keys: MFA keys absent; or a session without MFA: ``aws:MultiFactorAuthPresent``
false), with ``sts:ExternalId`` absent or any value other than the policy's literal External
IDs, and every other condition key set to whatever helps them, consistent with who they are.

The search tries a finite candidate set per condition key: the values the policy names,
their wildcard instantiations, neighbours of numbers/dates/addresses, a fresh value that
matches nothing, and "absent". That is a proof only for the common shapes
:func:`trustwarden.engine.exact.needs_solver` lets through (literal equality tests, plain
MFA), where every value other than the literals behaves alike; every other policy is decided
by :mod:`trustwarden.engine.exact`.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta

from trustwarden.engine.conditions import (
    DATE_OPS,
    IGNORE_CASE_OPS,
    IP_OPS,
    NUMERIC_OPS,
    WILDCARD_OPS,
    ContextValue,
    Unevaluable,
    evaluate_condition,
    has_variable,
    parse_date,
    substitute,
)
from trustwarden.engine.evaluate import (
    Request,
    conditions_hold,
    statement_covers_assume_role,
    statement_names,
)
from trustwarden.model import (
    EXTERNAL_ID_RE,
    Condition,
    Principal,
    PrincipalForm,
    Statement,
    TrustPolicy,
    Witness,
)
from trustwarden.policy import parse_aws_principal

EXTERNAL_ID = "sts:externalid"
MFA_PRESENT = "aws:multifactorauthpresent"
MFA_AGE = "aws:multifactorauthage"
ORG_ID = "aws:principalorgid"
ORG_PATHS = "aws:principalorgpaths"
IDENTITY_KEYS = frozenset(
    {"aws:principalaccount", "aws:principalarn", "aws:principaltype", "aws:username"}
)
FIXED_KEYS: Mapping[str, str | None] = {
    "aws:principalisawsservice": "false",
    "aws:principalservicename": None,
    "aws:principalservicenamesllist": None,
}
ALWAYS_PRESENT = frozenset(
    {
        "aws:currenttime",
        "aws:epochtime",
        "aws:securetransport",
        "aws:userid",
        "aws:requestedregion",
    }
)
CANONICAL_KEYS = {
    "aws:multifactorauthpresent": "aws:MultiFactorAuthPresent",
    "aws:multifactorauthage": "aws:MultiFactorAuthAge",
    "aws:principalorgid": "aws:PrincipalOrgID",
    "aws:principalorgpaths": "aws:PrincipalOrgPaths",
    "aws:principaltype": "aws:PrincipalType",
    "aws:principalaccount": "aws:PrincipalAccount",
    "aws:principalarn": "aws:PrincipalArn",
    "aws:username": "aws:username",
    "sts:externalid": "sts:ExternalId",
}
WITNESS_NAME = "trustwarden-witness"
NAME_CHARS = "A-Za-z0-9_+=,.@-"  # IAM user/role names and STS session names (ASCII)
_IAM_NAME = re.compile(f"[{NAME_CHARS}]{{1,64}}", re.ASCII)
_SESSION_NAME = re.compile(f"[{NAME_CHARS}]{{2,64}}", re.ASCII)
FRESH_ACCOUNTS = ("999999999999", "100000000001", "555555555551", "123456789012")
FILLERS = (("x", "x"), ("", "q"), ("Q7z", "Q"), ("0", "0"), ("9", "9"))
FRESH_STRING = "trustwarden-any-value"
FRESH_EXTERNAL_ID = "attacker-chosen-id"
FRESH_ORG = "o-trustwarden00"
FRESH_IP = "192.0.2.10"
SEARCH_LIMIT = 20_000
_ACCOUNT_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])", re.ASCII)

Fragment = Mapping[str, ContextValue]


@dataclass(frozen=True, slots=True)
class Identity:
    """A concrete outside caller."""

    account_id: str
    principal_arn: str
    principal_type: str  # User | AssumedRole | FederatedUser
    session_arn: str | None = None

    def context(self) -> dict[str, ContextValue]:
        """The condition keys that follow from who the caller is."""
        ctx: dict[str, ContextValue] = {
            "aws:principalaccount": self.account_id,
            "aws:principalarn": self.principal_arn,
            "aws:principaltype": self.principal_type,
        }
        if self.principal_type == "User":
            ctx["aws:username"] = self.principal_arn.rsplit("/", 1)[-1]
        return ctx


@dataclass(frozen=True, slots=True)
class Hit:
    """A request the policy allows, and whether it relied on an unevaluable construct."""

    request: Request
    relies_on_unevaluable: bool
    exhaustive: bool = True


@dataclass(frozen=True, slots=True)
class Outsider:
    """An entry of an Allow statement's principal element that admits outside callers."""

    written: str  # how the policy wrote it ("*", "222222222222", an ARN, "NotPrincipal")
    identities: tuple[Identity, ...]
    wildcard: bool  # any account ("*" or NotPrincipal)
    principal: Principal | None = None  # the entry itself (None for NotPrincipal)


class AttackerSearch:
    """Searches one trust policy for requests an outside attacker can make."""

    def __init__(
        self,
        policy: TrustPolicy,
        partition: str,
        trusted_accounts: frozenset[str],
        trusted_orgs: frozenset[str],
    ) -> None:
        self.policy = policy
        self.partition = partition
        self.trusted = trusted_accounts
        self.orgs = frozenset(o.lower() for o in trusted_orgs)
        self.relevant = tuple(s for s in policy.statements if statement_covers_assume_role(s))
        self.denies = tuple(s for s in self.relevant if s.effect == "Deny")
        self._conds_by_key: dict[str, list[Condition]] = {}
        self.spelling: dict[str, str] = {}
        for st in self.relevant:
            for cond in st.conditions:
                self._conds_by_key.setdefault(cond.key, []).append(cond)
                self.spelling.setdefault(cond.key, cond.key_as_written)
        self._wildcard_accounts: tuple[str, ...] | None = None
        self.fresh_accounts: frozenset[str] = frozenset()
        self._filtered_cache: dict[tuple[int, tuple[str, ...], bool, str], list[Fragment]] = {}

    # ------------------------------------------------------------------ identities

    def outsiders(self, statement: Statement) -> list[Outsider]:
        """The outside callers an Allow statement's principal element admits."""
        out: list[Outsider] = []
        if statement.not_principals is not None:
            probe = [
                ident
                for ident in self._wildcard_identities()
                if statement_names(statement, self._bare(ident))
            ]
            if probe:
                out.append(Outsider("NotPrincipal", tuple(probe), wildcard=True))
            return out
        for principal in statement.principals:
            idents = self._identities_for(principal)
            if idents:
                out.append(Outsider(principal.value, idents, wildcard=_is_wildcard(principal)))
        return out

    def _identities_for(self, principal: Principal) -> tuple[Identity, ...]:
        if _is_wildcard(principal):
            return self._wildcard_identities()
        if principal.kind != "AWS":
            return ()
        value, account = principal.value, principal.account_id
        if principal.form is PrincipalForm.ACCOUNT and account is not None:
            return () if account in self.trusted else self._account_identities(account)
        if principal.partition != self.partition or account is None or account in self.trusted:
            return ()  # also a deleted principal's unique ID: it matches nobody
        if principal.form is PrincipalForm.ROOT:
            return self._account_identities(account)
        named = _named_identity(value)
        return (named,) if named else ()

    def _wildcard_identities(self) -> tuple[Identity, ...]:
        return tuple(
            ident for acct in self.wildcard_accounts() for ident in self._account_identities(acct)
        )

    def wildcard_accounts(self) -> tuple[str, ...]:
        """Accounts a "*" attacker may call from: two fresh ones, then those the policy hints at.

        Hints are 12-digit numbers anywhere in the policy and 12-digit instances of patterns
        on ``aws:PrincipalAccount`` / the account field of ``aws:PrincipalArn``.
        """
        if self._wildcard_accounts is None:
            mentioned: set[str] = set()
            for st in self.policy.statements:
                for p in (*st.principals, *(st.not_principals or ())):
                    mentioned.update(_ACCOUNT_IN_TEXT.findall(p.value))
                for cond in st.conditions:
                    for v in cond.values:
                        mentioned.update(_ACCOUNT_IN_TEXT.findall(v))
                        if cond.key == "aws:principalaccount":
                            mentioned.update(_account_instances(v))
                        elif cond.key == "aws:principalarn" and v.count(":") >= 5:
                            mentioned.update(_account_instances(v.split(":")[4]))
            taken = mentioned | self.trusted
            fresh = [a for a in FRESH_ACCOUNTS if a not in taken][:2]
            self._wildcard_accounts = (*fresh, *sorted(mentioned - self.trusted))
            self.fresh_accounts = frozenset(fresh)
        return self._wildcard_accounts

    def _account_identities(self, account: str) -> tuple[Identity, ...]:
        p = self.partition
        idents = [
            Identity(account, f"arn:{p}:iam::{account}:user/{WITNESS_NAME}", "User"),
            Identity(
                account,
                f"arn:{p}:iam::{account}:role/{WITNESS_NAME}",
                "AssumedRole",
                f"arn:{p}:sts::{account}:assumed-role/{WITNESS_NAME}/{WITNESS_NAME}",
            ),
        ]
        seen = {(i.principal_arn, i.session_arn) for i in idents}
        # Principals the policy names in this account (e.g. exempted by a Deny's NotPrincipal).
        for st in self.policy.statements:
            for principal in (*st.principals, *(st.not_principals or ())):
                named = _named_identity(principal.value) if principal.kind == "AWS" else None
                if (
                    named
                    and named.account_id == account
                    and named.principal_arn.startswith(f"arn:{p}:")
                    and (named.principal_arn, named.session_arn) not in seen
                ):
                    seen.add((named.principal_arn, named.session_arn))
                    idents.append(named)
        # Users named as the policy's aws:username conditions want (anyone can create them).
        for cond in self._conds_by_key.get("aws:username", ()):
            for value in cond.values:
                names = _glob_instances(value) if cond.base in WILDCARD_OPS else [value]
                for name in names:
                    user_arn = f"arn:{p}:iam::{account}:user/{name}"
                    if name and "$" not in name and (user_arn, None) not in seen:
                        seen.add((user_arn, None))
                        idents.append(Identity(account, user_arn, "User"))
        for cond in self._conds_by_key.get("aws:principalarn", ()):
            for value in cond.values:
                arn = _instantiate_principal_arn(value, p, account)
                if arn is None or any(arn == known for known, _ in seen):
                    continue
                seen.add((arn, None))
                kind = arn.split(":", 5)[5].split("/", 1)[0]
                if kind == "user":
                    idents.append(Identity(account, arn, "User"))
                else:
                    name = arn.rsplit("/", 1)[-1]
                    session = f"arn:{p}:sts::{account}:assumed-role/{name}/{WITNESS_NAME}"
                    idents.append(Identity(account, arn, "AssumedRole", session))
        return tuple(idents)

    def _bare(self, ident: Identity) -> Request:
        return Request(
            self.partition,
            ident.account_id,
            ident.principal_arn,
            ident.session_arn,
            ident.context(),
        )

    # ------------------------------------------------------------------ search

    def reach(self, statement: Statement, outsider: Outsider) -> Hit | None:
        """A request by one of the outsider's identities that gets in, if any."""
        return self.find(statement, outsider.identities)

    def weak(self, statement: Statement, outsider: Outsider) -> bool:
        """Whether a fresh account gets in with the policy's own External ID or MFA."""
        self.wildcard_accounts()
        fresh = tuple(i for i in outsider.identities if i.account_id in self.fresh_accounts)
        return bool(fresh) and self.find(statement, fresh, strong=True) is not None

    def find(
        self, statement: Statement, identities: tuple[Identity, ...], *, strong: bool = False
    ) -> Hit | None:
        """A request by one of ``identities`` that ``statement`` allows and no Deny stops.

        ``strong`` also lets the caller send the policy's own External IDs and MFA: used to
        tell whether a wildcard principal is protected only by those.
        """
        if not identities or self._blocked_for_everyone(statement, identities[0], strong=strong):
            return None
        fallback: Hit | None = None
        for ident in identities:
            hit = self._find_for(statement, ident, strong=strong)
            if hit is not None and hit.exhaustive:
                return hit
            fallback = fallback or hit
        return fallback

    def _blocked_for_everyone(self, statement: Statement, probe: Identity, *, strong: bool) -> bool:
        """Whether a condition on a key that does not depend on the caller can never hold.

        E.g. ``StringEquals sts:ExternalId`` with a literal: no attacker value passes it,
        whoever they are, so no identity needs to be tried.
        """
        base = self._bare(probe)
        keys = sorted({c.key for c in statement.conditions})
        for group in _grouped(keys):
            if self._identity_dependent(group):
                continue
            if not self._filtered(statement, group, probe, base, strong=strong):
                return True
        return False

    def _find_for(self, statement: Statement, ident: Identity, *, strong: bool) -> Hit | None:
        base = self._bare(ident)
        denies = [d for d in self.denies if statement_names(d, base)]
        if any(not d.conditions for d in denies):
            return None
        keys = sorted(
            {c.key for c in statement.conditions} | {c.key for d in denies for c in d.conditions}
        )
        if ident.principal_type != "User" and MFA_PRESENT not in keys and MFA_AGE not in keys:
            base = _merge(base, {MFA_PRESENT: "false"})  # what a session carries; nothing reads it
        groups: list[list[Fragment]] = []
        for group in _grouped(keys):
            options = self._filtered(statement, group, ident, base, strong=strong)
            if not options:
                return None
            groups.append(options)
        total = 1
        for g in groups:
            total *= len(g)
        first: Request | None = None
        for count, combo in enumerate(itertools.product(*groups)):
            if count >= SEARCH_LIMIT:
                break
            request = _merge(base, *combo)
            if not conditions_hold(statement, request):
                continue
            first = first or request
            if any(conditions_hold(d, request) for d in denies):
                continue
            strict_ok = conditions_hold(statement, request, strict=True) and not any(
                conditions_hold(d, request, strict=True) for d in denies
            )
            return Hit(request, relies_on_unevaluable=not strict_ok)
        if total > SEARCH_LIMIT and first is not None:
            # Too many combinations to try them all: assume the worst and say so.
            return Hit(first, relies_on_unevaluable=True, exhaustive=False)
        return None

    def _filtered(
        self,
        statement: Statement,
        group: tuple[str, ...],
        ident: Identity,
        base: Request,
        *,
        strong: bool,
    ) -> list[Fragment]:
        """Candidate values for one key group that pass the statement's own conditions on it.

        Cached per statement when the candidates do not depend on the caller's identity.
        """
        cache_key = (statement.index, group, strong, ident.principal_type if len(group) > 1 else "")
        cached = self._filtered_cache.get(cache_key)
        if cached is not None:
            return cached
        options = self._options(group, ident, base.context, strong=strong)
        checks = [
            c
            for c in statement.conditions
            if c.key in group and not any(has_variable(v) for v in c.values)
        ]
        dependent = self._identity_dependent(group)
        if checks:
            # The checks read only this group's keys (no variables), so a caller-independent
            # group is checked against its own fragment alone.
            options = [
                o for o in options if _holds_all(checks, {**base.context, **o} if dependent else o)
            ]
        if not dependent:
            self._filtered_cache[cache_key] = options
        return options

    def _identity_dependent(self, group: tuple[str, ...]) -> bool:
        return any(
            key in IDENTITY_KEYS
            or any(has_variable(v) for c in self._conds_by_key.get(key, ()) for v in c.values)
            for key in group
        )

    def _options(
        self,
        group: tuple[str, ...],
        ident: Identity,
        ctx: Mapping[str, ContextValue],
        *,
        strong: bool,
    ) -> list[Fragment]:
        if len(group) > 1:  # the MFA pair
            # Long-term keys (key absent) first for users; sessions carry "false" first.
            opts: list[Fragment] = [{}, {MFA_PRESENT: "false"}]
            if ident.principal_type != "User":
                opts.reverse()
            if strong:
                opts.append({MFA_PRESENT: "true", MFA_AGE: "1"})
            return opts
        key = group[0]
        if key in IDENTITY_KEYS:
            return [{}]  # follows from the identity, already in the base context
        if key in FIXED_KEYS:
            fixed = FIXED_KEYS[key]
            return [{}] if fixed is None else [{key: fixed}]
        conds = self._conds_by_key.get(key, [])
        if key == EXTERNAL_ID:
            return [{}] + [{key: v} for v in self._external_ids(conds, ctx, strong=strong)]
        if key == ORG_ID:
            values = _dedupe(
                [
                    FRESH_ORG,
                    *(_instantiate(c, v, ctx) for c in conds for v in c.values),
                    *(
                        g
                        for c in conds
                        if c.base in WILDCARD_OPS
                        for v in c.values
                        for g in _glob_instances(v)
                    ),
                ]
            )
            return [{}] + [{key: v} for v in values if v.lower() not in self.orgs]
        values = _generic_values(conds, ctx)
        if key == ORG_PATHS:
            values = [v for v in values if v.split("/", 1)[0].lower() not in self.orgs]
        multi = any(c.set_op for c in conds)
        present: list[Fragment] = (
            [{key: ()}, *({key: (v,)} for v in values)] if multi else [{key: v} for v in values]
        )
        return present if key in ALWAYS_PRESENT else [{}, *present]

    def _external_ids(
        self, conds: list[Condition], ctx: Mapping[str, ContextValue], *, strong: bool
    ) -> list[str]:
        literals, folded = customer_external_ids(conds)
        candidates: list[str] = [FRESH_EXTERNAL_ID, "Q7zQ7z"]
        for cond in conds:
            for value in cond.values:
                if has_variable(value):
                    sub = substitute(value, ctx, wildcard=False)
                    if sub is not None:
                        candidates.append(sub)
                        if cond.base in WILDCARD_OPS:
                            candidates.extend(_glob_instances(sub))
                elif cond.base in WILDCARD_OPS and ("*" in value or "?" in value):
                    candidates.extend(_glob_instances(value))
                else:
                    candidates.append(value.swapcase())
                    if strong:
                        candidates.append(value)
        return [
            c
            for c in _dedupe(candidates)
            if EXTERNAL_ID_RE.fullmatch(c)
            and (strong or (c not in literals and c.casefold() not in folded))
        ]


def customer_external_ids(conds: list[Condition]) -> tuple[frozenset[str], frozenset[str]]:
    """The literal External IDs a policy names, and those compared ignoring case (folded)."""
    literals: set[str] = set()
    folded: set[str] = set()
    for cond in conds:
        if cond.key != EXTERNAL_ID:
            continue
        for value in cond.values:
            if has_variable(value):
                continue
            if cond.base in WILDCARD_OPS and ("*" in value or "?" in value):
                continue
            literals.add(value)
            if cond.base in IGNORE_CASE_OPS:
                folded.add(value.casefold())
    return frozenset(literals), frozenset(folded)


def to_witness(request: Request, spelling: Mapping[str, str] | None = None) -> Witness:
    """Describe an allowed request as a :class:`Witness` (keys spelled as the policy does)."""
    ctx = dict(request.context)
    external = ctx.pop(EXTERNAL_ID, None)
    mfa = ctx.get(MFA_PRESENT)
    mfa_text = (
        "absent (long-term access keys)"
        if mfa is None
        else "false (temporary credentials without MFA)"
        if mfa == "false"
        else f"{mfa}"
    )
    for implied in ("aws:principalaccount", "aws:principalarn"):
        ctx.pop(implied, None)
    names = {**(spelling or {}), **CANONICAL_KEYS}
    context = {names.get(k, k): v for k, v in sorted(ctx.items())}
    return Witness(
        principal_arn=request.principal_arn,
        account_id=request.account_id,
        mfa=mfa_text,
        external_id=external if isinstance(external, str) else None,
        context=context,
        session_arn=request.session_arn,
    )


# ---------------------------------------------------------------------- helpers


def _named_identity(value: str) -> Identity | None:
    """The caller a user/role/session principal ARN names, if one can call AssumeRole.

    Federated-user sessions (``GetFederationToken``) cannot call STS ``AssumeRole``, and a
    session name outside STS's 2-64 characters names no session: neither is a caller.
    """
    parts = parse_aws_principal(value)
    if parts is None:
        return None
    partition, _, account, resource = parts
    if resource.startswith("user/"):
        return Identity(account, value, "User")
    if resource.startswith("role/"):
        name = resource.rsplit("/", 1)[-1]
        session = f"arn:{partition}:sts::{account}:assumed-role/{name}/{WITNESS_NAME}"
        return Identity(account, value, "AssumedRole", session)
    if resource.startswith("assumed-role/"):
        role, _, session_name = resource[len("assumed-role/") :].partition("/")
        if not (_IAM_NAME.fullmatch(role) and _SESSION_NAME.fullmatch(session_name)):
            return None
        role_arn = f"arn:{partition}:iam::{account}:role/{role}"
        return Identity(account, role_arn, "AssumedRole", value)
    return None


def _is_wildcard(principal: Principal) -> bool:
    return principal.kind == "*" or (principal.kind == "AWS" and principal.value == "*")


def _grouped(keys: list[str]) -> Iterator[tuple[str, ...]]:
    mfa_done = False
    for key in keys:
        if key in (MFA_PRESENT, MFA_AGE):
            if not mfa_done:
                mfa_done = True
                yield (MFA_PRESENT, MFA_AGE)
            continue
        yield (key,)


def _merge(base: Request, *fragments: Fragment) -> Request:
    """``base`` with the fragments' keys added to its context."""
    ctx = dict(base.context)
    for fragment in fragments:
        ctx.update(fragment)
    return Request(base.partition, base.account_id, base.principal_arn, base.session_arn, ctx)


def _holds_all(conds: list[Condition], context: Mapping[str, ContextValue]) -> bool:
    for cond in conds:
        outcome = evaluate_condition(cond, context)
        if outcome is False:
            return False
    return True


def _dedupe(values: Iterable[str | None]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for v in values:
        if v is not None and v not in seen:
            seen.add(v)
            out.append(v)
    return out


def _glob_instances(pattern: str) -> list[str]:
    """A few strings matching an IAM wildcard pattern, with different fillers."""
    return [pattern.replace("*", star).replace("?", one) for star, one in FILLERS]


def _account_instances(pattern: str) -> list[str]:
    """12-digit account IDs that match a pattern such as ``33333333333?`` or ``2*``."""
    if "*" not in pattern and "?" not in pattern:
        return [pattern] if _ACCOUNT_IN_TEXT.fullmatch(pattern) else []
    fixed = len(pattern.replace("*", ""))
    if fixed > 12:
        return []
    out: list[str] = []
    for digit in "0951":
        text = pattern.replace("?", digit)
        if "*" in text:
            head, _, tail = text.partition("*")
            text = head + digit * (12 - fixed) + tail.replace("*", "")
        if _ACCOUNT_IN_TEXT.fullmatch(text):
            out.append(text)
    return out


def _instantiate(cond: Condition, value: str, ctx: Mapping[str, ContextValue]) -> str | None:
    if has_variable(value):
        return substitute(value, ctx, wildcard=False)
    if cond.base in WILDCARD_OPS:
        return value.replace("*", "x").replace("?", "x")
    return value


def _instantiate_principal_arn(pattern: str, partition: str, account: str) -> str | None:
    text = pattern.replace("${aws:PrincipalAccount}", account).replace(
        "${aws:principalaccount}", account
    )
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    part, service, _, acct, resource = parts[1], parts[2], parts[3], parts[4], parts[5]
    if not re.fullmatch(r"[\w*?-]*", part) or not re.fullmatch(r"[\w*?]*", service):
        return None
    if acct != account and not ("*" in acct or "?" in acct):
        return None
    if "*" in acct or "?" in acct:
        acct = account
    resource = resource.replace("*", "x").replace("?", "x")
    if not resource.startswith(("user/", "role/")) or "$" in resource:
        return None
    return f"arn:{partition}:iam::{acct}:{resource}"


def _generic_values(conds: list[Condition], ctx: Mapping[str, ContextValue]) -> list[str]:
    values: list[str | None] = []
    stringish = False
    for cond in conds:
        base = cond.base
        for value in cond.values:
            if base in NUMERIC_OPS:
                values.extend(_numeric_neighbours(value))
            elif base in DATE_OPS:
                values.extend(_date_neighbours(value))
            elif base in IP_OPS:
                values.extend(_ip_neighbours(value))
            elif base == "Bool":
                values.extend(["true", "false"])
            elif base == "Null":
                stringish = True
            else:
                stringish = True
                if base in WILDCARD_OPS:
                    sub = substitute(value, ctx, wildcard=False) if has_variable(value) else value
                    values.extend(_glob_instances(sub) if sub is not None else ())
                inst = _instantiate(cond, value, ctx)
                values.append(inst)
                if inst is not None and inst.swapcase() != inst:
                    values.append(inst.swapcase())
    if stringish:
        values.extend([FRESH_STRING, ""])  # tag values, for one, may be empty
    if any(c.base in IP_OPS for c in conds):
        values.append(FRESH_IP)
    return _dedupe(values)


def _numeric_neighbours(value: str) -> list[str | None]:
    try:
        n = float(value)
    except ValueError:
        return [value]
    if not math.isfinite(n):
        return [value]
    return [_fmt(n), _fmt(n - 1), _fmt(n + 1)]


def _fmt(n: float) -> str:
    return str(int(n)) if n == int(n) else repr(n)


def _date_neighbours(value: str) -> list[str | None]:
    try:
        when = parse_date(value)
    except Unevaluable:
        return [value]
    out: list[str | None] = [value]
    for delta in (timedelta(seconds=-1), timedelta(seconds=1)):
        with contextlib.suppress(OverflowError):
            out.append((when + delta).isoformat().replace("+00:00", "Z"))
    return out


def _ip_neighbours(value: str) -> list[str | None]:
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return [value]
    out: list[str | None] = [str(net.network_address)]
    with contextlib.suppress(ipaddress.AddressValueError):
        out.append(str(net.broadcast_address + 1))
    return out
