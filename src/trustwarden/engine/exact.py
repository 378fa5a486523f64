"""The exact decision: is some outsider request allowed? Asked of the z3 SMT solver.

For one Allow statement and one entry of its principal element, the question "can an
outsider get in?" is a formula over the request: who calls (account, user or role session,
path, name, session name, organisation) and every condition key's presence and value(s).
The formula says the entry names the caller, the statement's conditions hold, no Deny
applies, the caller is outside the trusted accounts and organisations, the External ID is
valid and not one the policy expects, and MFA is not true. z3's string, regular-expression
and arithmetic theories decide it; a model is turned into a :class:`Request` and replayed
through :func:`evaluate_request`. See docs/engine.md for what is exact and what is TW004.
"""

from __future__ import annotations

import contextlib
import ipaddress
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import z3
else:

    class _LazyZ3:
        """z3, imported on first use: most scans never need the solver (its import is slow)."""

        def __getattr__(self, name: str) -> Any:
            return getattr(_load_z3(), name)

        def __setattr__(self, name: str, value: Any) -> None:
            setattr(_load_z3(), name, value)

    def _load_z3() -> Any:
        import z3 as module  # noqa: PLC0415 - deliberately lazy

        globals()["z3"] = module  # later uses reach the module directly
        return module

    z3 = _LazyZ3()

from trustwarden.engine.attacker import (
    ALWAYS_PRESENT,
    EXTERNAL_ID,
    FRESH_ACCOUNTS,
    FRESH_EXTERNAL_ID,
    FRESH_ORG,
    FRESH_STRING,
    MFA_AGE,
    MFA_PRESENT,
    NAME_CHARS,
    ORG_ID,
    ORG_PATHS,
    WITNESS_NAME,
    Hit,
    Outsider,
    customer_external_ids,
)
from trustwarden.engine.conditions import (
    DATE_OPS,
    IP_OPS,
    KNOWN_OPS,
    NEGATED,
    NUMERIC_OPS,
    ContextValue,
    Unevaluable,
    has_variable,
    parse_date,
    parse_number,
)
from trustwarden.engine.direct import Declined, decide
from trustwarden.engine.evaluate import Request, evaluate_request, statement_covers_assume_role
from trustwarden.model import Condition, Principal, Statement, TrustPolicy
from trustwarden.policy import UNIQUE_ID_RE, is_account_id, parse_aws_principal

# Work limits (z3 "rlimit": deterministic, unlike time) for the quick and the full attempt.
# No wall-clock timeout: the machine's load must not change a verdict. Past them a question
# is undecided: TW004.
QUICK_RLIMIT = 1_000_000
FULL_RLIMIT = 30_000_000
MAX_SET_VALUES = 6
_ACCOUNT_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])", re.ASCII)
_ORG_IN_TEXT = re.compile(r"o-[a-z0-9]{10,32}", re.ASCII | re.IGNORECASE)
_ORG_ID_RE = re.compile(r"o-[a-z0-9]{10,32}", re.ASCII)
_ACCOUNT_SHAPE = re.compile(r"[0-9]{12}", re.ASCII)
# Keys AWS fills in with values of one shape: compared as another type, kept as strings.
_KEY_FAMILIES = {
    "aws:currenttime": {"date", "str"},
    "aws:epochtime": {"num", "str"},
    "aws:sourceip": {"ip", "str"},
}
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])"
_IPV4_SHAPE = re.compile(rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}", re.ASCII)
_SESSION_NAME_KEYS = frozenset({"sts:rolesessionname", "sts:sourceidentity", "aws:sourceidentity"})
_PATH_SHAPE = re.compile(r"/|/[!-~]{1,510}/", re.ASCII)
_TIME_SHAPE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z", re.ASCII
)
_VARIABLE_RE = re.compile(r"\$\{([^}]*)\}")
# Accounts a "*" caller may come from when the policy cannot tell accounts apart; more
# than the policy can mention, so one is always fresh.
FRESH_CALLER_ACCOUNTS = FRESH_ACCOUNTS + tuple(
    f"{d}{i:011d}" for d in "95" for i in range(1, 2000, 7)
)
_NEGATED_OF = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NotIpAddress": "IpAddress",
}
# Keys AWS always fills with values that are never "true"/"false" (Bool on them is undefined).
_NEVER_BOOLEAN = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principaltype",
        "aws:principalorgid",
        "aws:currenttime",
        "aws:epochtime",
        "aws:sourceip",
    }
)
# Keys whose values cannot contain ":" (safe inside ARN patterns split on colons).
_COLON_FREE = frozenset({"aws:principalaccount", "aws:username", "aws:principaltype", ORG_ID})
# Keys the request builder writes from the identity itself.
_IDENTITY_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principaltype",
        "aws:username",
        ORG_ID,
        EXTERNAL_ID,
        MFA_PRESENT,
    }
)
_ABSENT_KEYS = frozenset({"aws:principalservicename", "aws:principalservicenameslist"})
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DATE_MIN = int((datetime(1000, 1, 1, tzinfo=UTC) - _EPOCH) / timedelta(microseconds=1))
_DATE_MAX = int((datetime(9999, 12, 30, tzinfo=UTC) - _EPOCH) / timedelta(microseconds=1))


