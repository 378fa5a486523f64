"""Frozen value types that cross trustwarden's stage boundaries. No I/O here."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trustwarden.evidence.model import RoleEvidence


class Status(StrEnum):
    """The verdict for one role."""

    FAIL = "fail"
    WARN = "warn"
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    ERROR = "error"

    @property
    def rank(self) -> int:
        """Higher is worse; used for ``--fail-on`` thresholds."""
        return _STATUS_RANK[self]


_STATUS_RANK = {Status.PASS: 0, Status.WARN: 1, Status.FAIL: 2, Status.ERROR: 3}


class Severity(StrEnum):
    """Risk level of a result (the rule's risk level, raised for admin-equivalent roles)."""

    INFORMATIONAL = "informational"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Higher is worse."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {s: i for i, s in enumerate(Severity)}


# --------------------------------------------------------------------------- identifiers

# What a value unknown before deployment (a template parameter without a default, ...) stands
# for in a trust document read from a template: an account nobody trusts. The role's origin
# notes name each such value ("... shown as 999999999999").
UNKNOWN_ACCOUNT = "999999999999"
# IAM is ASCII: an account ID is exactly 12 ASCII digits (no other Unicode digits, no trailing
# newline). These patterns are for ``fullmatch`` only.
ACCOUNT_ID_RE = re.compile(r"[0-9]{12}", re.ASCII)
# Unique IDs IAM shows in place of a deleted principal (AIDA user, AROA role, ...).
UNIQUE_ID_RE = re.compile(r"A[A-Z]{3}[A-Z0-9]{12,}", re.ASCII)
_PRINCIPAL_ARN_RE = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):(?P<service>iam|sts)::(?P<account>[0-9]{12}):(?P<resource>.+)",
    re.ASCII | re.DOTALL,
)


#: What STS accepts as an ``ExternalId``: 2-1,224 characters of ``A-Z a-z 0-9 _+=,.@:/-``.
EXTERNAL_ID_RE = re.compile(r"[A-Za-z0-9_+=,.@:/-]{2,1224}", re.ASCII)
EXTERNAL_ID_MIN, EXTERNAL_ID_MAX = 2, 1224
_EXTERNAL_ID_CHAR = re.compile(r"[A-Za-z0-9_+=,.@:/-]", re.ASCII)


def external_id_problem(value: str) -> str | None:
    """Why STS would reject ``value`` as an External ID (``None``: it accepts it)."""
    if not EXTERNAL_ID_MIN <= len(value) <= EXTERNAL_ID_MAX:
        return (
            f"an External ID must be {EXTERNAL_ID_MIN}-{EXTERNAL_ID_MAX} characters, "
            f"got {len(value)}"
        )
    if not EXTERNAL_ID_RE.fullmatch(value):
        bad = sorted({c for c in value if not _EXTERNAL_ID_CHAR.fullmatch(c)})
        shown = ", ".join(repr(c) for c in bad)
        return f"an External ID may only contain letters, digits and _+=,.@:/- (found {shown})"
    return None


def is_account_id(value: str) -> bool:
    """Whether ``value`` is an AWS account ID: exactly 12 ASCII digits."""
    return ACCOUNT_ID_RE.fullmatch(value) is not None


def parse_aws_principal(value: str) -> tuple[str, str, str, str] | None:
    """Split a principal ARN into (partition, service, account, resource); None if not one.

    Only IAM and STS ARNs with a 12-digit account are principal ARNs.
    """
    match = _PRINCIPAL_ARN_RE.fullmatch(value)
    if not match:
        return None
    return match["partition"], match["service"], match["account"], match["resource"]


@dataclass(frozen=True, slots=True)
class Arn:
    """Any ARN, split into its six fields: ``arn:partition:service:region:account:resource``."""

    partition: str
    service: str
    region: str
    account_id: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn | None:
        """The fields of ``text``, or ``None`` when it is not an ARN."""
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[1]:
            return None
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])


class PrincipalForm(StrEnum):
    """What an entry of a ``Principal`` element names."""

    WILDCARD = "*"  # "*" or {"AWS": "*"}: every principal of every account
    ACCOUNT = "account"  # a bare 12-digit account ID: the account (like its root ARN)
    ROOT = "root"  # arn:...:iam::ACCOUNT:root
    USER = "user"  # arn:...:iam::ACCOUNT:user/...
    ROLE = "role"  # arn:...:iam::ACCOUNT:role/...
    ASSUMED_ROLE = "assumed-role"  # arn:...:sts::ACCOUNT:assumed-role/ROLE/SESSION
    FEDERATED_USER = "federated-user"  # arn:...:sts::ACCOUNT:federated-user/...
    UNIQUE_ID = "unique-id"  # AROA.../AIDA...: a deleted principal, matches nobody
    OTHER = "other"  # a Service/Federated/CanonicalUser principal, or not a valid AWS one


