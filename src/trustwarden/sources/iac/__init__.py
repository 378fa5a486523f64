"""Infrastructure as code: roles from CloudFormation/SAM/CDK templates, Terraform plans and
Terraform configurations, before anything is deployed.

:func:`load_paths` finds the templates under the given files and directories and yields a
:class:`~trustwarden.model.Role` per role (per variant, when a role has ``Fn::If`` branches or
Terraform conditionals that cannot be decided) and a :class:`~trustwarden.model.Skipped` per
file or module that could not be read. After the engine has run, :func:`merge_results` keeps
the worst variant of each role and copies the origin's notes (unknown values) into its
findings. The role's account is ``account_id`` (``--account-id``), else a placeholder.
"""

from __future__ import annotations

import codecs
import gc
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from trustwarden.model import (
    Finding,
    Origin,
    Principal,
    Role,
    RoleFacts,
    RoleResult,
    Skipped,
    Status,
)
from trustwarden.sources.iac.cfn import is_template, template_roles
from trustwarden.sources.iac.common import (
    OWN_PLACEHOLDER,
    UNKNOWN_ACCOUNT,
    RoleSpec,
    TemplateError,
    build_role,
    display_name,
)
from trustwarden.sources.iac.terraform import Workspace, root_roles
from trustwarden.sources.iac.tfplan import is_plan, plan_roles
from trustwarden.sources.iac.yamlload import load_json, load_yaml

SKIP_DIRS = frozenset({".git", ".terraform", "node_modules"})
TEMPLATE_SUFFIXES = frozenset({".json", ".yaml", ".yml", ".template"})
_MARKERS = (b"Resources", b"format_version")

Item = Role | Skipped
Event = RoleResult | Skipped


@dataclass(frozen=True, slots=True)
class Unit:
    """One thing to read: a template or plan file, or a Terraform root module directory."""

    path: Path
    name: str  # as reports show it
    terraform: bool
    explicit: bool  # named on the command line (not found by walking a directory)


def discover(paths: Iterable[Path], workspace: Workspace | None = None) -> list[Unit]:
    """The templates and Terraform roots under ``paths``, sorted within each path.

    Directories are walked recursively, skipping ``.git``, ``.terraform``, ``node_modules`` and
    CDK's ``cdk.out/asset.*``. A directory of ``.tf`` files that another scanned directory
    calls as a local module is read through that call, not as a root.
    """
    workspace = workspace or Workspace()
    units: list[Unit] = []
    tf_dirs: dict[Path, str] = {}
    walked: set[Path] = set()  # directories with .tf files, as walked
    for given in paths:
        if given.is_dir():
            for directory, subdirs, files in os.walk(given):
                here = Path(directory)
                subdirs[:] = sorted(
                    d
                    for d in subdirs
                    if d not in SKIP_DIRS
                    and not (here.name == "cdk.out" and d.startswith("asset."))
                )
                for file in sorted(files):
                    path = here / file
                    if file.endswith(".tf"):
                        if here not in walked:
                            walked.add(here)
                            tf_dirs.setdefault(workspace.resolve(here), display_name(here))
                    elif path.suffix in TEMPLATE_SUFFIXES:
                        units.append(
                            Unit(path, display_name(path), terraform=False, explicit=False)
                        )
        elif given.suffix == ".tf":
            tf_dirs.setdefault(workspace.resolve(given.parent), display_name(given.parent))
        else:
            units.append(Unit(given, display_name(given), terraform=False, explicit=True))
    if tf_dirs:
        called = {
            d
            for tf_dir in tf_dirs
            if _may_call_modules(tf_dir, workspace)
            for d in workspace.module(tf_dir).local_module_dirs()
        }
        for tf_dir, name in tf_dirs.items():
            if tf_dir not in called:
                units.append(Unit(tf_dir, name, terraform=True, explicit=True))
    return units


def _may_call_modules(directory: Path, workspace: Workspace) -> bool:
    """Whether a ``.tf`` file of ``directory`` says ``module``: a byte search, as parsing
    every directory here, in one process before any worker starts, was the scan's largest
    step that could not be spread over the cores."""
    for name in workspace.listing(directory):
        if name.endswith(".tf"):
            try:
                if b"module" in (directory / name).read_bytes():
                    return True
            except OSError:
                return True  # reading it again reports the error
    return False


