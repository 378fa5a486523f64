"""A role's trust document as its template writes it: editable, and printed in that syntax.

For ``fix`` on templates. :func:`written_document` finds the role's document in its file —
CloudFormation ``AssumeRolePolicyDocument`` (YAML or JSON), Terraform ``assume_role_policy``
as ``jsonencode({...})``, a heredoc, or ``data.aws_iam_policy_document.X.json`` — and gives it
as plain dicts, lists and strings in which every template function or expression (``!Sub``,
``{"Fn::GetAtt": ...}``, ``var.x``) is an opaque leaf, so an edit keeps it as written.
:meth:`Written.render` prints the edited document in the template's syntax: YAML with its
short-form tags and quoting intact, JSON, HCL ``jsonencode`` (for a policy document, an
equivalent ``jsonencode`` replacement for the attribute), or the heredoc.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from tree_sitter import Node

from trustwarden.model import Role
from trustwarden.sources.iac.common import TemplateError
from trustwarden.sources.iac.hclsyntax import Block, attributes, blocks, line_of, read_hcl, text

YAML_DOCUMENT_KEY = "AssumeRolePolicyDocument"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_STR = "tag:yaml.org,2002:str"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


@dataclass(slots=True)
class Opaque:
    """A template function or expression, kept exactly as written (a YAML node or HCL text)."""

    source: Any


@dataclass(slots=True)
class Written:
    """The document as written (``document``, editable) and how to print it."""

    document: Any
    syntax: str  # "yaml" | "json" | "hcl"
    file: str
    line: int
    printer: Callable[[Any], str]
    note: str | None = None

    def render(self) -> str:
        """The (edited) document in the template's syntax, ending with a newline."""
        return self.printer(self.document).rstrip("\n") + "\n"


def written_document(role: Role) -> Written:
    """The trust document of ``role`` (read from a template) as its file writes it.

    Raises :class:`TemplateError` with the reason when the file cannot give it.
    """
    origin = role.origin
    if not origin.file:
        raise TemplateError(f"{role.name}: did not come from a template")
    path = Path(origin.file)
    if origin.source == "cloudformation":
        return _cloudformation(path, origin.file, origin.pointer or "")
    if origin.source == "terraform":
        return _terraform(path, origin.file, origin.line or 0)
    raise TemplateError(
        f"{origin.file}: a Terraform plan is generated: fix the configuration it was made from"
    )


# --------------------------------------------------------------------------- CloudFormation


def _cloudformation(path: Path, name: str, pointer: str) -> Written:
    logical_id = pointer.rsplit("/", 1)[-1]
    try:
        source = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(f"{name}: cannot read: {exc}") from None
    if path.suffix == ".json" or source.lstrip().startswith("{"):
        try:
            data = json.loads(source)
        except json.JSONDecodeError as exc:
            raise TemplateError(f"{name}: line {exc.lineno}: {exc.msg}") from None
        document = _json_property(data, logical_id, name)
        line = _json_line(source, logical_id)
        return Written(_from_json(document), "json", name, line, _print_json)
    try:
        root = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{name}: invalid YAML: {exc}") from None
    key, node = _yaml_property(root, logical_id, name)
    return Written(_from_yaml(node), "yaml", name, key.start_mark.line + 1, _print_yaml)


def _json_property(data: Any, logical_id: str, name: str) -> Any:
    resource = (data.get("Resources") or {}).get(logical_id) if isinstance(data, dict) else None
    props = resource.get("Properties") if isinstance(resource, dict) else None
    document = props.get(YAML_DOCUMENT_KEY) if isinstance(props, dict) else None
    if not isinstance(document, dict):
        raise TemplateError(f"{name}: {logical_id} has no {YAML_DOCUMENT_KEY} written out")
    return document


def _json_line(source: str, logical_id: str) -> int:
    at = source.find(json.dumps(logical_id))
    at = source.find(f'"{YAML_DOCUMENT_KEY}"', max(at, 0))
    return source.count("\n", 0, at) + 1 if at >= 0 else 1


