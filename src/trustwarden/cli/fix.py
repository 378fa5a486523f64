"""``trustwarden fix``: plan trust-policy fixes, show the diff, and apply them safely.

A thin adapter: options → :mod:`trustwarden.remediate` → text. Nothing changes without
``--apply``; see ``--help`` and the README section "Remediation safety".
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

import click

from trustwarden import __version__
from trustwarden.aws.options import DEFAULT_MEMBER_ROLE, AwsOptions
from trustwarden.cli.evidence_options import EvidenceArgs, evidence_options, read_evidence
from trustwarden.cli.live_options import OrgSpec, org_fix_options
from trustwarden.cli.options import (
    AppContext,
    SourceSpec,
    TrustSpec,
    aws_flags_given,
    aws_options,
    build_source,
    input_options,
    pass_app,
    resolve_config,
    role_option,
    trust_options,
)
from trustwarden.errors import ConfigError, ExitCode, InputError, TrustwardenError
from trustwarden.evidence.model import Evidence
from trustwarden.formats.escape import escape
from trustwarden.model import Role, Settings, Skipped
from trustwarden.pipeline import RoleSelector, Source, read_roles
from trustwarden.remediate.apply import ApplyOutcome, OutcomeKind, apply_plans
from trustwarden.remediate.document import pretty
from trustwarden.remediate.journal import (
    Journal,
    JournalWriteError,
    default_journal_path,
    read_journal,
)
from trustwarden.remediate.mapping import ExternalIds, load_external_id_map, validate_external_id
from trustwarden.remediate.offline import OutDir
from trustwarden.remediate.plan import (
    DEFAULT_MAX_POLICY_SIZE,
    FixOptions,
    Plan,
    PlanAction,
    check_one_vendor,
    plan_roles,
    render_diff,
)
from trustwarden.remediate.store import IamTrustPolicyStore
from trustwarden.words import counted

FIX_HELP = """Plan and apply trust-policy fixes for roles outsiders can assume.

\b
For every role that is `fail` (and `warn` with --include-warn), plan a new trust policy:
  --external-id ID / --external-id-map FILE
      require StringEquals sts:ExternalId on every Allow statement that admits
      outsiders. Use the ID the third party issued; trustwarden never invents one.
      Without --role, --external-id is refused when the roles trust different
      outside accounts: use --external-id-map (keyed by role or by account ID).
  --require-mfa
      require Bool aws:MultiFactorAuthPresent "true" on those statements.
  --remove-principal ACCOUNT|PRINCIPAL
      remove an untrusted principal (a 12-digit ID removes all of that account's).
Weak tests of the same key (StringLike "*", ...IfExists, ForAllValues:, BoolIfExists, Null)
are replaced, not stacked; everything else is kept as written. The planned policy is
evaluated again and must come out better (fail -> warn/pass, warn -> pass) and fit
--max-policy-size, or the role is left alone and the reason shown.

\b
Why Bool and not BoolIfExists: aws:MultiFactorAuthPresent is absent when long-term access
keys are used, and ...IfExists counts an absent key as a match, so BoolIfExists would let
long-term keys in without MFA.

\b
Dry run by default: a unified diff per role. --apply changes the live roles, after a
confirmation (--yes skips it; without a terminal and without --yes it refuses, exit 2;
answering no changes nothing, exit 0).
Before each change the original and planned policies go to a journal (JSON lines, fsynced);
the role is read again and skipped if it changed since the plan; the change is read back
and compared; any failure restores that role's original. Undo: trustwarden rollback JOURNAL.
--input/--sample sources are never changed: the fixed documents are printed, or written to
--out-dir as <role-name>.trust.json. Templates (PATH: CloudFormation, Terraform) are not
changed either: each fixed document is printed in its template's syntax, template functions
kept as written (YAML with its tags, JSON, HCL jsonencode or heredoc; for
aws_iam_policy_document, an equivalent jsonencode), or written to --out-dir. --organization
plans every active member account (entered through --member-role; --accounts/--exclude-accounts
choose) and applies them into one journal that names each change's account; undo with
rollback JOURNAL --organization.

\b
Exit codes: 0 every planned fix applied, or nothing to do (a dry run: every role fixable);
2 usage error, a role that cannot be fixed as asked, an unreadable input, a role changed
since the plan (conflict), --apply refused, or the journal could not be written (the run
stops before the next change and names the roles already changed); 3 AWS access error;
4 a fix failed and its original was restored; 5 a fix failed and its original could not be
restored (see the journal); 130 interrupted.
"""


# --------------------------------------------------------------------------- sources


def make_live_context(aws: AwsOptions, env: Mapping[str, str] | None = None) -> Any:
    """An ``AwsContext`` for the current credentials (a seam for tests)."""
    return aws.connect(env)


def stdin_is_terminal() -> bool:
    """Whether a person can answer the confirmation (a seam for tests)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, OSError, ValueError):
        return False


