"""``trustwarden rollback JOURNAL``: put back the trust policies a ``fix --apply`` replaced."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from trustwarden.cli import fix as fix_cli
from trustwarden.cli.options import AppContext, pass_app
from trustwarden.errors import ExitCode
from trustwarden.remediate.journal import (
    Journal,
    JournalWriteError,
    describe_lines,
    read_journal,
)
from trustwarden.remediate.rollback import RollbackKind, RollbackOutcome, rollback, unmatched_roles
from trustwarden.remediate.store import IamTrustPolicyStore
from trustwarden.words import counted

ROLLBACK_HELP = """Restore the original trust policies recorded in a fix journal.

\b
A role is restored only where its current policy is still the one trustwarden wrote; a
policy changed since then is reported as a conflict and left alone. Running it again is a
no-op. Journal entries for another account than the credentials' are skipped. Each outcome
is appended to the journal.

\b
A damaged line in the journal (torn by a crash or a full disk) is skipped and named by its
line number; every whole record is still used.

\b
Exit codes: 0 every role restored or already original; 2 a conflict, a skipped entry or a
--role not in the journal; 3 AWS access error; 5 a restore failed, or damaged lines were
skipped; 130 interrupted.
"""

_COLOUR = {
    RollbackKind.RESTORED: "green",
    RollbackKind.NOTHING: None,
    RollbackKind.CONFLICT: "yellow",
    RollbackKind.SKIPPED: "yellow",
    RollbackKind.FAILED: "red",
}


def rollback_exit_code(
    outcomes: Iterable[RollbackOutcome], unmatched: int, damaged: int = 0
) -> int:
    """5 a restore failed or damaged journal lines were skipped, 2 a conflict/skip or unknown
    ``--role``, else 0."""
    kinds = {o.kind for o in outcomes}
    if RollbackKind.FAILED in kinds or damaged:
        return int(ExitCode.ROLLBACK_INCOMPLETE)
    if unmatched or kinds & {RollbackKind.CONFLICT, RollbackKind.SKIPPED}:
        return int(ExitCode.USAGE)
    return int(ExitCode.OK)


@click.command(
    "rollback", help=ROLLBACK_HELP, short_help="Restore trust policies from a fix journal."
)
@click.argument("journal_path", metavar="JOURNAL", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="NAME|ARN",
    help="Only this role (repeatable; default: every role in the journal).",
)
@click.option("--dry-run", is_flag=True, help="Show what would be restored; change nothing.")
@click.option("--profile", metavar="NAME", help="AWS profile.")
@click.option("--region", metavar="REGION", help="AWS region for STS.")
@click.option("--assume-role", metavar="ARN", help="Assume this role first.")
@click.option("--assume-role-external-id", metavar="ID", help="External ID for --assume-role.")
@pass_app
def rollback_command(
    app: AppContext,
    *,
    journal_path: Path,
    roles: tuple[str, ...],
    dry_run: bool,
    profile: str | None,
    region: str | None,
    assume_role: str | None,
    assume_role_external_id: str | None,
) -> int:
    """``trustwarden rollback`` (see :data:`ROLLBACK_HELP`); returns the exit code."""
    printer = fix_cli.Printer(app)
    contents = read_journal(journal_path)
    if contents.damaged:
        app.warn(
            f"{journal_path}: skipped {describe_lines(contents.damaged)}: not whole journal "
            "records (torn by a crash or a full disk?); every whole record is used"
        )
    unmatched = unmatched_roles(contents, roles)
    for role in unmatched:
        app.warn(f"no role {role!r} in the journal")
    live = fix_cli.LiveFixSpec(profile, region, assume_role, assume_role_external_id)
    ctx = fix_cli.make_live_context(live)
    store = IamTrustPolicyStore(ctx.client("iam"))
    journal = None if dry_run else _open_journal(app, journal_path)
    outcomes = []
    try:
        for outcome in rollback(
            contents,
            store,
            account_id=ctx.account_id,
            roles=roles,
            journal=journal,
            dry_run=dry_run,
        ):
            outcomes.append(outcome)
            colour = _COLOUR[outcome.kind]
            style = {"fg": colour} if colour else {}
            printer.out(f"{outcome.role_arn}: {outcome.kind.value}: {outcome.detail}", **style)
    finally:
        if journal is not None:
            journal.close()
    restored = sum(1 for o in outcomes if o.kind is RollbackKind.RESTORED)
    verb = "would restore" if dry_run else "restored"
    app.info(f"{verb} {restored} of {counted(len(outcomes), 'role')}")
    if contents.damaged:
        app.warn(
            f"{journal_path}: {describe_lines(contents.damaged)} could not be read; a role "
            "recorded only there was not restored"
        )
    return rollback_exit_code(outcomes, len(unmatched), len(contents.damaged))


def _open_journal(app: AppContext, path: Path) -> Journal | None:
    journal = Journal(path, clock=app.clock)
    try:
        journal.open()
    except JournalWriteError as exc:
        app.warn(f"{exc.message}; the outcomes will not be recorded")
        return None
    return journal
