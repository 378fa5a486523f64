"""CloudFormation, SAM and CDK output: the trust documents of a template's roles.

Roles are ``AWS::IAM::Role`` resources (``AssumeRolePolicyDocument``) and the role SAM creates
for an ``AWS::Serverless::Function`` without ``Role`` (its ``AssumeRolePolicyDocument``, or
Lambda's default trust). Intrinsic functions are resolved: ``AWS::AccountId`` is the own
account, parameters take their defaults, mappings are looked up, ``GetAtt``/``Ref`` of the
template's own roles and users name the own account; what cannot be known is
:class:`Unknown`. Every ``Fn::If`` is evaluated both ways (each combination is one variant of
the role; the worst verdict is reported).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from trustwarden.sources.iac.common import (
    MAX_VARIANTS,
    UNKNOWN_ACCOUNT,
    LineDict,
    RoleSpec,
    TemplateError,
    Unknown,
    variants_label,
    with_line,
)

SOURCE = "cloudformation"
MAX_SIZE = 100_000  # lists and mappings in one resolved trust policy (IAM allows 2-8 KiB)
_NO_VALUE = object()
_SUB_VAR = re.compile(r"\$\{([^}]*)\}")
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
_PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::Region": "us-east-1",  # never decides a trust verdict
}


def is_template(data: Any) -> bool:
    """Whether parsed data is a CloudFormation template (``Resources`` of typed resources)."""
    if not isinstance(data, dict):
        return False
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        return False
    return "AWSTemplateFormatVersion" in data or any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) for r in resources.values()
    )


@dataclass(slots=True)
class _Pass:
    """One resolution pass: the ``Fn::If`` choices made, and the conditions met undecided."""

    choices: dict[str, bool]
    own: str
    open: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    size: int = 0  # lists and mappings resolved: YAML aliases can make a small file huge


class Template:
    """A parsed template and the values its intrinsic functions can reach."""

    def __init__(self, data: dict[str, Any], name: str) -> None:
        self.name = name
        self.data = data
        self.resources: dict[str, Any] = data.get("Resources") or {}
        params = data.get("Parameters")
        self.parameters: dict[str, Any] = params if isinstance(params, dict) else {}
        maps = data.get("Mappings")
        self.mappings: dict[str, Any] = maps if isinstance(maps, dict) else {}

    def roles(self, own: str) -> Iterator[RoleSpec | TemplateError]:
        """A spec per role and variant, in template order."""
        key_lines: dict[str, int] = getattr(self.resources, "key_lines", {})
        for logical_id, resource in self.resources.items():
            if not isinstance(resource, dict):
                continue
            kind = resource.get("Type")
            props = resource.get("Properties")
            props = props if isinstance(props, dict) else {}
            line = key_lines.get(logical_id) or getattr(resource, "line", 0) or None
            if kind == "AWS::IAM::Role":
                document = props.get("AssumeRolePolicyDocument")
                name, role_name = logical_id, props.get("RoleName")
            elif kind == "AWS::Serverless::Function" and "Role" not in props:
                document = props.get("AssumeRolePolicyDocument") or _LAMBDA_TRUST
                name, role_name = f"{logical_id}Role", None
            else:
                continue
            try:
                yield from self._variants(
                    name, role_name, document, line=line, own=own, lid=logical_id
                )
            except TemplateError as exc:  # this role only: the others are still read
                yield TemplateError(f"{self.name}: line {line}: {logical_id}: {exc.message}")
            except RecursionError:
                yield TemplateError(
                    f"{self.name}: line {line}: {logical_id}: nested too deeply to be evaluated"
                )
            except Exception as exc:  # noqa: BLE001 - one role never stops the others
                yield TemplateError(
                    f"{self.name}: line {line}: {logical_id}: could not be evaluated "
                    f"({type(exc).__name__}: {exc})"
                )

    def _variants(
        self, name: str, role_name: Any, document: Any, *, line: int | None, own: str, lid: str
    ) -> Iterator[RoleSpec | TemplateError]:
        queue: list[dict[str, bool]] = [{}]
        done: list[tuple[dict[str, bool], _Pass, Any, Any]] = []
        while queue:
            choices = queue.pop(0)
            run = _Pass(choices=choices, own=own)
            resolved = self.resolve(document, run)
            resolved_name = self.resolve(role_name, run) if role_name is not None else None
            undecided = [c for c in run.open if c not in choices]
            if undecided:
                if len(done) + len(queue) + 2 > MAX_VARIANTS:
                    yield TemplateError(
                        f"{self.name}: line {line}: {lid}: more than {MAX_VARIANTS} "
                        "combinations of Fn::If conditions; not evaluated"
                    )
                    return
                queue.extend({**choices, undecided[0]: value} for value in (True, False))
                continue
            done.append((choices, run, resolved, resolved_name))
        for choices, run, resolved, resolved_name in done:
            yield RoleSpec(
                name=name,
                role_name=resolved_name if isinstance(resolved_name, str) else None,
                document=resolved if resolved is not _NO_VALUE else None,
                file=self.name,
                line=line,
                source=SOURCE,
                pointer=f"/Resources/{lid}",
                variant=variants_label(sorted(choices.items())) if len(done) > 1 else None,
                unknown=tuple(run.unknown),
            )

    # ------------------------------------------------------------------ intrinsic functions

    def resolve(self, value: Any, run: _Pass) -> Any:
        """``value`` with its intrinsic functions evaluated (``_NO_VALUE`` for AWS::NoValue)."""
        if isinstance(value, dict | list):
            run.size += 1
            if run.size > MAX_SIZE:
                raise TemplateError(
                    f"more than {MAX_SIZE} lists and mappings (YAML aliases?); not evaluated"
                )
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                handler = _FUNCTIONS.get(key)
                if handler is not None:
                    return handler(self, arg, run)
            out = {}
            for key, item in value.items():
                resolved = self.resolve(item, run)
                if resolved is not _NO_VALUE:
                    out[key] = resolved
            return with_line(out, getattr(value, "line", 0))
        if isinstance(value, list):
            items = [self.resolve(item, run) for item in value]
            return with_line([i for i in items if i is not _NO_VALUE], getattr(value, "line", 0))
        return value

    def _text(self, value: Any, run: _Pass) -> str:
        """A resolved value spliced into a string: unknown parts become the outsider account."""
        if isinstance(value, Unknown):
            if value.what not in run.unknown:
                run.unknown.append(value.what)
            return UNKNOWN_ACCOUNT
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)

    def ref(self, name: Any, run: _Pass) -> Any:
        """``Ref``: a pseudo parameter, a parameter's default, or a resource."""
        if not isinstance(name, str):
            return Unknown(f"!Ref {name!r}")
        if name == "AWS::AccountId":
            return run.own
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in _PSEUDO:
            return _PSEUDO[name]
        if name.startswith("AWS::"):
            return Unknown(f"!Ref {name}")
        param = self.parameters.get(name)
        if isinstance(param, dict):
            if "Default" not in param:
                return Unknown(f"!Ref {name} (parameter {name} has no default)")
            default = self.resolve(param["Default"], run)
            kind = str(param.get("Type", ""))
            if kind.startswith("AWS::SSM::Parameter::Value<"):  # the default names the value
                return Unknown(f"!Ref {name} (the value of SSM parameter {default})")
            if default == "":  # an optional parameter: the value comes at deploy time
                return Unknown(f"!Ref {name} (parameter {name} defaults to the empty string)")
            if isinstance(default, str) and (kind.startswith("List<") or kind.endswith("List")):
                return [part.strip() for part in default.split(",")]
            return default
        resource = self.resources.get(name)
        if isinstance(resource, dict) and resource.get("Type") == "AWS::IAM::Role":
            role_name = (resource.get("Properties") or {}).get("RoleName")
            return self.resolve(role_name, run) if role_name is not None else name
        return Unknown(f"!Ref {name}")

    def get_att(self, arg: Any, run: _Pass) -> Any:
        """``Fn::GetAtt``: the ARN of the template's own roles and users; else unknown."""
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown(f"!GetAtt {arg!r}")
        resource_id, attribute = (self._text(self.resolve(a, run), run) for a in arg)
        resource = self.resources.get(resource_id)
        kinds = {"AWS::IAM::Role": "role", "AWS::IAM::User": "user"}
        if isinstance(resource, dict) and resource.get("Type") in kinds and attribute == "Arn":
            props = resource.get("Properties") or {}
            name_key = "RoleName" if resource["Type"] == "AWS::IAM::Role" else "UserName"
            own_name = self.resolve(props.get(name_key, resource_id), run)
            kind = kinds[resource["Type"]]
            return f"arn:aws:iam::{run.own}:{kind}/{self._text(own_name, run)}"
        return Unknown(f"!GetAtt {resource_id}.{attribute}")

    def sub(self, arg: Any, run: _Pass) -> Any:
        """``Fn::Sub``: ``${Name}``, ``${Resource.Attr}``, ``${!Literal}`` and local variables."""
        variables: dict[str, Any] = {}
        if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], dict):
            text = self.resolve(arg[0], run)
            variables = {k: self.resolve(v, run) for k, v in arg[1].items()}
        else:
            text = self.resolve(arg, run)
        if not isinstance(text, str):
            return Unknown(f"!Sub {arg!r}")

        def replace(match: re.Match[str]) -> str:
            name = match[1]
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self._text(variables[name], run)
            if "." in name and name.split(".", 1)[0] not in self.parameters:
                return self._text(self.get_att(name.split(".", 1), run), run)
            return self._text(self.ref(name, run), run)

        return _SUB_VAR.sub(replace, text)

    def join(self, arg: Any, run: _Pass) -> Any:
        """``Fn::Join``: unknown items are spliced as the outsider account."""
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown(f"!Join {arg!r}")
        delimiter, items = self.resolve(arg[0], run), self.resolve(arg[1], run)
        if isinstance(items, Unknown) or not isinstance(items, list):
            return items if isinstance(items, Unknown) else Unknown(f"!Join {arg!r}")
        return self._text(delimiter, run).join(self._text(i, run) for i in items)

    def if_(self, arg: Any, run: _Pass) -> Any:
        """``Fn::If``: the branch this pass chose (both are evaluated, one pass each)."""
        if not isinstance(arg, list) or len(arg) != 3 or not isinstance(arg[0], str):
            return Unknown(f"!If {arg!r}")
        condition = arg[0]
        if condition not in run.open:
            run.open.append(condition)
        choice = run.choices.get(condition, True)
        return self.resolve(arg[1] if choice else arg[2], run)

    def select(self, arg: Any, run: _Pass) -> Any:
        """``Fn::Select``: an item of a known list."""
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown(f"!Select {arg!r}")
        index, items = self.resolve(arg[0], run), self.resolve(arg[1], run)
        try:
            position = int(index)
        except (TypeError, ValueError):
            return Unknown(f"!Select {arg!r}")
        if isinstance(items, list) and 0 <= position < len(items):
            return items[position]
        return items if isinstance(items, Unknown) else Unknown(f"!Select {arg!r}")

    def find_in_map(self, arg: Any, run: _Pass) -> Any:
        """``Fn::FindInMap``: a mapping value (or the ``DefaultValue`` of the extension)."""
        if not isinstance(arg, list) or len(arg) not in (3, 4):
            return Unknown(f"!FindInMap {arg!r}")
        keys = [self.resolve(a, run) for a in arg[:3]]
        shown = "!FindInMap [" + ", ".join(str(getattr(k, "what", k)) for k in keys) + "]"
        value: Any = self.mappings
        for key in keys:
            if isinstance(key, Unknown) or not isinstance(value, dict) or str(key) not in value:
                if len(arg) == 4 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
                    return self.resolve(arg[3]["DefaultValue"], run)
                return Unknown(shown)
            value = value[str(key)]
        return self.resolve(value, run)

    def split(self, arg: Any, run: _Pass) -> Any:
        """``Fn::Split``."""
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown(f"!Split {arg!r}")
        delimiter, text = self.resolve(arg[0], run), self.resolve(arg[1], run)
        if isinstance(text, Unknown):
            return text
        return self._text(text, run).split(self._text(delimiter, run))

    def base64(self, arg: Any, run: _Pass) -> Any:
        """``Fn::Base64``."""
        value = self.resolve(arg, run)
        if isinstance(value, Unknown):
            return value
        return base64.b64encode(self._text(value, run).encode()).decode()

    def equals(self, arg: Any, run: _Pass) -> Any:
        """``Fn::Equals`` of two known values."""
        if not isinstance(arg, list) or len(arg) != 2:
            return Unknown(f"!Equals {arg!r}")
        left, right = (self.resolve(a, run) for a in arg)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return Unknown(f"!Equals {arg!r}")
        return str(left) == str(right)

    def logic(self, name: str, arg: Any, run: _Pass) -> Any:
        """``Fn::And``/``Fn::Or``/``Fn::Not`` of known conditions."""
        values = [self.resolve(a, run) for a in (arg if isinstance(arg, list) else [arg])]
        if any(not isinstance(v, bool) for v in values):
            return Unknown(f"!{name} {arg!r}")
        if name == "Not":
            return not values[0]
        return all(values) if name == "And" else any(values)

    def condition(self, arg: Any, run: _Pass) -> Any:
        """``Condition``: a named condition's value."""
        conditions = self.data.get("Conditions")
        if isinstance(arg, str) and isinstance(conditions, dict) and arg in conditions:
            return self.resolve(conditions[arg], run)
        return Unknown(f"!Condition {arg!r}")

    def to_json_string(self, arg: Any, run: _Pass) -> Any:
        """``Fn::ToJsonString`` (AWS::LanguageExtensions)."""
        value = self.resolve(arg, run)
        return json.dumps(value, default=lambda v: self._text(v, run), separators=(",", ":"))