# --------------------------------------------------------------------------- output


class Printer:
    """Writes lines to the app's streams, in colour only where the stream wants it.

    Each call writes one line, escaped whole (:func:`~trustwarden.formats.escape.escape`):
    a newline or an escape sequence in a role name or a policy cannot forge output.
    """

    def __init__(self, app: AppContext) -> None:
        self.app = app
        self._colour = {id(app.stdout): app.wants_color(app.stdout)}

    def out(self, text: str = "", **style: Any) -> None:
        self._write(self.app.stdout, text, style)

    def err(self, text: str = "", **style: Any) -> None:
        self._write(self.app.stderr, text, style)

    def _write(self, stream: TextIO, text: str, style: dict[str, Any]) -> None:
        colour = self._colour.setdefault(id(stream), self.app.wants_color(stream))
        text = escape(text)
        stream.write((click.style(text, **style) if style and colour else text) + "\n")
        stream.flush()

    def document(self, document: Mapping[str, Any]) -> None:
        """A policy, pretty-printed: one line each (JSON escapes newlines in strings)."""
        for line in pretty(document).split("\n"):
            self.out(line)

    def diff(self, text: str) -> None:
        """A unified diff, coloured by line kind (split on newlines only, as it was made)."""
        for line in text.removesuffix("\n").split("\n") if text else ():
            if line.startswith(("+++", "---")):
                self.out(line, bold=True)
            elif line.startswith("+"):
                self.out(line, fg="green")
            elif line.startswith("-"):
                self.out(line, fg="red")
            elif line.startswith("@@"):
                self.out(line, fg="cyan")
            else:
                self.out(line)


def show_plan(printer: Printer, plan: Plan, *, verbose: bool = False) -> None:
    """One plan: the changes and the diff, or why the role is left alone."""
    arn = plan.role.arn
    if plan.action is PlanAction.CHANGE:
        after = plan.status_after.value if plan.status_after else "?"
        printer.out(f"{arn}: {plan.status_before.value} -> {after}", bold=True)
        for change in plan.changes:
            printer.out(f"  {change}")
        for remaining in plan.remaining:
            printer.out(f"  still {remaining}", fg="yellow")
        for proposal in plan.proposals:
            printer.out(f"  proposal: {proposal}", fg="cyan")
        printer.diff(render_diff(plan))
    elif plan.action is PlanAction.REFUSED:
        printer.out(f"{arn}: not fixed: {plan.reason}", fg="yellow", bold=True)
        for change in plan.changes:
            printer.out(f"  (would have) {change}")
        for remaining in plan.remaining:
            printer.out(f"  remains {remaining}")
        for proposal in plan.proposals:
            printer.out(f"  proposal: {proposal}", fg="cyan")
    elif verbose:
        printer.out(f"{arn}: nothing to do ({plan.reason})")


_OUTCOME_COLOUR = {
    OutcomeKind.APPLIED: "green",
    OutcomeKind.CONFLICT: "yellow",
    OutcomeKind.SKIPPED: "yellow",
    OutcomeKind.ROLLED_BACK: "red",
    OutcomeKind.RESTORE_FAILED: "red",
}


def summary_line(plans: Sequence[Plan], skipped: int) -> str:
    """``N roles: a to change, b not fixable as asked, c nothing to do[, d inputs skipped]``."""
    count = {a: sum(1 for p in plans if p.action is a) for a in PlanAction}
    text = (
        f"{counted(len(plans), 'role')}: {count[PlanAction.CHANGE]} to change, "
        f"{count[PlanAction.REFUSED]} not fixable as asked, "
        f"{count[PlanAction.NOTHING]} nothing to do"
    )
    return text + (f", {counted(skipped, 'input')} skipped" if skipped else "")


