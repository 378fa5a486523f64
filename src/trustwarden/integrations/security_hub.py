"""``--security-hub``: import a scan's ASFF findings into AWS Security Hub, per account.

The default ``ProductArn`` (``product/<account>/default``) is accepted only from the
finding's own account, so each account's findings go through a client of that account
(for an organisation scan, the member account's session). In each account:

1. The findings are sent with ``BatchImportFindings`` in batches of :data:`BATCH_SIZE`;
   a throttled call is retried with exponential back-off; per-finding failures are collected
   (never raised), so one rejected finding does not stop the others.
2. The account's earlier trustwarden findings still ``ACTIVE`` are read with ``GetFindings``
   (filtered by ``ProductArn``, ``GeneratorId`` prefix ``trustwarden/`` and ``RecordState``);
   one that this scan did not produce again, on a role this scan covered, is imported again
   with ``RecordState: ARCHIVED`` and ``Compliance.Status: PASSED``. Nothing is deleted, and
   ``Workflow`` (the user's triage) is never sent.

The filters are checked again on the answer (moto's Security Hub ignores ``Filters``; a real
one honours them, and then the check costs nothing).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from trustwarden.formats.asff import DEFAULT_REGION, product_arn, row_to_asff
from trustwarden.formats.findings import EPOCH, finding_rows
from trustwarden.model import RoleResult, Skipped, Status
from trustwarden.redact import exception_text

BATCH_SIZE = 100  # the BatchImportFindings maximum
MAX_ATTEMPTS = 6
THROTTLED = frozenset(
    {"ThrottlingException", "TooManyRequestsException", "LimitExceededException", "Throttling"}
)
GENERATOR_PREFIX = "trustwarden/"
# Fields of a stored finding that an import must not carry: Security Hub's own, and the
# user's (BatchUpdateFindings owns them).
NOT_IMPORTED = frozenset(
    {"Workflow", "WorkflowState", "Note", "UserDefinedFields", "VerificationState", "ProcessedAt"}
)


@dataclass
class AccountImport:
    """What happened in one account."""

    account_id: str
    imported: int = 0
    archived: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (finding Id, reason)
    error: str | None = None  # the account could not be reached at all


def import_account(
    client: Any,
    account_id: str,
    findings: Sequence[Mapping[str, Any]],
    *,
    region: str,
    partition: str = "aws",
    now: str,
    covered: Callable[[str], bool] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> AccountImport:
    """Import ``findings`` (ASFF, all of ``account_id``) and archive the ones gone since.

    ``covered(role_arn)`` says whether this scan looked at a role (default: every role of the
    account), so a scan of some roles never archives the findings of the others. ``now`` is
    the ``UpdatedAt`` of archived findings (ISO 8601).
    """
    outcome = AccountImport(account_id)
    try:
        _send(client, list(findings), outcome, sleep, count="imported")
        current = {f["Id"] for f in findings}
        arn = product_arn(partition, region, account_id)
        gone = [
            archived(f, now)
            for f in previous_findings(client, arn)
            if f.get("Id") not in current and _covered(f, covered)
        ]
        _send(client, gone, outcome, sleep, count="archived")
    except ClientError as exc:
        outcome.error = exception_text(exc)
    return outcome


def import_all(
    client_for: Callable[[str], Any],
    findings: Iterable[Mapping[str, Any]],
    *,
    accounts: Iterable[str] = (),
    region: str,
    partition: str = "aws",
    now: str,
    covered: Callable[[str], bool] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[AccountImport]:
    """Group ``findings`` by ``AwsAccountId`` and import each group through
    ``client_for(account)``. ``accounts`` lists accounts scanned without findings (so their
    earlier findings are archived too). An account whose client cannot be made is reported
    with ``error`` and the others still run.
    """
    by_account: dict[str, list[Mapping[str, Any]]] = {a: [] for a in accounts}
    for finding in findings:
        by_account.setdefault(str(finding["AwsAccountId"]), []).append(finding)
    results: list[AccountImport] = []
    for account_id in sorted(by_account):
        try:
            client = client_for(account_id)
        except Exception as exc:  # noqa: BLE001 - one unreachable account never stops the rest
            results.append(AccountImport(account_id, error=exception_text(exc)))
            continue
        results.append(
            import_account(
                client,
                account_id,
                by_account[account_id],
                region=region,
                partition=partition,
                now=now,
                covered=covered,
                sleep=sleep,
            )
        )
    return results


class FindingCollector:
    """A report writer that keeps a scan's ASFF findings (roles that are not ``pass``: few)
    and the accounts and roles it covered, for :func:`import_all` after the scan.
    """

    def __init__(self, region: str | None, timestamp: str) -> None:
        self.region = region or DEFAULT_REGION
        self.timestamp = timestamp or EPOCH
        self.findings: list[dict[str, Any]] = []
        self.accounts: set[str] = set()
        self.roles: set[str] = set()
        self.partition = "aws"
        self.complete = False

    def add_result(self, result: RoleResult) -> None:
        """Keep the result's findings (none for a ``pass``) and note its account and role."""
        self.accounts.add(result.role.account_id)
        self.roles.add(result.role.arn)
        self.partition = result.role.partition
        if result.status is not Status.PASS:
            self.findings.extend(
                row_to_asff(row, self.region, self.timestamp) for row in finding_rows(result)
            )

    def add_skipped(self, skipped: Skipped) -> None:
        """Nothing: a skipped item has no finding (and its old findings are left alone)."""
        del skipped

    def close(self, *, finished_at: str = "", complete: bool = True) -> None:
        """Remember whether the scan finished."""
        del finished_at
        self.complete = complete

    def send(
        self, client_for: Callable[[str], Any], *, now: str, every_role: bool
    ) -> list[AccountImport]:
        """Import into each account. ``every_role``: the scan covered each account's every
        role (a complete live scan without a role filter), so a finding on a role no longer
        there is archived too; otherwise only findings on the roles scanned are archived.
        """
        covered = None if every_role and self.complete else self.roles.__contains__
        return import_all(
            client_for,
            self.findings,
            accounts=self.accounts,
            region=self.region,
            partition=self.partition,
            now=now,
            covered=covered,
        )


