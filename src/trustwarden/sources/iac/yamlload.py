"""A YAML/JSON loader for CloudFormation: PyYAML (C loader when built) with line numbers.

The C composer (when built) parses; a small converter builds the values. Mappings and
sequences come back as :class:`LineDict`/:class:`LineList` carrying the line they
start on (and, for mappings, the line of each key); the short-form intrinsic tags (``!Sub``,
``!Ref``, ``!GetAtt``, ...) become their long form (``{"Fn::Sub": ...}``); timestamps stay
strings (an unquoted ``Version: 2012-10-17`` is the policy version, not a date).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

from trustwarden.sources.iac.common import LineDict, LineList, TemplateError, Unknown

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


_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_STR_TAG = "tag:yaml.org,2002:str"
_MAYBE_TYPED = frozenset("0123456789-+.~<=nNtTfFyYoO")  # first characters of non-strings


class _YamlLoader(_Base):  # type: ignore[misc]
    """Resolves plain scalars that cannot be numbers, booleans or nulls without regexes."""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        """No path resolvers are registered: skip PyYAML's bookkeeping for them."""

    def ascend_resolver(self) -> None:
        """See :meth:`descend_resolver`."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0] and value and value[0] not in _MAYBE_TYPED:
            return _STR_TAG
        return super().resolve(kind, value, implicit)


class _JsonLoader(_YamlLoader):
    """For JSON the converter decodes plain scalars itself: no implicit resolution at all."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        del value, implicit
        if kind is yaml.ScalarNode:
            return _STR_TAG
        return _MAP if kind is yaml.MappingNode else _SEQ


_SCALARS = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_INTRINSIC = {
    f"!{name}": name if name in ("Ref", "Condition") else f"Fn::{name}" for name in INTRINSIC_TAGS
}


class _Converter:
    """Turns a composed YAML node tree into Python values (faster than PyYAML's constructor)."""

    def __init__(self, name: str, json_mode: bool) -> None:
        self.name = name
        self.json_mode = json_mode
        # Collections by node: an alias is the node of its anchor, converted once (converting
        # it at every use grows exponentially with aliases of aliases: "billion laughs").
        self.done: dict[int, Any] = {}

    def value(self, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        found = self.done.get(id(node))
        if found is None:
            found = self.done[id(node)] = self._collection(node)
        return found

    def _collection(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag.startswith("!") and tag not in _INTRINSIC:
            return self._foreign(tag, node)
        if isinstance(node, yaml.SequenceNode):
            out = LineList(self.value(child) for child in node.value)
            out.line = node.start_mark.line + 1
            return self._intrinsic(tag, out, node) if tag in _INTRINSIC else out
        mapping = self._mapping(node)
        return self._intrinsic(tag, mapping, node) if tag in _INTRINSIC else mapping

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag = node.tag
        if self.json_mode and not node.style:  # plain: None (Python parser) or ""
            try:
                return json.loads(node.value)
            except ValueError:
                return node.value
        if tag in (_STR, _TIMESTAMP):
            return node.value
        if tag in _INTRINSIC:
            return self._intrinsic(tag, node.value, node)
        if tag.startswith("!"):
            return self._foreign(tag, node)
        return _SCALARS.construct_object(node)

    def _mapping(self, node: yaml.Node) -> LineDict:
        out = LineDict()
        out.line = node.start_mark.line + 1
        key_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged = self.value(value_node)
                for item in merged if isinstance(merged, list) else [merged]:
                    if isinstance(item, dict):
                        for key, value in item.items():
                            out.setdefault(key, value)
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise self._error(key_node, "a key that is not text")
            key = key_node.value
            out[key] = self.value(value_node)
            key_lines[key] = key_node.start_mark.line + 1
        out.key_lines = key_lines  # type: ignore[attr-defined]
        return out

    def _intrinsic(self, tag: str, value: Any, node: yaml.Node) -> LineDict:
        key = _INTRINSIC[tag]
        if key == "Fn::GetAtt" and isinstance(value, str):
            value = LineList(value.split(".", 1))
        out = LineDict({key: value})
        out.line = node.start_mark.line + 1
        return out

    def _foreign(self, tag: str, node: yaml.Node) -> Unknown:
        """A tag CloudFormation does not define (a pre-processor's, e.g. ``!Rain::Embed``)."""
        return Unknown(f"{tag} (line {node.start_mark.line + 1}: not a CloudFormation function)")

    def _error(self, node: yaml.Node, problem: str) -> TemplateError:
        return TemplateError(f"{self.name}: line {node.start_mark.line + 1}: {problem}")


def _load(text: str, name: str, json_mode: bool) -> Any:
    node = yaml.compose(text, Loader=_JsonLoader if json_mode else _YamlLoader)
    if node is None:
        return None
    try:
        return _Converter(name, json_mode).value(node)
    except RecursionError:
        raise TemplateError(f"{name}: nested too deeply (or a recursive alias)") from None


def load_yaml(text: str, name: str) -> Any:
    """The document in ``text``; a syntax error is a :class:`TemplateError` with the line."""
    try:
        return _load(text, name, json_mode=False)
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
        return _load(text, name, json_mode=True)
    except (yaml.YAMLError, TemplateError):
        pass  # not JSON, or JSON that YAML reads differently (tabs): decode it plainly
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateError(f"{name}: line {exc.lineno}: {exc.msg}") from None