def plan_exit_code(plans: Iterable[Plan], skipped: int) -> int:
    """2 when a role cannot be fixed as asked or an input was skipped, else 0."""
    if skipped or any(p.action is PlanAction.REFUSED for p in plans):
        return int(ExitCode.USAGE)
    return int(ExitCode.OK)


def apply_exit_code(outcomes: Iterable[ApplyOutcome], plans: Iterable[Plan], skipped: int) -> int:
    """5 a restore failed, 4 a fix was rolled back, 2 something was left undone, else 0."""
    kinds = {o.kind for o in outcomes}
    if OutcomeKind.RESTORE_FAILED in kinds:
        return int(ExitCode.ROLLBACK_INCOMPLETE)
    if OutcomeKind.ROLLED_BACK in kinds:
        return int(ExitCode.FIX_ROLLED_BACK)
    if kinds & {OutcomeKind.CONFLICT, OutcomeKind.SKIPPED}:
        return int(ExitCode.USAGE)
    return plan_exit_code(plans, skipped)


def confirm(app: AppContext, question: str, *, count: int, yes: bool) -> int | None:
    """Ask before changing live roles: ``None`` to go on, else the exit code to stop with.

    ``--yes`` goes on; without a terminal it refuses (2); answering no changes nothing (0).
    """
    if yes:
        return None
    if not stdin_is_terminal():
        app.error(
            f"refusing to change {counted(count, 'role')} without confirmation: standard "
            "input is not a terminal; nothing changed",
            "review the dry run, then add --yes",
        )
        return int(ExitCode.USAGE)
    if click.confirm(question, default=False, err=True):
        return None
    app.info("nothing changed")
    return int(ExitCode.OK)


# --------------------------------------------------------------------------- options


def build_fix_options(
    *,
    external_id: str | None,
    external_id_map: Path | None,
    require_mfa: bool,
    remove_principals: Sequence[str],
    include_warn: bool,
    max_policy_size: int,
    from_evidence: bool = False,
    evidence: Evidence | None = None,
) -> FixOptions:
    """Validate the fix options (:class:`ConfigError`/:class:`InputError` on bad values)."""
    if from_evidence and (external_id is not None or external_id_map is not None):
        raise ConfigError(
            "--from-evidence pins the External IDs callers already send; it cannot be combined "
            "with --external-id/--external-id-map"
        )
    if external_id is not None:
        validate_external_id(external_id)
    by_role = load_external_id_map(external_id_map) if external_id_map else {}
    options = FixOptions(
        external_ids=ExternalIds(
            default=external_id,
            by_role=by_role,
            source=str(external_id_map) if external_id_map else None,
        ),
        require_mfa=require_mfa,
        remove_principals=tuple(remove_principals),
        include_warn=include_warn,
        max_policy_size=max_policy_size,
        evidence=evidence,
        from_evidence=from_evidence,
    )
    if not options.requested:
        raise ConfigError(
            "nothing to fix with: give --external-id/--external-id-map, --require-mfa, "
            "--remove-principal or --from-evidence",
            hint="the External ID must come from the third party; trustwarden never invents one",
        )
    return options


