"""The direct tier: the common unusual shapes decided exactly, without z3.

:class:`~trustwarden.engine.exact.ExactSearch` asks this tier first. It answers the same
question as the solver (can an outsider get in through this Allow statement and principal
entry?) when the policy stays within a set of shapes whose keys are independent of each
other, and *declines* (:class:`Declined`) everything else, which then goes to z3 as before.
It never guesses: a ``fail`` is a concrete request replayed through
:func:`~trustwarden.engine.evaluate.evaluate_request`, and a ``pass`` is only claimed where
the argument below is complete.

The method. A ``Deny`` on everyone (``"*"``) is escaped only when one of its conditions
fails, so the question splits into cases: one failing condition per Deny. In each case the
constraints are a conjunction per condition key, and keys are independent (the one
exception, a value that is exactly ``${K}`` of a key ``K`` nothing else reads, is the
caller setting ``K`` to that value: a format constraint). Per key:

- **absent**, if every condition on the key is satisfied by absence (asked of the evaluator);
- **strings** (``String…`` operators, ``IgnoreCase`` or not, negated, ``…IfExists``): a
  condition with several values is a disjunction, split into cases. A case with an equality
  (or a pattern without wildcards) has finitely many solutions, all tried. A case with one
  pattern containing ``*`` and only literal exclusions has a solution whenever the pattern
  has an instance in the key's format: instances with the first ``*`` filled by distinct
  digit strings of one width differ from each other ignoring case too, so each excluded
  literal rules out at most one of ``n + 1`` of them. A pattern exclusion ``h*`` rules out
  a pattern starting with ``h``; one whose literal start or end conflicts with the pattern's
  rules out nothing. Two patterns that must both match, or another pattern exclusion, are
  decided only when a candidate is found; otherwise the tier declines (glob inclusion needs
  an automaton: z3 does it). External IDs, tags and organisation IDs keep their formats;
- **numbers** (``Numeric…``): the policy's numbers cut the line into points and open
  intervals on which every comparison is constant; one multiple of 10⁻¹² per region (the
  solver's domain) is tried, so open intervals such as ``> 7`` and ``< 8`` are found;
- **MFA** and the **caller's ARN** (``aws:PrincipalArn`` under ``Arn…``/``String…``): the
  caller's few choices (absent or ``false``; account, user or role, path, name) are tried;
  an ARN pattern is proved impossible only structurally (fewer than six parts, a constant
  component that cannot match, an account component that cannot be 12 digits, a resource
  that cannot start with ``user/`` or ``role/``) or by an exclusion matching every caller of
  the kind, else a miss declines.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from trustwarden.engine.attacker import (
    EXTERNAL_ID,
    FRESH_EXTERNAL_ID,
    FRESH_ORG,
    FRESH_STRING,
    MFA_PRESENT,
    ORG_ID,
    WITNESS_NAME,
    Hit,
    Outsider,
)
from trustwarden.engine.conditions import (
    NEGATED,
    NUMERIC_OPS,
    STRING_OPS,
    ContextValue,
    Unevaluable,
    evaluate_condition,
    glob_regex,
    has_variable,
    parse_number,
)
from trustwarden.engine.evaluate import Request, evaluate_request
from trustwarden.model import EXTERNAL_ID_RE, Condition, Principal, Statement
from trustwarden.policy import is_account_id, parse_aws_principal

if TYPE_CHECKING:
    from trustwarden.engine.exact import ExactSearch

PRINCIPAL_ARN = "aws:principalarn"
MAX_CASES = 256  # Deny case splits per question
MAX_CHOICES = 64  # disjunction splits per key
MAX_VARIANTS = 256  # case variants of an IgnoreCase literal
_NAME_RE = re.compile(r"[A-Za-z0-9_+=,.@-]{1,64}", re.ASCII)
_PATH_RE = re.compile(r"/|/[!-~]{1,510}/", re.ASCII)
_BINDING_RE = re.compile(r"\$\{([^},*?$]+)\}")
_ARN_OPS = frozenset({"ArnLike", "ArnEquals", "ArnNotLike", "ArnNotEquals"})
_POSITIVE_OF = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
# Keys the solver gives a meaning or a shape of their own (identity, organisation, times,
# addresses, session names, sets): the tier leaves them to it.
_SOLVER_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principaltype",
        "aws:username",
        "aws:userid",
        "aws:principalorgpaths",
        "aws:principalisawsservice",
        "aws:principalservicename",
        "aws:principalservicenameslist",
        "aws:securetransport",
        "aws:multifactorauthage",
        "aws:currenttime",
        "aws:epochtime",
        "aws:sourceip",
        "aws:requestedregion",
        "aws:tagkeys",
        "sts:rolesessionname",
        "sts:sourceidentity",
        "aws:sourceidentity",
    }
)
_ABSENT = object()  # a key left out of the request


class Declined(Exception):  # noqa: N818 - a hand-over to the solver, not an error
    """The tier does not decide this question exactly; the solver does."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Format:
    """The strings a key can hold: a pattern, the characters it allows, length bounds."""

    pattern: re.Pattern[str] | None = None
    char: re.Pattern[str] | None = None
    low: int = 0
    high: int = 1 << 20

    def fits(self, text: str) -> bool:
        """Whether ``text`` is a value of this format."""
        return self.pattern is None or self.pattern.fullmatch(text) is not None

    def allows(self, ch: str) -> bool:
        """Whether one character may occur."""
        return self.char is None or self.char.fullmatch(ch) is not None


