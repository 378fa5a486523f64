"""An independent evaluator of one ``sts:AssumeRole`` request against a role trust policy.

Written from AWS's documented evaluation logic (IAM User Guide: policy evaluation logic,
Principal, NotPrincipal, Condition, condition operators, multivalued keys, policy variables,
Version), NOT from trustwarden's engine: nothing here imports ``trustwarden``. It is the judge
of the exact engine's verdicts and witnesses, so where AWS's documentation is silent it says
so (:class:`Ambiguous`) instead of guessing; callers then leave that request out.

- Explicit Deny wins, then any Allow, else implicit deny.
- Condition keys are case-insensitive; operator names are exact.
- Missing keys: false, except negated operators, ``...IfExists`` and ``ForAllValues:`` (true);
  ``Null`` tests presence.
- Several values of one key are OR-ed (negated operators: none may match); several keys and
  operators are AND-ed; ``ForAnyValue``/``ForAllValues`` quantify over a multivalued key.
- Policy variables (``${aws:username}``, ``${key, 'default'}``, ``${*}``) only under
  ``"Version": "2012-10-17"``; otherwise ``${...}`` is literal text.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

CURRENT_VERSION = "2012-10-17"
ACCOUNT_RE = re.compile(r"[0-9]{12}")  # ASCII only; fullmatch, so no "$ before \n" slip
_PRINCIPAL_ARN_RE = re.compile(
    r"arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):(iam|sts)::([0-9]{12}):(.+)", re.ASCII
)
_UNIQUE_ID_RE = re.compile(r"A[A-Z]{3}[A-Z0-9]{12,}", re.ASCII)
IAM_NAME_RE = re.compile(r"(/[\x21-\x7e]*/)?[\w+=,.@-]{1,128}", re.ASCII)

STRING_BASES = {
    "StringEquals": ("eq", False, False),
    "StringNotEquals": ("eq", False, True),
    "StringEqualsIgnoreCase": ("eq", True, False),
    "StringNotEqualsIgnoreCase": ("eq", True, True),
    "StringLike": ("like", False, False),
    "StringNotLike": ("like", False, True),
}
ARN_BASES = {"ArnEquals": False, "ArnLike": False, "ArnNotEquals": True, "ArnNotLike": True}
NUMERIC_BASES = {
    "NumericEquals": ("==", False),
    "NumericNotEquals": ("==", True),
    "NumericLessThan": ("<", False),
    "NumericLessThanEquals": ("<=", False),
    "NumericGreaterThan": (">", False),
    "NumericGreaterThanEquals": (">=", False),
}
DATE_BASES = {k.replace("Numeric", "Date"): v for k, v in NUMERIC_BASES.items()}
IP_BASES = {"IpAddress": False, "NotIpAddress": True}
KNOWN_BASES = (
    set(STRING_BASES) | set(ARN_BASES) | set(NUMERIC_BASES) | set(DATE_BASES) | set(IP_BASES)
) | {"Bool", "Null", "BinaryEquals"}


class Ambiguous(Exception):  # noqa: N818 - a signal
    """AWS's documentation does not say what this request gives; leave it out."""


class Refused(Exception):  # noqa: N818 - a signal
    """IAM would refuse to store this trust policy (MalformedPolicyDocument)."""


# --------------------------------------------------------------------------- the request


