"""``trustwarden schema``: print the JSON Schema of the JSON report."""

from __future__ import annotations

import click

from trustwarden.cli.options import AppContext, pass_app
from trustwarden.formats.json_format import report_schema


@click.command("schema")
@pass_app
def schema_command(app: AppContext) -> None:
    """Print the JSON Schema of `--format json` reports (schema_version 1)."""
    app.stdout.write(report_schema())
    app.stdout.flush()


__all__ = ["schema_command"]