ANY_STRING = Format()
EXTERNAL_ID_FORMAT = Format(EXTERNAL_ID_RE, re.compile(r"[A-Za-z0-9_+=,.@:/-]", re.ASCII), 2, 1224)
ORG_FORMAT = Format(re.compile(r"o-[a-z0-9]{10,32}", re.ASCII), re.compile(r"[a-z0-9-]"), 12, 34)


@dataclass(frozen=True, slots=True)
class _Scope:
    """What the tier knows about a policy: a reason to decline, or each key's kind."""

    reason: str | None
    kinds: dict[str, str]  # key -> "ext" | "mfa" | "arn" | "str" | "num"
    bindings: dict[Condition, str]  # a condition whose value is exactly ${K} -> K
    tag_format: Format = ANY_STRING


@dataclass(frozen=True, slots=True)
class _Caller:
    kinds: tuple[int, ...]  # 0: an IAM user, 1: a role session
    account: str | None  # fixed, or None: chosen with the ARN
    path: str | None = None  # a named user or role
    name: str | None = None


Lit = tuple[Condition, bool]  # a condition and whether it must hold
Atom = tuple[str, str]  # (positive string operator, policy value)


def decide(
    search: ExactSearch, statement: Statement, outsider: Outsider, *, strong: bool
) -> Hit | None:
    """The exact answer to :meth:`ExactSearch.find`, or :class:`Declined`."""
    scope = _scope(search)
    if scope.reason is not None:
        raise Declined(scope.reason)
    if outsider.principal is None:
        raise Declined("NotPrincipal")
    caller = _caller(search, outsider)
    if any(not d.conditions for d in search.denies):
        return None  # a Deny on everyone without conditions
    if math.prod(len(d.conditions) for d in search.denies) > MAX_CASES:
        raise Declined("too many Deny combinations")
    cases = list(itertools.product(*[d.conditions for d in search.denies]))
    declined: Declined | None = None
    for kind in caller.kinds:
        memo: dict[tuple[str, tuple[Lit, ...]], object] = {}
        for case in cases:
            lits = [(c, True) for c in statement.conditions] + [(c, False) for c in case]
            try:
                request = _solve_case(search, scope, lits, kind, caller, strong, memo)
            except Declined as exc:
                declined = declined or exc
                continue
            if request is None:
                continue
            if not evaluate_request(search.policy, request):
                raise Declined("the direct tier's request did not replay")
            strict = evaluate_request(search.policy, request, strict=True)
            return Hit(request, relies_on_unevaluable=not strict)
    if declined is not None:
        raise declined
    return None


# ---------------------------------------------------------------------- scope


def _scope(search: ExactSearch) -> _Scope:
    """The policy's scope, analysed once per search (kept on the search object)."""
    cached = search.__dict__.get("_direct_scope")
    if isinstance(cached, _Scope):
        return cached
    scope = _analyse(search)
    search.__dict__["_direct_scope"] = scope
    return scope


