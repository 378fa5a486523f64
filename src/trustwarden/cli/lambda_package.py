"""``trustwarden lambda-package --out FILE.zip``: the AWS Config rule's deployment package."""

from __future__ import annotations

from pathlib import Path

import click

from trustwarden.cli.options import AppContext, pass_app
from trustwarden.integrations.lambda_package import (
    HANDLER,
    describe_plan,
    plan_package,
    write_package,
)

LAMBDA_PACKAGE_HELP = f"""Build the AWS Lambda deployment package of the AWS Config rule.

\b
The zip holds the installed trustwarden and its pure-Python dependencies; boto3 is left
to the Lambda runtime, click and rich (command line only) are left out, and a dependency
with compiled code is reported, not packed: add it as a Lambda layer. The same
installation gives the same bytes. See docs/aws-config.md.

\b
Handler: {HANDLER}
"""


@click.command(
    "lambda-package",
    help=LAMBDA_PACKAGE_HELP,
    short_help="Build the AWS Config rule's Lambda deployment package (zip).",
)
@click.option(
    "--out",
    "out",
    required=True,
    metavar="FILE.zip",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the zip here (replaced if it exists).",
)
@pass_app
def lambda_package_command(app: AppContext, *, out: Path) -> int:
    """``trustwarden lambda-package`` (see :data:`LAMBDA_PACKAGE_HELP`); returns the exit code."""
    path = out if out.is_absolute() else app.cwd / out
    plan = plan_package()
    for line in describe_plan(plan.decisions):
        app.info(line)
    for missing in plan.missing_compiled:
        app.warn(f"{missing.name} is not in the package; the function needs it from a layer")
    built = write_package(plan, path)
    app.stdout.write(f"{built.path}\n")
    app.info(
        f"{built.entries} files, {built.size:,} bytes, sha256 {built.sha256}; handler {HANDLER}"
    )
    return 0
