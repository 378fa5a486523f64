"""``fix --organization``: plan per member account, apply with one journal, undo across accounts.

Each member account is entered through the member role (the management account with the
caller's own credentials), its roles are listed and planned exactly as for one account.
Applying goes account by account through :func:`~trustwarden.remediate.apply.apply_plans`
with the same conflict checks, writing into one journal whose every intent names its
account. :func:`rollback_organization` groups a journal's intents by account, enters each
account the same way and restores there with :func:`~trustwarden.remediate.rollback.rollback`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from trustwarden.model import Role, Settings
from trustwarden.remediate.apply import ApplyOutcome, apply_plans
from trustwarden.remediate.journal import Journal, JournalContents
from trustwarden.remediate.plan import FixOptions, Plan, plan_roles
from trustwarden.remediate.rollback import RollbackKind, RollbackOutcome, rollback
from trustwarden.remediate.store import IamTrustPolicyStore, TrustPolicyStore

Enter = Callable[[str], Any]  # account id -> an AwsContext in that account


@dataclass(frozen=True, slots=True)
class AccountBatch:
    """One member account's plans, and where to apply them (``None``: could not enter)."""

    account_id: str
    plans: tuple[Plan, ...] = ()
    store: TrustPolicyStore | None = None
    skipped: str | None = None


def select_accounts(
    active: Iterable[str], *, accounts: Collection[str] = (), exclude: Collection[str] = ()
) -> list[str]:
    """``--accounts``/``--exclude-accounts`` applied to the organisation's active accounts."""
    chosen = [a for a in sorted(set(active)) if (not accounts or a in accounts)]
    return [a for a in chosen if a not in exclude]


def member_enter(ctx: Any, member_role: str) -> Enter:
    """Enter an account: the caller's own with its credentials, others via ``member_role``."""
    from trustwarden.aws.session import assume  # noqa: PLC0415
    from trustwarden.sources.aws.organization import member_role_arn  # noqa: PLC0415

    def enter(account_id: str) -> Any:
        if account_id == ctx.account_id:
            return ctx
        arn = member_role_arn(account_id, member_role, ctx.partition)
        return assume(ctx, arn, refreshable=False)

    return enter


def plan_organization(
    account_ids: Iterable[str],
    enter: Enter,
    settings: Settings,
    options: FixOptions,
    *,
    keep: Callable[[Role], bool] | None = None,
) -> Iterator[AccountBatch]:
    """Plan every selected account; an account that cannot be entered or listed is skipped."""
    from trustwarden.aws.faults import AWS_ERRORS, describe  # noqa: PLC0415
    from trustwarden.sources.aws.account import iter_roles  # noqa: PLC0415

    for account_id in account_ids:
        try:
            member = enter(account_id)
            roles = [r for r in iter_roles(member) if keep is None or keep(r)]
        except AWS_ERRORS as exc:
            yield AccountBatch(account_id, skipped=describe(exc))
            continue
        plans = tuple(plan_roles(roles, settings, options))
        yield AccountBatch(account_id, plans, IamTrustPolicyStore(member.client("iam")))


def apply_organization(batches: Iterable[AccountBatch], journal: Journal) -> Iterator[ApplyOutcome]:
    """Apply each account's plans in turn, all journaled in ``journal``."""
    for batch in batches:
        if batch.store is None or not batch.plans:
            continue
        journal.record("account", account_id=batch.account_id)
        yield from apply_plans(batch.plans, batch.store, journal)


def rollback_organization(
    contents: JournalContents,
    enter: Enter,
    *,
    roles: Collection[str] = (),
    journal: Journal | None = None,
    dry_run: bool = False,
) -> Iterator[RollbackOutcome]:
    """Undo a journal's changes in every account it names, account by account.

    An account that cannot be entered gives a ``skipped`` outcome for each of its roles.
    """
    from trustwarden.aws.faults import AWS_ERRORS, describe  # noqa: PLC0415

    for account_id in dict.fromkeys(i.account_id for i in contents.intents):
        mine = dataclasses.replace(
            contents, intents=tuple(i for i in contents.intents if i.account_id == account_id)
        )
        try:
            store = IamTrustPolicyStore(enter(account_id).client("iam"))
        except AWS_ERRORS as exc:
            why = f"cannot enter account {account_id}: {describe(exc)}"
            for intent in {i.role_arn: i for i in mine.intents}.values():
                yield RollbackOutcome(intent.role_arn, intent.role_name, RollbackKind.SKIPPED, why)
            continue
        yield from rollback(
            mine, store, account_id=account_id, roles=roles, journal=journal, dry_run=dry_run
        )
