"""Terraform configurations (``.tf``): the ``aws_iam_role`` resources of a root module and of
the modules it calls.

A directory of ``.tf`` files is one module. Roots are the scanned directories that no other
scanned directory calls as a local module. Variables take the call's arguments (for a called
module), ``terraform.tfvars``/``*.auto.tfvars`` (root only) or their defaults; locals,
``data.aws_iam_policy_document`` (statements, principals, conditions, dynamic blocks, source
and override documents), ``data.aws_caller_identity`` (the own account), the module's roles'
ARNs and module outputs are resolved; ``count``/``for_each`` give one role per known instance.
Registry and git modules are found through ``.terraform/modules/modules.json``; a module that
is not on disk is reported as not evaluated.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tree_sitter import Node

from trustwarden.model import Skipped
from trustwarden.sources.iac.common import (
    MAX_VARIANTS,
    RoleSpec,
    TemplateError,
    Unknown,
    display_name,
)
from trustwarden.sources.iac.hcleval import Evaluator, JsonText, Pass, get_item
from trustwarden.sources.iac.hclsyntax import Block, HclFile, attributes, read_hcl, text
from trustwarden.sources.iac.tfdocument import policy_document, trust_document

SOURCE = "terraform"
# Identity-provider resources: the attribute that names them, and their ARN's resource type.
_PROVIDERS = {
    "aws_iam_saml_provider": ("name", "saml-provider"),
    "aws_iam_openid_connect_provider": ("url", "oidc-provider"),
}
Event = RoleSpec | Skipped | TemplateError


@dataclass(slots=True)
class ModuleFiles:
    """The parsed ``.tf`` files of one directory (parsed once, shared by every call)."""

    directory: Path
    files: list[HclFile] = field(default_factory=list)
    errors: list[TemplateError] = field(default_factory=list)

    def blocks_of(self, kind: str) -> Iterator[Block]:
        """Every top-level block of ``kind``, file by file."""
        for hcl in self.files:
            for block in hcl.blocks:
                if block.kind == kind:
                    yield block

    def local_module_dirs(self) -> list[Path]:
        """Directories this module calls with a local ``source`` (``./x``, ``../x``)."""
        out = []
        for block in self.blocks_of("module"):
            source = _literal_source(block)
            if source is not None and source.startswith(("./", "../")):
                out.append((self.directory / source).resolve())
        return out


def _literal_source(block: Block) -> str | None:
    node = attributes(block.body).get("source")
    if node is None:
        return None
    value = Evaluator(_NoScope(), block.file).eval(node, Pass())
    return value if isinstance(value, str) else None


class _NoScope:
    directory = Path()

    def reference(self, root: str, steps: list[Any], run: Pass, locals_: dict[str, Any]) -> Any:
        del root, steps, run, locals_
        return Unknown("")


class Workspace:
    """Parsed module directories, by path, for one scan."""

    def __init__(self) -> None:
        self._modules: dict[Path, ModuleFiles] = {}
        self._listings: dict[Path, frozenset[str]] = {}
        self._resolved: dict[Path, Path] = {}  # Path.resolve() costs a system call per part

    def resolve(self, directory: Path) -> Path:
        """``directory.resolve()``, once per directory."""
        found = self._resolved.get(directory)
        if found is None:
            found = self._resolved[directory] = directory.resolve()
            self._resolved[found] = found
        return found

    def listing(self, directory: Path) -> frozenset[str]:
        """The names of the regular files in ``directory`` (read once)."""
        found = self._listings.get(directory)
        if found is None:
            try:
                with os.scandir(directory) as entries:
                    found = frozenset(e.name for e in entries if e.is_file())
            except OSError:
                found = frozenset()
            self._listings[directory] = found
        return found

    def name(self, path: Path) -> str:
        """How reports name ``path``."""
        return display_name(path)

    def forget(self, directory: Path) -> None:
        """Drop the parsed files of ``directory`` (a root that was read: nothing calls it), so
        a scan holds the syntax trees of the modules in use, not of every directory."""
        resolved = self.resolve(directory)
        for path in (directory, resolved):
            self._modules.pop(path, None)
            self._listings.pop(path, None)
            self._resolved.pop(path, None)

    def module(self, directory: Path) -> ModuleFiles:
        """The parsed ``.tf`` files of ``directory``."""
        directory = self.resolve(directory)
        found = self._modules.get(directory)
        if found is None:
            found = ModuleFiles(directory)
            for name in sorted(n for n in self.listing(directory) if n.endswith(".tf")):
                path = directory / name
                try:
                    found.files.append(read_hcl(path, self.name(path)))
                except TemplateError as exc:
                    found.errors.append(exc)
            self._modules[directory] = found
        return found


@dataclass(slots=True)
class _Binding:
    """A module argument: an expression of the caller, evaluated on use."""

    caller: ModuleInstance
    node: Node
    file: str
    env: dict[str, Any]


class ModuleInstance:
    """One instance of a module: its files, its variables' values, its address."""

    def __init__(
        self,
        files: ModuleFiles,
        workspace: Workspace,
        own: str,
        *,
        address: str = "",
        key: str = "",
        root: Path | None = None,
        arguments: dict[str, _Binding] | None = None,
        tfvars: dict[str, Any] | None = None,
    ) -> None:
        self.files = files
        self.directory = files.directory
        self.workspace = workspace
        self.own = own
        self.address = address  # "" or "module.a.module.b."
        self.key = key  # modules.json key: "" or "a.b"
        self.root = root or files.directory
        self.arguments = arguments or {}
        self.tfvars = tfvars or {}
        self._children: dict[str, ModuleInstance | Skipped] = {}
        self._locals: dict[str, tuple[Node, str]] = {}
        self._variables: dict[str, Block] = {}
        self._data: dict[tuple[str, str], Block] = {}
        self._resources: dict[tuple[str, str], Block] = {}
        for hcl in files.files:
            for block in hcl.blocks:
                if block.kind == "locals":
                    for name, node in attributes(block.body).items():
                        self._locals[name] = (node, block.file)
                elif block.kind == "variable" and block.labels:
                    self._variables[block.labels[0]] = block
                elif block.kind == "data" and len(block.labels) == 2:
                    self._data[(block.labels[0], block.labels[1])] = block
                elif block.kind == "resource" and len(block.labels) == 2:
                    self._resources[(block.labels[0], block.labels[1])] = block

    # ------------------------------------------------------------------ references

    def reference(self, root: str, steps: list[Any], run: Pass, locals_: dict[str, Any]) -> Any:
        """The value of ``root.steps...`` in this module (``count``/``each`` come as locals)."""
        del locals_  # the evaluator resolves them before asking the module
        if not steps:
            return Unknown("")
        head, rest = steps[0], steps[1:]
        if root == "var":
            return _walk(self.variable(str(head), run), rest)
        if root == "local":
            return _walk(self.local(str(head), run), rest)
        if root == "path":
            paths = {"module": str(self.directory), "root": str(self.root), "cwd": str(self.root)}
            return _walk(paths.get(str(head), Unknown("")), rest)
        if root == "data" and len(steps) >= 3:
            return self.data(str(steps[0]), str(steps[1]), steps[2:], run)
        if root == "module" and len(steps) >= 2:
            return self.module_output(str(head), steps[1:], run)
        if root in ("count", "each", "self", "terraform"):
            return Unknown("")
        if (root, str(head)) in self._resources:
            return self.resource_attribute(root, str(head), rest, run)
        return Unknown("")

    def variable(self, name: str, run: Pass) -> Any:
        """``var.name``: the call's argument, a tfvars value, or the default."""
        binding = self.arguments.get(name)
        if binding is not None:
            key = ("arg", id(self), name)
            return self._cached(
                run,
                key,
                lambda: Evaluator(binding.caller, binding.file).eval(
                    binding.node, run, binding.env
                ),
            )
        if name in self.tfvars:
            return self.tfvars[name]
        block = self._variables.get(name)
        default = attributes(block.body).get("default") if block is not None else None
        if block is None or default is None:
            where = f"module.{self.key}" if self.key else "the root module"
            return Unknown(f"var.{name} (no default in {where})")
        return self._cached(
            run, ("var", id(self), name), lambda: Evaluator(self, block.file).eval(default, run)
        )

    def local(self, name: str, run: Pass) -> Any:
        """``local.name``."""
        found = self._locals.get(name)
        if found is None:
            return Unknown("")
        node, file = found
        return self._cached(
            run, ("local", id(self), name), lambda: Evaluator(self, file).eval(node, run)
        )

    def _cached(self, run: Pass, key: Any, compute: Any) -> Any:
        if key in run.cache:
            return run.cache[key]
        if key in run.active:
            return Unknown(f"{key[-1]} (refers to itself)")
        run.active.add(key)
        try:
            value = compute()
        finally:
            run.active.discard(key)
        run.cache[key] = value
        return value

    def data(self, kind: str, name: str, rest: list[Any], run: Pass) -> Any:
        """``data.kind.name...``: caller identity, partition, region and policy documents."""
        block = self._data.get((kind, name))
        instance: Any = None
        if block is not None and len(rest) > 1 and _repeated(block):
            instance, rest = rest[0], rest[1:]  # data.x.y["key"].attr: that instance's
        elif rest and isinstance(rest[0], int | Unknown) and not isinstance(rest[0], str):
            rest = rest[1:]  # data.x.y[0].attr: every instance is alike here
        attribute = str(rest[0]) if rest else ""
        if kind == "aws_caller_identity" and attribute == "account_id":
            return self.own
        if kind == "aws_caller_identity" and attribute == "arn":
            return f"arn:aws:iam::{self.own}:root"  # some principal of the own account
        if kind == "aws_partition" and attribute == "partition":
            return "aws"
        if kind == "aws_region" and attribute in ("name", "region", "id"):
            return "us-east-1"  # never decides a trust verdict
        wants_json = attribute in ("json", "minified_json")
        if kind == "aws_iam_policy_document" and block is not None and wants_json:
            env = self._instance_env(block, instance) if instance is not None else {}
            key = ("doc", id(self), name, repr(instance))
            return self._cached(run, key, lambda: JsonText(policy_document(self, block, run, env)))
        return Unknown(f"data.{kind}.{name}.{attribute}".rstrip("."))

    def resource_attribute(self, kind: str, name: str, rest: list[Any], run: Pass) -> Any:
        """``aws_iam_role.x.arn`` and ``.name`` of this module's roles (own account); of an
        instance (``aws_iam_role.x["key"].arn``) when the resource has ``count``/``for_each``."""
        block = self._resources[(kind, name)]
        env: dict[str, Any] = {}
        if len(rest) > 1 and _repeated(block):
            env, rest = self._instance_env(block, rest[0]), rest[1:]
        elif rest and not isinstance(rest[0], str):
            rest = rest[1:]
        attribute = str(rest[0]) if rest else ""
        if kind in _PROVIDERS and attribute in ("arn", "id"):
            return self._provider_arn(kind, name, run, env)
        if kind in ("aws_iam_role", "aws_iam_user") and attribute in ("arn", "name", "id"):
            value = attributes(block.body).get("name")
            evaluator = Evaluator(self, block.file)
            iam_name = evaluator.eval(value, run, env) if value is not None else name
            if isinstance(iam_name, Unknown) or not isinstance(iam_name, str):
                iam_name = name
            if attribute != "arn":
                return iam_name
            return f"arn:aws:iam::{self.own}:{kind.removeprefix('aws_iam_')}/{iam_name}"
        return Unknown(f"{kind}.{name}.{attribute}")

    def _provider_arn(self, kind: str, name: str, run: Pass, env: dict[str, Any]) -> Any:
        """The ARN of this module's SAML or OIDC identity provider (the own account's)."""
        block = self._resources[(kind, name)]
        attribute, prefix = _PROVIDERS[kind]
        node = attributes(block.body).get(attribute)
        value = Evaluator(self, block.file).eval(node, run, env) if node is not None else None
        if not isinstance(value, str):
            return Unknown(f"{kind}.{name}.arn")
        return f"arn:aws:iam::{self.own}:{prefix}/{value.removeprefix('https://')}"

    def module_output(self, name: str, rest: list[Any], run: Pass) -> Any:
        """``module.name.output``: the child's output value (``module.name["key"].output``:
        that instance's, when the call has ``count``/``for_each``)."""
        block = next((b for b in self.files.blocks_of("module") if b.labels[:1] == (name,)), None)
        env: dict[str, Any] | None = None
        suffix = ""
        if block is not None and len(rest) > 1 and _repeated(block):
            env, rest = self._instance_env(block, rest[0]), rest[1:]
            index = env["each"]["key"] if "each" in env else env["count"]["index"]
            suffix = "[*]" if isinstance(index, Unknown) else f"[{json.dumps(index)}]"
        elif rest and not isinstance(rest[0], str):
            rest = rest[1:]
        child = self.child(name, env, suffix)
        if not isinstance(child, ModuleInstance) or not rest:
            return Unknown("")
        for block in child.files.blocks_of("output"):
            if block.labels and block.labels[0] == rest[0]:
                node = attributes(block.body).get("value")
                if node is not None:
                    return _walk(Evaluator(child, block.file).eval(node, run), rest[1:])
        return Unknown("")

    # ------------------------------------------------------------------ modules

    def child(
        self, name: str, env: dict[str, Any] | None = None, suffix: str = ""
    ) -> ModuleInstance | Skipped:
        """The module instance a ``module "name"`` block calls (or why it is not on disk)."""
        cache_key = name + suffix
        if cache_key in self._children:
            return self._children[cache_key]
        block = next((b for b in self.files.blocks_of("module") if b.labels[:1] == (name,)), None)
        if block is None:  # callers name modules found in the files; say so if one is not
            return Skipped(what=f"{self.address}module.{name}", reason="no such module block")
        source = _literal_source(block) or "?"
        key = f"{self.key}.{name}" if self.key else name
        directory = self._module_directory(source, key)
        result: ModuleInstance | Skipped
        if directory is None:
            result = Skipped(
                what=f"{self.address}module.{name} ({block.file}:{block.line})",
                reason=(
                    f"its source {source!r} is not on disk; run 'terraform init' (or "
                    "'terraform get') first so that .terraform/modules holds it"
                ),
            )
        else:
            arguments = {
                arg: _Binding(self, node, block.file, dict(env or {}))
                for arg, node in attributes(block.body).items()
                if arg not in ("source", "version", "count", "for_each", "providers", "depends_on")
            }
            result = ModuleInstance(
                self.workspace.module(directory),
                self.workspace,
                self.own,
                address=f"{self.address}module.{name}{suffix}.",
                key=key,
                root=self.root,
                arguments=arguments,
            )
        self._children[cache_key] = result
        return result

    def _module_directory(self, source: str, key: str) -> Path | None:
        if source.startswith(("./", "../")):
            directory = (self.directory / source).resolve()
            return directory if directory.is_dir() else None
        manifest = self.root / ".terraform" / "modules" / "modules.json"
        try:
            entries = json.loads(manifest.read_text(encoding="utf-8")).get("Modules") or []
        except (OSError, ValueError, AttributeError):
            return None
        for entry in entries:
            if isinstance(entry, dict) and entry.get("Key") == key and entry.get("Dir"):
                directory = (self.root / str(entry["Dir"])).resolve()
                return directory if directory.is_dir() else None
        return None

    # ------------------------------------------------------------------ roles

    def roles(self) -> Iterator[Event]:
        """Specs for this module's roles and those of the modules it calls, in file order."""
        yield from self.files.errors
        for hcl in self.files.files:
            for block in hcl.blocks:
                if block.kind == "resource" and block.labels[:1] == ("aws_iam_role",):
                    yield from self._role(block)
                elif block.kind == "module" and block.labels:
                    yield from self._module_roles(block)

    def _module_roles(self, block: Block) -> Iterator[Event]:
        for suffix, env in self._instances(block):
            child = self.child(block.labels[0], env, suffix)
            if isinstance(child, Skipped):
                yield child
                return
            yield from child.roles()

    def _instances(self, block: Block) -> list[tuple[str, dict[str, Any]]]:
        """``("[0]", {"count": {...}})`` per instance; ``("", {})`` without count/for_each."""
        attrs = attributes(block.body)
        evaluator = Evaluator(self, block.file)
        if "count" in attrs:
            count = evaluator.eval(attrs["count"], Pass())
            if isinstance(count, int | float) and not isinstance(count, bool):
                return [(f"[{i}]", {"count": {"index": i}}) for i in range(int(count))]
            return [("[*]", {"count": {"index": Unknown("count.index")}})]
        if "for_each" in attrs:
            items = evaluator.eval(attrs["for_each"], Pass())
            if isinstance(items, dict):
                pairs = list(items.items())
            elif isinstance(items, list) and all(isinstance(i, str) for i in items):
                pairs = [(i, i) for i in items]
            else:
                what = Unknown(f"each.key of {text(attrs['for_each'])}")
                return [("[*]", {"each": {"key": what, "value": what}})]
            return [(f"[{json.dumps(k)}]", {"each": {"key": k, "value": v}}) for k, v in pairs]
        return [("", {})]

    def _instance_env(self, block: Block, instance: Any) -> dict[str, Any]:
        """The ``count``/``each`` names of one instance of ``block`` (unknown if not found)."""
        instances = self._instances(block)
        for suffix, env in instances:
            if suffix == "[*]":
                return env
            value = env["each"]["key"] if "each" in env else env["count"]["index"]
            if not isinstance(instance, Unknown) and str(value) == str(instance):
                return env
        shown = instance.what if isinstance(instance, Unknown) else json.dumps(instance)
        prefix = "data." if block.kind == "data" else ""
        what = Unknown(f"{prefix}{'.'.join(block.labels)}[{shown}] (an instance not known)")
        if "each" in (instances[0][1] if instances else {}):
            return {"each": {"key": what, "value": what}}
        return {"count": {"index": what}}

    def _role(self, block: Block) -> Iterator[Event]:
        name = block.labels[1]
        attrs = attributes(block.body)
        policy = attrs.get("assume_role_policy")
        if policy is None:
            return
        evaluator = Evaluator(self, block.file)
        for suffix, env in self._instances(block):
            address = f"{self.address}aws_iam_role.{name}{suffix}"
            where = f"{block.file}: line {block.line}: {address}"
            try:
                yield from self._variants(
                    evaluator, policy, attrs.get("name"), env=env, address=address, block=block
                )
            except RecursionError:  # this role only: the others are still read
                yield TemplateError(f"{where}: nested too deeply to be evaluated")
            except Exception as exc:  # noqa: BLE001 - one role never stops the others
                yield TemplateError(
                    f"{where}: could not be evaluated ({type(exc).__name__}: {exc})"
                )

    def _variants(
        self,
        evaluator: Evaluator,
        policy: Node,
        name_node: Node | None,
        *,
        env: dict[str, Any],
        address: str,
        block: Block,
    ) -> Iterator[Event]:
        queue: list[dict[str, bool]] = [{}]
        done: list[tuple[Pass, Any, Any]] = []
        while queue:
            run = Pass(choices=queue.pop(0))
            document = trust_document(evaluator.eval(policy, run, env))
            role_name = evaluator.eval(name_node, run, env) if name_node is not None else None
            undecided = [key for key, _ in run.open if key not in run.choices]
            if undecided:
                if len(done) + len(queue) + 2 > MAX_VARIANTS:
                    yield TemplateError(
                        f"{block.file}: line {block.line}: {address}: more than {MAX_VARIANTS} "
                        "combinations of unknown conditions; not evaluated"
                    )
                    return
                queue.extend({**run.choices, undecided[0]: v} for v in (True, False))
                continue
            done.append((run, document, role_name))
        for run, document, role_name in done:
            shown = dict(run.open)
            variant = ", ".join(
                f"{shown[k]}={'true' if v else 'false'}" for k, v in sorted(run.choices.items())
            )
            yield RoleSpec(
                name=address,
                role_name=role_name if isinstance(role_name, str) else None,
                document=document,
                file=block.file,
                line=block.line,
                source=SOURCE,
                variant=variant if len(done) > 1 else None,
                unknown=tuple(run.unknown),
            )


