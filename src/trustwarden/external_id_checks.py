"""External ID quality checks (TW006-TW009), run after the engine on the parsed policy.

The engine decides who can get in; these checks judge the External IDs a policy requires:
one STS would reject (TW006), one shared by roles that trust different outside accounts
(TW007, a check across all results), one that can be guessed (TW008), and a pattern or a
list where one exact ID is expected (TW009). Each adds a ``warn`` finding; a ``pass`` role
becomes ``warn``, a worse verdict stays. :func:`check_events` is the one hook the scan calls.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from trustwarden.engine.describe import principal_account
from trustwarden.engine.evaluate import statement_covers_assume_role
from trustwarden.engine.severity import role_severity
from trustwarden.errors import PolicyError
from trustwarden.model import (
    UNKNOWN_ACCOUNT,
    Finding,
    RoleResult,
    Skipped,
    Statement,
    Status,
    external_id_problem,
    is_account_id,
)
from trustwarden.policy import decode_document, parse_policy
from trustwarden.rules.catalog import result_severity

EXTERNAL_ID_KEY = "sts:externalid"
EXACT = frozenset({"StringEquals", "StringEqualsIgnoreCase"})
PATTERN = "StringLike"
MIN_LENGTH = 8  # shorter External IDs are guessable by trying
MIN_BITS = 32.0  # Shannon estimate of the whole value, in bits

INVALID, SHARED, GUESSABLE, PATTERN_OR_LIST = "TW006", "TW007", "TW008", "TW009"
Event = RoleResult | Skipped


@dataclass(frozen=True, slots=True)
class ExternalIdTest:
    """One ``sts:ExternalId`` test of an Allow statement that covers ``sts:AssumeRole``."""

    statement: Statement
    operator: str
    values: tuple[str, ...]
    outside: tuple[str, ...]  # principals as written outside the role's own account

    @property
    def exact(self) -> bool:
        """An exact comparison (not a pattern, no set operator, no ``IfExists``)."""
        return self.operator in EXACT


def external_id_tests(result: RoleResult) -> list[ExternalIdTest]:
    """The role's External ID tests (none when the policy cannot be read)."""
    document = result.role.trust_document
    if isinstance(document, dict) and not _mentions_external_id(document):
        return []  # most roles: no sts:ExternalId anywhere, nothing to parse
    if isinstance(document, str) and not _text_mentions_external_id(document):
        return []
    try:
        policy = parse_policy(decode_document(result.role.trust_document))
    except PolicyError:
        return []
    own = result.role.account_id
    unknown = _has_unknown_values(result)
    found: list[ExternalIdTest] = []
    for statement in policy.statements:
        if statement.effect != "Allow" or not statement_covers_assume_role(statement):
            continue
        outside = tuple(
            p.value
            for p in statement.principals
            if p.kind in ("AWS", "*") and principal_account(p.value) != own
        )
        for cond in statement.conditions:
            if cond.key != EXTERNAL_ID_KEY or cond.operator not in EXACT | {PATTERN}:
                continue
            # A value not known before deployment (a template parameter) cannot be judged.
            values = tuple(v for v in cond.values if not (unknown and UNKNOWN_ACCOUNT in v))
            if values:
                found.append(ExternalIdTest(statement, cond.operator, values, outside))
    return found


def _has_unknown_values(result: RoleResult) -> bool:
    """Whether the role's document (from a template) shows unknown values as the outsider."""
    return any(UNKNOWN_ACCOUNT in note for note in result.role.origin.notes)


def _text_mentions_external_id(text: str) -> bool:
    """Whether a document as text (JSON, or URL-encoded JSON) may name ``sts:ExternalId``:
    the words, or an escape that could spell them (cheap, no decoding)."""
    if "%" in text:
        text = unquote(text)
    low = text.lower()
    return "externalid" in low or "\\u" in low


def _mentions_external_id(document: dict[str, Any]) -> bool:
    """Whether a decoded document may hold an ``sts:ExternalId`` condition (cheap, no parse)."""
    statements = document.get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, dict):
            return True  # let the parser judge what is not a statement
        conditions = statement.get("Condition")
        if conditions is None:
            continue
        if not isinstance(conditions, dict):
            return True
        for tests in conditions.values():
            if not isinstance(tests, dict) or any(
                not isinstance(k, str) or k.lower() == EXTERNAL_ID_KEY for k in tests
            ):
                return True
    return False


