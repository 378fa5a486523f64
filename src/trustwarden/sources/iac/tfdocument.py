"""``data "aws_iam_policy_document"`` rendered as the AWS provider does, and helpers for
trust documents given as ``jsonencode`` values or JSON text.

Statements come from ``source_policy_documents`` (``source_json``), then the block's own
``statement`` blocks (``dynamic`` ones expanded), then ``override_policy_documents``
(``override_json``); a statement with the Sid of an earlier one replaces it. An attribute that
is ``null`` counts as not set, as in the provider.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tree_sitter import Node

from trustwarden.sources.iac.common import LineDict, LineList, Unknown
from trustwarden.sources.iac.hcleval import Evaluator, JsonText, Pass, Scope
from trustwarden.sources.iac.hclsyntax import Block, attributes, blocks, text


def policy_document(
    scope: Scope, block: Block, run: Pass, env: dict[str, Any] | None = None
) -> LineDict:
    """The JSON the AWS provider renders for ``data "aws_iam_policy_document"`` (``env``:
    ``count``/``each`` of the instance, for a block with ``count`` or ``for_each``)."""
    env = env or {}
    evaluator = Evaluator(scope, block.file)
    attrs = attributes(block.body)
    statements: list[Any] = []
    for attribute in ("source_policy_documents", "source_json"):
        if attribute in attrs:
            sources = evaluator.eval(attrs[attribute], run, env)
            for source in sources if isinstance(sources, list) else [sources]:
                statements = _merge_statements(statements, _statements_of(source, block.line))
    own: list[Any] = [
        _statement(body, evaluator, run, inner)
        for body, inner in _expand(block.body, "statement", evaluator, run, env)
    ]
    statements = _merge_statements(statements, own)
    for attribute in ("override_policy_documents", "override_json"):
        if attribute in attrs:
            overrides = evaluator.eval(attrs[attribute], run, env)
            for override in overrides if isinstance(overrides, list) else [overrides]:
                statements = _merge_statements(statements, _statements_of(override, block.line))
    version = evaluator.eval(attrs["version"], run, env) if "version" in attrs else "2012-10-17"
    document = LineDict({"Version": version, "Statement": LineList(statements)})
    document.line = block.line
    return document


def _statement(body: Node | None, evaluator: Evaluator, run: Pass, env: dict[str, Any]) -> LineDict:
    """One ``statement`` block as the provider renders it (``null`` means not set)."""
    statement = LineDict()
    parent = body.parent if body is not None else None
    statement.line = parent.start_point[0] + 1 if parent is not None else 0
    value = _Attributes(body, evaluator, run, env)
    if (sid := value.get("sid")) is not None:
        statement["Sid"] = sid
    statement["Effect"] = value.get("effect", "Allow")
    for attribute, key in (
        ("actions", "Action"),
        ("not_actions", "NotAction"),
        ("resources", "Resource"),
        ("not_resources", "NotResource"),
    ):
        if (found := value.get(attribute)) is not None:
            statement[key] = found
    for kind, key in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals: dict[str, list[Any]] = {}
        for inner, inner_env in _expand(body, kind, evaluator, run, env):
            block = _Attributes(inner, evaluator, run, inner_env)
            ptype = block.text("type")
            identifiers = block.get("identifiers", [])
            values = identifiers if isinstance(identifiers, list) else [identifiers]
            principals.setdefault(ptype, []).extend(values)
        if principals:
            if list(principals) == ["*"]:
                statement[key] = "*"
            else:
                statement[key] = {k: v[0] if len(v) == 1 else v for k, v in principals.items()}
    conditions: dict[str, dict[str, Any]] = {}
    for inner, inner_env in _expand(body, "condition", evaluator, run, env):
        block = _Attributes(inner, evaluator, run, inner_env)
        test, variable = block.text("test"), block.text("variable")
        values = block.get("values", [])
        listed = values if isinstance(values, list) else [values]
        conditions.setdefault(test, {})
        conditions[test][variable] = conditions[test].get(variable, []) + listed
    if conditions:
        statement["Condition"] = conditions
    return statement


@dataclass(slots=True)
class _Attributes:
    """The attributes of one block, evaluated on demand; ``null`` counts as not set."""

    body: Node | None
    evaluator: Evaluator
    run: Pass
    env: dict[str, Any]
    nodes: dict[str, Node] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.nodes = attributes(self.body)

    def get(self, name: str, default: Any = None) -> Any:
        """The attribute's value, or ``default`` when it is absent or null."""
        node = self.nodes.get(name)
        value = self.evaluator.eval(node, self.run, self.env) if node is not None else None
        return default if value is None else value

    def text(self, name: str) -> str:
        """A text attribute; an unknown or missing one is noted and shown as the outsider."""
        value = self.get(name, Unknown(f"{name} of a block at line {_line(self.body)}"))
        if isinstance(value, Unknown):
            return self.run.note(value)
        return value if isinstance(value, str) else str(value)


