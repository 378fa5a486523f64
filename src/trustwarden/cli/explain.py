"""``trustwarden explain``: why one role got its verdict, statement by statement."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import click

from trustwarden import __version__
from trustwarden.aws.options import AwsOptions
from trustwarden.cli.evidence_options import EvidenceArgs, evidence_options, read_evidence
from trustwarden.cli.options import (
    ENRICH_OPTION,
    AppContext,
    SourceSpec,
    TrustSpec,
    aws_options,
    build_source,
    fail_on_option,
    input_options,
    pass_app,
    renamed_option,
    resolve_config,
    role_option,
    trust_options,
)
from trustwarden.formats import RenderOptions
from trustwarden.model import RoleResult
from trustwarden.pipeline import exit_code, find_role_variants


@click.command("explain")
@click.argument(
    "templates",
    nargs=-1,
    metavar="[PATH]...",
    type=click.Path(exists=True, path_type=Path),
)
@input_options
@aws_options
@renamed_option("--external-id", "--assume-role-external-id")
@trust_options
@role_option(
    required=True,
    multiple=False,
    help_text="The role to explain: its name or ARN, or a shell pattern that matches only it.",
)
@click.option(
    "--format",
    "format_name",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Words for people, or JSON (the scan result plus an `explanation` array).",
)
@ENRICH_OPTION
@fail_on_option
@evidence_options
@pass_app
def explain_command(
    app: AppContext,
    *,
    templates: tuple[Path, ...],
    source: SourceSpec,
    aws: AwsOptions,
    trust: TrustSpec,
    roles: str,
    format_name: str,
    enrich: bool,
    fail_on: str | None,
    evidence: EvidenceArgs | None,
) -> int:
    """Explain one role's verdict, statement by statement, with a witness for fails.

    The role comes from templates (PATH: as for `scan`; --role is the logical ID or the
    Terraform address), from --input/--sample, else from the live account of the credentials
    (--enrich adds its last use, tags and permissions). A template role with conditions the
    reader cannot decide is explained in its worst variant.
    """
    from trustwarden.engine import analyze_role  # noqa: PLC0415 - the engine loads on use
    from trustwarden.postscan import after_engine_one  # noqa: PLC0415

    if templates:
        source = dataclasses.replace(source, templates=templates)
        source.validate()
    config = resolve_config(trust, source=source, cwd=app.cwd, fail_on=fail_on)
    settings = config.settings
    opened = build_source(source, aws, app=app, enrich=enrich).open(settings)
    variants, skipped = find_role_variants(opened.roles, roles)
    for item in skipped:
        app.warn(f"skipped {item.what}: {item.reason}")
    if opened.enrich is not None:
        variants = [opened.enrich(role) for role in variants]  # last use, tags, permissions
    known = read_evidence(app, evidence, aws_context=lambda: aws.connect(app.env))
    results = [analyze_role(role, opened.settings, explain=True) for role in variants]
    if opened.combine is not None:  # a template role's variants: the worst, with a note
        results = [r for r in opened.combine(iter(results)) if isinstance(r, RoleResult)]
    result = after_engine_one(results[0], known)
    if format_name == "json":
        from trustwarden.formats.json_format import (  # noqa: PLC0415
            SCHEMA_VERSION,
            result_to_json,
            tool_to_json,
        )

        document = {
            "schema_version": SCHEMA_VERSION,
            "tool": tool_to_json(__version__),
            "result": result_to_json(result, explain=True, known=settings.known_accounts),
        }
        app.stdout.write(json.dumps(document, indent=2, allow_nan=False) + "\n")
        app.stdout.flush()
    else:
        from trustwarden.formats.explain_text import render_explanation  # noqa: PLC0415

        options = RenderOptions(color=app.wants_color(app.stdout), width=app.width(app.stdout))
        render_explanation(result, app.stdout, settings=settings, options=options)
    return exit_code({result.status.value: 1}, 0, settings.fail_on)


__all__ = ["explain_command"]
