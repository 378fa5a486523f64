"""Render a trust policy into each template form trustwarden reads (tests and benchmarks).

Every function returns the text of one file holding one role (``name``) whose trust policy is
``policy``: CloudFormation JSON and YAML (intrinsic-free, so the policy is taken literally),
Terraform ``jsonencode({...})`` and Terraform ``data "aws_iam_policy_document"`` (only for
policies that block syntax can express: :func:`tf_policy_document` returns ``None`` else).
"""

from __future__ import annotations

import json
from typing import Any

import yaml

_STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Principal", "NotPrincipal", "Condition"}


def cfn_template(name: str, policy: Any) -> dict[str, Any]:
    """A template with one ``AWS::IAM::Role``."""
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            name: {
                "Type": "AWS::IAM::Role",
                "Properties": {"AssumeRolePolicyDocument": policy},
            }
        },
    }


def cfn_json(name: str, policy: Any) -> str:
    """CloudFormation JSON."""
    return json.dumps(cfn_template(name, policy), indent=2)


def cfn_yaml(name: str, policy: Any) -> str:
    """CloudFormation YAML (block style)."""
    return yaml.safe_dump(cfn_template(name, policy), sort_keys=False)


def hcl_string(value: str) -> str:
    """A quoted HCL string: escapes, and ``${``/``%{`` kept literal."""
    body = json.dumps(value)[1:-1]
    return '"' + body.replace("${", "$${").replace("%{", "%%{") + '"'


def hcl_value(value: Any, indent: str = "") -> str:
    """A JSON value as an HCL expression."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{hcl_string(str(k))} = {hcl_value(v, inner)}" for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list):
        return "[" + ", ".join(hcl_value(v, inner) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return json.dumps(value)
    return hcl_string(str(value))


def tf_jsonencode(name: str, policy: Any) -> str:
    """``resource "aws_iam_role"`` with ``assume_role_policy = jsonencode({...})``."""
    return (
        f'resource "aws_iam_role" "{name}" {{\n'
        f'  name               = "{name}"\n'
        f"  assume_role_policy = jsonencode({hcl_value(policy, '  ')})\n"
        "}\n"
    )


def _strings(value: Any) -> list[str] | None:
    values = value if isinstance(value, list) else [value]
    if not all(isinstance(v, str | bool) for v in values):
        return None
    return [("true" if v else "false") if isinstance(v, bool) else v for v in values]


def _principal_blocks(kind: str, principal: Any) -> list[str] | None:
    if principal == "*":
        return [f'    {kind} {{\n      type        = "*"\n      identifiers = ["*"]\n    }}\n']
    if not isinstance(principal, dict) or not principal:
        return None
    out = []
    for ptype, ids in principal.items():
        values = _strings(ids)
        if values is None or not values or ptype == "*":
            return None
        listed = ", ".join(hcl_string(v) for v in values)
        out.append(
            f"    {kind} {{\n      type        = {hcl_string(ptype)}\n"
            f"      identifiers = [{listed}]\n    }}\n"
        )
    return out


def _statement_block(statement: Any) -> str | None:
    if not isinstance(statement, dict) or not set(statement) <= _STATEMENT_KEYS:
        return None
    if statement.get("Effect") not in ("Allow", "Deny"):
        return None
    if ("Action" in statement) == ("NotAction" in statement):
        return None
    if ("Principal" in statement) == ("NotPrincipal" in statement):
        return None
    parts = ["  statement {\n", f"    effect = {hcl_string(statement['Effect'])}\n"]
    if "Sid" in statement:
        if not isinstance(statement["Sid"], str):
            return None
        parts.append(f"    sid = {hcl_string(statement['Sid'])}\n")
    for key, attribute in (("Action", "actions"), ("NotAction", "not_actions")):
        if key in statement:
            actions = _strings(statement[key])
            if actions is None:
                return None
            parts.append(f"    {attribute} = [{', '.join(hcl_string(a) for a in actions)}]\n")
    for key, kind in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
        if key in statement:
            blocks = _principal_blocks(kind, statement[key])
            if blocks is None:
                return None
            parts.extend(blocks)
    condition = statement.get("Condition", {})
    if not isinstance(condition, dict):
        return None
    for test, pairs in condition.items():
        if not isinstance(pairs, dict):
            return None
        for variable, values in pairs.items():
            listed = _strings(values)
            if listed is None:
                return None
            parts.append(
                f"    condition {{\n      test     = {hcl_string(test)}\n"
                f"      variable = {hcl_string(variable)}\n"
                f"      values   = [{', '.join(hcl_string(v) for v in listed)}]\n    }}\n"
            )
    parts.append("  }\n")
    return "".join(parts)


def tf_policy_document(name: str, policy: Any) -> str | None:
    """A role whose policy is ``data.aws_iam_policy_document.<name>.json``, if expressible."""
    if not isinstance(policy, dict) or set(policy) - {"Version", "Statement"}:
        return None
    statements = policy.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list) or not statements:
        return None
    blocks = [_statement_block(s) for s in statements]
    if any(b is None for b in blocks):
        return None
    if len({s.get("Sid") for s in statements if s.get("Sid")}) < len(
        [s for s in statements if s.get("Sid")]
    ):
        return None  # the provider rejects duplicate Sids
    version = policy.get("Version")
    if version is None and "${" in json.dumps(policy):
        return None  # the provider would add Version 2012-10-17, changing policy variables
    version_line = f"  version = {hcl_string(version)}\n" if isinstance(version, str) else ""
    return (
        f'data "aws_iam_policy_document" "{name}" {{\n'
        + version_line
        + "".join(b for b in blocks if b is not None)
        + "}\n\n"
        f'resource "aws_iam_role" "{name}" {{\n'
        f"  assume_role_policy = data.aws_iam_policy_document.{name}.json\n"
        "}\n"
    )


FORMS = {
    "cfn.json": cfn_json,
    "cfn.yaml": cfn_yaml,
    "jsonencode.tf": tf_jsonencode,
    "policy-document.tf": tf_policy_document,
}
