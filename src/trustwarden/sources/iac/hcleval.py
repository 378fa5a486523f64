"""Values of Terraform expressions, as far as they can be known before ``terraform apply``.

An :class:`Evaluator` walks tree-sitter's HCL syntax tree. It knows literals, templates,
collections, ``for`` expressions, operators, conditionals, splats, ``file``/``templatefile``
(relative to the module) and the functions of :mod:`trustwarden.sources.iac.hclfunctions`.
References resolve through a :class:`Scope` (``var``, ``local``, ``data``, resources,
``module``, ``count``, ``each``, ``path``); what cannot be known is :class:`Unknown`. A
conditional whose condition is unknown takes the branch the current :class:`Pass` chose (the
caller evaluates both, one pass each).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tree_sitter import Node

from trustwarden.sources.iac.common import UNKNOWN_ACCOUNT, LineDict, LineList, Unknown
from trustwarden.sources.iac.hclfunctions import FUNCTIONS, JsonText, as_text, number
from trustwarden.sources.iac.hclsyntax import line_of, parse_hcl, text

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}
_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)|\$\$\{|%%\{")
MAX_DEPTH = 64


@dataclass(slots=True)
class Pass:
    """One evaluation pass: branch choices for unknown conditions, and what it met."""

    choices: dict[str, bool] = field(default_factory=dict)
    open: list[tuple[str, str]] = field(default_factory=list)  # (key, shown condition)
    unknown: list[str] = field(default_factory=list)
    cache: dict[Any, Any] = field(default_factory=dict)
    active: set[Any] = field(default_factory=set)

    def note(self, value: Unknown) -> str:
        """Splice an unknown value into text: note it, return the outsider account."""
        if value.what not in self.unknown:
            self.unknown.append(value.what)
        return UNKNOWN_ACCOUNT


class Scope(Protocol):
    """Where names come from: a module instance (plus local names such as ``each``)."""

    directory: Path

    def reference(self, root: str, steps: list[Any], run: Pass, locals_: dict[str, Any]) -> Any:
        """The value of a reference ``root.step...`` (steps: names and index values)."""
        ...


class Evaluator:
    """Evaluates expressions of one file of one module instance."""

    def __init__(self, scope: Scope, file: str) -> None:
        self.scope = scope
        self.file = file

    def eval(self, node: Node, run: Pass, locals_: dict[str, Any] | None = None) -> Any:
        """The value of expression ``node``."""
        if len(run.active) > MAX_DEPTH:
            return Unknown(f"{text(node)} (nested too deeply)")
        return self._expression(node, run, locals_ or {})

    # ------------------------------------------------------------------ expressions

    def _expression(self, node: Node, run: Pass, env: dict[str, Any]) -> Any:
        kind = node.type
        if kind == "expression":
            children = node.named_children
            if not children:
                return None
            if node.child_count != len(children):  # "(" expression ")"
                return self._expression(children[0], run, env)
            first, rest = children[0], children[1:]
            if first.type == "variable_expr":
                return self._traversal(node, text(first), rest, run, env)
            value = self._expression(first, run, env)
            return self._steps(value, rest, run, env, node)
        if kind == "literal_value":
            return self._literal(node.children[0])
        if kind == "collection_value":
            return self._collection(node.children[0], run, env)
        if kind == "template_expr":
            return self._template(node.children[0], run, env)
        if kind == "function_call":
            return self._call(node, run, env)
        if kind == "for_expr":
            return self._for(node.children[0], run, env)
        if kind == "operation":
            return self._operation(node.children[0], run, env)
        if kind == "conditional":
            return self._conditional(node, run, env)
        if kind == "variable_expr":
            return self._traversal(node, text(node), [], run, env)
        return Unknown(text(node))

    def _literal(self, node: Node) -> Any:
        kind = node.type
        if kind == "numeric_lit":
            raw = text(node)
            try:
                return int(raw)
            except ValueError:
                return float(raw)
        if kind == "bool_lit":
            return text(node) == "true"
        if kind == "null_lit":
            return None
        if kind == "string_lit":
            return _unescape(text(node)[1:-1])  # between the quotes: literal text only
        return Unknown(text(node))

    def _collection(self, node: Node, run: Pass, env: dict[str, Any]) -> Any:
        if node.type == "tuple":
            out = LineList(
                self._expression(c, run, env) for c in node.named_children if c.type == "expression"
            )
            out.line = line_of(node)
            return out
        result = LineDict()
        result.line = line_of(node)
        for element in node.named_children:
            if element.type != "object_elem":
                continue
            key_node = element.child_by_field_name("key")
            value_node = element.child_by_field_name("val")
            if key_node is None or value_node is None:
                continue
            key = self._key(key_node, run, env)
            result[key] = self._expression(value_node, run, env)
        return result

    def _key(self, node: Node, run: Pass, env: dict[str, Any]) -> str:
        named = node.named_children
        if len(named) == 1 and named[0].type == "variable_expr" and node.child_count == 1:
            return text(named[0])  # a bare name is the key itself
        value = self._expression(node, run, env)
        return run.note(value) if isinstance(value, Unknown) else as_text(value)

    def _template(self, node: Node, run: Pass, env: dict[str, Any]) -> Any:
        """A quoted or heredoc template; literal text is taken from the source between parts."""
        children = node.children
        heredoc = node.type == "heredoc_template"
        if heredoc:
            idents = [c for c in children if c.type == "heredoc_identifier"]
            if len(idents) < 2:
                return ""
            start, end = idents[0].end_byte, idents[-1].start_byte
            source = node.text or b""
            base = node.start_byte
            content = source[start - base : end - base]
            newline = content.find(b"\n")
            start += newline + 1 if newline >= 0 else 0
        else:
            start = children[0].end_byte
            end = children[-1].start_byte
            base = node.start_byte
            source = node.text or b""
        parts: list[str] = []
        whole: Any = None
        position = start
        pieces = [c for c in children if c.type in ("template_interpolation", "template_directive")]
        for piece in pieces:
            literal = source[position - base : piece.start_byte - base].decode("utf-8", "replace")
            parts.append(literal if heredoc else _unescape(literal))
            if piece.type == "template_directive":
                directive = self._directive(
                    piece, source=source, base=base, heredoc=heredoc, run=run, env=env
                )
                if isinstance(directive, Unknown):
                    return directive
                parts.append(directive)
                position = piece.end_byte
                continue
            inner = next((c for c in piece.children if c.type == "expression"), None)
            value = self._expression(inner, run, env) if inner is not None else ""
            if len(pieces) == 1 and not "".join(parts).strip():
                whole = value
            parts.append(run.note(value) if isinstance(value, Unknown) else as_text(value))
            position = piece.end_byte
        tail = source[position - base : end - base].decode("utf-8", "replace")
        if heredoc:
            result = "".join(parts) + tail
            if node.children[0].type == "heredoc_start" and text(node.children[0]) == "<<-":
                result = _dedent(result)
            return result.replace("$${", "${").replace("%%{", "%{")
        if whole is not None and not tail and not parts[0] and not isinstance(whole, str):
            return whole  # "${x}" alone keeps x's type
        return "".join(parts) + _unescape(tail)

    def _directive(
        self, node: Node, *, source: bytes, base: int, heredoc: bool, run: Pass, env: dict[str, Any]
    ) -> str | Unknown:
        """The text of ``%{ if }``/``%{ for }``: an unknown condition takes the branch the
        pass chose, like a conditional. Strip markers (``~``) are ignored: trust policies are
        JSON, where that whitespace does not matter."""
        inner = node.named_children[0] if node.named_children else None
        if inner is None or inner.type not in ("template_if", "template_for"):
            return Unknown(f"{text(node)} (a template directive)")
        marks = [c for c in inner.children if c.type.startswith("template_") and c.is_named]
        intro = marks[0]
        where: dict[str, Any] = {"source": source, "base": base, "heredoc": heredoc}
        if inner.type == "template_if":
            condition = next(c for c in intro.children if c.type == "expression")
            other = next((c for c in marks if c.type == "template_else_intro"), None)
            close = marks[-1]
            value = self._expression(condition, run, env)
            if not isinstance(value, bool):
                key = f"{self.file}:{line_of(node)}:{node.start_byte}"
                if all(k != key for k, _ in run.open):
                    shown = f"{text(condition)} ({Path(self.file).name}:{line_of(node)})"
                    run.open.append((key, shown))
                value = run.choices.get(key, True)
            if value:
                return self._span(inner, intro, other or close, **where, run=run, env=env)
            if other is None:
                return ""
            return self._span(inner, other, close, **where, run=run, env=env)
        names = [text(c) for c in intro.children if c.type == "identifier"]
        collection_node = next(c for c in intro.children if c.type == "expression")
        collection = self._expression(collection_node, run, env)
        if isinstance(collection, Unknown) or not names:
            return Unknown(f"{text(node)} (a template directive over an unknown collection)")
        out: list[str] = []
        for key, item in _pairs(collection):
            local = _bound(env, names, key, item)
            part = self._span(inner, intro, marks[-1], **where, run=run, env=local)
            if isinstance(part, Unknown):
                return part
            out.append(part)
        return "".join(out)

    def _span(
        self,
        parent: Node,
        after: Node,
        before: Node,
        *,
        source: bytes,
        base: int,
        heredoc: bool,
        run: Pass,
        env: dict[str, Any],
    ) -> str | Unknown:
        """The text of a directive's body between two of its markers."""
        parts: list[str] = []
        position = after.end_byte
        for piece in parent.children:
            if piece.start_byte < after.end_byte or piece.end_byte > before.start_byte:
                continue
            if piece.type not in ("template_interpolation", "template_directive"):
                continue
            literal = source[position - base : piece.start_byte - base].decode("utf-8", "replace")
            parts.append(literal if heredoc else _unescape(literal))
            if piece.type == "template_directive":
                value: Any = self._directive(
                    piece, source=source, base=base, heredoc=heredoc, run=run, env=env
                )
                if isinstance(value, Unknown):
                    return value
                parts.append(value)
            else:
                expression = next((c for c in piece.children if c.type == "expression"), None)
                value = self._expression(expression, run, env) if expression is not None else ""
                parts.append(run.note(value) if isinstance(value, Unknown) else as_text(value))
            position = piece.end_byte
        literal = source[position - base : before.start_byte - base].decode("utf-8", "replace")
        parts.append(literal if heredoc else _unescape(literal))
        return "".join(parts)

    def _traversal(
        self, node: Node, root: str, rest: list[Node], run: Pass, env: dict[str, Any]
    ) -> Any:
        if root in env:
            return self._steps(env[root], rest, run, env, node)
        steps: list[Any] = []
        remaining = list(rest)
        while remaining and remaining[0].type in ("get_attr", "index"):
            step = remaining.pop(0)
            steps.append(self._step_key(step, run, env))
        if any(isinstance(s, Unknown) for s in steps):
            return Unknown(text(node))
        value = self.scope.reference(root, steps, run, env)
        if isinstance(value, Unknown) and not value.what:
            value = Unknown(text(node))
        return self._steps(value, remaining, run, env, node)

    def _step_key(self, step: Node, run: Pass, env: dict[str, Any]) -> Any:
        if step.type == "get_attr":
            return text(step.children[-1])
        inner = step.children[0]  # new_index or legacy_index
        if inner.type == "legacy_index":
            return int(text(inner).lstrip("."))
        expression = next(c for c in inner.children if c.type == "expression")
        return self._expression(expression, run, env)

    def _steps(
        self, value: Any, steps: list[Node], run: Pass, env: dict[str, Any], node: Node
    ) -> Any:
        for index, step in enumerate(steps):
            if isinstance(value, Unknown):
                return value if value.what else Unknown(text(node))
            if step.type == "splat":
                inner = step.children[0]
                tail = [c for c in inner.children if c.type in ("get_attr", "index")]
                items = value if isinstance(value, list) else [value]
                return [
                    self._steps(item, tail + steps[index + 1 :], run, env, node) for item in items
                ]
            key = self._step_key(step, run, env)
            value = get_item(value, key)
        if isinstance(value, Unknown) and not value.what:
            return Unknown(text(node))
        return value

    def _conditional(self, node: Node, run: Pass, env: dict[str, Any]) -> Any:
        condition, yes, no = (c for c in node.children if c.type == "expression")
        value = self._expression(condition, run, env)
        if isinstance(value, bool):
            return self._expression(yes if value else no, run, env)
        key = f"{self.file}:{line_of(node)}:{node.start_byte}"
        if all(k != key for k, _ in run.open):
            run.open.append((key, f"{text(condition)} ({Path(self.file).name}:{line_of(node)})"))
        return self._expression(yes if run.choices.get(key, True) else no, run, env)

    def _operation(self, node: Node, run: Pass, env: dict[str, Any]) -> Any:
        children = node.children
        at = next(i for i, c in enumerate(children) if not c.is_named)
        operator = text(children[at])
        if node.type == "unary_operation":
            value = self._expression_like(list(children[at + 1 :]), run, env)
            if isinstance(value, Unknown):
                return value
            return (not value) if operator == "!" else -number(value)
        left = self._expression_like(list(children[:at]), run, env)
        right = self._expression_like(list(children[at + 1 :]), run, env)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return left if isinstance(left, Unknown) else right
        return _binary(operator, left, right, text(node))

    def _expression_like(self, named: list[Node], run: Pass, env: dict[str, Any]) -> Any:
        """An operand: tree-sitter inlines it (a term and its steps) into the operation."""
        first, rest = named[0], named[1:]
        if first.type == "variable_expr":
            return self._traversal(first, text(first), rest, run, env)
        return self._steps(self._expression(first, run, env), rest, run, env, first)

    def _for(self, node: Node, run: Pass, env: dict[str, Any]) -> Any:
        intro = next(c for c in node.children if c.type == "for_intro")
        names = [text(c) for c in intro.children if c.type == "identifier"]
        source_node = next(c for c in intro.children if c.type == "expression")
        collection = self._expression(source_node, run, env)
        if isinstance(collection, Unknown):
            return collection
        condition = next((c for c in node.children if c.type == "for_cond"), None)
        bodies = [c for c in node.children if c.type == "expression"]
        grouped = any(c.type == "ellipsis" for c in node.children)
        is_object = node.type == "for_object_expr"
        out_list: list[Any] = []
        out_map: dict[str, Any] = {}
        for key, item in _pairs(collection):
            local = _bound(env, names, key, item)
            if condition is not None:
                keep = self._expression(condition.children[-1], run, local)
                if keep is not True:
                    if isinstance(keep, Unknown):
                        return Unknown(text(node))
                    continue
            if is_object:
                new_key = as_text(self._expression(bodies[0], run, local))
                new_value = self._expression(bodies[1], run, local)
                if grouped:
                    out_map.setdefault(new_key, []).append(new_value)
                else:
                    out_map[new_key] = new_value
            else:
                out_list.append(self._expression(bodies[0], run, local))
        return out_map if is_object else out_list

    # ------------------------------------------------------------------ functions

    def _call(self, node: Node, run: Pass, env: dict[str, Any]) -> Any:
        name = text(node.children[0])
        arguments = next((c for c in node.children if c.type == "function_arguments"), None)
        nodes = [c for c in arguments.children if c.type == "expression"] if arguments else []
        expand = arguments is not None and any(c.type == "ellipsis" for c in arguments.children)
        if name in ("try", "can"):
            return self._try(name, nodes, run, env)
        args = [self._expression(n, run, env) for n in nodes]
        if expand and args and isinstance(args[-1], list):
            args = args[:-1] + list(args[-1])
        if name == "templatefile":
            return self._templatefile(args, node, run)
        if name == "file":
            return self._file(args, node)
        function = FUNCTIONS.get(name)
        if function is None:
            return Unknown(text(node))
        unknown = next((a for a in _flat(args) if isinstance(a, Unknown)), None)
        if name != "jsonencode" and unknown is not None:
            return unknown
        try:
            return function(*args)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError, ZeroDivisionError):
            return Unknown(text(node))

    def _try(self, name: str, nodes: list[Node], run: Pass, env: dict[str, Any]) -> Any:
        for candidate in nodes:
            value = self._expression(candidate, run, env)
            if not isinstance(value, Unknown):
                return True if name == "can" else value
        return Unknown(f"{name}(...)")

    def _path(self, args: list[Any], node: Node) -> Path | Unknown:
        if not args or not isinstance(args[0], str):
            return Unknown(text(node))
        path = Path(args[0])
        return path if path.is_absolute() else self.scope.directory / path

    def _file(self, args: list[Any], node: Node) -> Any:
        path = self._path(args, node)
        if isinstance(path, Unknown):
            return path
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return Unknown(f"{text(node)} (the file cannot be read)")

    def _templatefile(self, args: list[Any], node: Node, run: Pass) -> Any:
        """``templatefile(path, vars)``: the file is parsed as an HCL heredoc template."""
        content = self._file(args, node)
        if isinstance(content, Unknown):
            return content
        variables = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        marker = "TRUSTWARDEN_TEMPLATE_END"
        try:
            parsed = parse_hcl(f"x = <<{marker}\n{content}\n{marker}\n".encode(), self.file)
        except Exception:  # noqa: BLE001 - any parser complaint: the template is not usable
            return Unknown(f"{text(node)} (the template cannot be parsed)")
        expression = parsed.attributes.get("x")
        if expression is None:
            return Unknown(text(node))
        value = Evaluator(self.scope, self.file)._expression(expression, run, dict(variables))
        return value[:-1] if isinstance(value, str) and value.endswith("\n") else value