class Undecided(Exception):  # noqa: N818 - a verdict, not a crash
    """The solver could not decide (timeout, or a construct outside the encoding)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _family(base: str) -> str | None:
    if base in NUMERIC_OPS:
        return "num"
    if base in DATE_OPS:
        return "date"
    if base in IP_OPS:
        return "ip"
    if base == "Null" or base not in KNOWN_OPS:
        return None
    return "str"


@dataclass
class _Key:
    """One condition key in the formula: presence and (active, value) elements."""

    family: str
    present: z3.BoolRef
    elems: list[tuple[z3.BoolRef, z3.ExprRef]]
    multi: bool = False
    is6: list[z3.BoolRef] = field(default_factory=list)  # ip family only
    number: Callable[[z3.ExprRef], z3.ArithRef] | None = None  # numeric view of a string


class ExactSearch:
    """Decides, per Allow statement and principal entry, whether an outsider gets in."""

    def __init__(
        self,
        policy: TrustPolicy,
        partition: str,
        trusted_accounts: frozenset[str],
        trusted_orgs: frozenset[str],
        *,
        direct: bool = True,
    ) -> None:
        self.policy = policy
        self.direct = direct
        self.partition = partition
        self.trusted = trusted_accounts
        self.orgs = frozenset(o.lower() for o in trusted_orgs)
        self.relevant = tuple(s for s in policy.statements if statement_covers_assume_role(s))
        self.denies = tuple(s for s in self.relevant if s.effect == "Deny")
        self.spelling: dict[str, str] = {}
        self.families: dict[str, set[str]] = {}
        self.multi: set[str] = set()
        self.counts: dict[str, int] = {}
        self.chars: set[str] = set()
        ext_conds: list[Condition] = []
        for st in self.relevant:
            for cond in st.conditions:
                self.spelling.setdefault(cond.key, cond.key_as_written)
                fam = _family(cond.base)
                self.families.setdefault(cond.key, set())
                if fam:
                    self.families[cond.key].add(fam)
                if cond.set_op:
                    self.multi.add(cond.key)
                self.counts[cond.key] = self.counts.get(cond.key, 0) + 1
                if cond.key == EXTERNAL_ID:
                    ext_conds.append(cond)
                for value in cond.values:
                    self.chars.update(value)
                    for ref, written in _references(cond, value):
                        self.families.setdefault(ref, set()).add("str")
                        self.spelling.setdefault(ref, written)
        self.chars.update({c.swapcase() for c in self.chars})
        self.literals, self.folded = customer_external_ids(ext_conds)
        text = [p.value for st in policy.statements for p in _all_principals(st)]
        text += [v for st in policy.statements for c in st.conditions for v in c.values]
        self.mentioned_accounts = {a for t in text for a in _ACCOUNT_IN_TEXT.findall(t)}
        self.mentioned_orgs = {o.lower() for t in text for o in _ORG_IN_TEXT.findall(t)}
        self.account_bound = bool(
            {"aws:principalaccount", "aws:principalarn"} & set(self.families)
        ) or any(d.not_principals is not None for d in self.denies)

    @cached_property
    def string_candidates(self) -> list[str]:
        """Preferred witness strings: the policy's values with their wildcards filled."""
        return _string_candidates(self._values)

    @cached_property
    def number_candidates(self) -> list[Fraction]:
        """Preferred witness numbers: 0, the policy's numbers, one off and between them."""
        return _number_candidates(self._values)

    @property
    def _values(self) -> list[str]:
        return [v for st in self.relevant for c in st.conditions for v in c.values]

    @cached_property
    def tag_letters(self) -> list[str]:
        """The non-ASCII letters a tag may hold that matter here: those the policy uses and
        one it does not (IAM tags take any Unicode letter; one without case stands for
        all the others, which no condition tells apart)."""
        used = sorted(c for c in self.chars if c.isalnum() and not c.isascii())
        caseless = map(chr, range(_CJK_FIRST, _CJK_FIRST + len(self.chars) + 1))
        fresh = next(c for c in caseless if c not in self.chars)
        return [*used, fresh]

    @cached_property
    def tag_chars(self) -> str:
        """A regex character-class body: IAM's tag characters and :attr:`tag_letters`."""
        return "A-Za-z0-9 _.:/=+@\\-" + re.escape("".join(self.tag_letters))

    def fixed_account(self, outsider: Outsider) -> str | None:
        """The caller's account when nothing in the policy can tell accounts apart.

        A named entry fixes its account. Through "*" or NotPrincipal, when no condition
        reads the account (or the principal ARN) and no Deny has a NotPrincipal, every
        outside account the policy never mentions behaves alike: one of them is taken.
        """
        principal = outsider.principal
        if principal is not None and principal.kind == "AWS" and principal.value != "*":
            if is_account_id(principal.value):
                return principal.value
            parts = parse_aws_principal(principal.value)
            return parts[2] if parts else None
        if self.account_bound:
            return None
        taken = self.trusted | self.mentioned_accounts
        return next(a for a in FRESH_CALLER_ACCOUNTS if a not in taken)

    def outsiders(self, statement: Statement) -> list[Outsider]:
        """The entries of an Allow statement's principal element that may admit outsiders."""
        if statement.not_principals is not None:
            return [Outsider("NotPrincipal", (), wildcard=True)]
        out: list[Outsider] = []
        for p in statement.principals:
            if p.kind == "*" or (p.kind == "AWS" and p.value == "*"):
                out.append(Outsider(p.value, (), wildcard=True, principal=p))
            elif p.kind == "AWS" and self._may_be_outside(p.value):
                out.append(Outsider(p.value, (), wildcard=False, principal=p))
        return out

    def _may_be_outside(self, value: str) -> bool:
        if is_account_id(value):
            return value not in self.trusted
        parts = parse_aws_principal(value)
        return parts is not None and parts[0] == self.partition and parts[2] not in self.trusted

    def reach(self, statement: Statement, outsider: Outsider) -> Hit | None:
        """An allowed outsider request through ``outsider``; raises :class:`Undecided`."""
        return self.find(statement, outsider)

    def weak(self, statement: Statement, outsider: Outsider) -> bool:
        """Whether a fresh caller gets in with the policy's own External ID or MFA (TW002).

        Undecided counts as weak: a warning is the cautious answer here.
        """
        try:
            return self.find(statement, outsider, strong=True) is not None
        except Undecided:
            return True

    def find(self, statement: Statement, outsider: Outsider, *, strong: bool = False) -> Hit | None:
        """An allowed outsider request through ``outsider``, or None if there is none.

        ``strong`` lets a *fresh* caller (an account and organisation the policy never
        mentions) send the policy's own External IDs and MFA: TW002's question. Raises
        :class:`Undecided` when the solver cannot answer. The direct tier answers first;
        what it declines goes to z3.
        """
        if self.direct:
            try:
                return decide(self, statement, outsider, strong=strong)
            except Declined:
                pass
        # Simpler questions first: an IAM user or a role session, at path "/" (a path is
        # tried only when "/" cannot do). Each with a small work limit (a quick "yes" ends
        # the search), then the undecided ones with the full one.
        questions: list[tuple[int, bool]] = [(0, True), (1, True)]
        undecided: Undecided | None = None
        for rlimit in (QUICK_RLIMIT, FULL_RLIMIT):
            pending: list[tuple[int, bool]] = []
            while questions:
                kind, root_path = questions.pop(0)
                enc = _Encoder(self, strong=strong, kind=kind, rlimit=rlimit, root_path=root_path)
                try:
                    hit = enc.solve(statement, outsider)
                except Undecided as exc:
                    pending.append((kind, root_path))
                    undecided = exc
                    if rlimit == QUICK_RLIMIT:
                        # Keep the order: whether a question runs out of the small limit can
                        # vary with z3's state in the process, so a later question's answer
                        # must not be taken before this one's (the same witness every time).
                        pending.extend(questions)
                        questions = []
                    continue
                if hit is not None:
                    return hit
                if "kind" not in enc.__dict__:  # the other kind's answer is the same
                    questions = [q for q in questions if q[1] != root_path]
                if root_path and "path" in enc.__dict__:
                    questions.append((kind, False))
            if not pending:
                return None
            questions = pending
        raise undecided or Undecided("no answer within the solver's limits")


_EQUALITY_OPS = frozenset(
    {"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"}
)
# Values the candidate search uses as "fresh": a policy naming one goes to the solver.
_SEARCH_FRESH = frozenset(
    v.casefold() for v in (FRESH_EXTERNAL_ID, "Q7zQ7z", FRESH_ORG, FRESH_STRING, *FRESH_ACCOUNTS)
)


def needs_solver(policy: TrustPolicy) -> bool:
    """Whether the policy is outside the shapes the fast candidate search decides exactly.

    The fast shapes: ``Principal`` (not ``NotPrincipal``) in every statement on AssumeRole,
    and conditions only of these forms, in ``Allow`` or ``Deny``: string equality (or its
    negation, any case, ``…IfExists``) of literals on ``sts:ExternalId``,
    ``aws:PrincipalAccount`` (12-digit IDs) and ``aws:PrincipalOrgID`` (``o-…`` IDs);
    ``StringLike "*"`` and ``Null`` on those keys; ``Bool``/``Null`` on
    ``aws:MultiFactorAuthPresent``; ``Null``/``Numeric…`` on ``aws:MultiFactorAuthAge``. Such
    tests only tell a literal from "anything else", so one representative per class (absent,
    each literal, one fresh value) is a proof. An organisation condition under ``"*"`` goes
    to the solver, which judges it like the named account (TW002).
    """
    for st in policy.statements:
        if not statement_covers_assume_role(st):
            continue
        if st.not_principals is not None:
            return True
        wildcard = any(p.kind == "*" or p.value == "*" for p in st.principals)
        for cond in st.conditions:
            if not _fast_condition(cond) or (wildcard and cond.key == ORG_ID):
                return True
    return False


