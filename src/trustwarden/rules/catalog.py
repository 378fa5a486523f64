"""The rule catalog: the one home of every rule fact.

Status, severity, title, one-line and full remediation, compliance references and the docs
page of each rule live here and nowhere else; the engine, the fix planner and every format read
them from :data:`RULES`. Each rule's page ships in the package (``trustwarden/data/rules/``,
printed by ``trustwarden rules ID``). Adding a rule is one :class:`Rule` in :data:`RULES` and
one page ``data/rules/<ID>.md`` whose heading and facts table agree with the entry (a test
checks both).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from trustwarden.model import Severity, Status

PAGES = "data/rules"  # inside the trustwarden package


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: what a finding code means and how to fix it.

    ``exposure`` marks rules whose statements let an outsider in: the statements a condition
    or principal fix targets (``trustwarden fix``).
    """

    id: str
    name: str
    title: str
    status: Status
    severity: Severity
    description: str
    remediation: str
    short_fix: str
    compliance: tuple[str, ...] = ()
    exposure: bool = False

    @property
    def help_uri(self) -> str:
        """The rule's page as shipped in the installed package (a ``file:`` URI)."""
        return _page_uri(self.id)

    def page(self) -> str:
        """The rule's documentation page (Markdown)."""
        return page_path(self.id).read_text(encoding="utf-8")


COMPLIANCE = (
    "APRA CPS 234 (para 21: implementation of controls, incl. third parties)",
    "MAS TRM 2021 §9 Access Control; §3.4 Management of Third Party Services",
    "NIST 800-53 Rev. 4 AC-3, AC-6, AC-20, IA-2(1), IA-8, SA-9",
    "AWS Well-Architected SEC03-BP07, SEC03-BP09",
)

OUTSIDER_CAN_ASSUME = Rule(
    id="TW001",
    name="cross-account-assume-without-external-id-or-mfa",
    title="Outside principals can assume the role without an External ID or MFA",
    status=Status.FAIL,
    severity=Severity.MEDIUM,
    description=(
        "An Allow statement lets a principal in an account outside the role's own account and "
        "the trusted accounts/organisations call sts:AssumeRole with neither the exact External "
        "ID nor MFA. A third party that acts for several customers can be tricked into using "
        "this role (the confused deputy)."
    ),
    remediation=(
        "Require the External ID the third party issued to you with "
        '"Condition": {"StringEquals": {"sts:ExternalId": "<id>"}} on every Allow statement that '
        "admits outside principals, or require MFA with "
        '"Bool": {"aws:MultiFactorAuthPresent": "true"} for human users, or remove the '
        "principal. `trustwarden fix` plans and applies this safely."
    ),
    short_fix=(
        "Require the partner's External ID (StringEquals sts:ExternalId) or MFA, "
        "or remove the principal"
    ),
    compliance=COMPLIANCE,
    exposure=True,
)

WILDCARD_WEAK_PROTECTION = Rule(
    id="TW002",
    name="wildcard-principal-protected-only-by-external-id-or-mfa",
    title="Any AWS account can assume the role if it knows the External ID or has MFA",
    status=Status.WARN,
    severity=Severity.MEDIUM,
    description=(
        'The principal is "*" (every AWS account) and only an External ID or MFA stands in the '
        "way. External IDs are not secrets (anyone who can read the role can see them) and every "
        "MFA user on AWS satisfies an MFA condition."
    ),
    remediation=(
        'Name the third party\'s account (or role) in Principal instead of "*", or narrow it '
        "with aws:PrincipalAccount / aws:PrincipalOrgID conditions."
    ),
    short_fix=(
        'Name the partner\'s account instead of "*", or add an aws:PrincipalAccount condition'
    ),
    compliance=COMPLIANCE,
)

STALE_PRINCIPAL = Rule(
    id="TW003",
    name="stale-principal",
    title="The trust policy names a principal that no longer exists",
    status=Status.WARN,
    severity=Severity.LOW,
    description=(
        "A principal is shown as a unique ID (AROA…, AIDA…): the user or role it named was "
        "deleted. The entry matches nobody today, even if a principal with the same name is "
        "created again, and the account it belonged to cannot be recovered from the ID."
    ),
    remediation=(
        "Remove the stale entry, or replace it with the ARN of the principal that should be "
        "trusted."
    ),
    short_fix="Remove the stale principal, or replace it with the current ARN",
)

UNEVALUATED_CONSTRUCT = Rule(
    id="TW004",
    name="unevaluated-construct",
    title="Part of the trust policy could not be evaluated; the worst case was assumed",
    status=Status.FAIL,
    severity=Severity.MEDIUM,
    description=(
        "The policy uses an operator, value or construct trustwarden cannot evaluate. It was "
        "assumed to let an attacker through an Allow and not to stop them in a Deny."
    ),
    remediation=(
        "Review the named condition by hand; rewrite it with documented IAM condition operators."
    ),
    short_fix="Review the named condition by hand; use documented IAM operators",
    compliance=COMPLIANCE,
    exposure=True,
)

