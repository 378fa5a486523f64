"""``fix PATH...``: the fixed trust documents of template roles, in each template's syntax.

The plans are made on the evaluated documents as for any other source; here each changed
role's document is read again as its template writes it, the plan's edits are made on it
(:func:`trustwarden.remediate.template.replay`) and it is printed, or written to
``--out-dir`` as ``<role>.AssumeRolePolicyDocument.yaml|json`` or
``<role>.assume_role_policy.hcl``. Templates themselves are never changed.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from trustwarden.cli.options import AppContext
from trustwarden.remediate.offline import OutDir
from trustwarden.remediate.plan import Plan, PlanAction
from trustwarden.remediate.template import NotReplayable, replay
from trustwarden.sources.iac.common import TemplateError
from trustwarden.sources.iac.rewrite import written_document

SUFFIXES = {
    "yaml": ".AssumeRolePolicyDocument.yaml",
    "json": ".AssumeRolePolicyDocument.json",
    "hcl": ".assume_role_policy.hcl",
}


class LinePrinter(Protocol):
    """Writes one (escaped) line to standard output."""

    def out(self, text: str = "") -> None: ...


def template_fixes(
    app: AppContext,
    printer: LinePrinter,
    plans: Iterable[Plan],
    removals: tuple[str, ...],
    out_dir: Path | None,
) -> int:
    """Print or write the fixed document of every changed role; returns how many could not be.

    Variants of one role (``Fn::If`` branches) share one written document: each variant's
    edits are made on it.
    """
    groups: dict[tuple[object, ...], list[Plan]] = {}
    for plan in plans:
        if plan.action is PlanAction.CHANGE:
            origin = plan.role.origin
            key = (origin.file, origin.line, origin.pointer, plan.role.name)
            groups.setdefault(key, []).append(plan)
    writer = OutDir(out_dir) if out_dir is not None else None
    failed = 0
    for group in groups.values():
        role = group[0].role
        try:
            written = written_document(role)
            for index, plan in enumerate(group):
                replay(written.document, plan, removals, removed=index > 0)
        except Exception as exc:  # noqa: BLE001 - one role's template never stops the others
            app.error(
                f"{role.name}: the fix cannot be written in the template's syntax: {_reason(exc)}",
                "make the change the diff above shows by hand",
            )
            failed += 1
            continue
        title = f"fixed trust policy of {role.name} ({written.file}:{written.line})"
        title += f": {written.note}" if written.note else ""
        if writer is None:
            printer.out(f"# {title}")
            for line in written.render().rstrip("\n").split("\n"):
                printer.out(line)
        else:
            path = writer.write_text(group[0], written.render(), SUFFIXES[written.syntax])
            app.info(f"wrote {path}: {title}")
    return failed


def _reason(exc: Exception) -> str:
    if isinstance(exc, TemplateError):
        return exc.message
    if isinstance(exc, NotReplayable):
        return str(exc)
    return f"the template could not be read ({type(exc).__name__}: {exc})"


__all__ = ["SUFFIXES", "template_fixes"]