def _analyse(search: ExactSearch) -> _Scope:
    kinds: dict[str, str] = {}
    bindings: dict[Condition, str] = {}
    targets: list[str] = []
    for st in search.relevant:
        if st.not_principals is not None:
            return _Scope("NotPrincipal", {}, {})
        if st.effect == "Deny" and not all(_wildcard(p) for p in st.principals):
            return _Scope("a Deny that names principals", {}, {})
        for cond in st.conditions:
            if cond.set_op:
                return _Scope("a set operator", {}, {})
            if any("\x00" in v for v in cond.values):
                return _Scope("a NUL character", {}, {})
            kind = _key_kind(cond)
            if kind is None:
                return _Scope(f"{cond.operator} on {cond.key_as_written}", {}, {})
            if cond.base == "Null":
                if cond.if_exists or not all(v.lower() in ("true", "false") for v in cond.values):
                    return _Scope("an unevaluable Null", {}, {})
                if cond.key not in kinds:
                    kinds[cond.key] = "" if kind in ("str", "num") else kind
                continue
            if cond.variables and any(has_variable(v) for v in cond.values):
                target = _binding(cond, st)
                if target is None:
                    return _Scope("a policy variable", {}, {})
                bindings[cond] = target
                targets.append(target)
            if kind == "num" and not _numbers_parse(cond):
                return _Scope("a number that does not parse", {}, {})
            known = kinds.get(cond.key, "")
            if known and known != kind:
                return _Scope(f"{cond.key_as_written} compared as two types", {}, {})
            kinds[cond.key] = kind
    for key, kind in list(kinds.items()):
        if not kind:
            kinds[key] = "str"  # only Null reads it
    if len(set(targets)) != len(targets) or any(t in kinds for t in targets):
        return _Scope("a policy variable on a key other conditions read", {}, {})
    return _Scope(None, kinds, bindings, tag_format(search))


def _key_kind(cond: Condition) -> str | None:
    key, base = cond.key, cond.base
    if key == MFA_PRESENT:
        ok = base == "Null" or (
            base == "Bool" and all(v.lower() in ("true", "false") for v in cond.values)
        )
        return "mfa" if ok else None
    if key == PRINCIPAL_ARN:
        ok = base in _ARN_OPS or base in ("StringEquals", "StringNotEquals", "Null")
        ok = ok or base in ("StringLike", "StringNotLike")
        variable = cond.variables and any(has_variable(v) for v in cond.values)
        return "arn" if ok and not variable else None
    if key in _SOLVER_KEYS or not _key_text_ok(key):
        return None
    special = {EXTERNAL_ID: "ext", ORG_ID: "org"}.get(key)
    if base == "Null" or base in STRING_OPS:
        return special or "str"
    if base in NUMERIC_OPS and special is None:
        return "num"
    return None


def _key_text_ok(key: str) -> bool:
    return "${" not in key


def _binding(cond: Condition, st: Statement) -> str | None:
    """K when the condition's only value is exactly ``${K}`` of a key the caller sets."""
    if st.effect != "Allow" or cond.base not in ("StringEquals", "StringLike"):
        return None
    if len(cond.values) != 1:
        return None
    match = _BINDING_RE.fullmatch(cond.values[0].strip())
    if match is None or match.group(0) != cond.values[0]:
        return None
    target = match.group(1).strip().lower()
    if not target.startswith(("aws:principaltag/", "aws:requesttag/")) or target == cond.key:
        return None
    return target


def _numbers_parse(cond: Condition) -> bool:
    try:
        for value in cond.values:
            _number(value)
    except Unevaluable:
        return False
    return True


def _wildcard(p: Principal) -> bool:
    return p.kind == "*" or (p.kind == "AWS" and p.value == "*")


def _caller(search: ExactSearch, outsider: Outsider) -> _Caller:
    principal = outsider.principal
    if principal is None:
        raise Declined("an outsider without a principal")
    if _wildcard(principal):
        return _Caller((0, 1), search.fixed_account(outsider))
    if principal.kind != "AWS":
        raise Declined("a non-AWS principal")
    if is_account_id(principal.value):
        return _Caller((0, 1), principal.value)
    parts = parse_aws_principal(principal.value)
    if parts is None or parts[0] != search.partition or parts[1] != "iam":
        raise Declined("a principal the tier does not model")
    _, _, account, resource = parts
    if resource == "root":
        return _Caller((0, 1), account)
    word, _, rest = resource.partition("/")
    path, _, name = ("/" + rest).rpartition("/")
    path += "/"
    if word not in ("user", "role") or not _PATH_RE.fullmatch(path) or not _NAME_RE.fullmatch(name):
        raise Declined("a principal ARN outside IAM's formats")
    return _Caller((0 if word == "user" else 1,), account, path, name)