class ExternalIdMemo:
    """External ID tests per (document, own account), parsed once per scan: estates repeat
    trust documents (one vendor across many roles). Bounded, like the engine's memo."""

    LIMIT = 1024  # distinct documents with an External ID (each entry holds its statements)

    def __init__(self) -> None:
        self._memo: dict[tuple[str, str, bool], list[ExternalIdTest]] = {}

    def tests(self, result: RoleResult) -> list[ExternalIdTest]:
        """:func:`external_id_tests` of ``result``, from the memo when its document was seen."""
        doc = result.role.trust_document
        text = doc if isinstance(doc, str) else repr(doc) if isinstance(doc, dict) else None
        if text is None:
            return external_id_tests(result)
        key = (text, result.role.account_id, _has_unknown_values(result))
        found = self._memo.get(key)
        if found is None:
            if len(self._memo) >= self.LIMIT:
                self._memo.clear()
            found = self._memo[key] = external_id_tests(result)
        return found


def entropy_bits(value: str) -> float:
    """A Shannon estimate of the information in ``value`` (bits per character x length)."""
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values()) * n if n else 0.0


def guessable_reason(value: str, *, role_name: str, accounts: Iterable[str]) -> str | None:
    """Why an External ID can be guessed, or ``None``."""
    if is_account_id(value) or value in set(accounts):
        return "it is an AWS account ID"
    if value.lower() == role_name.lower():
        return "it is the role's name"
    if len(value) < MIN_LENGTH:
        return f"it is only {len(value)} characters long"
    if entropy_bits(value) < MIN_BITS:
        return (
            f"it carries about {entropy_bits(value):.0f} bits of randomness (want {MIN_BITS:.0f}+)"
        )
    return None


def sts_rejects(value: str) -> str | None:
    """Why STS would reject ``value`` as an External ID, or ``None`` (the rule ``fix`` uses)."""
    return external_id_problem(value)


def role_findings(result: RoleResult, tests: list[ExternalIdTest] | None = None) -> list[Finding]:
    """TW006, TW008 and TW009 for one role (``tests``: its External ID tests, if known)."""
    if result.status is Status.ERROR:
        return []
    role = result.role
    findings: list[Finding] = []
    for test in external_id_tests(result) if tests is None else tests:
        label = test.statement.label
        accounts = {role.account_id} | {a for p in test.outside if (a := principal_account(p))}
        if not test.exact:
            findings.append(
                _finding(
                    PATTERN_OR_LIST,
                    test,
                    f"Statement {label} matches sts:ExternalId with {test.operator} "
                    f"{_show(test.values)}: any value of the pattern gets in. Require the one "
                    "exact External ID with StringEquals.",
                )
            )
            continue
        if len(test.values) > 1:
            findings.append(
                _finding(
                    PATTERN_OR_LIST,
                    test,
                    f"Statement {label} accepts {len(test.values)} External IDs "
                    f"{_show(test.values)}: every principal it names may use any of them. Give "
                    "each third party its own statement with its one External ID.",
                )
            )
        for value in test.values:
            rejected = sts_rejects(value)
            if rejected is not None:
                findings.append(
                    _finding(
                        INVALID,
                        test,
                        f"Statement {label} requires External ID {value!r}, which STS "
                        f"rejects ({rejected}): no caller can meet it as written.",
                    )
                )
                continue
            why = guessable_reason(value, role_name=role.name, accounts=accounts)
            if why is not None:
                findings.append(
                    _finding(
                        GUESSABLE,
                        test,
                        f"Statement {label} requires External ID {value!r}, which can be "
                        f"guessed: {why}. Use the unique ID the third party issued to you.",
                    )
                )
    return findings


def _finding(code: str, test: ExternalIdTest, message: str) -> Finding:
    return Finding(
        code=code,
        statement=test.statement.label,
        statement_index=test.statement.index,
        principals=test.outside,
        message=message,
        status=Status.WARN,
    )


def _show(values: tuple[str, ...]) -> str:
    return repr(values[0]) if len(values) == 1 else "[" + ", ".join(map(repr, values)) + "]"


