"""``trustwarden rules [ID]``: list the rules, or print one rule's page as shipped."""

from __future__ import annotations

import difflib

import click

from trustwarden.cli.options import AppContext, pass_app
from trustwarden.errors import TrustwardenError
from trustwarden.rules import RULES

RULES_HELP = """List the rules, or print the page of rule ID.

\b
Without ID: one line per rule (id, verdict, severity, title). With ID: the rule's page, the
same text as the findings' help_uri points at (shipped with trustwarden).
"""


@click.command("rules", help=RULES_HELP, short_help="List the rules, or print one rule's page.")
@click.argument("rule_id", metavar="[ID]", required=False)
@pass_app
def rules_command(app: AppContext, rule_id: str | None) -> int:
    """Print the rule list or one page; an unknown ID is a usage error naming the closest."""
    if rule_id is None:
        width = max(len(r.status.value) for r in RULES.values())
        for rule in RULES.values():
            status = rule.status.value.ljust(width)
            app.stdout.write(f"{rule.id}  {status}  {rule.severity.value:<6}  {rule.title}\n")
        return 0
    found = RULES.get(rule_id.strip().upper())
    if found is None:
        close = difflib.get_close_matches(rule_id.strip().upper(), list(RULES), n=3, cutoff=0.6)
        closest = f"the closest: {', '.join(close)}; " if close else ""
        hint = f"{closest}'trustwarden rules' lists them all"
        raise TrustwardenError(f"no rule {rule_id!r}", hint)
    app.stdout.write(found.page())
    return 0


__all__ = ["rules_command"]