def _line(node: Node | None) -> int:
    return node.start_point[0] + 1 if node is not None else 0


def _expand(
    body: Node | None, kind: str, evaluator: Evaluator, run: Pass, env: dict[str, Any]
) -> Iterator[tuple[Node | None, dict[str, Any]]]:
    """The nested ``kind`` blocks of ``body``, ``dynamic "kind"`` blocks expanded."""
    if body is None:
        return
    for block in blocks(body, evaluator.file):
        if block.kind == kind:
            yield block.body, env
        elif block.kind == "dynamic" and block.labels[:1] == (kind,):
            attrs = attributes(block.body)
            iterator = kind
            if "iterator" in attrs:
                iterator = text(attrs["iterator"]).strip()
            items = evaluator.eval(attrs["for_each"], run, env) if "for_each" in attrs else []
            content = (
                next((b for b in blocks(block.body, evaluator.file) if b.kind == "content"), None)
                if block.body is not None
                else None
            )
            if content is None:
                continue
            if isinstance(items, Unknown):
                unknown = Unknown(f'dynamic "{kind}" for_each {text(attrs["for_each"])}')
                yield content.body, {**env, iterator: {"key": unknown, "value": unknown}}
                continue
            pairs = (
                items.items()
                if isinstance(items, dict)
                else enumerate(items if isinstance(items, list) else [])
            )
            for key, value in pairs:
                yield content.body, {**env, iterator: {"key": key, "value": value}}


def trust_document(value: Any) -> Any:
    """A trust document from an ``assume_role_policy`` value: structure or decoded JSON."""
    if isinstance(value, JsonText):
        return value.data
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value  # the engine reports it as malformed
    return value


_SOURCES = "source/override_policy_documents"


def _statements_of(source: Any, line: int) -> list[Any]:
    """The statements of a source or override document; an unknown document is assumed the
    worst: a statement that lets an unknown (outside) principal in without conditions."""
    document = trust_document(source)
    if isinstance(document, Unknown):
        statement = LineDict(
            {
                "Effect": "Allow",
                "Principal": {"AWS": Unknown(f"{document.what} in {_SOURCES}")},
                "Action": "sts:AssumeRole",
            }
        )
        statement.line = line
        return [statement]
    if not isinstance(document, dict):
        return []
    statements = document.get("Statement")
    if isinstance(statements, dict):
        return [statements]
    return list(statements) if isinstance(statements, list) else []


def _merge_statements(base: list[Any], more: list[Any]) -> list[Any]:
    """``more`` added to ``base``; a statement with the Sid of an earlier one replaces it."""
    out = list(base)
    for statement in more:
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        position = next(
            (i for i, s in enumerate(out) if sid and isinstance(s, dict) and s.get("Sid") == sid),
            None,
        )
        if position is None:
            out.append(statement)
        else:
            out[position] = statement
    return out