def _yaml_property(root: Any, logical_id: str, name: str) -> tuple[yaml.Node, yaml.Node]:
    """The key node and the value node of the resource's ``AssumeRolePolicyDocument``."""
    node, key_node = root, root
    for key in ("Resources", logical_id, "Properties", YAML_DOCUMENT_KEY):
        key_node, node = _yaml_get(node, key)
        if node is None:
            raise TemplateError(f"{name}: {logical_id} has no {YAML_DOCUMENT_KEY} written out")
    if not isinstance(node, yaml.MappingNode) or node.tag != _MAP:
        raise TemplateError(
            f"{name}: line {node.start_mark.line + 1}: {logical_id}'s {YAML_DOCUMENT_KEY} is a "
            "template function, not a document"
        )
    return key_node, node


def _yaml_get(node: Any, key: str) -> tuple[Any, Any]:
    if not isinstance(node, yaml.MappingNode):
        return None, None
    pairs = (kv for kv in node.value if isinstance(kv[0], yaml.ScalarNode) and kv[0].value == key)
    return next(pairs, (None, None))


class _YamlMap(dict[str, Any]):
    """A YAML mapping read for editing: its node (flow style) and key nodes (quoting)."""

    node: yaml.MappingNode | None = None
    key_nodes: dict[str, yaml.Node]


class _YamlList(list[Any]):
    node: yaml.SequenceNode | None = None


class _YamlText(str):
    """A YAML string as written (its node keeps the quoting style)."""

    __slots__ = ("node",)
    node: yaml.ScalarNode


def _from_yaml(node: yaml.Node) -> Any:
    if isinstance(node, yaml.MappingNode) and node.tag == _MAP:
        keys = [k for k, _ in node.value]
        if all(isinstance(k, yaml.ScalarNode) and k.tag == _STR for k in keys):
            out = _YamlMap()
            out.node, out.key_nodes = node, {}
            for key, value in node.value:
                out[key.value] = _from_yaml(value)
                out.key_nodes[key.value] = key
            return out
    elif isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        items = _YamlList(_from_yaml(v) for v in node.value)
        items.node = node
        return items
    elif isinstance(node, yaml.ScalarNode) and node.tag == _STR:
        scalar = _YamlText(node.value)
        scalar.node = node
        return scalar
    return Opaque(node)  # a tag (!Sub, !Ref, ...), a number, a date, a merge key


def _to_yaml(value: Any) -> yaml.Node:
    if isinstance(value, Opaque):
        node: yaml.Node = value.source
        return node
    if isinstance(value, _YamlText):
        return value.node
    if isinstance(value, str):
        return yaml.ScalarNode(_STR, value)
    if isinstance(value, dict):
        keys = value.key_nodes if isinstance(value, _YamlMap) else {}
        old = value.node if isinstance(value, _YamlMap) else None
        pairs = [(keys.get(k) or yaml.ScalarNode(_STR, k), _to_yaml(v)) for k, v in value.items()]
        return yaml.MappingNode(_MAP, pairs, flow_style=old.flow_style if old else False)
    if isinstance(value, list):
        seq = value.node if isinstance(value, _YamlList) else None
        items = [_to_yaml(v) for v in value]
        return yaml.SequenceNode(_SEQ, items, flow_style=seq.flow_style if seq else False)
    return yaml.ScalarNode(_STR, str(value))


class _Dumper(yaml.SafeDumper):
    """Writes ``!Ref Name`` plain as CloudFormation authors do (PyYAML would quote a tagged
    plain scalar), and indents sequences inside mappings."""

    def choose_scalar_style(self) -> str:
        style: str = super().choose_scalar_style()
        event: Any = self.event
        tag = event.tag or ""
        if style == "'" and not event.style and tag.startswith("!") and not tag.startswith("!!"):
            analysis: Any = self.analysis
            plain = analysis.allow_flow_plain if self.flow_level else analysis.allow_block_plain
            if plain and not analysis.empty and not analysis.multiline:
                return ""
        return style

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        del indentless
        super().increase_indent(flow, False)


