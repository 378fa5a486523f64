"""``trustwarden fix``: plan trust-policy fixes, show the diff, and apply them safely.

A thin adapter: options → :mod:`trustwarden.remediate` → text. Nothing changes without
``--apply``; see ``--help`` and the README section "Remediation safety".
"""

from __future__ import annotations

import contextlib
import fnmatch
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import click

from trustwarden import __version__
from trustwarden.cli.options import (
    AppContext,
    SourceSpec,
    TrustSpec,
    input_options,
    open_roles,
    pass_app,
    resolve_config,
    trust_options,
)
from trustwarden.errors import ConfigError, ExitCode, InputError, TrustwardenError
from trustwarden.formats.escape import escape
from trustwarden.model import Role, Skipped
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
confirmation (--yes skips it; without a terminal and without --yes it refuses, exit 2).
Before each change the original and planned policies go to a journal (JSON lines, fsynced);
the role is read again and skipped if it changed since the plan; the change is read back
and compared; any failure restores that role's original. Undo: trustwarden rollback JOURNAL.
--input/--sample sources are never changed: the fixed documents are printed, or written to
--out-dir as <role-name>.trust.json.

\b
Exit codes: 0 every planned fix applied, or nothing to do (a dry run: every role fixable);
2 usage error, a role that cannot be fixed as asked, an unreadable input, a role changed
since the plan (conflict), --apply refused, or the journal could not be written (the run
stops before the next change and names the roles already changed); 3 AWS access error;
4 a fix failed and its original was restored; 5 a fix failed and its original could not be
restored (see the journal); 130 interrupted.
"""


# --------------------------------------------------------------------------- sources


@dataclass(frozen=True, slots=True)
class LiveFixSpec:
    """Where live roles come from (the current credentials' account)."""

    profile: str | None = None
    region: str | None = None
    assume_role: str | None = None
    assume_role_external_id: str | None = None
    roles: tuple[str, ...] = ()

    def given(self) -> list[str]:
        """The live-only flags that were given."""
        flags = {
            "--profile": self.profile,
            "--region": self.region,
            "--assume-role": self.assume_role,
            "--assume-role-external-id": self.assume_role_external_id,
        }
        return [flag for flag, value in flags.items() if value is not None]


def role_matcher(patterns: Sequence[str]) -> Callable[[Role], bool] | None:
    """``--role``: an ARN, or a shell pattern on the name (case-insensitive); ``None``: all."""
    if not patterns:
        return None
    folded = [p.lower() for p in patterns]

    def matches(role: Role) -> bool:
        name = role.name.lower()
        return role.arn in patterns or any(fnmatch.fnmatchcase(name, p) for p in folded)

    return matches


def make_live_context(live: LiveFixSpec) -> Any:
    """An ``AwsContext`` for the current credentials (a seam for tests)."""
    from trustwarden.sources.aws.session import make_session  # noqa: PLC0415 - loaded on use

    return make_session(
        profile=live.profile,
        region=live.region,
        assume_role_arn=live.assume_role,
        external_id=live.assume_role_external_id,
    )


def live_roles(ctx: Any) -> Iterator[Role]:
    """Every role of the context's account (ListRoles); AWS failures → :class:`AwsAccessError`."""
    from trustwarden.sources.aws.account import iter_roles  # noqa: PLC0415
    from trustwarden.sources.aws.faults import AWS_ERRORS, to_access_error  # noqa: PLC0415

    try:
        yield from iter_roles(ctx)
    except AWS_ERRORS as exc:
        raise to_access_error(exc, doing=f"listing the roles of {ctx.account_id}") from None


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
        printer.diff(render_diff(plan))
    elif plan.action is PlanAction.REFUSED:
        printer.out(f"{arn}: not fixed: {plan.reason}", fg="yellow", bold=True)
        for change in plan.changes:
            printer.out(f"  (would have) {change}")
        for remaining in plan.remaining:
            printer.out(f"  remains {remaining}")
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


# --------------------------------------------------------------------------- options


def build_fix_options(
    *,
    external_id: str | None,
    external_id_map: Path | None,
    require_mfa: bool,
    remove_principals: Sequence[str],
    include_warn: bool,
    max_policy_size: int,
) -> FixOptions:
    """Validate the fix options (:class:`ConfigError`/:class:`InputError` on bad values)."""
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
    )
    if not options.requested:
        raise ConfigError(
            "nothing to fix with: give --external-id/--external-id-map, --require-mfa or "
            "--remove-principal",
            hint="the External ID must come from the third party; trustwarden never invents one",
        )
    return options