_ARN_FORMS = {
    ("iam", "user"): PrincipalForm.USER,
    ("iam", "role"): PrincipalForm.ROLE,
    ("sts", "assumed-role"): PrincipalForm.ASSUMED_ROLE,
    ("sts", "federated-user"): PrincipalForm.FEDERATED_USER,
}


# --------------------------------------------------------------------------- policy model


@dataclass(frozen=True, slots=True)
class Principal:
    """One entry of a ``Principal``/``NotPrincipal`` element, as written, parsed once.

    ``kind`` is ``AWS``, ``Service``, ``Federated``, ``CanonicalUser`` or ``*`` (the bare
    string principal ``"*"``). The rest is derived from ``kind`` and ``value``: ``form`` says
    what the entry names; ``account_id`` is its 12-digit account (a bare account ID or an
    IAM/STS ARN's), ``partition`` and ``resource`` come from its ARN (``None`` when there is
    none).
    """

    kind: str
    value: str
    form: PrincipalForm = field(init=False, compare=False)
    account_id: str | None = field(init=False, compare=False)
    partition: str | None = field(init=False, compare=False)
    resource: str | None = field(init=False, compare=False)

    def __post_init__(self) -> None:
        set_field = object.__setattr__
        form, account, partition, resource = _parse_principal(self.kind, self.value)
        set_field(self, "form", form)
        set_field(self, "account_id", account)
        set_field(self, "partition", partition)
        set_field(self, "resource", resource)

    @classmethod
    def aws(cls, value: str) -> Principal:
        """An ``{"AWS": value}`` entry."""
        return cls("AWS", value)


_Parsed = tuple[PrincipalForm, str | None, str | None, str | None]


@functools.lru_cache(maxsize=4096)  # estates repeat principals (vendors, SSO, services)
def _parse_principal(kind: str, value: str) -> _Parsed:
    """(form, account ID, partition, ARN resource) of a principal entry."""
    if kind == "*" or (kind == "AWS" and value == "*"):
        return PrincipalForm.WILDCARD, None, None, None
    if kind != "AWS":
        return PrincipalForm.OTHER, None, None, None
    if is_account_id(value):
        return PrincipalForm.ACCOUNT, value, None, None
    if UNIQUE_ID_RE.fullmatch(value):
        return PrincipalForm.UNIQUE_ID, None, None, None
    parts = parse_aws_principal(value)
    if parts is None:
        return PrincipalForm.OTHER, None, None, None
    partition, service, account, resource = parts
    return _arn_form(service, resource), account, partition, resource


def role_arn_account(arn: str) -> str | None:
    """The account of an IAM role ARN (``arn:PARTITION:iam::ACCOUNT:role/...``, no wildcard);
    ``None`` for anything else. The same rule as ``Principal.aws(arn).form is ROLE``, without
    building a principal (role listings hold one unique ARN per role)."""
    parts = parse_aws_principal(arn)
    if parts is None:
        return None
    _, service, account, resource = parts
    return account if _arn_form(service, resource) is PrincipalForm.ROLE else None


def _arn_form(service: str, resource: str) -> PrincipalForm:
    """The form of an IAM/STS principal ARN; OTHER for what IAM refuses (wildcards, ...)."""
    if "*" in resource or "?" in resource:
        return PrincipalForm.OTHER
    if service == "iam" and resource == "root":
        return PrincipalForm.ROOT
    head, slash, _ = resource.partition("/")
    return _ARN_FORMS.get((service, head), PrincipalForm.OTHER) if slash else PrincipalForm.OTHER


@dataclass(frozen=True, slots=True)
class Condition:
    """One (operator, key) pair of a ``Condition`` block with its values.

    ``operator`` is the full operator as written (``ForAnyValue:StringEqualsIfExists``);
    ``base`` is the operator without set prefix and ``IfExists`` suffix (``StringEquals``).
    ``key`` is lower-cased (condition keys are case-insensitive); ``key_as_written`` keeps
    the original spelling for messages.
    """

    operator: str
    base: str
    key: str
    key_as_written: str
    values: tuple[str, ...]
    if_exists: bool = False
    set_op: str | None = None  # "ForAllValues" | "ForAnyValue" | None
    # Whether ``${...}`` in values are policy variables (Version 2012-10-17) or literal text.
    variables: bool = True