# ---------------------------------------------------------------------- one case


def _solve_case(  # noqa: PLR0917 - one private call site
    search: ExactSearch,
    scope: _Scope,
    lits: list[Lit],
    kind: int,
    caller: _Caller,
    strong: bool,
    memo: dict[tuple[str, tuple[Lit, ...]], object],
) -> Request | None:
    """The request for one Deny case, None if the case has none; raises Declined."""
    by_key: dict[str, list[Lit]] = {}
    for lit in lits:
        by_key.setdefault(lit[0].key, []).append(lit)
    values: dict[str, object] = {}
    identity: tuple[str, str, str] | None = None
    for key, on_key in by_key.items():
        memo_key = (key, tuple(on_key))
        if memo_key in memo:
            got = memo[memo_key]
        else:
            got = _solve_key(search, scope, key, on_key, kind, caller, strong)
            memo[memo_key] = got
        if got is None:
            return None
        if key == PRINCIPAL_ARN:
            if not isinstance(got, tuple):
                raise Declined("an aws:PrincipalArn answer that is not an identity")
            identity = got
        else:
            values[key] = got
    if identity is None:
        account = caller.account
        if account is None:  # nothing reads the account: any fresh one
            account = _fresh_accounts(search)[0]
        identity = (account, caller.path or "/", caller.name or WITNESS_NAME)
    return _request(search, scope, kind, identity, values)


def _solve_key(  # noqa: PLR0917
    search: ExactSearch,
    scope: _Scope,
    key: str,
    lits: list[Lit],
    kind: int,
    caller: _Caller,
    strong: bool,
) -> object:
    key_kind = scope.kinds[key]
    if key_kind == "mfa":
        options: list[str | None] = [None, "false"] if kind == 0 else ["false"]
        if strong:
            options.append("true")
        for option in options:
            context: dict[str, ContextValue] = {} if option is None else {key: option}
            if _holds(lits, context):
                return _ABSENT if option is None else option
        return None
    if key_kind == "arn":
        return _solve_arn(search, lits, kind, caller, strong)
    if _absence_ok(lits):
        return _ABSENT
    if key_kind == "num":
        return _solve_number(search, lits)
    fmt, excluded, required = ANY_STRING, [], []
    preferred = [FRESH_STRING, *search.string_candidates]
    if key_kind == "org":  # the caller's organisation: not a trusted one (nor, for TW002, named)
        fmt, required = ORG_FORMAT, [("StringLike", "o-*")]
        preferred = [FRESH_ORG, *search.string_candidates]
        taken = search.orgs | (frozenset(search.mentioned_orgs) if strong else frozenset())
        excluded = [("StringEquals", v) for v in sorted(taken)]
    elif key_kind == "ext":
        fmt = EXTERNAL_ID_FORMAT
        preferred = [FRESH_EXTERNAL_ID, *search.string_candidates]
        if not strong:
            excluded = [
                *(("StringEquals", v) for v in sorted(search.literals)),
                *(("StringEqualsIgnoreCase", v) for v in sorted(search.folded)),
            ]
    elif key.startswith(("aws:principaltag/", "aws:requesttag/")):
        fmt = scope.tag_format
    return _solve_string(key, lits, fmt, (excluded, required), preferred, scope)


def _holds(lits: list[Lit], context: dict[str, ContextValue]) -> bool:
    for cond, wanted in lits:
        got = evaluate_condition(cond, context)
        if got is None:
            raise Declined(f"{cond.operator} cannot be evaluated")
        if got != wanted:
            return False
    return True


def _absence_ok(lits: list[Lit]) -> bool:
    return _holds(lits, {})


# ---------------------------------------------------------------------- strings


def tag_format(search: ExactSearch) -> Format:
    """Tag values: IAM's tag characters (and letters the policy uses), up to 256."""
    chars = f"[{search.tag_chars}]"
    return Format(re.compile(f"{chars}{{0,256}}"), re.compile(chars), 0, 256)