def _fast_condition(cond: Condition) -> bool:
    if cond.set_op or any("${" in v or v.casefold() in _SEARCH_FRESH for v in cond.values):
        return False
    base, key = cond.base, cond.key
    if base == "Null":
        return not cond.if_exists and all(v.lower() in ("true", "false") for v in cond.values)
    if key == MFA_PRESENT:
        return base == "Bool" and all(v.lower() in ("true", "false") for v in cond.values)
    if key == MFA_AGE:
        return base in NUMERIC_OPS and all(_is_number(v) for v in cond.values)
    if key not in (EXTERNAL_ID, "aws:principalaccount", ORG_ID):
        return False
    if base in ("StringLike", "StringNotLike"):
        return all(v == "*" for v in cond.values)
    if base not in _EQUALITY_OPS:
        return False
    if key == "aws:principalaccount":
        return all(is_account_id(v) for v in cond.values)
    if key == ORG_ID:
        return all(_ORG_ID_RE.fullmatch(v) for v in cond.values)
    return True


def _is_number(text: str) -> bool:
    try:
        parse_number(text)
    except Unevaluable:
        return False
    return True


def _all_principals(st: Statement) -> tuple[Principal, ...]:
    return (*st.principals, *(st.not_principals or ()))


def _references(cond: Condition, value: str) -> Iterator[tuple[str, str]]:
    """The keys a value's policy variables read: (lower-cased, as written)."""
    if not cond.variables or not has_variable(value):
        return
    for match in _VARIABLE_RE.finditer(value):
        inner = match.group(1).strip()
        if inner not in ("*", "?", "$"):
            written = inner.partition(",")[0].strip()
            yield written.lower(), written


def _string_candidates(values: list[str]) -> list[str]:
    """Preferred witness strings from a policy's values: each with its wildcards filled."""
    out: dict[str, None] = {}
    for value in values:
        if "${" in value:
            continue
        for filled in (value.replace("*", ""), value.replace("*", "a"), value.replace("*", "0")):
            out.setdefault(filled.replace("?", "a"), None)
    # ARN patterns: their path, name and account parts alone.
    for value in list(out):
        for part in re.split(r"[:/]", value):
            if part:
                out.setdefault(part, None)
    return list(out)


def _number_candidates(values: list[str]) -> list[Fraction]:
    """Preferred witness numbers: 0, the policy's numbers, one off them and between them."""
    numbers: set[Fraction] = set()
    for value in values:
        with contextlib.suppress(Unevaluable):
            numbers.add(parse_number(value))
    ordered = sorted(numbers)
    out: dict[Fraction, None] = {Fraction(0): None}
    for a, b in itertools.pairwise(ordered):
        out.setdefault((a + b) / 2, None)
    for n in ordered:
        for delta in (0, 1, -1):
            out.setdefault(n + delta, None)
    return list(out)