@dataclass(frozen=True)
class Caller:
    """Who signs the ``AssumeRole`` call. ``kind``: user | role | root | federated."""

    account: str
    kind: str
    name: str = "oracle-u"
    session: str = "oracle-s"
    partition: str = "aws"

    @property
    def principal_arn(self) -> str:
        """What ``aws:PrincipalArn`` holds (the role ARN for a role session)."""
        p, a = self.partition, self.account
        if self.kind == "root":
            return f"arn:{p}:iam::{a}:root"
        if self.kind == "federated":
            return f"arn:{p}:sts::{a}:federated-user/{self.name}"
        return f"arn:{p}:iam::{a}:{self.kind}/{self.name}"

    @property
    def session_arn(self) -> str | None:
        """The assumed-role session ARN, for role sessions."""
        if self.kind != "role":
            return None
        return f"arn:{self.partition}:sts::{self.account}:assumed-role/{self.leaf}/{self.session}"

    @property
    def leaf(self) -> str:
        """The name without its path."""
        return self.name.rsplit("/", 1)[-1]

    @property
    def principal_type(self) -> str:
        """``aws:PrincipalType``."""
        return {
            "user": "User",
            "role": "AssumedRole",
            "root": "Account",
            "federated": "FederatedUser",
        }[self.kind]

    def default_userid(self) -> str:
        """An ``aws:userid`` of the documented shape for this caller."""
        if self.kind == "user":
            return "AIDAORACLEUSER0000001"
        if self.kind == "role":
            return f"AROAORACLEROLE0000001:{self.session}"
        if self.kind == "federated":
            return f"{self.account}:{self.name}"
        return self.account


ContextValue = str | tuple[str, ...]


@dataclass(frozen=True)
class AttackRequest:
    """One concrete ``sts:AssumeRole`` request.

    ``mfa`` is ``None`` (long-term keys: the key is absent), ``"false"`` or ``"true"``.
    ``extra`` holds every other condition key (lower-cased) the caller sets.
    """

    caller: Caller
    mfa: str | None = None
    external_id: str | None = None
    org_id: str | None = None
    org_paths: tuple[str, ...] | None = None
    extra: tuple[tuple[str, ContextValue], ...] = ()
    userid: str | None = None

    def context(self) -> dict[str, ContextValue]:
        """The request context, keys lower-cased."""
        c = self.caller
        ctx: dict[str, ContextValue] = {
            "aws:principalaccount": c.account,
            "aws:principalarn": c.principal_arn,
            "aws:principaltype": c.principal_type,
            "aws:userid": self.userid or c.default_userid(),
            "aws:principalisawsservice": "false",
        }
        if c.kind == "user":
            ctx["aws:username"] = c.leaf
        if self.mfa is not None:
            ctx["aws:multifactorauthpresent"] = self.mfa
            if self.mfa == "true":
                ctx["aws:multifactorauthage"] = "30"
        if self.external_id is not None:
            ctx["sts:externalid"] = self.external_id
        if self.org_id is not None:
            ctx["aws:principalorgid"] = self.org_id
        if self.org_paths is not None:
            ctx["aws:principalorgpaths"] = self.org_paths
        for key, value in self.extra:
            ctx[key.lower()] = value
        return ctx

    def describe(self) -> str:
        """Short text for assertion messages."""
        who = self.caller.session_arn or self.caller.principal_arn
        extra = dict(self.extra)
        return (
            f"{who} mfa={self.mfa} ext={self.external_id!r} org={self.org_id} "
            f"paths={self.org_paths} extra={extra}"
        )


# --------------------------------------------------------------------------- the policy


@dataclass(frozen=True)
class Cond:
    """One (operator, key) pair."""

    set_op: str | None
    base: str
    if_exists: bool
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class Stmt:
    """One statement, checked and normalised."""

    effect: str
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    principals: tuple[tuple[str, str], ...] | None
    not_principals: tuple[tuple[str, str], ...] | None
    conds: tuple[Cond, ...] = field(default=())

    @property
    def covers_assume_role(self) -> bool:
        """Whether Action/NotAction includes ``sts:AssumeRole`` (case-insensitive globs)."""
        if self.not_actions is not None:
            return not any(_action_match(a) for a in self.not_actions)
        return any(_action_match(a) for a in self.actions or ())


@dataclass(frozen=True)
class Policy:
    """A trust policy IAM would store."""

    version: str | None
    statements: tuple[Stmt, ...]

    @property
    def variables_on(self) -> bool:
        """Policy variables are substituted only under Version 2012-10-17."""
        return self.version == CURRENT_VERSION


