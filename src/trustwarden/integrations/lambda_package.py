"""The AWS Lambda deployment package of the Config rule: a reproducible zip.

What goes in is decided from trustwarden's declared dependencies (its package metadata, or
``pyproject.toml`` when run from a source tree), followed transitively:

* the trustwarden package itself, as installed (the handler is
  ``trustwarden.integrations.aws_config.handler``);
* every other dependency whose installed files are pure Python, copied from its install;
* PyYAML without its optional C accelerator (``yaml`` falls back to its pure-Python loader);
* **left out**: boto3 and its dependencies (the Lambda Python runtime provides them), the
  command line's click and rich (the handler never imports them), and any dependency that
  ships compiled code — that one is reported, with what to do: it must come from a Lambda
  layer built for the function's architecture and Python version.

The same installed files give the same bytes: entries sorted, timestamps fixed at
1980-01-01, permissions 0644, no ``__pycache__``/``.pyc``, no install records.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from trustwarden.errors import InputError

HANDLER = "trustwarden.integrations.aws_config.handler"
PROVIDED_BY_RUNTIME = frozenset(
    {"boto3", "botocore", "s3transfer", "jmespath", "urllib3", "python-dateutil", "six"}
)
COMMAND_LINE_ONLY = frozenset({"click", "rich"})
# Distributions whose compiled files are optional accelerators: vendored without them.
PURE_PYTHON_FALLBACK = frozenset({"pyyaml"})
COMPILED_SUFFIXES = (".so", ".pyd", ".dylib", ".dll")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--
_SKIPPED_METADATA = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")

Lookup = Callable[[str], metadata.Distribution]


@dataclass(frozen=True, slots=True)
class Decision:
    """What happened to one dependency: ``vendored`` or ``omitted``, and why."""

    name: str
    version: str
    action: str
    reason: str


@dataclass(frozen=True, slots=True)
class Plan:
    """The package's files (``{name in the zip: file on disk}``) and the decisions."""

    files: dict[str, Path]
    decisions: tuple[Decision, ...]

    @property
    def missing_compiled(self) -> tuple[Decision, ...]:
        """Dependencies left out because they ship compiled code (the function needs them)."""
        return tuple(d for d in self.decisions if d.action == "omitted" and "compiled" in d.reason)


@dataclass(frozen=True, slots=True)
class Built:
    """A written package."""

    path: Path
    entries: int
    size: int
    sha256: str
    plan: Plan = field(repr=False)


def normalize(name: str) -> str:
    """A distribution name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared_requirements() -> list[str]:
    """trustwarden's runtime requirements: its metadata, else the source tree's pyproject."""
    try:
        return list(metadata.requires("trustwarden") or [])
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[3] / "pyproject.toml"
    if not pyproject.is_file():
        raise InputError(
            "trustwarden's package metadata is missing", hint="install it: pip install trustwarden"
        )
    project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    return [str(r) for r in project.get("dependencies", [])]


def plan_package(
    requirements: Sequence[str] | None = None, *, lookup: Lookup = metadata.distribution
) -> Plan:
    """Decide the package's contents from ``requirements`` (default: the declared ones)."""
    files = dict(_own_files())
    decisions: list[Decision] = []
    seen: set[str] = set()
    queue = [
        name
        for r in (declared_requirements() if requirements is None else requirements)
        if (name := _requirement_name(r))
    ]
    while queue:
        name = normalize(queue.pop(0))
        if name in seen or name == "trustwarden":
            continue
        seen.add(name)
        if name in PROVIDED_BY_RUNTIME:
            decisions.append(Decision(name, "", "omitted", "provided by the Lambda Python runtime"))
            continue
        if name in COMMAND_LINE_ONLY:
            decisions.append(
                Decision(
                    name,
                    "",
                    "omitted",
                    "used by the command line only; the handler never imports it",
                )
            )
            continue
        try:
            dist = lookup(name)
        except metadata.PackageNotFoundError:
            raise InputError(
                f"dependency {name} is not installed", hint="pip install trustwarden first"
            ) from None
        decision, found = _vendor(name, dist)
        decisions.append(decision)
        if decision.action == "vendored":
            files.update(found)
            queue.extend(n for r in dist.requires or [] if (n := _requirement_name(r)))
    return Plan(files=files, decisions=tuple(sorted(decisions, key=lambda d: d.name)))


def write_package(plan: Plan, out: Path) -> Built:
    """Write ``plan`` to ``out`` as a reproducible zip (same files → same bytes)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        for name in sorted(plan.files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.external_attr = FILE_MODE
            info.create_system = 3  # Unix, so the permissions are read back
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, plan.files[name].read_bytes(), compresslevel=9)
    tmp.replace(out)
    data = out.read_bytes()
    return Built(out, len(plan.files), len(data), hashlib.sha256(data).hexdigest(), plan)


# --------------------------------------------------------------------------- internals


def _requirement_name(requirement: str) -> str | None:
    """The distribution a requirement names; None for one behind an ``extra`` marker."""
    spec, _, marker = requirement.partition(";")
    if "extra" in marker:
        return None
    match = _NAME.match(spec)
    return match.group(1) if match else None


def _own_files() -> Iterator[tuple[str, Path]]:
    """The trustwarden package as imported: every file but caches."""
    root = Path(__file__).resolve().parents[1]
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            yield f"trustwarden/{path.relative_to(root).as_posix()}", path


def _vendor(name: str, dist: metadata.Distribution) -> tuple[Decision, dict[str, Path]]:
    version = dist.version or ""
    entries = [f for f in dist.files or [] if not _outside(str(f))]
    compiled = [str(f) for f in entries if _is_compiled(str(f))]
    if compiled and name not in PURE_PYTHON_FALLBACK:
        reason = (
            f"ships compiled code ({compiled[0]}{', ...' if len(compiled) > 1 else ''}); "
            "add it to the function as a Lambda layer built for its architecture and Python "
            "version (see docs/aws-config.md)"
        )
        return Decision(name, version, "omitted", reason), {}
    found: dict[str, Path] = {}
    for entry in entries:
        text = str(entry).replace("\\", "/")
        if _is_compiled(text) or "__pycache__" in text or text.endswith(".pyc"):
            continue
        if ".dist-info/" in text and text.rsplit("/", 1)[-1] in _SKIPPED_METADATA:
            continue
        path = Path(str(dist.locate_file(entry)))
        if path.is_file():
            found[text] = path
    reason = "pure Python" if not compiled else "pure-Python part (its C accelerator left out)"
    return Decision(name, version, "vendored", reason), found


def _outside(entry: str) -> bool:
    return entry.startswith(("..", "/")) or "/../" in entry


def _is_compiled(entry: str) -> bool:
    return entry.endswith(COMPILED_SUFFIXES) or ".so." in entry


def describe_plan(decisions: Iterable[Decision]) -> list[str]:
    """One line per dependency decision, for people."""
    return [
        f"{d.action} {d.name}{' ' + d.version if d.version else ''}: {d.reason}" for d in decisions
    ]