def _glob_match(pattern: str, text: str) -> bool:
    """IAM's wildcard match of one literal pattern (``*`` any run, ``?`` one character)."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, text, re.DOTALL) is not None


def _glob_re(text: str, any_char: z3.ReRef, star: z3.ReRef) -> list[z3.ReRef]:
    parts: list[z3.ReRef] = []
    buf = ""
    for ch in text:
        if ch in "*?":
            if buf:
                parts.append(z3.Re(buf))
                buf = ""
            parts.append(star if ch == "*" else any_char)
        else:
            buf += ch
    if buf:
        parts.append(z3.Re(buf))
    return parts


def _glob_ends(pieces: list[str | z3.SeqRef], elem: z3.ExprRef) -> list[z3.BoolRef]:
    """What a literal wildcard pattern implies of its text's two ends.

    The part before the first ``*`` and the part after the last one have fixed lengths: the
    text starts and ends with them (``?`` any one character). Implied by the match itself,
    so adding them changes no answer; z3's string solver refutes an end that cannot fit
    (``...:role/v`` against a caller named ``R``) at once, where the regular expression alone
    can exhaust its work limit.
    """
    if any(isinstance(p, str) and p.startswith("\x00") for p in pieces):
        return []
    text = "".join(p for p in pieces if isinstance(p, str))
    if "*" not in text:
        return []
    head, tail = text[: text.index("*")], text[text.rindex("*") + 1 :]
    ends: list[z3.BoolRef] = []
    size = z3.Length(elem)
    if head:
        start = z3.SubString(elem, 0, len(head))
        ends.append(_fixed_glob(head, start))
    if tail:
        end = z3.SubString(elem, size - len(tail), len(tail))
        ends.append(z3.And(size >= len(tail), _fixed_glob(tail, end)))
    return ends


def _fixed_glob(part: str, term: z3.SeqRef) -> z3.BoolRef:
    """``term`` equals ``part`` where ``part`` has no ``*`` (``?``: any one character)."""
    if "?" not in part:
        return term == z3.StringVal(part)
    return z3.InRe(
        term, _concat_re(_glob_re(part, z3.AllChar(z3.ReSort(z3.StringSort())), z3.Re("")))
    )


def _concat_re(parts: list[z3.ReRef]) -> z3.ReRef:
    if not parts:
        return z3.Re("")
    return parts[0] if len(parts) == 1 else z3.Concat(*parts)


def _ci_re(text: str) -> z3.ReRef:
    parts: list[z3.ReRef] = []
    for ch in text:
        low, up = ch.lower(), ch.upper()
        if low != up and len(low) == 1 and len(up) == 1:
            parts.append(z3.Union(z3.Re(low), z3.Re(up)))
        else:
            parts.append(z3.Re(ch))
    return _concat_re(parts)


def _chars_re(spec: str) -> z3.ReRef:
    """A character class of ASCII ranges written like ``A-Za-z0-9_+=``."""
    items: list[z3.ReRef] = []
    i = 0
    while i < len(spec):
        if i + 2 < len(spec) and spec[i + 1] == "-":
            items.append(z3.Range(spec[i], spec[i + 2]))
            i += 3
        else:
            items.append(z3.Re(spec[i]))
            i += 1
    return items[0] if len(items) == 1 else z3.Union(*items)


TAG_CHARS = "A-Za-z0-9 _.:/=+@-"
_CJK_FIRST = 0x4E00  # CJK ideographs: letters without upper or lower case
EXTERNAL_ID_CHARS = "A-Za-z0-9_+=,.@:/-"


class _Encoder:
    """Builds and solves the formula for one (statement, principal entry) question."""

    def __init__(
        self, search: ExactSearch, *, strong: bool, kind: int, rlimit: int, root_path: bool
    ) -> None:
        # A fresh z3 context per question, so the work limit counts this question only
        # (z3 has no public way to reset its main context).
        z3._main_ctx = z3.Context()
        self.search = search
        self.kind_value = kind
        self.root_path = root_path
        self.strong = strong
        self.unevaluable = False
        # The plain SMT solver: the default one's preprocessing names helper terms from a
        # process-wide counter, which changed its models from one question to the next.
        self.solver = z3.SimpleSolver()
        self.rlimit = rlimit
        self.solver.set("rlimit", rlimit)
        self.keys: dict[str, _Key] = {}
        self.fixed_account: str | None = None
        self.lazy: list[tuple[z3.SeqRef, z3.BoolRef, re.Pattern[str]]] = []
        self.all_char = z3.AllChar(z3.ReSort(z3.StringSort()))
        self.any_string = z3.Star(self.all_char)
        self.no_colon = z3.Intersect(self.all_char, z3.Complement(z3.Re(":")))

    # ------------------------------------------------------------------ identity
    # Each part of the caller enters the formula only when something reads it.

    @cached_property
    def acct(self) -> z3.SeqRef:
        if self.fixed_account is not None:
            return z3.StringVal(self.fixed_account)
        acct = z3.String("account")
        s = self.solver
        # 12 ASCII digits; str.to_int is -1 unless every character is a digit.
        self._lazy(acct, z3.And(z3.Length(acct) == 12, z3.StrToInt(acct) >= 0), _ACCOUNT_SHAPE)
        for account in sorted(self.search.trusted):
            s.add(acct != z3.StringVal(account))
        if self.strong:
            for account in sorted(self.search.mentioned_accounts):
                s.add(acct != z3.StringVal(account))
        return acct

    @cached_property
    def kind(self) -> z3.ArithRef:
        """0: an IAM user, 1: a role session (fixed per question)."""
        return z3.IntVal(self.kind_value)

    def _name_string(self, name: str, low: int, high: int) -> z3.SeqRef:
        value = z3.String(name)
        self._lazy(
            value,
            z3.And(
                z3.Length(value) >= low,
                z3.Length(value) <= high,
                z3.InRe(value, z3.Star(_chars_re(NAME_CHARS))),
            ),
            re.compile(f"[{NAME_CHARS}]{{{low},{high}}}", re.ASCII),
        )
        return value

    @cached_property
    def name(self) -> z3.SeqRef:
        return self._name_string("name", 1, 64)

    @cached_property
    def session(self) -> z3.SeqRef:
        return self._name_string("session", 2, 64)

    @cached_property
    def path(self) -> z3.SeqRef:
        if self.root_path:
            return z3.StringVal("/")
        path = z3.String("path")
        inner = z3.Concat(z3.Re("/"), z3.Plus(z3.Range("!", "~")), z3.Re("/"))
        shape = z3.And(z3.InRe(path, z3.Union(z3.Re("/"), inner)), z3.Length(path) <= 512)
        self._lazy(path, shape, _PATH_SHAPE)
        return path

    @cached_property
    def uid(self) -> z3.SeqRef:
        uid = z3.String("uid")
        shape = z3.And(z3.Length(uid) == 17, z3.InRe(uid, z3.Star(_chars_re("A-Z0-9"))))
        self._lazy(uid, shape, re.compile("[A-Z0-9]{17}", re.ASCII))
        return uid

    @cached_property
    def arn(self) -> z3.SeqRef:
        return z3.Concat(
            z3.StringVal(f"arn:{self.search.partition}:iam::"),
            self.acct,
            z3.If(self.kind == 0, z3.StringVal(":user"), z3.StringVal(":role")),
            self.path,
            self.name,
        )

    @cached_property
    def session_arn(self) -> z3.SeqRef:
        return z3.Concat(
            z3.StringVal(f"arn:{self.search.partition}:sts::"),
            self.acct,
            z3.StringVal(":assumed-role/"),
            self.name,
            z3.StringVal("/"),
            self.session,
        )

    @cached_property
    def org(self) -> tuple[z3.BoolRef, z3.SeqRef]:
        present, org = z3.Bool("org_present"), z3.String("org")
        s = self.solver
        shape = z3.InRe(org, z3.Concat(z3.Re("o-"), z3.Loop(_chars_re("a-z0-9"), 10, 32)))
        self._lazy(org, shape, _ORG_ID_RE)
        taken = set(self.search.orgs) | (self.search.mentioned_orgs if self.strong else set())
        for value in sorted(taken):
            s.add(z3.Implies(present, org != z3.StringVal(value)))
        return present, org

    @cached_property
    def ext(self) -> tuple[z3.BoolRef, z3.SeqRef]:
        present, ext = z3.Bool("external_id_present"), z3.String("external_id")
        s = self.solver
        shape = z3.And(
            z3.Length(ext) >= 2,
            z3.Length(ext) <= 1224,
            z3.InRe(ext, z3.Star(_chars_re(EXTERNAL_ID_CHARS))),
        )
        self._lazy(ext, shape, re.compile(f"[{EXTERNAL_ID_CHARS}]{{2,1224}}", re.ASCII))
        if not self.strong:
            for lit in sorted(self.search.literals):
                s.add(z3.Implies(present, ext != z3.StringVal(lit)))
            for folded in sorted(self.search.folded):
                s.add(z3.Implies(present, z3.Not(z3.InRe(ext, _ci_re(folded)))))
        return present, ext

    @cached_property
    def mfa(self) -> tuple[z3.BoolRef, z3.SeqRef]:
        """Long-term keys of a user (absent) or a session without MFA ("false")."""
        present, mfa = z3.Bool("mfa_present"), z3.String("mfa")
        self.solver.add(z3.Implies(self.kind == 1, present))
        if self.strong:
            self.solver.add(z3.Or(mfa == z3.StringVal("false"), mfa == z3.StringVal("true")))
        else:
            self.solver.add(mfa == z3.StringVal("false"))
        return present, mfa

    def _special(self, key: str) -> _Key | None:
        true = z3.BoolVal(True)
        if key == "aws:principalaccount":
            return _Key("str", true, [(true, self.acct)], number=z3.StrToInt)
        if key == "aws:principalarn":
            return _Key("str", true, [(true, self.arn)])
        if key == "aws:principaltype":
            kind = z3.If(self.kind == 0, z3.StringVal("User"), z3.StringVal("AssumedRole"))
            return _Key("str", true, [(true, kind)])
        if key == "aws:username":
            return _Key("str", self.kind == 0, [(true, self.name)])
        if key == "aws:userid":
            userid = z3.If(
                self.kind == 0,
                z3.Concat(z3.StringVal("AIDA"), self.uid),
                z3.Concat(z3.StringVal("AROA"), self.uid, z3.StringVal(":"), self.session),
            )
            return _Key("str", true, [(true, userid)])
        if key == ORG_ID:
            return _Key("str", self.org[0], [(true, self.org[1])])
        if key == EXTERNAL_ID:
            return _Key("str", self.ext[0], [(true, self.ext[1])])
        if key == MFA_PRESENT:
            return _Key("str", self.mfa[0], [(true, self.mfa[1])])
        if key == "aws:principalisawsservice":
            return _Key("str", true, [(true, z3.StringVal("false"))])
        if key == "aws:securetransport":  # STS is HTTPS only
            return _Key("str", true, [(true, z3.StringVal("true"))])
        if key in _ABSENT_KEYS:
            return _Key("str", z3.BoolVal(False), [(true, z3.StringVal(""))])
        return None

    def key(self, key: str) -> _Key:
        """The formula's view of a condition key (created on first use)."""
        got = self.keys.get(key)
        if got is not None:
            return got
        families = self.search.families.get(key, set())
        special = self._special(key)
        if special is not None:
            self.keys[key] = special
            return special
        # One type per key; a key compared as several types is kept as a string and its
        # other comparisons cannot be evaluated (worst case, flagged TW004).
        family = next(iter(families)) if len(families) == 1 else "str"
        if family not in _KEY_FAMILIES.get(key, {family}):
            family = "str"  # keep AWS's format; the other comparison is unevaluable
        multi = key in self.search.multi or key == ORG_PATHS
        count = min(MAX_SET_VALUES, max(1, self.search.counts.get(key, 1))) if multi else 1
        safe = re.sub(r"[^a-z0-9]", "_", key)
        elems: list[tuple[z3.BoolRef, z3.ExprRef]] = []
        is6: list[z3.BoolRef] = []
        for i in range(count):
            active: z3.BoolRef = z3.Bool(f"{safe}_on{i}") if multi else z3.BoolVal(True)
            elems.append((active, self._value(key, family, f"{safe}_{i}", is6)))
        present = z3.Or(*[a for a, _ in elems]) if multi else z3.Bool(f"{safe}_present")
        if key in ALWAYS_PRESENT:
            self.solver.add(present)
        if key == MFA_AGE:
            mfa_present, mfa = self.mfa
            self.solver.add(present == z3.And(mfa_present, mfa == z3.StringVal("true")))
            self.solver.add(*[v >= 0 for _, v in elems if isinstance(v, z3.ArithRef)])
        if key == ORG_PATHS:
            org_present, org = self.org
            prefix = z3.Concat(org, z3.StringVal("/"))
            for active, value in elems:
                self.solver.add(z3.Implies(active, z3.And(org_present, z3.PrefixOf(prefix, value))))
        made = _Key(family, present, elems, multi=multi, is6=is6)
        self.keys[key] = made
        return made

    def _value(self, key: str, family: str, name: str, is6: list[z3.BoolRef]) -> z3.ExprRef:
        """One value of ``key``, in the shape AWS or IAM allows for it."""
        s = self.solver
        if family == "num":
            scaled = z3.Int(f"{name}_scaled")
            value = z3.Real(name)
            if key == "aws:epochtime":  # whole seconds
                s.add(value == z3.ToReal(scaled), scaled >= 0, scaled < 10**12)
                return value
            s.add(value * (10**_DECIMALS) == z3.ToReal(scaled))
            if key in _SESSION_NAME_KEYS:  # at least two characters: no single digit
                whole = scaled % 10**_DECIMALS == 0
                s.add(z3.Not(z3.And(whole, value >= 0, value <= 9)))
            return value
        if family == "date":
            micros = z3.Int(name)
            s.add(micros >= _DATE_MIN, micros <= _DATE_MAX)
            return micros
        if family == "ip":
            flag = z3.Bool(f"{name}_v6")
            addr = z3.Int(name)
            s.add(addr >= 0, z3.If(flag, addr < 2**128, addr < 2**32))
            is6.append(flag)
            return addr
        text = z3.String(name)
        shape = self._string_shape(key)
        if shape is not None:
            self._lazy(text, *shape)
        return text

    def _string_shape(self, key: str) -> tuple[z3.ReRef, re.Pattern[str]] | None:
        """(z3 regex, Python pattern) for keys whose values IAM or STS restricts."""
        if key in _SESSION_NAME_KEYS:
            regex = z3.Loop(_chars_re(NAME_CHARS), 2, 64)
            return regex, re.compile(f"[{NAME_CHARS}]{{2,64}}", re.ASCII)
        tag_key = key == "aws:tagkeys"
        if tag_key or key.startswith(("aws:principaltag/", "aws:requesttag/")):
            # Tags: letters, digits, spaces and _ . : / = + - @ (and search.tag_letters)
            letters = [z3.Re(c) for c in self.search.tag_letters]
            chars = z3.Union(_chars_re(TAG_CHARS), *letters)
            low, high = (1, 128) if tag_key else (0, 256)
            pattern = re.compile(f"[{self.search.tag_chars}]{{{low},{high}}}")
            return z3.Loop(chars, low, high), pattern
        digit = z3.Range("0", "9")
        if key == "aws:currenttime":
            two = z3.Loop(digit, 2, 2)
            regex = z3.Concat(
                z3.Loop(digit, 4, 4), z3.Re("-"), two, z3.Re("-"), two, z3.Re("T"),
                two, z3.Re(":"), two, z3.Re(":"), two,
                z3.Option(z3.Concat(z3.Re("."), z3.Plus(digit))), z3.Re("Z"),
            )  # fmt: skip
            return regex, _TIME_SHAPE
        if key == "aws:epochtime":
            return z3.Loop(digit, 1, 12), re.compile("[0-9]{1,12}", re.ASCII)
        if key == "aws:sourceip":  # an IPv4 address when compared as a string
            octet = z3.Union(
                z3.Concat(z3.Re("25"), z3.Range("0", "5")),
                z3.Concat(z3.Re("2"), z3.Range("0", "4"), digit),
                z3.Concat(z3.Re("1"), digit, digit),
                z3.Concat(z3.Range("1", "9"), digit),
                digit,
            )
            dotted = z3.Concat(octet, z3.Re("."), octet, z3.Re("."), octet, z3.Re("."), octet)
            return dotted, _IPV4_SHAPE
        return None

    def _lazy(
        self, term: z3.SeqRef, constraint: z3.BoolRef | z3.ReRef, pattern: re.Pattern[str]
    ) -> None:
        """A format constraint added only if the first model breaks it (z3 is slow on them).

        Exact: a model that already fits every format is a model of the full formula, and a
        formula without them that is unsat stays unsat with them.
        """
        if isinstance(constraint, z3.ReRef):
            constraint = z3.InRe(term, constraint)
        self.lazy.append((term, constraint, pattern))

    # ------------------------------------------------------------------ principals

    def names(self, p: Principal) -> z3.BoolRef:
        """Whether one Principal entry names the caller."""
        if p.kind == "*" or (p.kind == "AWS" and p.value == "*"):
            return z3.BoolVal(True)
        if p.kind != "AWS" or UNIQUE_ID_RE.fullmatch(p.value):
            return z3.BoolVal(False)
        if is_account_id(p.value):
            return self.acct == z3.StringVal(p.value)
        parts = parse_aws_principal(p.value)
        if parts is None or parts[0] != self.search.partition:
            return z3.BoolVal(False)
        _, service, account, resource = parts
        value = z3.StringVal(p.value)
        if service == "iam" and resource == "root":
            return self.acct == z3.StringVal(account)
        if service == "iam" and resource.startswith("user/"):
            return z3.And(self.kind == 0, self.arn == value)
        if service == "iam" and resource.startswith("role/"):
            return z3.And(self.kind == 1, self.arn == value)
        if service == "sts" and resource.startswith("assumed-role/"):
            return z3.And(self.kind == 1, self.session_arn == value)
        return z3.BoolVal(False)  # federated users cannot call AssumeRole

    def exempt(self, entries: tuple[Principal, ...]) -> z3.BoolRef:
        """Whether a NotPrincipal list exempts the caller (account *and* user/role listed)."""
        if any(p.kind == "*" or (p.kind == "AWS" and p.value == "*") for p in entries):
            return z3.BoolVal(True)
        accounts: list[z3.BoolRef] = []
        own: list[z3.BoolRef] = []
        for p in entries:
            if p.kind != "AWS":
                continue
            parts = parse_aws_principal(p.value)
            if is_account_id(p.value) or (
                parts
                and parts[0] == self.search.partition
                and parts[1] == "iam"
                and parts[3] == "root"
            ):
                accounts.append(self.acct == z3.StringVal(parts[2] if parts else p.value))
            elif parts:
                value = z3.StringVal(p.value)
                own.append(
                    z3.Or(self.arn == value, z3.And(self.kind == 1, self.session_arn == value))
                )
        if not accounts or not own:
            return z3.BoolVal(False)
        return z3.And(z3.Or(*accounts), z3.Or(*own))

    def statement_names(self, st: Statement) -> z3.BoolRef:
        if st.not_principals is not None:
            return z3.Not(self.exempt(st.not_principals))
        return z3.Or(*[self.names(p) for p in st.principals])

    # ------------------------------------------------------------------ conditions

    def conditions(self, st: Statement) -> z3.BoolRef:
        return z3.And(*[self.condition(c, st.effect) for c in st.conditions])

    def condition(self, cond: Condition, effect: str) -> z3.BoolRef:
        """One condition; an unevaluable one counts for the attacker (as the evaluator does)."""
        try:
            return self._condition(cond, effect)
        except Unevaluable:
            self.unevaluable = True
            return z3.BoolVal(effect == "Allow")

    def _condition(self, cond: Condition, effect: str) -> z3.BoolRef:
        base = cond.base
        if base == "Null":
            if cond.if_exists or cond.set_op:
                raise Unevaluable(cond.operator)
            key = self.key(cond.key)
            wanted = [_parse_bool(v) for v in cond.values]
            return z3.Or(*[z3.Not(key.present) if w else key.present for w in wanted])
        if base not in KNOWN_OPS:
            raise Unevaluable(cond.operator)
        key = self.key(cond.key)
        # AWS does not document Bool on a value that is never true/false: the worst case
        # (decided below like any value that cannot be compared: the key stays modelled).
        never_bool = base == "Bool" and cond.key in _NEVER_BOOLEAN
        negated = base in NEGATED
        positive = _NEGATED_OF.get(base, base)
        values = [self._policy_value(cond, v) for v in cond.values]

        def ok(index: int, elem: z3.ExprRef) -> z3.BoolRef:
            if never_bool:
                raise Unevaluable(cond.operator)
            hits = [
                z3.And(resolvable, self._match(positive, key, index, elem, pieces))
                for resolvable, pieces in values
            ]
            hit = z3.Or(*hits) if hits else z3.BoolVal(False)
            return z3.Not(hit) if negated else hit

        if cond.if_exists or cond.set_op == "ForAllValues":
            absent = z3.BoolVal(True)
        elif cond.set_op == "ForAnyValue":
            absent = z3.BoolVal(False)
        else:
            absent = z3.BoolVal(negated)
        elems = key.elems
        try:
            if cond.set_op == "ForAnyValue" or (cond.set_op is None and not negated):
                present = z3.Or(*[z3.And(a, ok(i, e)) for i, (a, e) in enumerate(elems)])
            else:
                present = z3.And(*[z3.Implies(a, ok(i, e)) for i, (a, e) in enumerate(elems)])
        except Unevaluable:
            # The evaluator decides an absent key first; a present one cannot be compared.
            self.unevaluable = True
            present = z3.BoolVal(effect == "Allow")
        return z3.If(key.present, present, absent)

    def _policy_value(
        self, cond: Condition, value: str
    ) -> tuple[z3.BoolRef, list[str | z3.SeqRef]]:
        """A policy value as pieces (literal text or a referenced key's value)."""
        if not cond.variables or not has_variable(value):
            return z3.BoolVal(True), [value]
        pieces: list[str | z3.SeqRef] = []
        resolvable: list[z3.BoolRef] = []
        pos = 0
        for match in _VARIABLE_RE.finditer(value):
            pieces.append(value[pos : match.start()])
            pos = match.end()
            inner = match.group(1).strip()
            if inner in ("*", "?", "$"):
                pieces.append("\x00" + inner)  # a literal character, even in a pattern
                continue
            ref, _, default = inner.partition(",")
            ref = ref.strip().lower()
            default = default.strip()
            fallback = (
                default[1:-1] if len(default) >= 2 and default[0] == default[-1] == "'" else None
            )
            target = self.key(ref)
            usable = not target.multi and target.family == "str"
            term = target.elems[0][1] if usable else None
            if term is not None and fallback is not None:
                pieces.append(z3.If(target.present, term, z3.StringVal(fallback)))
            elif term is not None:
                pieces.append(term)
                resolvable.append(target.present)
            elif fallback is not None:
                pieces.append(fallback)
            else:
                resolvable.append(z3.BoolVal(False))
        pieces.append(value[pos:])
        return z3.And(*resolvable) if resolvable else z3.BoolVal(True), pieces

    def _match(
        self,
        op: str,
        key: _Key,
        index: int,
        elem: z3.ExprRef,
        pieces: list[str | z3.SeqRef],
    ) -> z3.BoolRef:
        literal = all(isinstance(p, str) for p in pieces)
        text = "".join(p for p in pieces if isinstance(p, str))
        if op in ("StringEquals", "BinaryEquals"):
            return elem == self._concat(pieces)
        if op == "StringEqualsIgnoreCase":
            regex: list[z3.ReRef] = []
            for piece in pieces:
                if isinstance(piece, str):
                    regex.append(_ci_re(piece.replace("\x00", "")))
                elif piece.eq(self.acct):  # digits: case does not matter
                    regex.append(z3.Re(piece))
                else:
                    raise Undecided("StringEqualsIgnoreCase compares with a policy variable")
            return z3.InRe(elem, _concat_re(regex))
        if op == "StringLike":
            match = z3.InRe(elem, _concat_re(self._pattern(pieces, self.all_char, self.any_string)))
            return z3.And(match, *_glob_ends(pieces, elem)) if literal else match
        if op in ("ArnEquals", "ArnLike"):
            return self._arn_like(elem, pieces)
        if op == "Bool":
            return z3.InRe(elem, _ci_re(_parse_bool_text(text)))
        if not literal:
            raise Unevaluable(op)  # a number, date or range taken from a variable
        if op in NUMERIC_OPS:
            if key.family == "num":
                return _compare(op, elem, _parse_number(text))
            if key.number is None:
                raise Unevaluable(op)
            return _compare(op, key.number(elem), _parse_number(text))
        if op in DATE_OPS:
            if key.family != "date":
                raise Unevaluable(op)
            return _compare(op, elem, _date_micros(text))
        if key.family != "ip":
            raise Unevaluable(op)
        if op == "IpAddress":
            try:
                net = ipaddress.ip_network(text, strict=False)
            except ValueError as exc:
                raise Unevaluable(text) from exc
            flag = key.is6[index]
            lo, hi = int(net.network_address), int(net.broadcast_address)
            v6 = z3.BoolVal(net.version == 6)
            return z3.And(flag == v6, elem >= lo, elem <= hi)
        raise Unevaluable(op)

    @staticmethod
    def _concat(pieces: list[str | z3.SeqRef]) -> z3.SeqRef:
        terms = [
            z3.StringVal(p.replace("\x00", "")) if isinstance(p, str) else p
            for p in pieces
            if not (isinstance(p, str) and not p)
        ]
        if not terms:
            return z3.StringVal("")
        return terms[0] if len(terms) == 1 else z3.Concat(*terms)

    @staticmethod
    def _pattern(pieces: list[str | z3.SeqRef], one: z3.ReRef, star: z3.ReRef) -> list[z3.ReRef]:
        out: list[z3.ReRef] = []
        for piece in pieces:
            if isinstance(piece, str):
                if piece.startswith("\x00"):
                    out.append(z3.Re(piece[1:]))
                else:
                    out.extend(_glob_re(piece, one, star))
            else:
                out.append(z3.Re(piece))
        return out

    def _arn_like(self, elem: z3.ExprRef, pieces: list[str | z3.SeqRef]) -> z3.BoolRef:
        """IAM's ARN match: six colon-separated parts, each matched as a wildcard pattern."""
        items: list[str | z3.SeqRef] = []
        for piece in pieces:
            if isinstance(piece, str):
                if piece.startswith("\x00"):
                    items.append(piece)
                else:
                    items.extend(piece)
            else:
                items.append(piece)
        for piece in pieces:
            if not isinstance(piece, str) and not self._colon_free(piece):
                raise Undecided("an ARN pattern takes a policy variable that may hold ':'")
        parts: list[list[str | z3.SeqRef]] = [[]]
        for item in items:
            if item == ":" and len(parts) < 6:
                parts.append([])
            else:
                parts[-1].append(item)
        if len(parts) != 6:
            return z3.BoolVal(False)
        if elem.eq(self.__dict__.get("arn", z3.BoolVal(False))) and all(
            isinstance(item, str) and not item.startswith("\x00") for p in parts for item in p
        ):
            return self._caller_arn_like(["".join(str(i) for i in p) for p in parts])
        no_colon_star = z3.Star(self.no_colon)
        regex: list[z3.ReRef] = []
        for i, part in enumerate(parts):
            if i:
                regex.append(z3.Re(":"))
            one, star = (
                (self.no_colon, no_colon_star) if i < 5 else (self.all_char, self.any_string)
            )
            for item in part:
                if isinstance(item, str):
                    if item.startswith("\x00"):
                        regex.append(z3.Re(item[1:]))
                    elif item in "*?" and item:
                        regex.append(star if item == "*" else one)
                    else:
                        regex.append(z3.Re(item))
                else:
                    regex.append(z3.Re(item))
        return z3.InRe(elem, _concat_re(regex))

    def _caller_arn_like(self, parts: list[str]) -> z3.BoolRef:
        """A literal ARN pattern on the caller's own ARN, component by component.

        The caller's ARN is ``arn:<partition>:iam::<account>:<user|role><path><name>``: the
        first four components are constants (compared here), the account and the resource
        are matched separately, which z3 decides far faster than one regex over the whole.
        """
        fixed = ("arn", self.search.partition, "iam", "")
        if not all(_glob_match(p, f) for p, f in zip(parts[:4], fixed, strict=True)):
            return z3.BoolVal(False)
        no_colon_star = z3.Star(self.no_colon)
        account = _concat_re(_glob_re(parts[4], self.no_colon, no_colon_star))
        resource = z3.Concat(
            z3.StringVal("user" if self.kind_value == 0 else "role"), self.path, self.name
        )
        tail = _concat_re(_glob_re(parts[5], self.all_char, self.any_string))
        return z3.And(z3.InRe(self.acct, account), z3.InRe(resource, tail))

    def _colon_free(self, term: z3.SeqRef) -> bool:
        return any(
            k in _COLON_FREE and any(term.eq(e) for _, e in self.keys[k].elems) for k in self.keys
        )

    # ------------------------------------------------------------------ solving

    def solve(self, statement: Statement, outsider: Outsider) -> Hit | None:
        s = self.solver
        self.fixed_account = self.search.fixed_account(outsider)
        if outsider.principal is None:
            s.add(self.statement_names(statement))
        else:
            s.add(self.names(outsider.principal))
        s.add(self.conditions(statement))
        for deny in self.search.denies:
            s.add(z3.Not(z3.And(self.statement_names(deny), self.conditions(deny))))
        pending = list(self.lazy)
        while True:
            result = s.check()
            if result == z3.unsat:
                return None
            if result != z3.sat:
                raise Undecided(f"the solver gave up ({s.reason_unknown()})")
            model = s.model()
            broken = [
                item
                for item in pending
                if not item[2].fullmatch(
                    _decode(model.eval(item[0], model_completion=True).as_string())
                )
            ]
            if not broken:
                break
            for item in broken:
                s.add(item[1])
                pending.remove(item)
        model = self._canonical(model, pending)
        request = self._request(model)
        if not evaluate_request(self.search.policy, request):
            raise Undecided("the solver's request did not replay through the evaluator")
        strict = evaluate_request(self.search.policy, request, strict=True)
        return Hit(request, relies_on_unevaluable=self.unevaluable or not strict)

    # ------------------------------------------------------------------ canonical model

    def _canonical(
        self, model: z3.ModelRef, pending: list[tuple[z3.SeqRef, z3.BoolRef, re.Pattern[str]]]
    ) -> z3.ModelRef:
        """The model every run finds, whatever z3's own choice was.

        z3's models depend on memory addresses (it orders terms by them), so two runs on the
        same formula can give different witnesses. Each free term is pinned in turn (booleans
        first, then by name) to the first preferred value the formula allows: absent before
        present, the fast search's representatives and the policy's own values, else the
        shortest string with the smallest characters. Each pin is a yes/no question asked of
        a fresh solver (z3's incremental string solver can stall on them), so the answers do
        not depend on z3's choices. Lazy formats of the pinned terms are kept.
        """
        self._base = list(self.solver.assertions())
        self._pins: list[z3.BoolRef] = []
        self._current = self._last = model
        terms: dict[str, z3.ExprRef] = {}
        for decl in model.decls():
            if decl.arity() == 0 and not decl.name().endswith("_scaled"):
                terms[decl.name()] = decl()
        for term, _, _ in pending:
            terms.setdefault(str(term), term)
        formats = {str(term): (constraint, pattern) for term, constraint, pattern in pending}
        ordered = sorted(terms.items(), key=lambda kv: (not z3.is_bool(kv[1]), kv[0]))
        chosen: list[str] = []  # values pinned so far: a variable may need to repeat one
        for name, term in ordered:
            if z3.is_bool(term):
                if not self._pin(term == z3.BoolVal(False)):
                    self._pin(term == z3.BoolVal(True))
            elif z3.is_string(term):
                fmt = formats.get(name)
                candidates = [
                    c
                    for c in dict.fromkeys([*self._string_candidates(name), *chosen])
                    if fmt is None or fmt[1].fullmatch(c)
                ][:12]
                current = self._current.eval(term, model_completion=True)
                if self._check(term != current) is None:  # forced: one value only
                    self._pins.append(term == current)
                elif not any(self._pin(term == z3.StringVal(c)) for c in candidates):
                    if fmt is not None:
                        self._pins.append(fmt[0])
                    self._least_string(term)
                    self._current = self._model()
                chosen.append(_decode(self._current.eval(term).as_string()))
            elif not any(self._pin(term == n) for n in self._number_candidates(z3.is_int(term))):
                current = self._model()
                self._pin(term == current.eval(term, model_completion=True))
        return self._current

    def _check(self, *extra: z3.BoolRef) -> z3.ModelRef | None:
        """A model of the formula, the pins and ``extra``, from a fresh solver; None if unsat."""
        solver = z3.SimpleSolver()
        solver.set("rlimit", self.rlimit)
        solver.add(*self._base, *self._pins, *extra)
        result = solver.check()
        if result == z3.sat:
            self._last = solver.model()
            return self._last
        if result == z3.unsat:
            return None
        raise Undecided(f"the solver gave up while fixing the witness ({solver.reason_unknown()})")

    def _model(self) -> z3.ModelRef:
        model = self._check()
        if model is None:
            raise Undecided("the witness could not be fixed")
        return model

    def _pin(self, constraint: z3.BoolRef) -> bool:
        """Keep ``constraint`` if the formula still has a model with it."""
        model = self._check(constraint)
        if model is None:
            return False
        self._pins.append(constraint)
        self._current = self._last = model
        return True

    def _least_string(self, term: z3.SeqRef) -> None:
        """Pin ``term`` to its shortest value, then to ``aaa…``, ``AAA…`` or ``000…`` if one
        fits, else position by position: the forced character, ``a``, ``A``, ``0``, else the
        smallest one; after a forced or searched character, first the rest as ``aaa…``,
        ``AAA…`` or ``000…``."""
        high = len(_decode(self._model().eval(term, model_completion=True).as_string()))
        low = 0
        while low < high:
            mid = (low + high) // 2
            if self._check(z3.Length(term) <= mid) is not None:
                high = mid
            else:
                low = mid + 1
        if not self._pin(z3.Length(term) == low):
            raise Undecided("the witness could not be fixed")
        for fill in "aA0":
            if self._pin(term == z3.StringVal(fill * low)):
                return
        fill_rest = False
        for i in range(low):
            code = z3.StrToCode(z3.SubString(term, i, 1))
            top = self._last.eval(code, model_completion=True).as_long()
            if self._check(code != top) is None:  # forced
                self._pins.append(code == top)
                fill_rest = True
                continue
            # After a character that is not a fill (forced, such as an "AIDA" prefix bound
            # from another key, or searched), the rest as one fill in one question: pinning
            # position by position costs about a second per character in z3's string theory.
            rest = z3.SubString(term, i, low - i)
            if fill_rest and any(self._pin(rest == z3.StringVal(c * (low - i))) for c in "aA0"):
                return
            fill_rest = False
            if any(self._pin(code == ord(c)) for c in "aA0"):
                continue
            bottom = 0
            while bottom < top:
                mid = (bottom + top) // 2
                if self._check(code <= mid) is not None:
                    top = mid
                else:
                    bottom = mid + 1
            fill_rest = True
            self._pins.append(code == bottom)  # the last model found has it

    def _string_candidates(self, name: str) -> list[str]:
        fresh = self.search.trusted | self.search.mentioned_accounts
        preferred = {
            "account": [a for a in FRESH_CALLER_ACCOUNTS[:4] if a not in fresh],
            "name": [WITNESS_NAME],
            "session": [WITNESS_NAME],
            "path": ["/"],
            "external_id": [FRESH_EXTERNAL_ID],
            "org": [FRESH_ORG],
            "mfa": ["false"],
        }.get(name, [FRESH_STRING])
        return [*preferred, *self.search.string_candidates]

    def _number_candidates(self, integer: bool) -> list[z3.ExprRef]:
        out: list[z3.ExprRef] = []
        for value in self.search.number_candidates:
            if integer and value.denominator == 1:
                out.append(z3.IntVal(value.numerator))
            elif not integer:
                out.append(z3.RealVal(f"{value.numerator}/{value.denominator}"))
        return out[:8]

    def _request(self, model: z3.ModelRef) -> Request:
        def text(term: z3.ExprRef) -> str:
            return _decode(model.eval(term, model_completion=True).as_string())

        def truth(term: z3.BoolRef) -> bool:
            return bool(z3.is_true(model.eval(term, model_completion=True)))

        solved = self.__dict__  # parts of the caller the formula used (cached properties)

        def part(attr: str, default: str) -> str:
            return text(solved[attr]) if attr in solved else default

        fresh = self.search.trusted | self.search.mentioned_accounts
        anyone = next(a for a in FRESH_CALLER_ACCOUNTS if a not in fresh)
        account = part("acct", self.fixed_account or anyone)
        user = self.kind_value == 0
        name = part("name", WITNESS_NAME)
        p = self.search.partition
        arn = f"arn:{p}:iam::{account}:{'user' if user else 'role'}{part('path', '/')}{name}"
        context: dict[str, ContextValue] = {
            "aws:principalaccount": account,
            "aws:principalarn": arn,
            "aws:principaltype": "User" if user else "AssumedRole",
        }
        if user:
            context["aws:username"] = name
        for written, attr in ((ORG_ID, "org"), (EXTERNAL_ID, "ext"), (MFA_PRESENT, "mfa")):
            if attr in solved and truth(solved[attr][0]):
                context[written] = text(solved[attr][1])
        if "mfa" not in solved and not user:
            context[MFA_PRESENT] = "false"  # what a session carries; nothing reads it
        for key_name, key in self.keys.items():
            if key_name in _IDENTITY_KEYS:
                continue
            if not truth(key.present):
                continue
            values = [
                self._show(key, i, elem, model, text)
                for i, (active, elem) in enumerate(key.elems)
                if truth(active)
            ]
            context[key_name] = tuple(dict.fromkeys(values)) if key.multi else values[0]
        session = None
        if not user:
            session_name = part("session", WITNESS_NAME)
            session = f"arn:{p}:sts::{account}:assumed-role/{name}/{session_name}"
        return Request(p, account, arn, session, context)

    @staticmethod
    def _show(
        key: _Key,
        index: int,
        elem: z3.ExprRef,
        model: z3.ModelRef,
        text: Callable[[z3.ExprRef], str],
    ) -> str:
        if key.family == "str":
            return text(elem)
        got = model.eval(elem, model_completion=True)
        if key.family == "num":
            value = Fraction(str(got.as_fraction()))
            return format_decimal(value)
        if key.family == "date":
            micros = got.as_long()
            when = _EPOCH + timedelta(microseconds=micros)
            return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        v6 = z3.is_true(model.eval(key.is6[index], model_completion=True))
        number = got.as_long()
        return str(ipaddress.IPv6Address(number) if v6 else ipaddress.IPv4Address(number))