def _print_yaml(document: Any) -> str:
    key = yaml.ScalarNode(_STR, YAML_DOCUMENT_KEY)
    root = yaml.MappingNode(_MAP, [(key, _to_yaml(document))], flow_style=False)
    out: str = yaml.serialize(root, Dumper=_Dumper, allow_unicode=True, width=100)
    return out


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if len(value) == 1:
            (key,) = value
            if key == "Ref" or key.startswith("Fn::"):
                return Opaque(value)
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value if isinstance(value, str) else Opaque(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Opaque):
        return value.source
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _print_json(document: Any) -> str:
    return json.dumps({YAML_DOCUMENT_KEY: _plain(document)}, indent=2, ensure_ascii=False)


# --------------------------------------------------------------------------- Terraform


def _terraform(path: Path, name: str, line: int) -> Written:
    hcl = read_hcl(path, name)
    block = next(
        (
            b
            for b in hcl.blocks
            if b.kind == "resource" and b.labels[:1] == ("aws_iam_role",) and b.line == line
        ),
        None,
    )
    if block is None:
        raise TemplateError(f"{name}: line {line}: no aws_iam_role resource here")
    policy = attributes(block.body).get("assume_role_policy")
    if policy is None:
        raise TemplateError(f"{name}: line {line}: the role has no assume_role_policy")
    inner = _unwrap(policy)
    if inner.type == "function_call" and text(inner.children[0]) == "jsonencode":
        argument = _call_argument(inner)
        if argument is None or _unwrap(argument).type != "collection_value":
            raise TemplateError(
                f"{name}: line {line_of(policy)}: jsonencode() of an expression "
                f"({text(argument) if argument is not None else 'nothing'}), not of a document "
                "written here"
            )
        return Written(_from_hcl(argument), "hcl", name, line_of(policy), _print_jsonencode)
    heredoc = next((c for c in inner.children if c.type == "heredoc_template"), None)
    if inner.type == "template_expr" and heredoc is not None:
        return _heredoc(heredoc, name)
    reference = text(policy).strip()
    match = re.fullmatch(r"data\.aws_iam_policy_document\.([\w-]+)\.json", reference)
    if match:
        return _policy_document(path.parent, match.group(1), name, policy)
    first_line = reference.split("\n", 1)[0][:60]
    raise TemplateError(
        f"{name}: line {line_of(policy)}: assume_role_policy is {first_line!r}; only "
        "jsonencode({...}), a heredoc and data.aws_iam_policy_document can be rewritten"
    )


def _unwrap(node: Node) -> Node:
    while node.type == "expression" and node.child_count == 1:
        node = node.children[0]
    return node


def _call_argument(call: Node) -> Node | None:
    arguments = next((c for c in call.children if c.type == "function_arguments"), None)
    found = [c for c in arguments.children if c.type == "expression"] if arguments else []
    return found[0] if len(found) == 1 else None


class _HclMap(dict[str, Any]):
    """An HCL object read for editing, with each key as written."""

    key_text: dict[str, str]


class _HclText(str):
    """An HCL string literal, with its source text."""

    __slots__ = ("source",)
    source: str


def _from_hcl(expression: Node) -> Any:
    node = _unwrap(expression)
    if node.type == "collection_value":
        node = node.children[0]
        if node.type == "object":
            return _hcl_object(node)
        if node.type == "tuple":
            return [_from_hcl(c) for c in node.children if c.type == "expression"]
    if node.type == "literal_value" and node.children[0].type == "string_lit":
        literal = _hcl_string(node.children[0])
        if literal is not None:
            return literal
    return Opaque(text(expression))


def _hcl_object(node: Node) -> Any:
    out = _HclMap()
    out.key_text = {}
    for element in node.children:
        if element.type != "object_elem":
            continue
        key_node, value_node = element.children[0], element.children[-1]
        key = _unwrap(key_node)
        if key.type == "variable_expr" and key.child_count == 1:
            name = text(key)
        elif key.type == "literal_value" and (found := _hcl_string(key.children[0])) is not None:
            name = str(found)
        else:
            return Opaque(text(node))  # a computed key: the object is kept as written
        out[name] = _from_hcl(value_node)
        out.key_text[name] = text(key_node)
    return out


