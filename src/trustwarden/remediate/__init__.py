"""Remediation: plan (pure, shows a diff), apply (journaled, verified, undone on error), undo."""

from __future__ import annotations

from trustwarden.remediate.document import documents_equal, minify, policy_size
from trustwarden.remediate.mapping import ExternalIds, load_external_id_map, validate_external_id
from trustwarden.remediate.plan import (
    DEFAULT_MAX_POLICY_SIZE,
    FixOptions,
    Plan,
    PlanAction,
    plan_role,
    plan_roles,
    render_diff,
)

__all__ = [
    "DEFAULT_MAX_POLICY_SIZE",
    "ExternalIds",
    "FixOptions",
    "Plan",
    "PlanAction",
    "documents_equal",
    "load_external_id_map",
    "minify",
    "plan_role",
    "plan_roles",
    "policy_size",
    "render_diff",
    "validate_external_id",
]