@click.command("fix", help=FIX_HELP, short_help="Plan and apply trust-policy fixes (dry run).")
@input_options
@trust_options
@click.option(
    "--external-id",
    metavar="ID",
    help="Require this External ID (as issued by the third party) on exposing statements.",
)
@click.option(
    "--external-id-map",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV lines role-name-or-arn,external-id: one External ID per role (wins over "
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
    help="With --input/--sample: write the fixed documents here as <role-name>.trust.json.",
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="PATTERN",
    help="Only roles whose "
    "name matches this shell pattern (case-insensitive) or this ARN (repeatable).",
)
@click.option("--profile", metavar="NAME", help="AWS profile (live roles).")
@click.option("--region", metavar="REGION", help="AWS region for STS (live roles).")
@click.option("--assume-role", metavar="ARN", help="Assume this role first (live roles).")
@click.option(
    "--assume-role-external-id",
    metavar="ID",
    help="External ID for --assume-role (not the one to require: see --external-id).",
)
@click.option("-v", "--verbose", is_flag=True, help="Also list the roles that need nothing.")
@pass_app
def fix_command(
    app: AppContext,
    source: SourceSpec,
    trust: TrustSpec,
    *,
    external_id: str | None,
    external_id_map: Path | None,
    require_mfa: bool,
    remove_principals: tuple[str, ...],
    include_warn: bool,
    max_policy_size: int,
    do_apply: bool,
    yes: bool,
    journal: Path | None,
    out_dir: Path | None,
    roles: tuple[str, ...],
    profile: str | None,
    region: str | None,
    assume_role: str | None,
    assume_role_external_id: str | None,
    verbose: bool,
) -> int:
    """``trustwarden fix`` (see :data:`FIX_HELP`); returns the exit code."""
    options = build_fix_options(
        external_id=external_id,
        external_id_map=external_id_map,
        require_mfa=require_mfa,
        remove_principals=remove_principals,
        include_warn=include_warn,
        max_policy_size=max_policy_size,
    )
    live = LiveFixSpec(profile, region, assume_role, assume_role_external_id, roles)
    run = _FixRun(app, options, verbose=verbose)
    if source.offline:
        if do_apply or journal is not None or yes or live.given():
            local = {"--apply": do_apply, "--journal": journal is not None, "--yes": yes}
            flags = [flag for flag, on in local.items() if on] + live.given()
            raise ConfigError(
                f"{', '.join(flags)} cannot be used with --input/--sample: files are never "
                "changed in place",
                hint="use --out-dir DIR to write the fixed documents",
            )
        return run.offline(source, trust, out_dir, role_matcher(roles))
    if out_dir is not None:
        raise ConfigError("--out-dir needs --input or --sample (live roles are fixed in place)")
    return run.live(source, trust, live, apply=do_apply, yes=yes, journal=journal)


class _FixRun:
    """One ``fix`` invocation: plan, show, then write files or apply."""

    def __init__(self, app: AppContext, options: FixOptions, *, verbose: bool) -> None:
        self.app = app
        self.options = options
        self.verbose = verbose
        self.printer = Printer(app)

    def plan(self, roles: Iterable[Role], settings: Any, skipped: int = 0) -> list[Plan]:
        plans = []
        for plan in plan_roles(roles, settings, self.options):
            show_plan(self.printer, plan, verbose=self.verbose)
            plans.append(plan)
        self.app.info(summary_line(plans, skipped))
        return plans

    def offline(
        self,
        source: SourceSpec,
        trust: TrustSpec,
        out_dir: Path | None,
        keep: Callable[[Role], bool] | None,
    ) -> int:
        settings = resolve_config(trust, source=source, cwd=self.app.cwd).settings
        skipped: list[Skipped] = []

        def roles() -> Iterator[Role]:
            for item in open_roles(source):
                if isinstance(item, Skipped):
                    self.app.warn(f"skipped {item.what}: {item.reason}")
                    skipped.append(item)
                elif keep is None or keep(item):
                    yield item

        plans = self.plan(roles(), settings, 0)
        if skipped:
            self.app.info(f"{len(skipped)} inputs skipped")
        changes = [p for p in plans if p.action is PlanAction.CHANGE]
        if out_dir is None:
            for plan in changes:
                self.printer.out(f"# fixed trust policy of {plan.role.arn}")
                self.printer.document(plan.after or {})
        else:
            writer = OutDir(out_dir)
            for plan in changes:
                self.app.info(f"wrote {writer.write(plan)}")
        return plan_exit_code(plans, len(skipped))

    def live(
        self,
        source: SourceSpec,
        trust: TrustSpec,
        live: LiveFixSpec,
        *,
        apply: bool,
        yes: bool,
        journal: Path | None,
    ) -> int:
        settings = resolve_config(trust, source=source, cwd=self.app.cwd).settings
        ctx = make_live_context(live)
        keep = role_matcher(live.roles)
        plans = self.plan((r for r in live_roles(ctx) if keep is None or keep(r)), settings)
        changes = [p for p in plans if p.action is PlanAction.CHANGE]
        if not apply:
            if changes:
                self.app.info(
                    "dry run: nothing changed; add --apply to change "
                    + counted(len(changes), "role")
                )
            return plan_exit_code(plans, 0)
        if not changes:
            self.app.info("nothing to apply")
            return plan_exit_code(plans, 0)
        if not self._confirmed(len(changes), ctx.account_id, yes=yes):
            return int(ExitCode.USAGE)
        return self._apply(ctx, plans, changes, journal)

    def _confirmed(self, count: int, account_id: str, *, yes: bool) -> bool:
        if yes:
            return True
        if not stdin_is_terminal():
            self.app.error(
                f"refusing to change {counted(count, 'role')} without confirmation: standard "
                "input is not a terminal; nothing changed",
                "review the dry run, then add --yes",
            )
            return False
        question = f"Change the trust policy of {counted(count, 'role')} in account {account_id}?"
        if click.confirm(question, default=False, err=True):
            return True
        self.app.info("nothing changed")
        return False

    def _apply(
        self, ctx: Any, plans: Sequence[Plan], changes: Sequence[Plan], path: Path | None
    ) -> int:
        path = path or default_journal_path(self.app.clock, ctx.account_id, env=self.app.env)
        _check_journal(path)
        store = IamTrustPolicyStore(ctx.client("iam"))
        outcomes: list[ApplyOutcome] = []
        journal = Journal(path, clock=self.app.clock)
        with contextlib.closing(journal):
            try:
                journal.open()
                journal.record("run", tool_version=__version__, account_id=ctx.account_id)
                self.app.info(f"journal: {path}")
                for outcome in apply_plans(changes, store, journal):
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
            f"trustwarden rollback {path}"
        )
        return apply_exit_code(outcomes, plans, 0)

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
    "LiveFixSpec",
    "Printer",
    "apply_exit_code",
    "build_fix_options",
    "fix_command",
    "plan_exit_code",
    "role_matcher",
    "show_plan",
    "summary_line",
]