def _hcl_string(node: Node) -> _HclText | None:
    """A string literal without interpolation, decoded; ``None`` for anything else."""
    if node.type != "string_lit":
        return None
    parts = [c for c in node.children if c.type == "template_literal"]
    raw = text(parts[0]) if parts else ""
    if node.child_count != len(parts) + 2 or "$${" in raw or "%%{" in raw:
        return None
    try:
        value = _HclText(json.loads(f'"{raw}"'))
    except json.JSONDecodeError:
        return None
    value.source = text(node)
    return value


def _hcl_literal(value: str) -> str:
    """A new HCL string literal: JSON escapes, and template sequences escaped."""
    return json.dumps(value, ensure_ascii=False).replace("${", "$${").replace("%{", "%%{")


def _hcl(value: Any, indent: str) -> str:
    if isinstance(value, Opaque):
        return str(value.source)
    if isinstance(value, _HclText):
        return value.source
    if isinstance(value, str):
        return _hcl_literal(value)
    inner = indent + "  "
    if isinstance(value, dict):
        keys = value.key_text if isinstance(value, _HclMap) else {}
        lines = [
            f"{inner}{keys.get(k) or (k if _IDENTIFIER.match(k) else _hcl_literal(k))} = "
            f"{_hcl(v, inner)}"
            for k, v in value.items()
        ]
        return "{\n" + "\n".join(lines) + f"\n{indent}}}" if lines else "{}"
    if isinstance(value, list):
        items = [f"{inner}{_hcl(v, inner)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{indent}]" if items else "[]"
    return _hcl_literal(str(value))


def _print_jsonencode(document: Any) -> str:
    return f"assume_role_policy = jsonencode({_hcl(document, '')})"


def _heredoc(node: Node, name: str) -> Written:
    start = next(c for c in node.children if c.type == "heredoc_start")
    marks = [c for c in node.children if c.type == "heredoc_identifier"]
    if len(marks) != 2:
        raise TemplateError(f"{name}: line {line_of(node)}: an unfinished heredoc")
    source: bytes = node.text or b""
    base = node.start_byte
    body = source[marks[0].end_byte - base : marks[1].start_byte - base].decode("utf-8")
    body = body.split("\n", 1)[1] if "\n" in body else ""
    if text(start) == "<<-":
        body = textwrap.dedent(body)
    try:
        document = json.loads(body)
    except json.JSONDecodeError as exc:
        raise TemplateError(
            f"{name}: line {line_of(node) + exc.lineno}: the heredoc is not plain JSON "
            f"({exc.msg}); edit it by hand"
        ) from None
    identifier = text(marks[0])

    def printer(doc: Any) -> str:
        body = json.dumps(_heredoc_value(doc), indent=2, ensure_ascii=False)
        return f"assume_role_policy = <<-{identifier}\n{body}\n{identifier}"

    return Written(_from_heredoc(document), "hcl", name, line_of(node), printer)


class _Original(str):
    """A string of the heredoc as written (its ``${...}`` are Terraform's)."""

    __slots__ = ()


def _from_heredoc(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _from_heredoc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_heredoc(v) for v in value]
    return _Original(value) if isinstance(value, str) else Opaque(value)


def _heredoc_value(value: Any) -> Any:
    if isinstance(value, Opaque):
        return value.source
    if isinstance(value, _Original):
        return str(value)
    if isinstance(value, str):  # new text: a literal ${ or %{ must not become a template
        return value.replace("${", "$${").replace("%{", "%%{")
    if isinstance(value, dict):
        return {k: _heredoc_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_heredoc_value(v) for v in value]
    return value


# ------------------------------------------------------------------ aws_iam_policy_document

_STATEMENT_LISTS = {
    "actions": "Action",
    "not_actions": "NotAction",
    "resources": "Resource",
    "not_resources": "NotResource",
}


def _policy_document(directory: Path, label: str, name: str, policy: Node) -> Written:
    block = _find_data_block(directory, label, name)
    where = f"{block.file}:{block.line}"
    attrs = attributes(block.body)
    for unsupported in ("source_policy_documents", "override_policy_documents", "source_json"):
        if unsupported in attrs:
            raise TemplateError(
                f"{where}: data.aws_iam_policy_document.{label} uses {unsupported}; edit it by hand"
            )
    # The data source writes Version 2012-10-17 unless told otherwise.
    document: dict[str, Any] = {
        "Version": _from_hcl(attrs["version"]) if "version" in attrs else "2012-10-17"
    }
    statements = []
    for inner in _child_blocks(block.body, block.file):
        if inner.kind != "statement":
            raise TemplateError(
                f"{block.file}:{inner.line}: a {inner.kind} block in "
                f"data.aws_iam_policy_document.{label}; edit it by hand"
            )
        statements.append(_statement(inner, label))
    document["Statement"] = statements
    note = (
        f"an equivalent jsonencode() for assume_role_policy (line {line_of(policy)}), replacing "
        f"data.aws_iam_policy_document.{label} ({where})"
    )
    return Written(document, "hcl", name, line_of(policy), _print_jsonencode, note=note)


def _child_blocks(body: Node | None, file: str) -> list[Block]:
    return blocks(body, file) if body is not None else []


def _statement(block: Block, label: str) -> dict[str, Any]:
    attrs = attributes(block.body)
    out: dict[str, Any] = {}
    if "sid" in attrs:
        out["Sid"] = _from_hcl(attrs["sid"])
    out["Effect"] = _from_hcl(attrs["effect"]) if "effect" in attrs else "Allow"
    for attribute, key in _STATEMENT_LISTS.items():
        if attribute in attrs:
            out[key] = _from_hcl(attrs[attribute])
    for inner in _child_blocks(block.body, block.file):
        values = attributes(inner.body)
        if inner.kind in ("principals", "not_principals"):
            kind = _literal(values.get("type"), block, label)
            key = "Principal" if inner.kind == "principals" else "NotPrincipal"
            principal = out.setdefault(key, {})
            if kind in principal:
                raise TemplateError(
                    f"{block.file}:{inner.line}: two {inner.kind} blocks of type {kind}; "
                    "edit it by hand"
                )
            principal[kind] = _from_hcl(_required(values, "identifiers", inner))
        elif inner.kind == "condition":
            test = _literal(values.get("test"), block, label)
            variable = _literal(values.get("variable"), block, label)
            out.setdefault("Condition", {}).setdefault(test, {})[variable] = _from_hcl(
                _required(values, "values", inner)
            )
        else:
            raise TemplateError(
                f"{block.file}:{inner.line}: a {inner.kind} block in a statement of "
                f"data.aws_iam_policy_document.{label}; edit it by hand"
            )
    return out


def _required(values: dict[str, Node], name: str, block: Block) -> Node:
    if name not in values:
        raise TemplateError(f"{block.file}:{block.line}: a {block.kind} block without {name}")
    return values[name]


def _literal(node: Node | None, block: Block, label: str) -> str:
    value = _from_hcl(node) if node is not None else None
    if not isinstance(value, str):
        raise TemplateError(
            f"{block.file}:{block.line}: a principal type or condition of "
            f"data.aws_iam_policy_document.{label} is an expression; edit it by hand"
        )
    return str(value)


def _find_data_block(directory: Path, label: str, name: str) -> Block:
    for path in sorted(directory.glob("*.tf")):
        shown = str(Path(name).parent / path.name)
        for block in read_hcl(path, shown).blocks:
            if block.kind == "data" and block.labels == ("aws_iam_policy_document", label):
                return block
    raise TemplateError(f"{name}: data.aws_iam_policy_document.{label} is not in this module")


__all__ = ["Opaque", "Written", "written_document"]
