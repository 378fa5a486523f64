"""Terraform plans (``terraform show -json plan.out``): the roles the plan creates or keeps.

``resource_changes`` is read when present (every module's resources, with ``after_unknown``
saying which values are known only after apply); otherwise ``planned_values``, walking
``child_modules``. A trust policy known only after apply is :class:`Unknown`: the role is
reported as not evaluated, with that reason.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from trustwarden.sources.iac.common import RoleSpec, Unknown

SOURCE = "terraform-plan"


def is_plan(data: Any) -> bool:
    """Whether parsed JSON is a Terraform plan or state as ``terraform show -json`` prints."""
    return (
        isinstance(data, dict)
        and "format_version" in data
        and ("resource_changes" in data or "planned_values" in data or "values" in data)
    )


def plan_roles(data: dict[str, Any], name: str) -> Iterator[RoleSpec]:
    """A spec per ``aws_iam_role`` of the plan."""
    changes = data.get("resource_changes")
    if isinstance(changes, list):
        for index, change in enumerate(changes):
            if not _managed_role(change):
                continue
            detail = change.get("change") or {}
            if detail.get("actions") == ["delete"]:
                continue
            after = detail.get("after") or {}
            unknown = (detail.get("after_unknown") or {}).get("assume_role_policy") is True
            yield _spec(change, after, unknown, name, f"/resource_changes/{index}")
        return
    key = "planned_values" if data.get("planned_values") else "values"
    values = data.get(key) or {}
    yield from _module(values.get("root_module") or {}, name, f"/{key}/root_module")


def _module(module: dict[str, Any], name: str, pointer: str) -> Iterator[RoleSpec]:
    for index, resource in enumerate(module.get("resources") or []):
        if _managed_role(resource):
            values = resource.get("values") or {}
            yield _spec(resource, values, False, name, f"{pointer}/resources/{index}")
    for index, child in enumerate(module.get("child_modules") or []):
        if isinstance(child, dict):
            yield from _module(child, name, f"{pointer}/child_modules/{index}")


def _managed_role(resource: Any) -> bool:
    """An ``aws_iam_role`` the configuration manages (``data "aws_iam_role"`` reads a role
    that exists already: not one this plan creates or keeps)."""
    return (
        isinstance(resource, dict)
        and resource.get("type") == "aws_iam_role"
        and resource.get("mode", "managed") == "managed"
    )


def _spec(
    resource: dict[str, Any], values: dict[str, Any], unknown: bool, name: str, pointer: str
) -> RoleSpec:
    address = str(resource.get("address") or resource.get("name") or "aws_iam_role")
    document: Any = values.get("assume_role_policy")
    if unknown or document is None:
        document = Unknown(f"{address}.assume_role_policy (known only after apply)")
    elif isinstance(document, str):
        with contextlib.suppress(json.JSONDecodeError):  # else the engine reports it malformed
            document = json.loads(document)
    role_name = values.get("name")
    return RoleSpec(
        name=address,
        role_name=role_name if isinstance(role_name, str) and role_name else None,
        document=document,
        file=name,
        line=None,
        source=SOURCE,
        pointer=pointer,
    )