def read_unit(
    unit: Unit, own: str, workspace: Workspace | None = None
) -> Iterator[RoleSpec | Skipped | TemplateError]:
    """The role specs of one unit (errors as :class:`TemplateError`)."""
    if unit.terraform:
        yield from root_roles(unit.path, workspace or Workspace(), own)
        return
    try:
        raw = unit.path.read_bytes()
    except OSError as exc:
        yield TemplateError(f"{unit.name}: cannot read: {exc.strerror or exc}")
        return
    encoding = _encoding(raw)
    if encoding != "utf-8-sig":  # UTF-16/32 with a byte order mark (Windows tools write it)
        try:
            raw = raw.decode(encoding).encode()
        except UnicodeDecodeError:
            yield TemplateError(f"{unit.name}: not {encoding.upper()} text")
            return
    if unit.path.name.endswith(".tf.json"):  # Terraform's JSON syntax (CDKTF writes it)
        if b"aws_iam_role" in raw or unit.explicit:
            yield TemplateError(
                f"{unit.name}: Terraform JSON configuration (.tf.json) is not evaluated; "
                "its aws_iam_role resources were not checked (scan a plan: terraform show -json)"
            )
        return
    if not unit.explicit and not any(marker in raw for marker in _MARKERS):
        return  # not a template: package.json, CI workflows, ...
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        yield TemplateError(f"{unit.name}: not UTF-8 text")
        return
    try:
        data = (
            load_json(text, unit.name)
            if unit.path.suffix == ".json"
            else load_yaml(text, unit.name)
        )
    except TemplateError as exc:
        yield exc
        return
    if is_template(data):
        yield from template_roles(data, unit.name, own)
    elif is_plan(data):
        yield from plan_roles(data, unit.name)
    elif unit.explicit:
        yield TemplateError(
            f"{unit.name}: not a CloudFormation template, CDK output or Terraform plan "
            "(no Resources of typed resources, no format_version)"
        )


def _encoding(raw: bytes) -> str:
    """The text encoding its byte order mark says (UTF-8, with or without a mark, else)."""
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8-sig"


PARALLEL_MIN_UNITS = 64  # below this, starting worker processes costs more than it saves
CHUNK_UNITS = 32


def load_paths(
    paths: Iterable[Path], account_id: str | None = None, *, workers: int | None = None
) -> Iterator[Item]:
    """Roles (one per variant) and skipped items of every template under ``paths``, in order.

    Many templates are read by ``workers`` processes (default: the CPUs not busy with other
    work, at most 4) in chunks, keeping the order; few are read in this process.
    """
    workspace = Workspace()
    units = discover(paths, workspace)
    count = workers if workers is not None else _idle_cpus()
    if count > 1 and len(units) >= PARALLEL_MIN_UNITS:
        import multiprocessing  # noqa: PLC0415 - loaded only when workers start
        from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

        chunks = [units[i : i + CHUNK_UNITS] for i in range(0, len(units), CHUNK_UNITS)]
        fork = "fork" in multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if fork else "spawn")
        _INHERITED[:] = [workspace]  # forked workers reuse the .tf files discovery parsed
        gc.freeze()  # forked workers share these pages instead of copying them on collection
        try:
            with ProcessPoolExecutor(
                max_workers=count, mp_context=context, initializer=_start_worker
            ) as pool:
                for packed in pool.map(_read_chunk, chunks, [account_id] * len(chunks)):
                    yield from map(_unpack, packed)
        finally:
            _INHERITED.clear()
            gc.unfreeze()
        return
    for unit in units:
        yield from _items(unit, account_id, workspace)


def _idle_cpus() -> int:
    """Worker processes worth starting: the CPUs this process may use and nobody else does.

    "Nobody else" is what runs now (Linux's count of runnable tasks, this process
    excluded), not the one-minute load average, which still counts work that has ended.
    """
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return 1
    return max(1, min(4, usable - _busy_cpus()))


def _busy_cpus() -> int:
    """Tasks running or runnable now, besides this one (else the load average, rounded)."""
    try:
        running = Path("/proc/loadavg").read_text(encoding="ascii").split()[3].split("/")[0]
        return max(0, int(running) - 1)
    except (OSError, IndexError, ValueError):
        try:
            return round(os.getloadavg()[0])
        except (AttributeError, OSError):
            return 0


_INHERITED: list[Workspace] = []
_ORIGIN_FIELDS = fields(Origin)


def _start_worker() -> None:
    """A worker's garbage collector runs less often: it holds little, briefly, per chunk."""
    gc.set_threshold(WORKER_GC_THRESHOLD)


_NO_FACTS = RoleFacts()
WORKER_GC_THRESHOLD = 20_000  # allocations between collections of the youngest objects
_Packed = tuple[str, str, str, object, tuple[Any, ...]] | Item