@dataclass(frozen=True, slots=True)
class Statement:
    """A normalised policy statement. ``index`` is its 0-based position in the document."""

    index: int
    sid: str | None
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] | None = None
    principals: tuple[Principal, ...] = ()
    not_principals: tuple[Principal, ...] | None = None
    conditions: tuple[Condition, ...] = ()

    @property
    def label(self) -> str | int:
        """How reports name the statement: its Sid when it has one, else its index."""
        return self.sid if self.sid else self.index


@dataclass(frozen=True, slots=True)
class TrustPolicy:
    """A parsed trust policy document."""

    statements: tuple[Statement, ...]
    version: str | None = None


# --------------------------------------------------------------------------- roles


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a role came from, so findings can point back at it."""

    source: str  # "authz" | "list-roles" | "get-role" | "policy" | "aws" | ...
    file: str | None = None
    pointer: str | None = None  # JSON pointer inside the file, e.g. /RoleDetailList/3
    line: int | None = None
    account_id: str | None = None
    # Templates (infrastructure as code): the line of each statement by its label (Sid or
    # index), what could not be known before deployment, and which branch choice this is.
    statement_lines: tuple[tuple[str | int, int], ...] = ()
    notes: tuple[str, ...] = ()
    variant: str | None = None


@dataclass(frozen=True, slots=True)
class Permissions:
    """What the input says about a role's own permissions (for severity only)."""

    managed_policy_arns: tuple[str, ...] = ()
    # Policy documents (inline, and managed ones the input could resolve), already decoded.
    documents: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class RoleFacts:
    """What a source knows about a role besides its trust policy (shown in reports).

    Only facts that reports show are kept. Sources fill what they read
    (``get-account-authorization-details`` has tags and last use; ``ListRoles`` has
    neither); ``--enrich`` fetches the rest from IAM for roles that are not ``pass``.
    ``enrich_error`` says why enrichment failed (e.g. no ``iam:GetRole``), so a missing fact
    is never silently read as "unused" or "not admin".
    """

    path: str | None = None
    role_id: str | None = None  # AROA…: how AWS Config names the role
    tags: tuple[tuple[str, str], ...] = ()
    last_used: str | None = None  # ISO 8601, as IAM gives it
    last_used_region: str | None = None
    permission_problems: tuple[str, ...] = ()
    enriched: bool = False
    enrich_error: str | None = None

    @property
    def tag_map(self) -> dict[str, str]:
        """The tags as a mapping."""
        return dict(self.tags)


@dataclass(frozen=True, slots=True)
class Role:
    """An IAM role as read by a source.

    ``trust_document`` is the raw trust policy as the source delivered it: a dict, a JSON
    string, or a URL-encoded JSON string. The engine parses it, so a malformed document
    becomes an ``error`` result for this role instead of stopping the scan.
    """

    arn: str
    name: str
    account_id: str
    trust_document: object
    origin: Origin = field(default_factory=lambda: Origin(source="unknown"))
    permissions: Permissions | None = None
    facts: RoleFacts = field(default_factory=RoleFacts)

    @property
    def partition(self) -> str:
        """The ARN partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...)."""
        parts = self.arn.split(":", 2)  # per role on the hot path: no Arn object
        return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else "aws"

    @property
    def variant_of(self) -> tuple[object, ...] | None:
        """What a template role's variants share (file, place, line, name); ``None`` for a
        role that is not one of several variants."""
        origin = self.origin
        if origin.variant is None:
            return None
        return (origin.file, origin.pointer, origin.line, self.name)


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True, slots=True)
class Settings:
    """What the user trusts, and which roles to look at. The role's own account is always
    trusted.

    ``known_accounts`` names accounts (e.g. vendors' published AWS accounts) so reports can
    say who a principal belongs to; it never changes a verdict.
    """

    trusted_accounts: frozenset[str] = frozenset()
    trusted_orgs: frozenset[str] = frozenset()
    known_accounts: Mapping[str, str] = field(default_factory=dict)
    #: Exit 1 when a role is at or above this verdict: ``"fail"``, ``"warn"`` or ``"never"``.
    fail_on: str = "fail"
    #: Only the roles whose name or ARN is one of these, or whose name matches one of these
    #: shell patterns (case-insensitive); empty: every role.
    roles: tuple[str, ...] = ()


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Witness:
    """One concrete request the trust policy allows: replay it in the IAM policy simulator.

    ``context`` maps condition keys (as AWS spells them) to the values the request needs;
    a key that is not listed is absent from the request.
    """

    principal_arn: str
    account_id: str
    mfa: str  # "absent (long-term keys)" | "false (session without MFA)" | ...
    external_id: str | None
    context: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    session_arn: str | None = None

    def describe(self) -> str:
        """The witness in plain words."""
        ext = (
            f"ExternalId {self.external_id!r}" if self.external_id is not None else "no ExternalId"
        )
        who = self.session_arn or self.principal_arn
        parts = [f"{who} calls sts:AssumeRole with {ext}, MFA {self.mfa}"]
        extras = {k: v for k, v in self.context.items() if k.lower() not in _WITNESS_IMPLIED_KEYS}
        if extras:
            shown = ", ".join(f"{k}={_show(v)}" for k, v in sorted(extras.items()))
            parts.append(f"and context {shown}")
        return " ".join(parts)