# --------------------------------------------------------------------------- helpers


def get_item(value: Any, key: Any) -> Any:
    """``value.key`` / ``value[key]``; :class:`Unknown` (with no text) when it is not there.

    A key an object lacks is ``null``: Terraform rejects other missing attributes, so valid
    configurations only read optional attributes that were left out.
    """
    if isinstance(value, dict):
        return value.get(str(key))
    if isinstance(value, list) and not isinstance(key, bool):
        try:
            return value[int(key)]
        except (ValueError, TypeError, IndexError):
            return Unknown("")
    return Unknown("")


def _bound(env: dict[str, Any], names: list[str], key: Any, item: Any) -> dict[str, Any]:
    """``env`` with a ``for`` loop's names bound: ``for k, v in ...`` or ``for v in ...``."""
    local = dict(env)
    if len(names) == 2:
        local[names[0]], local[names[1]] = key, item
    else:
        local[names[0]] = item
    return local


def _pairs(collection: Any) -> Iterable[tuple[Any, Any]]:
    if isinstance(collection, dict):
        return sorted(collection.items())
    if isinstance(collection, list | set | tuple):
        return enumerate(collection)
    return ()


def _flat(values: Iterable[Any]) -> Iterable[Any]:
    for value in values:
        if isinstance(value, list):
            yield from _flat(value)
        elif isinstance(value, dict):
            yield from _flat(value.values())
        else:
            yield value


