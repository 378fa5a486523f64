"""Configuration files: ``.trustwarden.toml`` or ``[tool.trustwarden]`` in ``pyproject.toml``.

Where the configuration comes from, first match wins:

1. the file given explicitly (``--config PATH``); a file named ``pyproject.toml`` is read
   from its ``[tool.trustwarden]`` table, any other file from its top level;
2. ``.trustwarden.toml`` in the working directory;
3. the ``[tool.trustwarden]`` table of ``pyproject.toml`` in the working directory (only
   when there is no ``.trustwarden.toml``).

No file (or a ``pyproject.toml`` without the table) gives the empty configuration. Keys::

    trusted_accounts = ["222222222222"]   # 12-digit account ids, as strings
    trusted_orgs = ["o-a1b2c3d4e5"]       # organization ids
    fail_on = "fail"                      # "fail" | "warn" | "never"
    format = "table"                      # output format name
    known_accounts = "known-accounts.yaml" # names for vendors' accounts (known_aws_accounts
                                          # format); relative to the configuration file
    [[suppress]]                          # an accepted risk (see trustwarden.suppress)
    rule = "TW001"
    role = "arn:aws:iam::111122223333:role/vendor-*"
    reason = "..."
    expires = "2026-12-31"                # optional

Unknown keys are an error (so a typo never silently does nothing). Command-line values add
to the file's trusted accounts and organisations, and ``--known-accounts`` replaces the
file's ``known_accounts`` (:func:`build_settings`).
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trustwarden.errors import ConfigError
from trustwarden.files import read_utf8
from trustwarden.model import Settings, is_account_id
from trustwarden.suppress import SuppressRule, parse_suppressions

CONFIG_FILE = ".trustwarden.toml"
PYPROJECT = "pyproject.toml"
FAIL_ON_VALUES = ("fail", "warn", "never")
KNOWN_KEYS = (
    "trusted_accounts",
    "trusted_orgs",
    "fail_on",
    "format",
    "known_accounts",
    "suppress",
)

_ORG_RE = re.compile(r"o-[a-z0-9]{10,32}")


@dataclass(frozen=True, slots=True)
class FileConfig:
    """What a configuration file says; ``None`` means "not set". ``path`` is the file read."""

    path: Path | None = None
    trusted_accounts: tuple[str, ...] = ()
    trusted_orgs: tuple[str, ...] = ()
    fail_on: str | None = None
    format: str | None = None
    known_accounts: Path | None = None  # resolved against the configuration file's folder
    suppressions: tuple[SuppressRule, ...] = ()  # [[suppress]] entries (trustwarden.suppress)


def validate_account_id(value: object) -> str:
    """``value`` if it is a 12-digit AWS account id (a string); else :class:`ConfigError`."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ConfigError(f"account id {value!r} is not a string of 12 digits")
    if isinstance(value, int):
        raise ConfigError(
            f"account id {value} is a number, not a string",
            hint=f'quote it ("{value:012d}") so that leading zeros are kept',
        )
    if not is_account_id(value):
        raise ConfigError(
            f"invalid account id {value!r}: expected exactly 12 digits",
            hint="an AWS account id looks like 123456789012 (keep any leading zeros)",
        )
    return value


def validate_org_id(value: object) -> str:
    """``value`` if it is an AWS Organizations id (``o-`` + 10-32 lowercase letters/digits)."""
    if not isinstance(value, str) or not _ORG_RE.fullmatch(value):
        raise ConfigError(
            f"invalid organization id {value!r}: expected 'o-' and 10 to 32 lowercase "
            "letters or digits",
            hint="an organization id looks like o-a1b2c3d4e5",
        )
    return value


def load_config(path: Path | None, cwd: Path) -> FileConfig:
    """Read the configuration: ``path`` if given, else the files in ``cwd`` (see module doc)."""
    if path is not None:
        if not _is_config_file(path):
            raise ConfigError(f"{path}: configuration file not found")
        table = _read_toml(path)
        if path.name == PYPROJECT:
            return _from_table(_tool_table(table, path) or {}, path)
        return _from_table(table, path)
    own = cwd / CONFIG_FILE
    if _is_config_file(own):
        return _from_table(_read_toml(own), own)
    pyproject = cwd / PYPROJECT
    if _is_config_file(pyproject):
        tool = _tool_table(_read_toml(pyproject), pyproject)
        if tool is not None:
            return _from_table(tool, pyproject)
    return FileConfig()


