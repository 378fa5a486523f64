"""trustwarden: find and fix AWS IAM roles that outside accounts can assume without an
External ID or MFA (the confused-deputy risk).

The public API is what ``__all__`` lists; everything else is internal. Names are imported on
first use, so ``import trustwarden`` stays cheap (no boto3, click or rich)::

    import trustwarden
    result = trustwarden.analyze_policy(document, "111111111111")
    result.status            # "fail" | "warn" | "pass" | "error"
    result.findings[0].witness
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from trustwarden.api import analyze_policy
    from trustwarden.model import RoleResult, Settings, Status

_LAZY = {
    "analyze_policy": "trustwarden.api",
    "RoleResult": "trustwarden.model",
    "Settings": "trustwarden.model",
    "Status": "trustwarden.model",
}

__all__ = ["RoleResult", "Settings", "Status", "__version__", "analyze_policy"]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'trustwarden' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
