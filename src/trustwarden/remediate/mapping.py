"""External IDs for ``fix``: validation and the per-role mapping file.

Each third party issues its own External ID, so a fix usually needs one value per role. The
mapping file is CSV, one ``role-name-or-arn-or-account-id,external-id`` pair per line (an
account ID means: every role whose outsiders are that third party's account); blank lines and lines
starting with ``#`` are ignored. Role names and External IDs may both contain commas: quote such
a field (``"a,b"``), as CSV does.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from trustwarden.errors import ConfigError, InputError
from trustwarden.model import external_id_problem


def validate_external_id(value: str, *, where: str = "--external-id") -> str:
    """``value`` if STS accepts it as an External ID, else :class:`ConfigError`.

    STS's rule (:func:`~trustwarden.model.external_id_problem`): 2-1224 characters from
    ``[A-Za-z0-9_+=,.@:/-]``. A condition value outside that set could never be matched,
    which would lock everyone out of the role.
    """
    problem = external_id_problem(value)
    if problem is not None:
        raise ConfigError(
            f"{where}: {problem}", hint="use the External ID the third party issued to you"
        )
    return value


@dataclass(frozen=True, slots=True)
class ExternalIds:
    """Where a role's External ID comes from: a per-role map, else one default value."""

    default: str | None = None
    by_role: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None  # the mapping file, for messages

    @property
    def requested(self) -> bool:
        """True when the user asked for an External ID fix at all."""
        return self.default is not None or bool(self.by_role)

    def mapped(self, arn: str, name: str, accounts: Iterable[str] = ()) -> str | None:
        """The map's External ID for this role: its ARN's entry, else its name's, else the
        entry of the outside account it trusts (when its outside accounts map to one ID)."""
        found = self.by_role.get(arn) or self.by_role.get(name)
        if found:
            return found
        by_account = {self.by_role[a] for a in accounts if a in self.by_role}
        return by_account.pop() if len(by_account) == 1 else None

    def for_role(self, arn: str, name: str, accounts: Iterable[str] = ()) -> str | None:
        """The External ID for this role: :meth:`mapped`, else the default."""
        return self.mapped(arn, name, accounts) or self.default


def parse_external_id_map(text: str, *, source: str = "<map>") -> dict[str, str]:
    """Parse mapping-file text into ``{role name or ARN: External ID}`` (validated)."""
    result: dict[str, str] = {}
    lines = [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]
    for number, line in lines:
        where = f"{source}:{number}"
        try:
            fields = next(csv.reader(io.StringIO(line), skipinitialspace=True, strict=True))
        except csv.Error as exc:
            raise InputError(f"{where}: not a CSV line ({exc})") from exc
        fields = [f.strip() for f in fields]
        if len(fields) != 2:
            raise InputError(
                f"{where}: expected 'role-name-or-arn,external-id', got {len(fields)} fields",
                hint='quote a field that contains a comma, e.g. role,"id,with,commas"',
            )
        role, external_id = fields
        if not role:
            raise InputError(f"{where}: the role name or ARN is empty")
        if role in result:
            raise InputError(f"{where}: {role!r} is listed twice")
        try:
            result[role] = validate_external_id(external_id, where=where)
        except ConfigError as exc:
            raise InputError(exc.message, exc.hint) from exc
    return result


def load_external_id_map(path: Path) -> dict[str, str]:
    """Read and validate a mapping file (:class:`InputError` on any problem)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read External ID map {path}: {exc}") from exc
    return parse_external_id_map(text, source=str(path))
