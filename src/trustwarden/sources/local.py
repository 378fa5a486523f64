"""Offline sources: files exported with the AWS CLI, the bundled sample estate, and
infrastructure-as-code templates."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from trustwarden.errors import InputError, PolicyError
from trustwarden.model import Role, Settings, Skipped
from trustwarden.pipeline import Event, Item, Opened


@dataclass(frozen=True, slots=True)
class FileSource:
    """Roles from files: ``get-account-authorization-details``, ``list-roles``, ``get-role``
    output, or bare trust policies (of the role's ``account_id``).

    A file that cannot be read (or stops being readable part-way) becomes a
    :class:`~trustwarden.model.Skipped` item and the other files are still read.
    """

    paths: tuple[Path, ...]
    account_id: str | None = None

    def open(self, settings: Settings) -> Opened:
        """Check the account id (before any output) and stream the files' roles."""
        if self.account_id is not None:
            from trustwarden.config import validate_account_id  # noqa: PLC0415

            validate_account_id(self.account_id)
        return Opened(roles=read_files(self.paths, self.account_id), settings=settings)


@dataclass(frozen=True, slots=True)
class SampleSource:
    """The sample estate bundled with trustwarden (no AWS needed). Its roles' files are
    named ``sample/<file>``, not by where the package happens to be installed."""

    def open(self, settings: Settings) -> Opened:
        """Stream the sample's roles."""
        from trustwarden.sources.sample import sample_paths  # noqa: PLC0415

        opened = FileSource(tuple(sample_paths())).open(settings)
        return replace(opened, roles=(_as_sample(item) for item in opened.roles))


def _as_sample(item: Item) -> Item:
    if not isinstance(item, Role) or not item.origin.file:
        return item
    name = f"sample/{Path(item.origin.file).name}"
    return replace(item, origin=replace(item.origin, file=name))


@dataclass(frozen=True, slots=True)
class TemplateSource:
    """Roles declared in CloudFormation/SAM templates, CDK output, Terraform plans and
    configurations (files or folders, searched recursively), of the account ``account_id``
    they deploy to (unknown: literal accounts count as outsiders, and a note says so).

    A role whose template the reader cannot decide comes as several variants; the scan
    shows the worst.
    """

    paths: tuple[Path, ...]
    account_id: str | None = None

    def open(self, settings: Settings) -> Opened:
        """Check the account id and stream the templates' roles."""
        from trustwarden.sources.iac import load_paths, merge_results  # noqa: PLC0415

        if self.account_id is not None:
            from trustwarden.config import validate_account_id  # noqa: PLC0415

            validate_account_id(self.account_id)
        account_id = self.account_id

        def combine(events: Iterator[Event]) -> Iterator[Event]:
            return merge_results(events, account_id)

        return Opened(roles=load_paths(self.paths, account_id), settings=settings, combine=combine)


def read_files(paths: Iterable[Path], account_id: str | None = None) -> Iterator[Item]:
    """The roles of ``paths`` in order; an unreadable file is one :class:`Skipped` item."""
    from trustwarden.sources.offline import load_file  # noqa: PLC0415 - loaded on use

    for path in paths:
        try:
            yield from load_file(path, account_id=account_id)
        except (InputError, PolicyError) as exc:
            name = str(path)
            reason = exc.message.removeprefix(f"{name}: ")
            yield Skipped(what=name, reason=reason)


__all__ = ["FileSource", "SampleSource", "TemplateSource", "read_files"]
