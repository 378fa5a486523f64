"""Names for known AWS accounts, read from the public ``known_aws_accounts`` list format.

The list (https://github.com/fwdcloudsec/known_aws_accounts, Apache-2.0; not bundled with
trustwarden) is a YAML list of entries::

    - name: 'Datadog'                       # required, a string
      source: ['https://docs.datadoghq...'] # optional, URLs (a list or one string)
      accounts: ['464622532012']            # required, quoted 12-digit account ids
    - name: 'ELB logs'
      type: 'aws'                           # optional: "aws" marks an AWS service's account
      accounts: ['127311923021']
    - name: 'DoIt'
      enabled: false                        # optional, default true
      deprecated_date: '2024-01-01'         # optional
      accounts: ['068664126052']

:func:`load_known_accounts` turns it into ``{account id: owner name}`` for
:attr:`trustwarden.model.Settings.known_accounts`:

* an entry with ``type: aws`` is named ``AWS service: <name>``; any other ``type`` is kept as
  a vendor;
* a disabled entry (``enabled: false``) is **kept**, named ``<name> (deprecated)`` (or
  ``(deprecated <date>)``): a role that still trusts an account the vendor has retired is
  exactly what a report should name;
* an account listed by several entries gets the enabled entries' names (a disabled entry
  only names it when no enabled one does), joined with `` / `` in file order;
* keys the format does not define are ignored, so newer versions of the list still load.

Every problem is a one-line :class:`~trustwarden.errors.ConfigError` naming the file, the
entry (0-based index and line) and what is wrong.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml

from trustwarden.errors import ConfigError
from trustwarden.files import read_utf8
from trustwarden.model import is_account_id

AWS_SERVICE_PREFIX = "AWS service: "
DEPRECATED = "deprecated"


def load_known_accounts(path: Path) -> dict[str, str]:
    """``{account id: owner name}`` from a ``known_aws_accounts``-format YAML file.

    Raises :class:`ConfigError` when the file cannot be read, is not YAML, or does not have
    the format (see the module documentation).
    """
    return known_accounts_from_text(read_utf8(path), source=str(path))


def known_accounts_from_text(text: str, *, source: str) -> dict[str, str]:
    """``{account id: owner name}`` from the YAML text of a list; ``source`` names it in errors."""
    try:
        root, data = _parse(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{source}: invalid YAML{where}: {_yaml_problem(exc)}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: invalid YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ConfigError(f"{source}: invalid YAML: nested too deeply") from None
    except ValueError:  # an integer of more digits than sys.get_int_max_str_digits() allows
        raise ConfigError(f"{source}: invalid YAML: a number too long to read") from None
    return known_accounts_from_entries(data, source=source, root=root)


def known_accounts_from_entries(
    entries: object, *, source: str = "known accounts", root: yaml.Node | None = None
) -> dict[str, str]:
    """``{account id: owner name}`` from already-parsed list entries.

    ``source`` names the data in error messages; ``root`` is the YAML node the entries were
    built from (for line numbers and the spelling of unquoted ids), if there is one.
    """
    if not isinstance(entries, list):
        found = "an empty file" if entries is None else f"a {_kind(entries)}"
        raise ConfigError(
            f"{source}: expected a YAML list of entries (- name: ..., accounts: [...]), "
            f"found {found}"
        )
    labels: dict[str, list[tuple[bool, str]]] = {}
    for index, entry in enumerate(entries):
        node = _item(root, index)
        where = f"{source}: entry {index}" + (
            f" (line {node.start_mark.line + 1})" if node is not None else ""
        )
        enabled, label, accounts = _entry(entry, where, node)
        for account in accounts:
            labels.setdefault(account, []).append((enabled, label))
    return {account: _combine(named) for account, named in labels.items()}


# --------------------------------------------------------------------------- internals


def _parse(text: str) -> tuple[yaml.Node | None, object]:
    """The YAML document's node tree and its value, as :func:`yaml.safe_load` builds it."""
    loader = yaml.SafeLoader(text)  # reading starts here: may raise for bad characters
    try:
        root = loader.get_single_node()
        return root, loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()


