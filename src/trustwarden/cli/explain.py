"""``trustwarden explain``: why one role got its verdict, statement by statement."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable

import click

from trustwarden import __version__
from trustwarden.cli.options import (
    AppContext,
    SourceSpec,
    TrustSpec,
    effective_fail_on,
    fail_on_option,
    input_options,
    open_roles,
    pass_app,
    resolve_config,
    trust_options,
)
from trustwarden.cli.scan import scan_exit_code
from trustwarden.errors import ConfigError
from trustwarden.formats import RenderOptions
from trustwarden.model import Role, Skipped
from trustwarden.words import counted

MAX_SUGGESTIONS = 5


def find_role(items: Iterable[Role | Skipped], query: str) -> tuple[Role, list[Skipped]]:
    """The one role whose ARN or name is ``query``, and the items that were skipped.

    An exact ARN or name wins; else a case-insensitive name (IAM role names are unique
    regardless of case within an account). Raises :class:`ConfigError` when no role or more
    than one role matches, naming close matches or the candidates.
    """
    exact: list[Role] = []
    folded: list[Role] = []
    names: dict[str, None] = {}
    skipped: list[Skipped] = []
    lowered = query.lower()
    for item in items:
        if isinstance(item, Skipped):
            skipped.append(item)
            continue
        names.setdefault(item.name, None)
        if query in (item.arn, item.name):
            exact.append(item)
        elif item.name.lower() == lowered:
            folded.append(item)
    matches = exact or folded
    if len(matches) == 1:
        return matches[0], skipped
    if matches:
        arns = ", ".join(r.arn for r in matches[:MAX_SUGGESTIONS])
        more = (
            f" and {len(matches) - MAX_SUGGESTIONS} more" if len(matches) > MAX_SUGGESTIONS else ""
        )
        raise ConfigError(
            f"{query!r} matches {len(matches)} roles: {arns}{more}",
            hint="give the role's ARN",
        )
    wanted = query.rsplit("/", 1)[-1] if query.startswith("arn:") else query
    close = difflib.get_close_matches(wanted, list(names), n=MAX_SUGGESTIONS, cutoff=0.6)
    if close:
        detail = f"close matches: {', '.join(close)}"
    else:
        n = len(names)
        detail = f"{counted(n, 'role name')} in the input, none similar"
    hint = None
    if skipped:
        hint = (
            f"{counted(len(skipped), 'item')} of the input could not be read; "
            "the role may be among them"
        )
    raise ConfigError(f"no role {query!r} in the input ({detail})", hint=hint)


@click.command("explain")
@input_options
@trust_options
@click.option(
    "--role",
    "role_query",
    required=True,
    metavar="NAME_OR_ARN",
    help="The role to explain: its name or ARN.",
)
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Words for people, or JSON (the scan result plus an `explanation` array).",
)
@fail_on_option
@pass_app
def explain_command(
    app: AppContext,
    *,
    source: SourceSpec,
    trust: TrustSpec,
    role_query: str,
    format_name: str,
    fail_on: str | None,
) -> int:
    """Explain one role's verdict, statement by statement, with a witness for fails."""
    from trustwarden.engine import analyze_role  # noqa: PLC0415 - the engine loads on use

    config = resolve_config(trust, source=source, cwd=app.cwd)
    threshold = effective_fail_on(fail_on, config)
    role, skipped = find_role(open_roles(source), role_query)
    for item in skipped:
        app.warn(f"skipped {item.what}: {item.reason}")
    result = analyze_role(role, config.settings, explain=True)
    if format_name == "json":
        from trustwarden.formats.json_format import (  # noqa: PLC0415
            SCHEMA_VERSION,
            result_to_json,
            tool_to_json,
        )

        document = {
            "schema_version": SCHEMA_VERSION,
            "tool": tool_to_json(__version__),
            "result": result_to_json(result, explain=True, known=config.settings.known_accounts),
        }
        app.stdout.write(json.dumps(document, indent=2, allow_nan=False) + "\n")
        app.stdout.flush()
    else:
        from trustwarden.formats.explain_text import render_explanation  # noqa: PLC0415

        options = RenderOptions(color=app.wants_color(app.stdout), width=app.width(app.stdout))
        render_explanation(result, app.stdout, settings=config.settings, options=options)
    return scan_exit_code({result.status.value: 1}, 0, threshold)


__all__ = ["explain_command", "find_role"]