@dataclass
class _Strings:
    """One key's string constraints when present: alternatives, exclusions, format."""

    groups: list[list[tuple[str, str]]]  # each: one of these (operator, value) must match
    negatives: list[tuple[str, str]]  # none of these may match
    fmt: Format
    targets: list[str]  # keys bound to this one's value (``${K}``)


def _strings(
    key: str, lits: list[Lit], fmt: Format, fixed: tuple[list[Atom], list[Atom]], scope: _Scope
) -> _Strings | None:
    """The constraints on a present value; None when presence itself is ruled out.

    ``fixed``: what the key's meaning adds (values it may not take, a pattern it matches).
    """
    excluded, required = fixed
    out = _Strings([[a] for a in required], list(excluded), fmt, [])
    formats = [fmt]
    for cond, holds in lits:
        if cond.base == "Null":
            if evaluate_condition(cond, {key: "x"}) != holds:
                return None
            continue
        target = scope.bindings.get(cond)
        if target is not None:
            formats.append(scope.tag_format)
            out.targets.append(target)
            continue
        negated = (cond.base in NEGATED) != (not holds)
        op = _POSITIVE_OF.get(cond.base, cond.base)
        atoms = [(op, v) for v in cond.values]
        if negated:
            out.negatives.extend(atoms)
        else:
            out.groups.append(atoms)
    out.fmt = _meet(formats)
    return out


def _solve_string(  # noqa: PLR0917 - one private call site
    key: str,
    lits: list[Lit],
    fmt: Format,
    fixed: tuple[list[Atom], list[Atom]],
    preferred: list[str],
    scope: _Scope,
) -> str | None:
    """A present value satisfying ``lits``, None if there is none (see the module doc)."""
    excluded = fixed[0]
    problem = _strings(key, lits, fmt, fixed, scope)
    if problem is None:
        return None
    fmt = problem.fmt

    def fits(text: str) -> bool:
        if not fmt.fits(text) or any(_atom(a, text) for a in excluded):
            return False
        context: dict[str, ContextValue] = {key: text, **dict.fromkeys(problem.targets, text)}
        return _holds(lits, context)

    for text in preferred:
        if fits(text):
            return text
    choices = 1
    for group in problem.groups:
        choices *= len(group)
    if choices > MAX_CHOICES:
        raise Declined("too many alternatives on one key")
    undecided = False
    for choice in itertools.product(*problem.groups):
        finite = [a for a in choice if _finite(a)]
        if finite:
            instances = _instances(finite[0])
            if instances is None:
                undecided = True
                continue
            found = next((t for t in instances if fits(t)), None)
            if found is not None:
                return found
            continue  # every solution of this case tried: none
        patterns = _implied([v for _, v in choice]) or ["*"]
        tries = [t for p in patterns for t in _fills(p)]
        if len(patterns) == 1:
            pattern = patterns[0]
            if any(_covers(n, pattern) for n in problem.negatives):
                continue  # a pattern exclusion removes every instance
            live = [n for n in problem.negatives if not _disjoint(n, pattern)]
            if all(_finite(n) for n in live):
                series = _series(pattern, fmt, len(live) + 1)
                if series is None and not _has_instance(pattern, fmt):
                    continue  # the pattern has no instance in the key's format
                tries += series or []
        found = next((t for t in tries if fits(t)), None)
        if found is not None:
            return found
        # Glob against glob, a pattern exclusion, or no series: the solver's job. (A series
        # always holds a solution: see the module docstring.)
        undecided = True
    if undecided:
        raise Declined("string patterns that need an automaton")
    return None


def _head(pattern: str) -> str:
    """The literal text before the first wildcard."""
    return re.split(r"[*?]", pattern, maxsplit=1)[0]


def _tail(pattern: str) -> str:
    """The literal text after the last wildcard."""
    return re.split(r"[*?]", pattern)[-1]


def _covers(atom: Atom, pattern: str) -> bool:
    """Whether the atom ``StringLike "h*"`` matches every instance of ``pattern``."""
    op, value = atom
    head = value[:-1]
    return (
        op == "StringLike"
        and value.endswith("*")
        and head == _head(value)
        and _head(pattern).startswith(head)
    )


