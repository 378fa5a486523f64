"""The sample estate bundled with trustwarden: try the tool without an AWS account.

``data/sample/authorization-details.json`` is a ``get-account-authorization-details`` export
of account 111111111111 with one role for each case the engine distinguishes (vendor roles
with and without an External ID, MFA conditions, wildcard principals, Deny guards,
``NotAction``, a stale principal, an admin-equivalent role, ...): ``scan --sample`` exits 1.
A malformed trust document (an ``error`` result, exit 2) is a separate example:
``examples/malformed-trust-document.json`` in the source tree.
``data/sample/trustwarden.toml`` is a configuration that trusts one partner account.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from trustwarden.errors import InputError

CONFIG_NAME = "trustwarden.toml"


def sample_dir() -> Path:
    """The folder that holds the sample estate (inside the installed package)."""
    root = resources.files("trustwarden").joinpath("data", "sample")
    if not isinstance(root, Path) or not root.is_dir():
        raise InputError(
            "the bundled sample estate is missing from this installation",
            hint="reinstall trustwarden from a wheel or source tree that includes data/sample",
        )
    return root


def sample_paths() -> list[Path]:
    """The sample estate's input files, sorted by name."""
    return sorted(sample_dir().glob("*.json"))


def sample_config_path() -> Path:
    """The example configuration that goes with the sample estate."""
    return sample_dir() / CONFIG_NAME