_FUNCTIONS: dict[str, Any] = {
    "Ref": Template.ref,
    "Fn::GetAtt": Template.get_att,
    "Fn::Sub": Template.sub,
    "Fn::Join": Template.join,
    "Fn::If": Template.if_,
    "Fn::Select": Template.select,
    "Fn::FindInMap": Template.find_in_map,
    "Fn::Split": Template.split,
    "Fn::Base64": Template.base64,
    "Fn::ImportValue": lambda self, arg, run: Unknown(f"!ImportValue {_show(self, arg, run)}"),
    "Fn::GetAZs": lambda _s, _a, _r: Unknown("!GetAZs"),
    "Fn::Equals": Template.equals,
    "Fn::And": lambda self, arg, run: self.logic("And", arg, run),
    "Fn::Or": lambda self, arg, run: self.logic("Or", arg, run),
    "Fn::Not": lambda self, arg, run: self.logic("Not", arg, run),
    "Condition": Template.condition,
    "Fn::Cidr": lambda _s, _a, _r: Unknown("!Cidr"),
    "Fn::Length": lambda _s, _a, _r: Unknown("!Length"),
    "Fn::ToJsonString": Template.to_json_string,
    "Fn::Transform": lambda _s, _a, _r: Unknown("!Transform (a macro)"),
}


def _show(template: Template, arg: Any, run: _Pass) -> str:
    value = template.resolve(arg, run)
    return value.what if isinstance(value, Unknown) else str(value)


def template_roles(data: Any, name: str, own: str) -> Iterator[RoleSpec | TemplateError]:
    """The roles of a parsed template (``own`` is the account ``AWS::AccountId`` stands for)."""
    if not isinstance(data, LineDict | dict):
        return iter(())
    return Template(data, name).roles(own)