def _disjoint(atom: Atom, pattern: str) -> bool:
    """Whether a wildcard atom and ``pattern`` share no instance (their literal ends differ)."""
    op, value = atom
    if op != "StringLike" or _finite(atom):
        return False
    heads = _head(value), _head(pattern)
    size = min(map(len, heads))
    if heads[0][:size] != heads[1][:size]:
        return True
    tails = _tail(value), _tail(pattern)
    size = min(map(len, tails))
    return size > 0 and tails[0][-size:] != tails[1][-size:]


def _implied(patterns: list[str]) -> list[str]:
    """The patterns without those another implies (``p*`` when another starts with ``p``)."""
    unique = list(dict.fromkeys(patterns))
    out = []
    for p in unique:
        head = p[:-1]
        literal_head = p.endswith("*") and not any(c in head for c in "*?")
        if not (literal_head and any(q != p and q.startswith(head) for q in unique)):
            out.append(p)
    return out


def _meet(formats: list[Format]) -> Format:
    real = [f for f in formats if f.pattern is not None]
    if not real:
        return ANY_STRING
    if len(real) == 1:
        return real[0]
    patterns = [f.pattern for f in real if f.pattern is not None]
    chars = [f.char for f in real if f.char is not None]
    both = re.compile("".join(f"(?=(?:{p.pattern})\\Z)" for p in patterns) + ".*", re.DOTALL)
    char = re.compile("".join(f"(?={c.pattern})" for c in chars) + ".", re.DOTALL)
    return Format(both, char, max(f.low for f in real), min(f.high for f in real))


def _atom(atom: tuple[str, str], text: str) -> bool:
    op, value = atom
    if op == "StringEquals":
        return text == value
    if op == "StringEqualsIgnoreCase":
        return text.casefold() == value.casefold()
    return glob_regex(value).fullmatch(text) is not None


def _finite(atom: tuple[str, str]) -> bool:
    op, value = atom
    return op != "StringLike" or not ("*" in value or "?" in value)


def _instances(atom: tuple[str, str]) -> list[str] | None:
    """Every string the atom admits (None: too many to list)."""
    op, value = atom
    if op != "StringEqualsIgnoreCase":
        return [value]
    if not value.isascii():
        return None  # Unicode case folding: the solver's encoding decides
    letters = [i for i, c in enumerate(value) if c.lower() != c.upper()]
    if 2 ** len(letters) > MAX_VARIANTS:
        return None
    out = []
    for flips in itertools.product((False, True), repeat=len(letters)):
        chars = list(value)
        for i, flip in zip(letters, flips, strict=True):
            chars[i] = chars[i].swapcase() if flip else chars[i]
        out.append("".join(chars))
    return out


def _fills(pattern: str) -> Iterator[str]:
    for star, one in (("", "a"), ("a", "a"), ("0", "0"), (WITNESS_NAME, "a")):
        yield pattern.replace("*", star).replace("?", one)


def _series(pattern: str, fmt: Format, count: int) -> list[str] | None:
    """``count`` instances of a pattern with a ``*``, equal except for digits at one place."""
    if "*" not in pattern or not fmt.allows("0"):
        return None
    fixed = [c for c in pattern if c not in "*?"]
    if not all(fmt.allows(c) for c in fixed):
        return None
    base = len(fixed) + pattern.count("?")
    width = max(len(str(max(count - 1, 0))), fmt.low - base, 1)
    if base + width > fmt.high:
        return None
    head, _, tail = pattern.partition("*")
    tail = tail.replace("*", "")
    out = []
    for i in range(count):
        digits = str(i).zfill(width)
        out.append((head + digits + tail).replace("?", "0"))
    return out


def _has_instance(pattern: str, fmt: Format) -> bool:
    """Whether some string of the format matches the pattern (True when unsure)."""
    fixed = [c for c in pattern if c not in "*?"]
    if not all(fmt.allows(c) for c in fixed):
        return False
    return len(fixed) + pattern.count("?") <= fmt.high


# ---------------------------------------------------------------------- numbers


_SCALE = 10**12  # the solver's decimals: values are multiples of 10^-12


def _number(text: str) -> Fraction:
    value = parse_number(text)
    if (value * _SCALE).denominator != 1:
        raise Unevaluable(text)
    return value


def _compare(op: str, left: Fraction, right: Fraction) -> bool:
    if op.endswith("LessThanEquals"):
        return left <= right
    if op.endswith("LessThan"):
        return left < right
    if op.endswith("GreaterThanEquals"):
        return left >= right
    if op.endswith("GreaterThan"):
        return left > right
    return left == right