def _unescape(raw: str) -> str:
    def replace(match: re.Match[str]) -> str:
        whole = match[0]
        if whole in ("$${", "%%{"):
            return whole[1:]
        code = match[1]
        if code[0] in "uU" and len(code) > 1:
            return chr(int(code[1:], 16))
        return _ESCAPES.get(code, whole)

    return _ESCAPE_RE.sub(replace, raw) if "\\" in raw or "$${" in raw or "%%{" in raw else raw


def _dedent(raw: str) -> str:
    lines = raw.split("\n")
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    return "\n".join(line[cut:] for line in lines)


def _binary(operator: str, left: Any, right: Any, shown: str) -> Any:
    if operator == "==":
        return _same(left, right)
    if operator == "!=":
        return not _same(left, right)
    if operator == "&&":
        return bool(left) and bool(right)
    if operator == "||":
        return bool(left) or bool(right)
    try:
        a, b = number(left), number(right)
    except ValueError:
        return Unknown(shown)
    operations: dict[str, Callable[[Any, Any], Any]] = {
        "+": lambda x, y: x + y,
        "-": lambda x, y: x - y,
        "*": lambda x, y: x * y,
        "/": lambda x, y: x / y,
        "%": lambda x, y: x % y,
        "<": lambda x, y: x < y,
        ">": lambda x, y: x > y,
        "<=": lambda x, y: x <= y,
        ">=": lambda x, y: x >= y,
    }
    operation = operations.get(operator)
    if operation is None:
        return Unknown(shown)
    try:
        return operation(a, b)
    except ZeroDivisionError:
        return Unknown(shown)


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, int | float) and isinstance(right, str | int | float):
        return str(as_text(left)) == str(right)
    return bool(left == right)


__all__ = ["Evaluator", "JsonText", "Pass", "Scope", "get_item"]