def _entry(entry: object, where: str, node: yaml.Node | None) -> tuple[bool, str, list[str]]:
    """(enabled, label, account ids) of one entry; :class:`ConfigError` if malformed."""
    if not isinstance(entry, Mapping):
        raise ConfigError(
            f"{where}: expected a mapping with name and accounts, not a {_kind(entry)}"
        )
    name = entry.get("name")
    if name is None:
        raise ConfigError(f"{where}: missing 'name'")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: 'name' must be a non-empty string, not {name!r}")
    where = f"{where} ({name!r})"
    kind = entry.get("type")
    if kind is not None and not isinstance(kind, str):
        raise ConfigError(f"{where}: 'type' must be a string, not {kind!r}")
    enabled = entry.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}: 'enabled' must be true or false, not {enabled!r}")
    deprecated = entry.get("deprecated_date")
    if deprecated is not None and not isinstance(deprecated, str | datetime.date):
        raise ConfigError(f"{where}: 'deprecated_date' must be a date, not {deprecated!r}")
    sources = entry.get("source")
    if sources is not None and not (
        isinstance(sources, str)
        or (isinstance(sources, list) and all(isinstance(s, str) for s in sources))
    ):
        raise ConfigError(f"{where}: 'source' must be a list of URLs")
    accounts = _accounts(entry, where, _value(node, "accounts"))
    label = name.strip()
    if kind is not None and kind.strip().lower() == "aws":
        label = AWS_SERVICE_PREFIX + label
    if not enabled:
        since = f" {_date(deprecated)}" if deprecated is not None else ""
        label = f"{label} ({DEPRECATED}{since})"
    return enabled, label, accounts


def _accounts(entry: Mapping[str, object], where: str, node: yaml.Node | None) -> list[str]:
    if "accounts" not in entry or entry["accounts"] is None:
        raise ConfigError(f"{where}: missing 'accounts'")
    values = entry["accounts"]
    if not isinstance(values, list) or not values:
        raise ConfigError(
            f"{where}: 'accounts' must be a non-empty list of quoted 12-digit account ids"
        )
    out: list[str] = []
    for position, value in enumerate(values):
        at = f"{where}: accounts[{position}]"
        if isinstance(value, int) and not isinstance(value, bool):
            item = _item(node, position)
            written = item.value if isinstance(item, yaml.ScalarNode) else str(value)
            raise ConfigError(
                f"{at}: {written} is a number, not a string (YAML reads unquoted digits as "
                "a number and drops leading zeros)",
                hint=f"quote it: '{written}'",
            )
        if not isinstance(value, str) or not is_account_id(value):
            raise ConfigError(f"{at}: {value!r} is not a 12-digit account id")
        out.append(value)
    return out


def _combine(named: Sequence[tuple[bool, str]]) -> str:
    """One label for an account several entries name: enabled entries first, in file order."""
    live = [label for enabled, label in named if enabled]
    labels = live or [label for _, label in named]
    return " / ".join(dict.fromkeys(labels))


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's context and problem as one phrase (its own text spans several lines)."""
    context, problem = exc.context or "", exc.problem or ""
    if context and problem:
        return f"{context}{',' if problem.startswith('but ') else ':'} {problem}"
    return context or problem or "cannot be parsed"


def _date(value: object) -> str:
    return value.isoformat() if isinstance(value, datetime.date) else str(value)


def _kind(value: object) -> str:
    """A YAML-ish name for a value's type, for messages."""
    if isinstance(value, Mapping):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return type(value).__name__


def _item(node: yaml.Node | None, index: int) -> yaml.Node | None:
    """The ``index``-th item of a sequence node (None if ``node`` is not one)."""
    if isinstance(node, yaml.SequenceNode) and index < len(node.value):
        item: yaml.Node = node.value[index]
        return item
    return None


def _value(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node under ``key`` in a mapping node (None if absent)."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found: yaml.Node = value_node
                return found
    return None


__all__ = [
    "AWS_SERVICE_PREFIX",
    "known_accounts_from_entries",
    "known_accounts_from_text",
    "load_known_accounts",
]
