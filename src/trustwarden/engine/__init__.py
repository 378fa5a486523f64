"""The trust-policy engine: pure IAM evaluation, no I/O and no boto3."""

from __future__ import annotations

from trustwarden.engine.analyze import analyze_role, analyze_roles
from trustwarden.engine.evaluate import Request, evaluate_request

__all__ = ["Request", "analyze_role", "analyze_roles", "evaluate_request"]
