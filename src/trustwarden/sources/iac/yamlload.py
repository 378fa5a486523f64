"""A YAML/JSON loader for CloudFormation: PyYAML (C loader when built) with line numbers.

Mappings and sequences come back as :class:`LineDict`/:class:`LineList` carrying the line they
start on (and, for mappings, the line of each key); the short-form intrinsic tags (``!Sub``,
``!Ref``, ``!GetAtt``, ...) become their long form (``{"Fn::Sub": ...}``); timestamps stay
strings (an unquoted ``Version: 2012-10-17`` is the policy version, not a date).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from trustwarden.sources.iac.common import LineDict, LineList, TemplateError

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

INTRINSIC_TAGS = (
    "Ref",
    "Condition",
    "Sub",
    "GetAtt",
    "Join",
    "If",
    "Select",
    "FindInMap",
    "Split",
    "Base64",
    "ImportValue",
    "GetAZs",
    "Equals",
    "And",
    "Or",
    "Not",
    "Cidr",
    "Length",
    "ToJsonString",
    "Transform",
)


class CfnLoader(_Base):  # type: ignore[misc]
    """SafeLoader (C when available) that knows CloudFormation's tags and keeps lines."""


def _mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    key_lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) or key is None:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(None, None, "a key that is not text", mark)
        key = str(key)
        out[key] = loader.construct_object(value_node, deep=True)
        key_lines[key] = key_node.start_mark.line + 1
    out.key_lines = key_lines  # type: ignore[attr-defined]
    return out


def _sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    return out


def _text(loader: Any, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


def _intrinsic(name: str) -> Any:
    key = name if name in ("Ref", "Condition") else f"Fn::{name}"

    def construct(loader: Any, node: yaml.Node) -> LineDict:
        value: Any
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "GetAtt":
                value = LineList(str(value).split(".", 1))
        elif isinstance(node, yaml.SequenceNode):
            value = _sequence(loader, node)
        else:
            value = _mapping(loader, node)  # type: ignore[arg-type]
        out = LineDict({key: value})
        out.line = node.start_mark.line + 1
        return out

    return construct


CfnLoader.add_constructor("tag:yaml.org,2002:map", _mapping)
CfnLoader.add_constructor("tag:yaml.org,2002:seq", _sequence)
CfnLoader.add_constructor("tag:yaml.org,2002:timestamp", _text)
for _tag in INTRINSIC_TAGS:
    CfnLoader.add_constructor(f"!{_tag}", _intrinsic(_tag))


def load_yaml(text: str, name: str) -> Any:
    """The document in ``text``; a syntax error is a :class:`TemplateError` with the line."""
    try:
        return yaml.load(text, Loader=CfnLoader)  # noqa: S506 - a safe loader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}" if mark is not None else "unknown line"
        problem = exc.problem or exc.context or "invalid YAML"
        raise TemplateError(f"{name}: {where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(f"{name}: invalid YAML: {exc}") from None


def load_json(text: str, name: str) -> Any:
    """The JSON document in ``text``, with lines where the YAML reader can give them."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{name}: line {exc.lineno}: {exc.msg}") from None
    try:
        with_lines = yaml.load(text, Loader=CfnLoader)  # noqa: S506 - a safe loader subclass
    except yaml.YAMLError:
        return data  # valid JSON that YAML 1.1 reads differently: no line numbers
    return with_lines if with_lines == data else data