def _solve_number(search: ExactSearch, lits: list[Lit]) -> str | None:
    """A decimal value satisfying every numeric condition, or None (exact)."""
    from trustwarden.engine.exact import format_decimal  # noqa: PLC0415 - import cycle

    points: set[Fraction] = set()
    checks: list[tuple[str, bool, list[Fraction], bool]] = []
    for cond, holds in lits:
        if cond.base == "Null":
            if evaluate_condition(cond, {cond.key: "0"}) != holds:
                return None
            continue
        numbers = [_number(v) for v in cond.values]
        points.update(numbers)
        op = _POSITIVE_OF.get(cond.base, cond.base)
        checks.append((op, cond.base in NEGATED, numbers, holds))

    def fits(x: Fraction) -> bool:
        for op, negated, numbers, holds in checks:
            hit = any(_compare(op, x, n) for n in numbers)
            if (hit != negated) != holds:
                return False
        return True

    for x in itertools.chain(search.number_candidates, _regions(sorted(points))):
        if (x * _SCALE).denominator == 1 and fits(x):
            return format_decimal(x)
    return None


def _regions(points: list[Fraction]) -> Iterable[Fraction]:
    """One grid value per point and per open interval the points cut the line into."""
    if not points:
        yield Fraction(0)
        return
    yield points[0] - 1
    for i, low in enumerate(points):
        yield low
        above = Fraction(math.floor(low * _SCALE) + 1, _SCALE)
        if i + 1 == len(points) or above < points[i + 1]:
            yield above


# ---------------------------------------------------------------------- the caller's ARN


def _fresh_accounts(search: ExactSearch) -> list[str]:
    from trustwarden.engine.exact import FRESH_CALLER_ACCOUNTS  # noqa: PLC0415 - import cycle

    taken = search.trusted | search.mentioned_accounts
    return list(itertools.islice((a for a in FRESH_CALLER_ACCOUNTS if a not in taken), 4))


def _solve_arn(
    search: ExactSearch, lits: list[Lit], kind: int, caller: _Caller, strong: bool
) -> tuple[str, str, str] | None:
    """(account, path, name) of a caller whose ARN satisfies the conditions."""
    word = "user" if kind == 0 else "role"
    partition = search.partition
    patterns: list[Atom] = []  # (operator, value) of positive conditions
    groups: list[list[Atom]] = []
    negatives: list[Atom] = []
    for cond, holds in lits:
        if cond.base == "Null":
            if evaluate_condition(cond, {PRINCIPAL_ARN: "x"}) != holds:
                return None
            continue
        op = _POSITIVE_OF.get(cond.base, cond.base)
        atoms = [(op, v) for v in cond.values]
        if (cond.base in NEGATED) == (not holds):
            groups.append(atoms)
            patterns.extend(atoms)
        else:
            negatives.extend(atoms)
    taken = search.trusted | (search.mentioned_accounts if strong else frozenset())
    if caller.account is not None:
        accounts = [caller.account]
    else:
        accounts = _fresh_accounts(search)
        for _, value in patterns:
            parts = value.split(":", 5)
            if len(parts) == 6:
                accounts.extend(_account_fills(parts[4]))
        accounts = [a for a in dict.fromkeys(accounts) if a not in taken]
    if caller.name is not None:
        resources = [(caller.path or "/", caller.name)]
    else:
        resources = [("/", WITNESS_NAME)]
        for _, value in patterns:
            tail = value.split(":", 5)[-1]
            for filled in _fills(tail):
                got = _split_resource(filled, word)
                if got is not None:
                    resources.append(got)
        resources = list(dict.fromkeys(resources))
    for account, (path, name) in itertools.product(accounts[:24], resources[:24]):
        arn = f"arn:{partition}:iam::{account}:{word}{path}{name}"
        if _holds(lits, {PRINCIPAL_ARN: arn}):
            return account, path, name
    if caller.name is not None:
        return None  # the only caller there is was tried
    # No candidate: a pass only if every alternative of one positive condition is impossible
    # for this kind of caller (a necessary condition fails), or an exclusion matches every
    # caller of this kind.
    if any(
        all(not _arn_possible(op, v, partition, word, caller.account) for op, v in group)
        for group in groups
    ) or any(_arn_universal(op, v, partition, word, caller.account) for op, v in negatives):
        return None
    raise Declined("an ARN pattern the direct tier cannot rule out")