@click.command("fix", help=FIX_HELP, short_help="Plan and apply trust-policy fixes (dry run).")
@click.argument(
    "templates", nargs=-1, metavar="[PATH]...", type=click.Path(exists=True, path_type=Path)
)
@input_options
@aws_options
@trust_options
@click.option(
    "--external-id",
    metavar="ID",
    help="Require this External ID (as issued by the third party) on exposing statements. "
    "Without --role, only when every role to fix trusts the same outside account(s).",
)
@click.option(
    "--external-id-map",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV lines KEY,external-id where KEY is a role name, role ARN or the 12-digit "
    "outside account the ID is for: one External ID per role or vendor (wins over "
    "--external-id).",
)
@click.option("--require-mfa", is_flag=True, help='Require Bool aws:MultiFactorAuthPresent "true".')
@click.option(
    "--remove-principal",
    "remove_principals",
    multiple=True,
    metavar="ACCOUNT|PRINCIPAL",
    help="Remove this account's principals, or this exact principal, e.g. '*' (repeatable).",
)
@click.option(
    "--from-evidence",
    is_flag=True,
    help="With --evidence: require the External ID each outside account already sends.",
)
@click.option("--include-warn", is_flag=True, help="Also fix roles that are only `warn`.")
@click.option(
    "--max-policy-size",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_POLICY_SIZE,
    show_default=True,
    metavar="N",
    help="The account's trust-policy size quota in characters (white space not counted).",
)
@click.option("--apply", "do_apply", is_flag=True, help="Change the live roles (default: dry run).")
@click.option("--yes", is_flag=True, help="With --apply: do not ask for confirmation.")
@click.option(
    "--journal",
    metavar="PATH",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --apply: the journal file (default: "
    "$XDG_STATE_HOME/trustwarden/journal-<time>-<account>.jsonl, ~/.local/state if unset).",
)
@click.option(
    "--out-dir",
    metavar="DIR",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --input/--sample: write the fixed documents here as <role-name>.trust.json "
    "(templates: <role>.AssumeRolePolicyDocument.yaml|json, <role>.assume_role_policy.hcl).",
)
@org_fix_options
@role_option()
@click.option("-v", "--verbose", is_flag=True, help="Also list the roles that need nothing.")
@evidence_options
@pass_app
def fix_command(
    app: AppContext,
    templates: tuple[Path, ...],
    source: SourceSpec,
    aws: AwsOptions,
    trust: TrustSpec,
    *,
    external_id: str | None,
    external_id_map: Path | None,
    require_mfa: bool,
    remove_principals: tuple[str, ...],
    from_evidence: bool,
    include_warn: bool,
    max_policy_size: int,
    do_apply: bool,
    yes: bool,
    journal: Path | None,
    out_dir: Path | None,
    org: OrgSpec,
    roles: tuple[str, ...],
    verbose: bool,
    evidence: EvidenceArgs | None,
) -> int:
    """``trustwarden fix`` (see :data:`FIX_HELP`); returns the exit code."""
    if from_evidence and evidence is None:
        raise ConfigError("--from-evidence needs --evidence SOURCE")
    known = read_evidence(app, evidence, aws_context=lambda: make_live_context(aws, app.env))
    options = build_fix_options(
        external_id=external_id,
        external_id_map=external_id_map,
        require_mfa=require_mfa,
        remove_principals=remove_principals,
        include_warn=include_warn,
        max_policy_size=max_policy_size,
        from_evidence=from_evidence,
        evidence=known,
    )
    if templates:  # templates are files: fixed documents are printed or written, as --input
        source = dataclasses.replace(source, templates=templates)
        source.validate()
    settings = resolve_config(trust, source=source, cwd=app.cwd, roles=roles).settings
    run = _FixRun(app, options, verbose=verbose, guard_external_id=not roles)
    if source.offline:
        if do_apply or journal is not None or yes or aws_flags_given(aws) or org.organization:
            local = {
                "--apply": do_apply,
                "--journal": journal is not None,
                "--yes": yes,
                "--organization": org.organization,
            }
            flags = [flag for flag, on in local.items() if on] + aws_flags_given(aws)
            raise ConfigError(
                f"{', '.join(flags)} cannot be used with --input/--sample: files are never "
                "changed in place",
                hint="use --out-dir DIR to write the fixed documents",
            )
        return run.offline(
            build_source(source, aws, app=app), settings, out_dir, templates=bool(templates)
        )
    if out_dir is not None:
        raise ConfigError(
            "--out-dir needs --input, --sample or PATH (live roles are fixed in place)"
        )
    if source.account_id is not None:
        raise ConfigError("--account-id is for --input files; live roles read it from STS")
    aws.validate()
    if org.organization:
        return run.organization(aws, org, settings, apply=do_apply, yes=yes, journal=journal)
    if org.given():
        raise ConfigError(f"{', '.join(org.given())} needs --organization")
    return run.live(aws, settings, apply=do_apply, yes=yes, journal=journal)


class _FixRun:
    """One ``fix`` invocation: plan, show, then write files or apply."""

    def __init__(
        self, app: AppContext, options: FixOptions, *, verbose: bool, guard_external_id: bool
    ) -> None:
        self.app = app
        self.options = options
        self.verbose = verbose
        self.guard_external_id = guard_external_id
        self.printer = Printer(app)

    def plan(self, roles: Iterable[Role], settings: Settings, skipped: int = 0) -> list[Plan]:
        plans = list(plan_roles(roles, settings, self.options))
        if self.guard_external_id:
            check_one_vendor(plans, self.options.external_ids)
        for plan in plans:
            show_plan(self.printer, plan, verbose=self.verbose)
        self.app.info(summary_line(plans, skipped))
        return plans

    def _roles(self, source: Source, settings: Settings, skipped: list[Skipped]) -> list[Role]:
        """The selected roles (a literal --role that matches none is a skipped item)."""
        items, _ = read_roles(source, settings)
        roles: list[Role] = []
        for item in items:
            if isinstance(item, Skipped):
                self.app.warn(f"skipped {item.what}: {item.reason}")
                skipped.append(item)
            else:
                roles.append(item)
        return roles

    def offline(
        self, source: Source, settings: Settings, out_dir: Path | None, *, templates: bool
    ) -> int:
        skipped: list[Skipped] = []
        plans = self.plan(self._roles(source, settings, skipped), settings, 0)
        if skipped:
            self.app.info(f"{len(skipped)} inputs skipped")
        changes = [p for p in plans if p.action is PlanAction.CHANGE]
        if templates:
            from trustwarden.cli.template_fix import template_fixes  # noqa: PLC0415

            removals = self.options.remove_principals
            if template_fixes(self.app, self.printer, changes, removals, out_dir):
                return int(ExitCode.USAGE)
        elif out_dir is None:
            for plan in changes:
                self.printer.out(f"# fixed trust policy of {plan.role.arn}")
                self.printer.document(plan.after or {})
        else:
            writer = OutDir(out_dir)
            for plan in changes:
                self.app.info(f"wrote {writer.write(plan)}")
        return plan_exit_code(plans, len(skipped))

    def live(
        self, aws: AwsOptions, settings: Settings, *, apply: bool, yes: bool, journal: Path | None
    ) -> int:
        from trustwarden.sources.aws.scanner import AccountSource  # noqa: PLC0415 - boto3

        ctx = make_live_context(aws, self.app.env)
        skipped: list[Skipped] = []
        plans = self.plan(self._roles(AccountSource(context=ctx), settings, skipped), settings)
        changes = [p for p in plans if p.action is PlanAction.CHANGE]
        if not apply:
            if changes:
                self.app.info(
                    "dry run: nothing changed; add --apply to change "
                    + counted(len(changes), "role")
                )
            return plan_exit_code(plans, len(skipped))
        if not changes:
            self.app.info("nothing to apply")
            return plan_exit_code(plans, len(skipped))
        roles = counted(len(changes), "role")
        question = f"Change the trust policy of {roles} in account {ctx.account_id}?"
        answer = confirm(self.app, question, count=len(changes), yes=yes)
        if answer is not None:
            return answer
        store = IamTrustPolicyStore(ctx.client("iam"))
        return self._apply(
            ctx.account_id, plans, changes, journal, lambda j: apply_plans(changes, store, j)
        )

    def organization(
        self,
        aws: AwsOptions,
        org: OrgSpec,
        settings: Settings,
        *,
        apply: bool,
        yes: bool,
        journal: Path | None,
    ) -> int:
        """Plan every selected member account; apply them into one journal."""
        from trustwarden.remediate.organization import (  # noqa: PLC0415
            apply_organization,
            member_enter,
            plan_organization,
            select_accounts,
        )
        from trustwarden.sources.aws.organization import (  # noqa: PLC0415
            parse_account_ids,
            read_organization,
        )

        ctx = make_live_context(aws, self.app.env)
        members = read_organization(ctx)
        ids = select_accounts(
            (a.id for a in members.accounts if a.active),
            accounts=parse_account_ids(org.accounts),
            exclude=parse_account_ids(org.exclude_accounts),
        )
        # The organisation's own accounts trust each other, as in an organisation scan.
        settings = dataclasses.replace(
            settings,
            trusted_accounts=settings.trusted_accounts | {a.id for a in members.accounts},
            trusted_orgs=settings.trusted_orgs | {members.id},
        )
        enter = member_enter(ctx, org.member_role or DEFAULT_MEMBER_ROLE)
        selector = RoleSelector(settings.roles)
        batches = []
        for batch in plan_organization(
            ids, enter, settings, self.options, keep=selector.matches if selector else None
        ):
            if batch.skipped is not None:
                self.app.warn(f"skipped account {batch.account_id}: {batch.skipped}")
            for plan in batch.plans:
                show_plan(self.printer, plan, verbose=self.verbose)
            batches.append(batch)
        plans = [p for b in batches for p in b.plans]
        if self.guard_external_id:
            check_one_vendor(plans, self.options.external_ids)
        skipped = sum(1 for b in batches if b.skipped is not None)
        self.app.info(f"{counted(len(ids), 'account')}: " + summary_line(plans, skipped))
        changes = [p for p in plans if p.action is PlanAction.CHANGE]
        if not apply or not changes:
            if changes:
                self.app.info(
                    "dry run: nothing changed; add --apply to change "
                    + counted(len(changes), "role")
                )
            elif apply:
                self.app.info("nothing to apply")
            return plan_exit_code(plans, skipped)
        touched = len({p.role.account_id for p in changes})
        question = (
            f"Change the trust policy of {counted(len(changes), 'role')} in "
            f"{counted(touched, 'account')}?"
        )
        answer = confirm(self.app, question, count=len(changes), yes=yes)
        if answer is not None:
            return answer
        return self._apply(
            ctx.account_id,
            plans,
            changes,
            journal,
            lambda j: apply_organization(batches, j),
            skipped=skipped,
            undo=" --organization",
        )

    def _apply(
        self,
        account_id: str,
        plans: Sequence[Plan],
        changes: Sequence[Plan],
        path: Path | None,
        run: Callable[[Journal], Iterable[ApplyOutcome]],
        *,
        skipped: int = 0,
        undo: str = "",
    ) -> int:
        path = path or default_journal_path(self.app.clock, account_id, env=self.app.env)
        _check_journal(path)
        outcomes: list[ApplyOutcome] = []
        journal = Journal(path, clock=self.app.clock)
        with contextlib.closing(journal):
            try:
                journal.open()
                journal.record("run", tool_version=__version__, account_id=account_id)
                self.app.info(f"journal: {path}")
                for outcome in run(journal):
                    outcomes.append(outcome)
                    self.printer.out(
                        f"{outcome.plan.role.arn}: {outcome.kind.value}: {outcome.detail}",
                        fg=_OUTCOME_COLOUR[outcome.kind],
                    )
            except JournalWriteError as exc:
                self.app.error(exc.message, exc.hint)
                return self._journal_failed(path, outcomes, plans, len(changes))
            except (KeyboardInterrupt, TrustwardenError):
                self.app.info(f"stopped; to undo what was changed: trustwarden rollback {path}")
                raise
            if journal.failure is not None:  # an outcome record was lost after the last change
                self.app.error(f"cannot write the journal {path}: {journal.failure}")
                return self._journal_failed(path, outcomes, plans, len(changes))
        applied = sum(1 for o in outcomes if o.kind is OutcomeKind.APPLIED)
        self.app.info(
            f"{applied} of {counted(len(changes), 'role')} changed; to undo: "
            f"trustwarden rollback {path}{undo}"
        )
        return apply_exit_code(outcomes, plans, skipped)

    def _journal_failed(
        self,
        path: Path,
        outcomes: Sequence[ApplyOutcome],
        plans: Sequence[Plan],
        planned: int,
    ) -> int:
        """Stop after a journal write failed: say what was changed; exit 2 (or 4/5 if worse)."""
        live = {OutcomeKind.APPLIED, OutcomeKind.RESTORE_FAILED}  # trustwarden's policy is live
        changed = [o.plan.role.arn for o in outcomes if o.kind in live]
        left = planned - len(outcomes)
        self.app.info(
            f"stopped before the next change: {left} of {counted(planned, 'role')} not attempted"
        )
        if changed:
            self.app.info(
                f"changed before the journal failed ({len(changed)} of {planned}; their intents "
                f"are in the journal, complete up to that point): {', '.join(changed)}"
            )
            self.app.info(f"to undo them: trustwarden rollback {path}")
        else:
            self.app.info("no role was changed")
        return max(apply_exit_code(outcomes, plans, 0), int(ExitCode.USAGE))


def _check_journal(path: Path) -> None:
    """Refuse to append to an existing file that is not a trustwarden journal."""
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return
        read_journal(path)
    except (InputError, OSError) as exc:
        raise ConfigError(
            f"--journal {path} exists and is not a trustwarden journal ({exc})",
            hint="give a new path, or the journal of an earlier fix run",
        ) from None


__all__ = [
    "FIX_HELP",
    "Printer",
    "apply_exit_code",
    "build_fix_options",
    "confirm",
    "fix_command",
    "make_live_context",
    "plan_exit_code",
    "show_plan",
    "summary_line",
]