def with_findings(result: RoleResult, extra: Iterable[Finding]) -> RoleResult:
    """``result`` with ``extra`` findings; a ``pass`` becomes ``warn`` and the severity is
    the catalog's for the new set of findings. Same fingerprint recipe as the engine's (role
    ARN and the sorted codes), so baselines keep working.
    """
    added = tuple(extra)
    if not added:
        return result
    findings = result.findings + added
    status = result.status if result.status.rank >= Status.WARN.rank else Status.WARN
    codes = ",".join(sorted({f.code for f in findings}))
    key = f"{result.role.arn}|{codes}".encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(key).hexdigest()[:32]
    severity = result_severity((f.code for f in findings), role_severity(result.role))
    return dataclasses.replace(
        result, findings=findings, status=status, severity=severity, fingerprint=digest
    )


class SharedIdCheck:
    """TW007: one External ID required by roles that trust different outside accounts.

    Needs every result: from the first role with an exact External ID and named outside
    principals on, results are held back (:meth:`feed` returns ``True``) and released in
    input order, with their findings, by :meth:`finish`. Results before it pass straight
    through. Only named accounts count: ``"*"`` is not one third party (TW002 covers it),
    and one statement listing several IDs for several accounts is TW009's case.
    """

    def __init__(self) -> None:
        self._held: list[RoleResult] = []
        # the named tests of each held result, by position (kept: not parsed again)
        self._named: list[tuple[tuple[ExternalIdTest, set[str]], ...]] = []
        # External ID -> role ARN -> the outside accounts that role lets use it
        self._owners: dict[str, dict[str, set[str]]] = {}

    def feed(self, result: RoleResult, tests: list[ExternalIdTest] | None = None) -> bool:
        """Index ``result`` (``tests``: its External ID tests, if known); ``True`` when it is
        held until :meth:`finish`."""
        named = _named_tests(external_id_tests(result) if tests is None else tests)
        for test, accounts in named:
            for value in test.values:
                roles = self._owners.setdefault(value, {})
                roles.setdefault(result.role.arn, set()).update(accounts)
        if named or self._held:
            self._held.append(result)
            self._named.append(named)
            return True
        return False

    def release(self) -> Iterator[RoleResult]:
        """The held results as they are (the scan stopped before TW007 could be decided)."""
        held, self._held, self._named = self._held, [], []
        yield from held

    def finish(self) -> Iterator[RoleResult]:
        """The held results, in the order fed, with TW007 where an ID is shared."""
        for result, named in zip(self._held, self._named, strict=True):
            arn = result.role.arn
            extra = []
            for test, accounts in named:
                for value in test.values:
                    others = set().union(
                        *(a for r, a in self._owners.get(value, {}).items() if r != arn)
                    )
                    if others and others != accounts:
                        extra.append(
                            _finding(
                                SHARED,
                                test,
                                f"Statement {test.statement.label} requires External ID "
                                f"{value!r}, which other roles require from other accounts "
                                f"({', '.join(sorted(others - accounts or others))}): one third "
                                "party can use another's role. Each third party needs its own "
                                "External ID.",
                            )
                        )
            yield with_findings(result, extra)
        self._held.clear()
        self._named.clear()


def _named_tests(tests: list[ExternalIdTest]) -> tuple[tuple[ExternalIdTest, set[str]], ...]:
    """The exact External ID tests among ``tests`` with the outside accounts they name
    (``()``, one shared object, for the many roles without: held results stay small)."""
    out = []
    for test in tests:
        accounts = {a for p in test.outside if (a := principal_account(p))}
        if test.exact and accounts:
            out.append((test, accounts))
    return tuple(out) if out else ()


def check_events(events: Iterable[Event]) -> Iterator[Event]:
    """Add the External ID findings to a stream of results (skipped items pass through)."""
    shared = SharedIdCheck()
    memo = ExternalIdMemo()
    try:
        for event in events:
            if isinstance(event, Skipped):
                yield event
                continue
            tests = memo.tests(event)
            result = with_findings(event, role_findings(event, tests))
            if not shared.feed(result, tests):
                yield result
    except KeyboardInterrupt:
        # Stopped early (Ctrl-C, SIGTERM): what was finished still reaches the report.
        yield from shared.release()
        raise
    yield from shared.finish()