def _read_chunk(units: list[Unit], account_id: str | None) -> list[_Packed]:
    """A worker's share: the items of ``units``, packed for a cheap trip back (pickling)."""
    workspace = _INHERITED[0] if _INHERITED else Workspace()
    return [_pack(item) for unit in units for item in _items(unit, account_id, workspace)]


def _pack(item: Item) -> _Packed:
    """``item`` as plain tuples: a frozen slotted dataclass unpickles four times slower."""
    if isinstance(item, Skipped) or item.permissions is not None or item.facts != _NO_FACTS:
        return item
    origin = tuple(getattr(item.origin, f.name) for f in _ORIGIN_FIELDS)
    return (item.arn, item.name, item.account_id, item.trust_document, origin)


def _unpack(packed: _Packed) -> Item:
    if not isinstance(packed, tuple):
        return packed
    arn, name, account, document, origin = packed
    return Role(
        arn=arn, name=name, account_id=account, trust_document=document, origin=Origin(*origin)
    )


def _items(unit: Unit, account_id: str | None, workspace: Workspace) -> Iterator[Item]:
    """The unit's items; a defect in reading one unit is a skipped item, never a crash."""
    try:
        for event in read_unit(unit, account_id or OWN_PLACEHOLDER, workspace):
            if isinstance(event, RoleSpec):
                yield build_role(event, account_id)
            elif isinstance(event, TemplateError):
                yield _skipped(event, unit)
            else:
                yield event
    except RecursionError:
        yield Skipped(what=unit.name, reason="nested too deeply to be evaluated")
    except Exception as exc:  # noqa: BLE001 - one template never stops the others
        reason = f"could not be evaluated ({type(exc).__name__}: {exc})"
        yield Skipped(what=unit.name, reason=reason)


def _skipped(error: TemplateError, unit: Unit) -> Skipped:
    what, _, reason = error.message.partition(": ")
    return Skipped(what=what or unit.name, reason=reason or error.message)


LITERAL_ACCOUNT_NOTE = (
    "Without --account-id, every account ID written in a template is treated as an outside "
    "account (the role's own account is unknown); pass --account-id with the account the "
    "templates deploy to."
)


def merge_results(events: Iterable[Event], account_id: str | None = None) -> Iterator[Event]:
    """The worst variant per role, with the origin's notes added to its findings.

    Variants of one role are consecutive (same file, pointer and name). Without
    ``account_id``, the first finding about a literal account says once that such accounts
    count as outsiders.
    """
    said = account_id is not None
    pending: list[RoleResult] = []
    for event in events:
        if isinstance(event, RoleResult) and pending and not _same_role(pending[0], event):
            result, said = _finish(pending, said)
            yield result
            pending = []
        if isinstance(event, RoleResult):
            pending.append(event)
        else:
            yield event
    if pending:
        result, said = _finish(pending, said)
        yield result


def _same_role(a: RoleResult, b: RoleResult) -> bool:
    group = a.role.variant_of
    return group is not None and group == b.role.variant_of


def _finish(variants: list[RoleResult], said: bool) -> tuple[RoleResult, bool]:
    # The first of the worst, in input order; a variant shown exposed outranks one that could
    # not be evaluated (the exposure is the finding to act on; the error is noted).
    worst = max(variants, key=lambda r: (r.status is Status.FAIL, r.status.rank))
    origin = worst.role.origin
    notes = list(origin.notes)
    if origin.variant is not None and len(variants) > 1:
        notes.append(
            f"The template has {len(variants)} variants of this role (conditions it cannot "
            f"decide); the worst is shown: {origin.variant}."
        )
        notes.extend(
            f"The variant {v.role.origin.variant} could not be evaluated: "
            f"{v.findings[0].message if v.findings else 'error'}"
            for v in variants
            if v.status is Status.ERROR and v is not worst
        )
    findings: list[Finding] = []
    changed = False
    for finding in worst.findings:
        extra = list(notes)
        if not said and any(_literal_account(p) for p in finding.principals):
            extra.append(LITERAL_ACCOUNT_NOTE)
            said = True
        changed = changed or bool(extra)
        findings.append(replace(finding, notes=finding.notes + tuple(extra)) if extra else finding)
    return (replace(worst, findings=tuple(findings)) if changed else worst), said


def _literal_account(principal: str) -> bool:
    account = Principal.aws(principal).account_id
    return account is not None and account not in (OWN_PLACEHOLDER, UNKNOWN_ACCOUNT)


__all__ = ["LITERAL_ACCOUNT_NOTE", "Unit", "discover", "load_paths", "merge_results", "read_unit"]