_DECIMALS = 12


def _decode(text: str) -> str:
    return re.sub(r"\\u\{([0-9a-fA-F]+)\}", lambda m: chr(int(m.group(1), 16)), text)


def format_decimal(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    value = abs(value)
    whole = value.numerator // value.denominator
    rest = value - whole
    digits = ""
    while rest and len(digits) < _DECIMALS:
        rest *= 10
        digit = rest.numerator // rest.denominator
        digits += str(digit)
        rest -= digit
    return f"{sign}{whole}.{digits}"


def _parse_bool(text: str) -> bool:
    return _parse_bool_text(text) == "true"


def _parse_bool_text(text: str) -> str:
    low = text.replace("\x00", "").lower()
    if low not in ("true", "false"):
        raise Unevaluable(text)
    return low


def _parse_number(text: str) -> Fraction:
    value = parse_number(text)
    scaled = value * 10**_DECIMALS
    if scaled.denominator != 1:
        raise Unevaluable(text)  # finer than the encoding's decimals
    return value


def _date_micros(text: str) -> int:
    when = parse_date(text)
    return int((when - _EPOCH) / timedelta(microseconds=1))


def _compare(op: str, left: z3.ArithRef, right: Fraction | int) -> z3.BoolRef:
    value: z3.ArithRef | int
    if isinstance(right, Fraction):
        value = z3.RealVal(f"{right.numerator}/{right.denominator}")
    else:
        value = right
    if op.endswith("LessThanEquals"):
        return left <= value
    if op.endswith("LessThan"):
        return left < value
    if op.endswith("GreaterThanEquals"):
        return left >= value
    if op.endswith("GreaterThan"):
        return left > value
    return left == value