def _repeated(block: Block) -> bool:
    """Whether ``block`` has ``count`` or ``for_each`` (its references name an instance)."""
    attrs = attributes(block.body)
    return "count" in attrs or "for_each" in attrs


def _walk(value: Any, steps: list[Any]) -> Any:
    for step in steps:
        if isinstance(value, Unknown):
            return value
        value = get_item(value, step)
    return value


def read_tfvars(
    directory: Path, workspace: Workspace
) -> tuple[dict[str, Any], list[TemplateError]]:
    """Values from ``terraform.tfvars``, ``terraform.tfvars.json`` and ``*.auto.tfvars``
    (``.json``) in ``directory``, in Terraform's order: a later file overrides."""
    values: dict[str, Any] = {}
    errors: list[TemplateError] = []
    names = workspace.listing(directory)
    auto = sorted(n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json")))
    order = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names] + auto
    root = ModuleInstance(ModuleFiles(directory), workspace, "")
    for name in order:
        path = directory / name
        if name.endswith(".json"):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                errors.append(TemplateError(f"{workspace.name(path)}: {exc}"))
                continue
            if isinstance(data, dict):
                values.update(data)
            continue
        try:
            parsed = read_hcl(path, workspace.name(path))
        except TemplateError as exc:
            errors.append(exc)
            continue
        for key, node in parsed.attributes.items():
            values[key] = Evaluator(root, parsed.name).eval(node, Pass())
    return values, errors


def root_roles(directory: Path, workspace: Workspace, own: str) -> Iterator[Event]:
    """Every role of the root module in ``directory`` and of the modules it calls."""
    tfvars, errors = read_tfvars(directory, workspace)
    yield from errors
    root = ModuleInstance(workspace.module(directory), workspace, own, tfvars=tfvars)
    try:
        yield from root.roles()
    finally:
        workspace.forget(directory)