_WITNESS_IMPLIED_KEYS = frozenset(
    {
        "sts:externalid",
        "aws:multifactorauthpresent",
        "aws:multifactorauthage",
        "aws:principaltype",
        "aws:username",
        "aws:principalaccount",
        "aws:principalarn",
    }
)


def _show(value: str | tuple[str, ...]) -> str:
    return "[" + ", ".join(value) + "]" if isinstance(value, tuple) else value


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason a role is not ``pass``.

    ``code`` is a stable rule id from :mod:`trustwarden.rules`. ``statement`` names the
    statement as reports do (its Sid, else its index); ``statement_index`` is its 0-based
    position in the document (Sids need not be unique), ``None`` when the finding is about the
    whole document. ``principals`` are the principals as written in the policy that the
    finding is about.
    """

    code: str
    statement: str | int | None
    principals: tuple[str, ...]
    message: str
    status: Status
    witness: Witness | None = None
    notes: tuple[str, ...] = ()
    statement_index: int | None = None


@dataclass(frozen=True, slots=True)
class ExplainedStatement:
    """For ``explain``: what one statement does, in words."""

    label: str | int
    effect: str
    covers_assume_role: bool
    admits: tuple[str, ...]  # principal descriptions
    outsiders: tuple[str, ...]  # those admitted that are outside the trusted set
    conditions: tuple[str, ...]  # one line per condition
    verdict: str  # plain-words outcome for this statement


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding was accepted as a risk, and until when (``YYYY-MM-DD`` or ``None``)."""

    reason: str
    expires: str | None = None


@dataclass(frozen=True, slots=True)
class RoleResult:
    """The verdict for one role.

    ``suppressed`` (finding code → suppression) and ``baseline`` (finding codes already in
    the baseline report) are marks set after the engine (:mod:`trustwarden.suppress`,
    :mod:`trustwarden.baseline`); marked findings stay in every report but do not count for
    ``--fail-on`` (:attr:`open_status`).
    """

    role: Role
    status: Status
    severity: Severity
    findings: tuple[Finding, ...] = ()
    error: str | None = None
    explanation: tuple[ExplainedStatement, ...] = ()
    fingerprint: str = ""
    evidence: RoleEvidence | None = None  # CloudTrail evidence, when the scan was given some
    suppressed: Mapping[str, Suppression] = field(default_factory=dict)
    baseline: frozenset[str] = frozenset()

    def is_marked(self, code: str) -> bool:
        """Whether the finding ``code`` is suppressed or in the baseline."""
        return code in self.suppressed or code in self.baseline

    @property
    def open_status(self) -> Status:
        """The verdict counted for ``--fail-on``: the worst finding not suppressed and not in
        the baseline (``pass`` when all are). ``error`` and ``pass`` are never changed.
        """
        if self.status not in (Status.FAIL, Status.WARN) or not (self.suppressed or self.baseline):
            return self.status
        open_ = [f.status for f in self.findings if not self.is_marked(f.code)]
        return max(open_, key=lambda s: s.rank, default=Status.PASS)


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something that could not be audited (a whole account, a file), with the reason.

    Skipped items are data: they flow to the output and make the exit code 2.
    """

    what: str
    reason: str
    account_id: str | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """Everything one scan produced, in input order."""

    results: tuple[RoleResult, ...]
    skipped: tuple[Skipped, ...] = ()
    started_at: str = ""
    finished_at: str = ""
    tool_version: str = ""

    def summary(self) -> dict[str, int]:
        """Counts per status, every status present."""
        counts = {s.value: 0 for s in (Status.FAIL, Status.WARN, Status.PASS, Status.ERROR)}
        for result in self.results:
            counts[result.status.value] += 1
        return counts
