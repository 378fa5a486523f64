"""trustwarden: find and fix AWS IAM roles that outside accounts can assume without an
External ID or MFA (the confused-deputy risk)."""

from __future__ import annotations

__version__ = "0.1.0"