def _listify(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = _listify(value)
    if not items or not all(isinstance(v, str) for v in items):
        raise Refused(f"{where} must be strings")
    return tuple(items)


def value_text(value: Any) -> str:
    """A condition value as IAM compares it (JSON ``true`` is ``\"true\"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise Refused("condition values must be strings, numbers or booleans")


def check_aws_principal(value: str) -> None:
    """Raise :class:`Refused` for what IAM answers with "Invalid principal in policy"."""
    if value == "*" or ACCOUNT_RE.fullmatch(value) or _UNIQUE_ID_RE.fullmatch(value):
        return
    m = _PRINCIPAL_ARN_RE.fullmatch(value)
    if m is None:
        raise Refused(f"invalid principal {value!r}")
    service, resource = m.group(2), m.group(4)
    if "*" in resource or "?" in resource:
        raise Refused(f"partial wildcard principal {value!r}")
    ok = (
        resource == "root" or re.fullmatch(r"(user|role)/" + IAM_NAME_RE.pattern, resource)
        if service == "iam"
        else re.fullmatch(
            r"(assumed-role/[\w+=,.@-]+/[\w+=,.@-]+|federated-user/[\w+=,.@-]+)", resource
        )
    )
    if not ok:
        raise Refused(f"invalid principal {value!r}")


def _principal_block(value: Any, where: str) -> tuple[tuple[str, str], ...]:
    if value == "*":
        return (("AWS", "*"),)
    if not isinstance(value, Mapping) or not value:
        raise Refused(f"{where} must be '*' or a non-empty object")
    out: list[tuple[str, str]] = []
    for kind, entries in value.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise Refused(f"{where}: unknown principal type {kind!r}")
        for entry in _strings(entries, f"{where}.{kind}"):
            if kind == "AWS":
                check_aws_principal(entry)
            out.append((kind, entry))
    return tuple(out)


_POLICY_CHARS = re.compile(r"[\t\n\r\x20-\xff]*")


def _check_characters(value: Any) -> None:
    """IAM quotas: policy documents hold only TAB, LF, CR and U+0020-U+00FF."""
    if isinstance(value, str):
        if not _POLICY_CHARS.fullmatch(value):
            raise Refused("characters outside TAB, LF, CR and U+0020-U+00FF")
    elif isinstance(value, Mapping):
        for k, v in value.items():
            _check_characters(k)
            _check_characters(v)
    elif isinstance(value, list):
        for v in value:
            _check_characters(v)


def parse(doc: Mapping[str, Any]) -> Policy:
    """Check a trust-policy document as IAM would and normalise it; :class:`Refused` if not."""
    if not isinstance(doc, Mapping):
        raise Refused("not an object")
    _check_characters(doc)
    version = doc.get("Version")
    if version is not None and version not in (CURRENT_VERSION, "2008-10-17"):
        raise Refused(f"unknown Version {version!r}")
    raw = doc.get("Statement")
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list) or not items:
        raise Refused("Statement must be an object or a non-empty list")
    statements = []
    for i, s in enumerate(items):
        where = f"statement {i}"
        if not isinstance(s, Mapping):
            raise Refused(f"{where} is not an object")
        for prohibited in ("Resource", "NotResource"):
            if prohibited in s:
                # IAM: "MalformedPolicyDocument: Has prohibited field Resource".
                raise Refused(f"{where}: has prohibited field {prohibited}")
        if s.get("Effect") not in ("Allow", "Deny"):
            raise Refused(f"{where}: Effect")
        if ("Action" in s) == ("NotAction" in s):
            raise Refused(f"{where}: Action/NotAction")
        if ("Principal" in s) == ("NotPrincipal" in s):
            raise Refused(f"{where}: Principal/NotPrincipal")
        conds: list[Cond] = []
        block = s.get("Condition", {})
        if not isinstance(block, Mapping):
            raise Refused(f"{where}: Condition must be an object")
        for operator, keys in block.items():
            set_op, base = None, str(operator)
            for prefix in ("ForAllValues:", "ForAnyValue:"):
                if base.startswith(prefix):
                    set_op, base = prefix[:-1], base[len(prefix) :]
            if_exists = base.endswith("IfExists")
            if if_exists:
                base = base[: -len("IfExists")]
            if base not in KNOWN_BASES or (base == "Null" and (if_exists or set_op)):
                raise Refused(f"{where}: Invalid Condition type {operator!r}")
            if not isinstance(keys, Mapping):
                raise Refused(f"{where}: {operator} must map keys to values")
            for key, values in keys.items():
                texts = tuple(value_text(v) for v in _listify(values))
                conds.append(Cond(set_op, base, if_exists, str(key).lower(), texts))
        statements.append(
            Stmt(
                effect=s["Effect"],
                actions=_strings(s["Action"], "Action") if "Action" in s else None,
                not_actions=_strings(s["NotAction"], "NotAction") if "NotAction" in s else None,
                principals=(
                    _principal_block(s["Principal"], "Principal") if "Principal" in s else None
                ),
                not_principals=(
                    _principal_block(s["NotPrincipal"], "NotPrincipal")
                    if "NotPrincipal" in s
                    else None
                ),
                conds=tuple(conds),
            )
        )
    return Policy(version=version, statements=tuple(statements))


def refusal(doc: Mapping[str, Any]) -> str | None:
    """Why IAM would refuse the document, or None."""
    try:
        parse(doc)
    except Refused as exc:
        return str(exc)
    return None


# --------------------------------------------------------------------------- matching


def glob_regex(pattern: Sequence[tuple[str, bool]], ignore_case: bool = False) -> re.Pattern[str]:
    """A regex for IAM wildcards: ``*`` any run, ``?`` one character. Parts marked literal
    (substituted variable values) never act as wildcards."""
    out = []
    for text, literal in pattern:
        for ch in text:
            if literal:
                out.append(re.escape(ch))
            elif ch == "*":
                out.append(".*")
            elif ch == "?":
                out.append(".")
            else:
                out.append(re.escape(ch))
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def _action_match(pattern: str) -> bool:
    regex = glob_regex([(pattern.lower(), False)])
    return regex.fullmatch("sts:assumerole") is not None


_VAR_RE = re.compile(r"\$\{([^}]*)\}")


def substitute(
    value: str, ctx: Mapping[str, ContextValue], variables_on: bool
) -> list[tuple[str, bool]]:
    """The value with policy variables replaced: a list of (text, literal) parts.

    Raises :class:`Ambiguous` when a variable cannot be resolved (AWS: "the entire statement
    might be invalid") or refers to a multivalued key.
    """
    if not variables_on or "${" not in value:
        return [(value, False)]
    parts: list[tuple[str, bool]] = []
    pos = 0
    for m in _VAR_RE.finditer(value):
        parts.append((value[pos : m.start()], False))
        inner = m.group(1).strip()
        if inner in ("*", "?", "$"):
            parts.append((inner, True))
        else:
            key, comma, default = inner.partition(",")
            got = ctx.get(key.strip().lower())
            default = default.strip()
            if isinstance(got, str):
                if "*" in got or "?" in got:
                    # The documentation does not say whether they act as wildcards.
                    raise Ambiguous("a variable's value holds a wildcard character")
                parts.append((got, True))
            elif comma and len(default) >= 2 and default[0] == default[-1] == "'":
                parts.append((default[1:-1].replace("''", "'"), True))
            else:
                raise Ambiguous(f"unresolved policy variable ${{{inner}}}")
        pos = m.end()
    parts.append((value[pos:], False))
    return parts


def _plain(parts: list[tuple[str, bool]]) -> str:
    return "".join(t for t, _ in parts)


def _decimal(text: str) -> Decimal:
    try:
        d = Decimal(text.strip() if text.strip() == text else "x")
    except InvalidOperation as exc:
        raise Ambiguous(f"not a number: {text!r}") from exc
    if not d.is_finite():
        raise Ambiguous(f"not a finite number: {text!r}")
    return d


def parse_date(text: str) -> datetime:
    """ISO 8601 (``Z`` or offset, optional fraction, or a date) or epoch seconds."""
    if re.fullmatch(r"[0-9]{1,11}", text):
        return datetime.fromtimestamp(int(text), tz=UTC)
    if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9:]+)?)?", text):
        raise Ambiguous(f"not a date: {text!r}")
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise Ambiguous(f"not a date: {text!r}") from exc
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "==":
        return bool(left == right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    if op == ">":
        return bool(left > right)
    return bool(left >= right)


def _arn_match(request: str, parts: list[tuple[str, bool]]) -> bool:
    """ArnEquals/ArnLike: each of the six colon-separated components matched separately."""
    req = request.split(":", 5)
    # Split the pattern on its non-literal colons.
    fields: list[list[tuple[str, bool]]] = [[]]
    for text, literal in parts:
        if literal:
            fields[-1].append((text, True))
            continue
        chunks = text.split(":")
        fields[-1].append((chunks[0], False))
        for chunk in chunks[1:]:
            if len(fields) == 6:
                fields[-1].append((":" + chunk, False))
            else:
                fields.append([(chunk, False)])
    if len(fields) != 6:
        raise Ambiguous("an ARN pattern without six components")
    if len(req) != 6:
        raise Ambiguous("an ARN operator on a value that is not an ARN")
    return all(glob_regex(f).fullmatch(r) is not None for f, r in zip(fields, req, strict=True))


def _value_matches(cond: Cond, request_value: str, parts: list[tuple[str, bool]]) -> bool:
    """Whether one request value matches one policy value under the positive operator."""
    base = cond.base
    if base in STRING_BASES:
        kind, ignore_case, _ = STRING_BASES[base]
        if kind == "like":
            return glob_regex(parts).fullmatch(request_value) is not None
        wanted = _plain(parts)
        if ignore_case:
            return request_value.lower() == wanted.lower()
        return request_value == wanted
    if base in ARN_BASES:
        return _arn_match(request_value, parts)
    if base in NUMERIC_BASES:
        return _compare(NUMERIC_BASES[base][0], _decimal(request_value), _decimal(_plain(parts)))
    if base in DATE_BASES:
        return _compare(DATE_BASES[base][0], parse_date(request_value), parse_date(_plain(parts)))
    if base in IP_BASES:
        try:
            net = ipaddress.ip_network(_plain(parts), strict=False)
            addr = ipaddress.ip_address(request_value)
        except ValueError as exc:
            raise Ambiguous("not an address/range") from exc
        return addr in net
    if base == "Bool":
        rv, pv = request_value.lower(), _plain(parts).lower()
        if rv not in ("true", "false") or pv not in ("true", "false"):
            raise Ambiguous("Bool on a non-boolean")
        return rv == pv
    raise Ambiguous(f"operator {base} is not modelled")


def _negated(base: str) -> bool:
    if base in STRING_BASES:
        return STRING_BASES[base][2]
    if base in ARN_BASES:
        return ARN_BASES[base]
    if base in NUMERIC_BASES:
        return NUMERIC_BASES[base][1]
    if base in DATE_BASES:
        return DATE_BASES[base][1]
    if base in IP_BASES:
        return IP_BASES[base]
    return False


def condition_holds(cond: Cond, ctx: Mapping[str, ContextValue], variables_on: bool) -> bool:
    """One condition against a request context (keys lower-cased)."""
    value = ctx.get(cond.key)
    present = value is not None and value != ()
    if cond.base == "Null":
        wanted = {v.lower() for v in cond.values}
        if not wanted <= {"true", "false"}:
            raise Ambiguous("Null with a non-boolean")
        return ("true" in wanted and not present) or ("false" in wanted and present)
    negated = _negated(cond.base)
    if not present:
        if cond.if_exists or cond.set_op == "ForAllValues":
            return True
        if cond.set_op == "ForAnyValue":
            return False
        return negated
    assert value is not None
    if isinstance(value, tuple) and cond.set_op is None and len(value) != 1:
        raise Ambiguous("a single-valued operator on a multivalued key")
    request_values = value if isinstance(value, tuple) else (value,)
    policy_parts = [substitute(v, ctx, variables_on) for v in cond.values]

    def one(rv: str) -> bool:
        hit = any(_value_matches(cond, rv, parts) for parts in policy_parts)
        return not hit if negated else hit

    if cond.set_op == "ForAllValues":
        return all(one(rv) for rv in request_values)
    return any(one(rv) for rv in request_values)


def _principal_names(kind: str, value: str, caller: Caller, role_partition: str) -> bool:
    """Whether one Principal entry names the caller."""
    if kind != "AWS":
        return False
    if value == "*":
        return True
    if ACCOUNT_RE.fullmatch(value):
        return caller.partition == role_partition and caller.account == value
    if _UNIQUE_ID_RE.fullmatch(value):
        return False  # a deleted principal: matches nobody
    m = _PRINCIPAL_ARN_RE.fullmatch(value)
    if m is None:
        return False
    partition, _, account, resource = m.groups()
    if partition != caller.partition or account != caller.account:
        return False
    if resource == "root":
        return True  # the whole account
    if resource.startswith("assumed-role/"):
        return caller.session_arn == value
    return caller.principal_arn == value


def _not_principal_exempts(entries: tuple[tuple[str, str], ...], caller: Caller) -> bool:
    """NotPrincipal (Deny): is the caller one of the principals listed as exempt?

    AWS (NotPrincipal): an account ARN exempts the account (its root user), not every user
    and role in it; to exempt a user or role session you list it *and* its account (and, for
    a session, the role). A user listed without its account "might" still be denied: left
    out as ambiguous.
    """
    listed = {v for k, v in entries if k == "AWS"}
    if "*" in listed:
        return True
    account_listed = (
        caller.account in listed or f"arn:{caller.partition}:iam::{caller.account}:root" in listed
    )
    if caller.kind == "root":
        return account_listed
    own = caller.principal_arn in listed
    session = caller.session_arn is not None and caller.session_arn in listed
    if caller.kind == "role":
        if own and session and account_listed:
            return True
        if own or session:
            raise Ambiguous("NotPrincipal lists a role or session without its whole chain")
        return False
    if own and account_listed:
        return True
    if own:
        raise Ambiguous("NotPrincipal lists a user without its account")
    return False


def statement_applies(
    stmt: Stmt,
    request: AttackRequest,
    ctx: Mapping[str, ContextValue],
    policy: Policy,
    role_partition: str,
) -> bool:
    """Action, principal and every condition match."""
    if not stmt.covers_assume_role:
        return False
    caller = request.caller
    if stmt.not_principals is not None:
        if stmt.effect == "Allow":
            # AWS (NotPrincipal): "Using it with Allow is not supported."
            raise Ambiguous("NotPrincipal in an Allow")
        if _not_principal_exempts(stmt.not_principals, caller):
            return False
    elif not any(_principal_names(k, v, caller, role_partition) for k, v in stmt.principals or ()):
        return False
    return all(condition_holds(c, ctx, policy.variables_on) for c in stmt.conds)


def allowed(policy: Policy, request: AttackRequest, role_partition: str = "aws") -> bool:
    """IAM's decision: explicit Deny wins, then an Allow, else implicit deny.

    Raises :class:`Ambiguous` when the documentation does not settle a statement that could
    change the answer.
    """
    ctx = request.context()
    allow = False
    unsure: Ambiguous | None = None
    for stmt in policy.statements:
        if stmt.effect == "Allow" and allow:
            continue
        try:
            applies = statement_applies(stmt, request, ctx, policy, role_partition)
        except Ambiguous as exc:
            unsure = exc
            continue
        if applies and stmt.effect == "Deny":
            return False
        allow = allow or applies
    if unsure is not None:
        raise unsure
    return allow
