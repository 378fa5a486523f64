"""Terraform files parsed by tree-sitter's HCL grammar (a C parser), as blocks and attributes.

Only the syntax lives here; :mod:`trustwarden.sources.iac.hcleval` gives expressions values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tree_sitter_hcl
from tree_sitter import Language, Node, Parser

from trustwarden.sources.iac.common import TemplateError

_PARSER = Parser(Language(tree_sitter_hcl.language()))


@dataclass(frozen=True, slots=True)
class Block:
    """A block: ``resource "aws_iam_role" "x" { ... }`` has kind ``resource`` and two labels."""

    kind: str
    labels: tuple[str, ...]
    body: Node | None
    line: int
    file: str


@dataclass(frozen=True, slots=True)
class HclFile:
    """One parsed ``.tf`` file."""

    name: str
    blocks: tuple[Block, ...]
    attributes: dict[str, Node]


def parse_hcl(source: bytes, name: str) -> HclFile:
    """The top-level blocks and attributes of ``source``; a syntax error raises TemplateError."""
    tree = _PARSER.parse(source)
    root = tree.root_node
    if root.has_error:
        bad = _first_error(root)
        line = bad.start_point[0] + 1 if bad is not None else 1
        what = "missing " + bad.type if bad is not None and bad.is_missing else "syntax error"
        if bad is not None and bad.is_error:
            inner = next((n for n in _descendants(bad) if n.is_missing or n.is_error), None)
            if inner is not None:  # the parser's better guess inside the part it gave up on
                line = inner.start_point[0] + 1
                what = "missing " + inner.type if inner.is_missing else what
            elif bad.end_point[0] > bad.start_point[0]:
                last = bad.end_point[0] + (1 if bad.end_point[1] else 0)
                what += f" somewhere in lines {line}-{last}"
        raise TemplateError(f"{name}: line {line}: {what} (not valid HCL)")
    body = next((c for c in root.children if c.type == "body"), None)
    if body is None:
        return HclFile(name=name, blocks=(), attributes={})
    return HclFile(name=name, blocks=tuple(blocks(body, name)), attributes=attributes(body))


def read_hcl(path: Path, name: str) -> HclFile:
    """Parse the file at ``path`` (``name`` is how messages call it)."""
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise TemplateError(f"{name}: cannot read: {exc.strerror or exc}") from None
    return parse_hcl(source, name)


def _descendants(node: Node) -> Iterator[Node]:
    """The nodes under ``node``, depth first, in source order."""
    for child in node.children:
        yield child
        yield from _descendants(child)


def _first_error(node: Node) -> Node | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def blocks(body: Node, file: str) -> list[Block]:
    """The blocks directly inside ``body``."""
    out = []
    for child in body.children:
        if child.type != "block":
            continue
        kind = ""
        labels: list[str] = []
        inner: Node | None = None
        for part in child.children:
            if part.type == "identifier":
                if not kind:
                    kind = text(part)
                else:
                    labels.append(text(part))
            elif part.type == "string_lit":
                labels.append(
                    "".join(text(p) for p in part.children if p.type == "template_literal")
                )
            elif part.type == "body":
                inner = part
        out.append(Block(kind, tuple(labels), inner, child.start_point[0] + 1, file))
    return out


def attributes(body: Node | None) -> dict[str, Node]:
    """The attributes directly inside ``body``: name → its expression node."""
    out: dict[str, Node] = {}
    if body is None:
        return out
    for child in body.children:
        if child.type == "attribute":
            name = child.children[0]
            expression = child.children[-1]
            out[text(name)] = expression
    return out


def text(node: Node) -> str:
    """The source text of ``node``."""
    raw: Any = node.text
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else ""


def line_of(node: Node) -> int:
    """The 1-based line ``node`` starts on."""
    return int(node.start_point[0]) + 1