def session_clients(ctx: Any, member_role: str | None = None) -> Callable[[str], Any]:
    """Security Hub clients per account from an :class:`~trustwarden.aws.session.
    AwsContext`: the context's own account directly, another account through
    ``member_role`` (an organisation scan's member role), else the context's (which Security
    Hub will refuse for another account's findings: reported per finding).
    """
    from trustwarden.aws.session import assume  # noqa: PLC0415
    from trustwarden.sources.aws.organization import member_role_arn  # noqa: PLC0415

    def client_for(account_id: str) -> Any:
        if account_id == ctx.account_id or member_role is None:
            return ctx.client("securityhub")
        arn = member_role_arn(account_id, member_role, ctx.partition)
        return assume(ctx, arn, refreshable=False).client("securityhub")

    return client_for


def outcome_lines(outcomes: Iterable[AccountImport]) -> tuple[list[str], list[str]]:
    """``(info lines, error lines)`` for the user, one per account and per failure."""
    infos: list[str] = []
    errors: list[str] = []
    for o in outcomes:
        if o.error is not None:
            errors.append(f"Security Hub import into {o.account_id} failed: {o.error}")
            continue
        infos.append(
            f"Security Hub {o.account_id}: {o.imported} imported, {o.archived} archived, "
            f"{len(o.failed)} rejected"
        )
        errors.extend(
            f"Security Hub rejected {finding_id} in {o.account_id}: {reason}"
            for finding_id, reason in o.failed
        )
    return infos, errors


def previous_findings(client: Any, arn: str) -> list[dict[str, Any]]:
    """The ``ACTIVE`` trustwarden findings under ``ProductArn`` ``arn``."""
    filters = {
        "ProductArn": [{"Value": arn, "Comparison": "EQUALS"}],
        "GeneratorId": [{"Value": GENERATOR_PREFIX, "Comparison": "PREFIX"}],
        "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
    }
    found: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"Filters": filters, "MaxResults": 100}
        if token:
            kwargs["NextToken"] = token
        page = client.get_findings(**kwargs)
        found.extend(
            f
            for f in page.get("Findings", [])
            if f.get("ProductArn") == arn
            and str(f.get("GeneratorId", "")).startswith(GENERATOR_PREFIX)
            and f.get("RecordState", "ACTIVE") == "ACTIVE"
        )
        token = page.get("NextToken")
        if not token:
            return found


def archived(finding: Mapping[str, Any], now: str) -> dict[str, Any]:
    """A stored finding made ready to import again as archived and passed."""
    data = {k: v for k, v in finding.items() if k not in NOT_IMPORTED}
    fields = data.get("ProductFields")
    if isinstance(fields, Mapping):  # Security Hub adds aws/securityhub/* keys itself
        data["ProductFields"] = {
            k: v for k, v in fields.items() if not k.startswith("aws/securityhub/")
        }
    data["RecordState"] = "ARCHIVED"
    data["Compliance"] = {**(data.get("Compliance") or {}), "Status": "PASSED"}
    data["UpdatedAt"] = now
    return data


def _covered(finding: Mapping[str, Any], covered: Callable[[str], bool] | None) -> bool:
    if covered is None:
        return True
    return any(covered(str(r.get("Id", ""))) for r in finding.get("Resources") or [])


def _send(
    client: Any,
    findings: Sequence[Mapping[str, Any]],
    outcome: AccountImport,
    sleep: Callable[[float], None],
    *,
    count: str,
) -> None:
    for start in range(0, len(findings), BATCH_SIZE):
        batch = list(findings[start : start + BATCH_SIZE])

        def call(batch: list[Mapping[str, Any]] = batch) -> dict[str, Any]:
            return dict(client.batch_import_findings(Findings=batch))

        response = _with_retry(call, sleep)
        failed = response.get("FailedFindings") or []
        for item in failed:
            reason = f"{item.get('ErrorCode', '?')}: {item.get('ErrorMessage', '')}".strip()
            outcome.failed.append((str(item.get("Id", "")), reason))
        done = len(batch) - len(failed)
        setattr(outcome, count, getattr(outcome, count) + done)


def _with_retry(call: Callable[[], dict[str, Any]], sleep: Callable[[float], None]) -> Any:
    for attempt in range(MAX_ATTEMPTS):
        try:
            return call()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code not in THROTTLED or attempt == MAX_ATTEMPTS - 1:
                raise
            sleep(min(2.0**attempt * 0.5, 20.0))
    raise AssertionError("unreachable")  # pragma: no cover


__all__ = [
    "BATCH_SIZE",
    "AccountImport",
    "FindingCollector",
    "archived",
    "import_account",
    "import_all",
    "outcome_lines",
    "previous_findings",
    "session_clients",
]