def _split_resource(resource: str, word: str) -> tuple[str, str] | None:
    if not resource.startswith(word + "/"):
        return None
    path, _, name = resource[len(word) :].rpartition("/")
    path += "/"
    if _PATH_RE.fullmatch(path) and _NAME_RE.fullmatch(name):
        return path, name
    return None


def _account_fills(pattern: str) -> list[str]:
    fixed = sum(1 for c in pattern if c not in "*")
    out = []
    for digit in "019":
        star = digit * max(12 - fixed, 0)
        text = pattern.replace("*", star, 1).replace("*", "").replace("?", digit)
        if is_account_id(text):
            out.append(text)
    return out


def _iam_arn_pattern(value: str, partition: str) -> tuple[str, str] | None:
    """(account, resource) patterns of an ARN pattern whose first four fields can match an IAM
    ARN of ``partition`` (``arn``, the partition, ``iam``, no region); ``None`` otherwise."""
    parts = value.split(":", 5)
    if len(parts) != 6:
        return None
    for part, constant in zip(parts[:4], ("arn", partition, "iam", ""), strict=True):
        if glob_regex(part).fullmatch(constant) is None:
            return None
    return parts[4], parts[5]


def _arn_universal(op: str, value: str, partition: str, word: str, account: str | None) -> bool:
    """Whether the atom matches every caller of kind ``word`` (False when unsure)."""
    if op == "StringLike":
        return _covers((op, value), f"arn:{partition}:iam::")
    if op not in ("ArnLike", "ArnEquals"):
        return False
    parts = _iam_arn_pattern(value, partition)
    if parts is None:
        return False
    acct, resource = parts
    any_account = acct == "*" or (account is not None and glob_regex(acct).fullmatch(account))
    return bool(any_account) and _covers(("StringLike", resource), word + "/")


def _arn_possible(op: str, value: str, partition: str, word: str, account: str | None) -> bool:
    """Whether some caller of kind ``word`` could have an ARN the atom admits."""
    prefix = f"arn:{partition}:iam::"
    if op in ("StringEquals", "StringLike"):
        head = re.split(r"[*?]", value, maxsplit=1)[0] if op == "StringLike" else value
        common = min(len(head), len(prefix))
        return head[:common] == prefix[:common]
    parts = _iam_arn_pattern(value, partition)
    if parts is None:
        return False
    acct, resource = parts
    if account is not None or not ("*" in acct or "?" in acct):
        if not is_account_id(acct if account is None else account):
            return False
        if glob_regex(acct).fullmatch(acct if account is None else account) is None:
            return False
    else:
        fixed = [c for c in acct if c not in "*?"]
        if not all(c in "0123456789" for c in fixed):
            return False
        size = len(fixed) + acct.count("?")
        if size > 12 or ("*" not in acct and size != 12):
            return False
    if not ("*" in resource or "?" in resource):
        return _split_resource(resource, word) is not None
    head = re.split(r"[*?]", resource, maxsplit=1)[0]
    want = word + "/"
    common = min(len(head), len(want))
    return head[:common] == want[:common]


# ---------------------------------------------------------------------- the request


def _request(
    search: ExactSearch,
    scope: _Scope,
    kind: int,
    identity: tuple[str, str, str],
    values: dict[str, object],
) -> Request:
    account, path, name = identity
    user = kind == 0
    partition = search.partition
    arn = f"arn:{partition}:iam::{account}:{'user' if user else 'role'}{path}{name}"
    context: dict[str, ContextValue] = {
        "aws:principalaccount": account,
        PRINCIPAL_ARN: arn,
        "aws:principaltype": "User" if user else "AssumedRole",
    }
    if user:
        context["aws:username"] = name
    context.update({k: v for k, v in values.items() if isinstance(v, str)})
    if MFA_PRESENT not in values and not user:
        context[MFA_PRESENT] = "false"  # what a session carries; nothing reads it
    for cond, target in scope.bindings.items():
        bound = context.get(cond.key)
        if isinstance(bound, str):
            context[target] = bound
    session = None
    if not user:
        session = f"arn:{partition}:sts::{account}:assumed-role/{name}/{WITNESS_NAME}"
    return Request(partition, account, arn, session, context)