def build_settings(
    config: FileConfig,
    trusted_accounts: Iterable[str],
    trusted_orgs: Iterable[str],
    known_accounts: Path | None = None,
) -> Settings:
    """The engine's :class:`Settings`: the file's trusted ids plus the command line's.

    ``known_accounts`` (``--known-accounts``) replaces the file's ``known_accounts``; the
    list named by either is read here (:func:`trustwarden.known_accounts.load_known_accounts`).
    """
    accounts = {*config.trusted_accounts, *(validate_account_id(a) for a in trusted_accounts)}
    orgs = {*config.trusted_orgs, *(validate_org_id(o) for o in trusted_orgs)}
    return Settings(
        trusted_accounts=frozenset(accounts),
        trusted_orgs=frozenset(orgs),
        known_accounts=_known_accounts(config, known_accounts),
    )


def _known_accounts(config: FileConfig, flag: Path | None) -> dict[str, str]:
    from trustwarden.known_accounts import load_known_accounts  # noqa: PLC0415 - YAML on use

    if flag is not None:
        return load_known_accounts(flag)
    path = config.known_accounts
    if path is None:
        return {}
    if not path.is_file():
        raise ConfigError(
            f"{config.path}: known_accounts: {path}: file not found",
            hint="a relative path is read from the configuration file's folder",
        )
    return load_known_accounts(path)


# --------------------------------------------------------------------------- internals


def _is_config_file(path: Path) -> bool:
    """True for a regular file (through symlinks), False when nothing is there.

    Anything else there (a directory, a broken symlink, a FIFO) is a :class:`ConfigError`:
    a configuration that is silently not read changes verdicts without a word.
    """
    if path.is_file():
        return True
    if path.is_symlink() and not path.exists():
        raise ConfigError(f"{path}: a broken symbolic link, not a configuration file")
    if path.is_dir():
        raise ConfigError(f"{path}: a directory, not a configuration file")
    if path.exists():
        raise ConfigError(f"{path}: not a regular file")
    return False


def _read_toml(path: Path) -> dict[str, Any]:
    text = read_utf8(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # the message names line and column
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except RecursionError:  # tomllib recurses once per level of nested arrays/tables
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    except ValueError:  # an integer of more digits than sys.get_int_max_str_digits() allows
        raise ConfigError(f"{path}: invalid TOML: a number too long to read") from None


def _tool_table(table: Mapping[str, Any], path: Path) -> Mapping[str, Any] | None:
    tool = table.get("tool", {})
    section = tool.get("trustwarden") if isinstance(tool, Mapping) else None
    if section is not None and not isinstance(section, Mapping):
        raise ConfigError(f"{path}: [tool.trustwarden] must be a table")
    return section


def _from_table(table: Mapping[str, Any], path: Path) -> FileConfig:
    for key in table:
        if key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key.replace("-", "_"), KNOWN_KEYS, n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(KNOWN_KEYS)}"
            )
            raise ConfigError(f"{path}: unknown key {key!r}", hint=hint)
    try:
        accounts = _ids(table, "trusted_accounts", validate_account_id)
        orgs = _ids(table, "trusted_orgs", validate_org_id)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.message}", hint=exc.hint) from None
    fail_on = _optional_str(table, "fail_on", path)
    if fail_on is not None and fail_on not in FAIL_ON_VALUES:
        raise ConfigError(
            f"{path}: fail_on must be one of {', '.join(FAIL_ON_VALUES)}, not {fail_on!r}"
        )
    return FileConfig(
        path=path,
        trusted_accounts=accounts,
        trusted_orgs=orgs,
        fail_on=fail_on,
        format=_optional_str(table, "format", path),
        known_accounts=_optional_path(table, "known_accounts", path),
        suppressions=parse_suppressions(table.get("suppress", []), path),
    )


def _ids(table: Mapping[str, Any], key: str, validate: Callable[[object], str]) -> tuple[str, ...]:
    values = table.get(key, [])
    if not isinstance(values, list):
        raise ConfigError(f'{key} must be a list of strings, like {key} = ["..."]')
    checked: dict[str, None] = {}  # keeps the first-seen order, drops duplicates
    for position, value in enumerate(values):
        try:
            checked[validate(value)] = None
        except ConfigError as exc:
            raise ConfigError(f"{key}[{position}]: {exc.message}", hint=exc.hint) from None
    return tuple(checked)


def _optional_str(table: Mapping[str, Any], key: str, path: Path) -> str | None:
    value = table.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{path}: {key} must be a string, not {type(value).__name__}")
    return value


def _optional_path(table: Mapping[str, Any], key: str, path: Path) -> Path | None:
    """A path from the file, relative to the file's folder (``~`` expanded)."""
    value = _optional_str(table, key, path)
    if value is None:
        return None
    if not value.strip():
        raise ConfigError(f"{path}: {key} must name a file, not an empty string")
    return path.parent / Path(value).expanduser()
