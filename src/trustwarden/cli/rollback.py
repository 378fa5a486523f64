"""``trustwarden rollback JOURNAL``: put back the trust policies a ``fix --apply`` replaced."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import click

from trustwarden.aws.options import DEFAULT_MEMBER_ROLE, AwsOptions
from trustwarden.cli import fix as fix_cli
from trustwarden.cli.options import AppContext, aws_options, pass_app, role_option
from trustwarden.errors import ConfigError, ExitCode
from trustwarden.remediate.journal import (
    Journal,
    JournalWriteError,
    describe_lines,
    read_journal,
)
from trustwarden.remediate.rollback import (
    RollbackKind,
    RollbackOutcome,
    restorable,
    rollback,
    unmatched_roles,
)
from trustwarden.remediate.store import IamTrustPolicyStore
from trustwarden.words import counted

ROLLBACK_HELP = """Restore the original trust policies recorded in a fix journal.

\b
A role is restored only where its current policy is still the one trustwarden wrote; a
policy changed since then is reported as a conflict and left alone. Running it again is a
no-op. Journal entries for another account than the credentials' are skipped, unless
--organization: then every account the journal names is entered through --member-role (the
credentials' own account directly) and restored. Each outcome is appended to the journal.

\b
A damaged line in the journal (torn by a crash or a full disk) is skipped and named by its
line number; every whole record is still used.

\b
Asks for confirmation first, like fix --apply (--yes skips it; without a terminal and
without --yes it refuses, exit 2; answering no changes nothing, exit 0).

\b
Exit codes: 0 every role restored or already original, or the answer was no; 2 a
conflict, a skipped entry or a --role not in the journal; 3 AWS access error; 5 a restore
failed, or damaged lines were skipped; 130 interrupted.
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
@role_option(
    help_text="Only this role: its name or ARN, or a shell pattern on names (case-insensitive; "
    "repeatable; default: every role in the journal). A name or ARN not in the journal is an "
    "error."
)
@click.option("--dry-run", is_flag=True, help="Show what would be restored; change nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--organization",
    is_flag=True,
    help="Restore in every account the journal names, entering members through --member-role.",
)
@click.option(
    "--member-role",
    metavar="NAME",
    help="With --organization: the role to assume in each member account "
    f"(default: {DEFAULT_MEMBER_ROLE}; it needs iam:GetRole and iam:UpdateAssumeRolePolicy).",
)
@aws_options
@pass_app
def rollback_command(
    app: AppContext,
    *,
    journal_path: Path,
    roles: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    organization: bool,
    member_role: str | None,
    aws: AwsOptions,
) -> int:
    """``trustwarden rollback`` (see :data:`ROLLBACK_HELP`); returns the exit code."""
    if member_role is not None and not organization:
        raise ConfigError("--member-role needs --organization")
    printer = fix_cli.Printer(app)
    contents = read_journal(journal_path)
    if contents.damaged:
        app.warn(
            f"{journal_path}: skipped {describe_lines(contents.damaged)}: not whole journal "
            "records (torn by a crash or a full disk?); every whole record is used"
        )
    unmatched = unmatched_roles(contents, roles)
    for message in unmatched:
        app.warn(message)
    ctx = fix_cli.make_live_context(aws, app.env)
    if not dry_run:
        count = len(restorable(contents, roles))
        if not count:
            app.info("nothing to restore")
            return rollback_exit_code([], len(unmatched), len(contents.damaged))
        where = "the accounts the journal names" if organization else f"account {ctx.account_id}"
        question = f"Restore the trust policy of up to {counted(count, 'role')} in {where}?"
        answer = fix_cli.confirm(app, question, count=count, yes=yes)
        if answer is not None:
            return answer if answer else rollback_exit_code([], len(unmatched), 0)
    journal = None if dry_run else _open_journal(app, journal_path)
    if organization:
        from trustwarden.remediate.organization import (  # noqa: PLC0415
            member_enter,
            rollback_organization,
        )

        enter = member_enter(ctx, member_role or DEFAULT_MEMBER_ROLE)
        undo = rollback_organization(contents, enter, roles=roles, journal=journal, dry_run=dry_run)
    else:
        store = IamTrustPolicyStore(ctx.client("iam"))
        undo = rollback(
            contents,
            store,
            account_id=ctx.account_id,
            roles=roles,
            journal=journal,
            dry_run=dry_run,
        )
    outcomes = []
    try:
        for outcome in undo:
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