INVALID_POLICY = Rule(
    id="TW005",
    name="invalid-trust-policy",
    title="The trust policy cannot be read as an IAM policy",
    status=Status.ERROR,
    severity=Severity.MEDIUM,
    description=(
        "The document is not valid JSON or not a valid IAM policy, so no verdict is possible."
    ),
    remediation="Fix the document; IAM would reject it too.",
    short_fix="Fix the document (IAM would reject it too)",
)

EXTERNAL_ID_REJECTED = Rule(
    id="TW006",
    name="external-id-rejected-by-sts",
    title="The trust policy requires an External ID that STS would reject",
    status=Status.WARN,
    severity=Severity.LOW,
    description=(
        "An exact sts:ExternalId value is outside STS's rule (2-1,224 characters of "
        "A-Z a-z 0-9 and _+=,.@:/-), for example it holds a space. STS refuses such an "
        "ExternalId parameter, so no caller can meet the condition: the statement is unusable "
        "as written, and whoever relies on it is locked out."
    ),
    remediation=(
        "Replace the value with the External ID the third party sends. "
        "`trustwarden fix --from-evidence --evidence SOURCE` reads it from CloudTrail."
    ),
    short_fix="Replace the value with the External ID the third party sends",
)

EXTERNAL_ID_SHARED = Rule(
    id="TW007",
    name="external-id-shared-across-accounts",
    title="One External ID is required by roles that trust different outside accounts",
    status=Status.WARN,
    severity=Severity.MEDIUM,
    description=(
        "The same External ID protects roles trusted by different outside accounts. An "
        "External ID is what stops one third party's customer from steering it into another "
        "customer's role; when two third parties share it, either can use the other's role."
    ),
    remediation=(
        "Give each third party its own External ID (the one it issued to you) and update the "
        "roles one by one."
    ),
    short_fix="Give each third party its own External ID (the one it issued to you)",
    compliance=COMPLIANCE,
)

EXTERNAL_ID_GUESSABLE = Rule(
    id="TW008",
    name="guessable-external-id",
    title="The External ID can be guessed",
    status=Status.WARN,
    severity=Severity.MEDIUM,
    description=(
        "The required External ID equals an AWS account ID or the role's name, is shorter than "
        "8 characters, or carries less than about 32 bits of randomness. A confused-deputy "
        "attacker who can make the third party send a chosen External ID can guess it."
    ),
    remediation=(
        "Use the unique, random External ID the third party issued to you. Vendors issue one per "
        "customer (often a UUID); never choose one from names or account numbers."
    ),
    short_fix="Use the unique, random External ID the third party issued to you",
    compliance=COMPLIANCE,
)

EXTERNAL_ID_PATTERN_OR_LIST = Rule(
    id="TW009",
    name="external-id-pattern-or-list",
    title="A pattern or a list of External IDs where one exact ID is expected",
    status=Status.WARN,
    severity=Severity.MEDIUM,
    description=(
        "sts:ExternalId is matched with StringLike (any value of the pattern gets in) or "
        "against several values (every principal the statement names may use any of them), "
        "so the External ID no longer ties one third party to its own customer."
    ),
    remediation=(
        'Require one exact External ID with "StringEquals"; give each third party its own '
        "statement when several share a role."
    ),
    short_fix='Require one exact External ID with "StringEquals"',
    compliance=COMPLIANCE,
)

RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        OUTSIDER_CAN_ASSUME,
        WILDCARD_WEAK_PROTECTION,
        STALE_PRINCIPAL,
        UNEVALUATED_CONSTRUCT,
        INVALID_POLICY,
        EXTERNAL_ID_REJECTED,
        EXTERNAL_ID_SHARED,
        EXTERNAL_ID_GUESSABLE,
        EXTERNAL_ID_PATTERN_OR_LIST,
    )
}


def get_rule(rule_id: str) -> Rule:
    """The rule with this id (``KeyError`` if unknown)."""
    return RULES[rule_id]


def page_path(rule_id: str) -> Path:
    """Where the rule's page is in the installed package."""
    return Path(str(resources.files("trustwarden").joinpath(PAGES, f"{rule_id}.md")))


@functools.cache
def _page_uri(rule_id: str) -> str:
    """``page_path(rule_id)`` as a ``file:`` URI, found once per process (every finding of
    every report names it; resolving the path each time was a sixth of a template scan)."""
    return page_path(rule_id).resolve().as_uri()


def result_severity(codes: Iterable[str], role_severity: Severity) -> Severity:
    """The severity of a result with findings ``codes``.

    The worst of their rules' severities; a rule at medium takes ``role_severity`` instead
    (high for an admin-equivalent role). Without findings (or only unknown codes):
    ``role_severity``.
    """
    severities = [RULES[code].severity for code in codes if code in RULES]
    if not severities:
        return role_severity
    worst = max(severities, key=lambda s: s.rank)
    return role_severity if worst is Severity.MEDIUM else worst
