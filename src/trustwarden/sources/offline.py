"""Offline sources: IAM JSON exported with the AWS CLI, the shape detected per file.

Accepted shapes (by their top-level keys):

- ``aws iam get-account-authorization-details``: ``RoleDetailList`` (also ``UserDetailList``,
  ``GroupDetailList``, ``Policies``). Inline policies and attached managed policies become
  :class:`Permissions`; customer-managed documents are resolved from ``Policies``.
- ``aws iam list-roles``: ``Roles``; a bare JSON list of role entries (``--query Roles``).
- ``aws iam get-role``: ``Role``.
- a bare trust-policy document (``Statement``), as a JSON object, a JSON string or
  URL-encoded JSON. Its role's account id must be given; the role name is the file stem.

Roles are yielded lazily in input order. Large arrays are streamed element by element (see
:mod:`trustwarden.sources.jsonstream`), so memory does not grow with the file. When
``Policies`` comes after ``RoleDetailList`` (as the AWS CLI writes it), it is first found
from the end of the file (:mod:`trustwarden.sources.policies_probe`) so that every role
carries its permissions when yielded; if that is unsure the file is read twice, and a pipe
(which cannot be read twice) has its role entries held until ``Policies`` is known. Trust
documents are kept raw (object or string): the engine decodes them, so a malformed one is
an ``error`` result for that role. A role entry without ``Arn``/``RoleName`` becomes a
:class:`Skipped`; a file that cannot be read or has no recognised shape raises
:class:`InputError` (lazily: roles before a defect later in the file are yielded first).
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from trustwarden.config import validate_account_id
from trustwarden.errors import InputError, PolicyError
from trustwarden.jsonvalues import BadNumber
from trustwarden.model import Origin, Permissions, Role, RoleFacts, Skipped, role_arn_account
from trustwarden.policy import decode_document
from trustwarden.sources.jsonstream import TOO_DEEP, JsonStream
from trustwarden.sources.permissions import PolicyIndex, role_permissions
from trustwarden.sources.policies_probe import probe_policies, read_policy_index

AUTHZ = "authz"
LIST_ROLES = "list-roles"
GET_ROLE = "get-role"
POLICY = "policy"

ACCEPTED_SHAPES = (
    "accepted inputs: the JSON output of 'aws iam get-account-authorization-details', "
    "'aws iam list-roles' or 'aws iam get-role', a JSON list of role entries, or a "
    "trust-policy document (with --account-id)"
)

_SHAPE_BY_KEY = {
    "RoleDetailList": AUTHZ,
    "UserDetailList": AUTHZ,
    "GroupDetailList": AUTHZ,
    "Policies": AUTHZ,
    "Roles": LIST_ROLES,
    "Role": GET_ROLE,
    "Statement": POLICY,
}

Item = Role | Skipped


@dataclass(frozen=True, slots=True)
class _File:
    path: Path
    name: str
    account_id: str | None


def load_files(paths: Iterable[Path], *, account_id: str | None = None) -> Iterator[Item]:
    """Roles (and skipped entries) of every file in ``paths``, in order."""
    for path in paths:
        yield from load_file(path, account_id=account_id)


def load_file(path: Path, *, account_id: str | None = None) -> Iterator[Item]:
    """Roles (and skipped entries) of one file, in input order, read lazily.

    ``account_id`` is only used for a bare trust-policy document (the role's account); the
    other shapes take each role's account from its ARN. Raises :class:`ConfigError` at once
    for an invalid ``account_id`` and :class:`InputError` (while iterating) for a file that
    cannot be read or is of no recognised shape.
    """
    if account_id is not None:
        account_id = validate_account_id(account_id)
    return _load(_File(path=path, name=str(path), account_id=account_id))


# --------------------------------------------------------------------------- reading


def _open(file: _File) -> TextIO:
    try:
        return file.path.open(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"{file.name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{file.name}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"{file.name}: cannot read: {exc.strerror or exc}") from None


def _load(file: _File) -> Iterator[Item]:
    with _open(file) as handle:
        stream = JsonStream(handle, file.name)
        first = stream.peek()
        if not first:
            raise InputError(f"{file.name}: the file is empty", hint=ACCEPTED_SHAPES)
        if first == "[":
            yield from _entries(stream, file, LIST_ROLES, "", None)
            stream.end()
            return
        if first != "{":
            yield _policy_from_text(stream, file)
            return
        second_pass = yield from _walk(stream, file)
    if second_pass is not None:
        policies, from_occurrence = second_pass
        with _open(file) as handle:
            stream = JsonStream(handle, file.name)
            yield from _deferred_roles(stream, file, policies, from_occurrence)


@dataclass(slots=True)
class _RoleLists:
    """How the ``RoleDetailList`` occurrences of one file are being read."""

    rereadable: bool  # a regular file (not a pipe): it can be probed and read again
    policies: dict[str, Mapping[str, Any]] | None = None
    probed: bool = False  # policies came from probe_policies: skip the key when it comes
    occurrence: int = 0
    deferred_from: int | None = None  # first occurrence that had to wait for Policies
    pending: list[tuple[str, int, object]] = field(default_factory=list)  # when not rereadable


def _walk(stream: JsonStream, file: _File) -> Generator[Item, None, tuple[PolicyIndex, int] | None]:
    """Walk the top-level object, yielding what can be yielded in this pass.

    Returns ``(policies, n)`` when the ``RoleDetailList`` occurrences from the ``n``-th on
    came before ``Policies`` and must be read again, else ``None``.
    """
    shape: str | None = None
    stored: dict[str, object] = {}
    lists = _RoleLists(rereadable=file.path.is_file())
    for key in stream.object_keys():
        if shape is None:
            shape = _SHAPE_BY_KEY.get(key)
        if shape == AUTHZ and key == "RoleDetailList":
            yield from _role_list(stream, file, lists)
        elif shape == AUTHZ and key == "Policies":
            if lists.probed:
                _skip_list(stream, key)  # already read from the end of the file
            else:
                index = read_policy_index(stream)
                lists.policies = index if lists.policies is None else {**lists.policies, **index}
        elif shape == AUTHZ and key in ("UserDetailList", "GroupDetailList"):
            _skip_list(stream, key)
        elif shape == LIST_ROLES and key == "Roles":
            yield from _entries(stream, file, LIST_ROLES, "/Roles", None)
        elif shape == GET_ROLE and key == "Role":
            line = stream.line()
            yield _role(stream.value(), file, GET_ROLE, pointer="/Role", line=line, policies=None)
        else:
            stored[key] = stream.value()
    stream.end()
    if shape is None:
        keys = ", ".join(stored) or "none"
        raise InputError(
            f"{file.name}: not a recognised IAM export (top-level keys: {keys})",
            hint=ACCEPTED_SHAPES,
        )
    if shape == POLICY:
        yield _policy_role(stored, file)
    policies = lists.policies or {}
    for pointer, line, entry in lists.pending:
        yield _role(entry, file, AUTHZ, pointer=pointer, line=line, policies=policies)
    if lists.deferred_from is None or not lists.rereadable:
        return None
    return policies, lists.deferred_from


def _role_list(stream: JsonStream, file: _File, lists: _RoleLists) -> Iterator[Item]:
    """One ``RoleDetailList``: yielded now if the policies are known, else deferred."""
    if lists.policies is None and lists.deferred_from is None and lists.rereadable:
        lists.policies = probe_policies(file.path, file.name)
        lists.probed = lists.policies is not None
    if lists.policies is not None and lists.deferred_from is None:
        yield from _entries(stream, file, AUTHZ, "/RoleDetailList", lists.policies)
    else:
        if lists.deferred_from is None:
            lists.deferred_from = lists.occurrence
        if lists.rereadable:
            _skip_list(stream, "RoleDetailList")
        else:  # a pipe cannot be read twice: keep the entries until Policies is known
            _check_list(stream, "RoleDetailList")
            lists.pending.extend(
                (f"/RoleDetailList/{index}", line, entry) for index, line, entry in stream.array()
            )
    lists.occurrence += 1


def _deferred_roles(
    stream: JsonStream, file: _File, policies: PolicyIndex, from_occurrence: int
) -> Iterator[Item]:
    """Second pass: the ``RoleDetailList`` occurrences the first pass had to skip."""
    occurrence = 0
    for key in stream.object_keys():
        if key == "RoleDetailList":
            if occurrence >= from_occurrence:
                yield from _entries(stream, file, AUTHZ, "/RoleDetailList", policies)
            else:
                stream.skip()
            occurrence += 1
        else:
            stream.skip()


def _check_list(stream: JsonStream, key: str) -> None:
    if stream.peek() != "[":
        raise stream.error(f"{key} is not a list")


def _skip_list(stream: JsonStream, key: str) -> None:
    _check_list(stream, key)
    stream.skip()


def _entries(
    stream: JsonStream, file: _File, source: str, pointer: str, policies: PolicyIndex | None
) -> Iterator[Item]:
    _check_list(stream, pointer.lstrip("/"))
    for index, line, entry in stream.array():
        yield _role(entry, file, source, pointer=f"{pointer}/{index}", line=line, policies=policies)


# --------------------------------------------------------------------------- building roles


def _role(
    entry: object,
    file: _File,
    source: str,
    *,
    pointer: str,
    line: int,
    policies: PolicyIndex | None,
) -> Item:
    """One role entry as a :class:`Role`, or a :class:`Skipped` saying why it is not one."""
    if entry is TOO_DEEP:
        return _skipped(file, pointer, line, "it is nested too deeply")
    if not isinstance(entry, dict):
        return _skipped(file, pointer, line, "it is not a JSON object")
    arn = entry.get("Arn")
    if not isinstance(arn, str) or not arn:
        return _skipped(file, pointer, line, "it has no Arn")
    account = role_arn_account(arn)
    if account is None:
        return _skipped(file, pointer, line, f"its Arn {arn!r} is not an IAM role ARN")
    name = entry.get("RoleName")
    if not isinstance(name, str) or not name:
        return _skipped(file, pointer, line, "it has no RoleName", account)
    permissions: Permissions | None = None
    problems: tuple[str, ...] = ()
    if policies is not None or "RolePolicyList" in entry or "AttachedManagedPolicies" in entry:
        permissions, found = role_permissions(entry, policies or {})
        problems = tuple(found)
    return Role(
        arn=arn,
        name=name,
        account_id=account,
        trust_document=entry.get("AssumeRolePolicyDocument"),
        origin=Origin(
            source=source, file=file.name, pointer=pointer, line=line, account_id=account
        ),
        permissions=permissions,
        facts=_facts(entry, problems),
    )


def _skipped(
    file: _File, pointer: str, line: int, reason: str, account: str | None = None
) -> Skipped:
    what = f"role entry {pointer} in {file.name} (line {line})"
    return Skipped(what=what, reason=reason, account_id=account)


def _facts(entry: dict[str, Any], problems: tuple[str, ...] = ()) -> RoleFacts:
    """The facts reports may show (path, tags, last use...), as the live source reads them."""
    get = entry.get
    path, role_id = get("Path"), get("RoleId")
    tags = get("Tags")
    pairs: tuple[tuple[str, str], ...] = ()
    if tags and isinstance(tags, list):
        pairs = tuple(
            (str(t["Key"]), str(t.get("Value", "")))
            for t in tags
            if isinstance(t, dict) and "Key" in t
        )
    used, region = None, None
    last_used = get("RoleLastUsed")
    if last_used and isinstance(last_used, dict):
        used, region = last_used.get("LastUsedDate"), last_used.get("Region")
    return RoleFacts(
        path if isinstance(path, str) else None,
        role_id if isinstance(role_id, str) else None,
        pairs,
        used if isinstance(used, str) else None,
        region if isinstance(region, str) else None,
        problems,
    )


def _policy_role(document: object, file: _File) -> Role:
    """The role a bare trust-policy file stands for: named after the file."""
    if file.account_id is None:
        raise InputError(
            f"{file.name}: a bare trust-policy document needs the role's account id",
            hint="pass --account-id 123456789012 (the role name defaults to the file name)",
        )
    name = file.path.stem
    arn = f"arn:aws:iam::{file.account_id}:role/{name}"
    return Role(
        arn=arn,
        name=name,
        account_id=file.account_id,
        trust_document=document,
        origin=Origin(
            source=POLICY, file=file.name, pointer="", line=1, account_id=file.account_id
        ),
    )


def _policy_from_text(stream: JsonStream, file: _File) -> Role:
    """A file holding a policy as a JSON string or as URL-encoded JSON text."""
    if stream.peek() == '"':
        raw: object = stream.value()
        stream.end()
    elif stream.peek() == "%":
        raw = stream.rest().strip()
    else:
        value = stream.value()  # raises for text that is not JSON
        kind = "number" if isinstance(value, BadNumber) else type(value).__name__
        raise InputError(
            f"{file.name}: not a recognised IAM export (a JSON {kind})",
            hint=ACCEPTED_SHAPES,
        )
    try:
        document = decode_document(raw)
    except PolicyError as exc:
        raise InputError(
            f"{file.name}: not a recognised IAM export ({exc.message})", hint=ACCEPTED_SHAPES
        ) from None
    if "Statement" not in document:
        raise InputError(
            f"{file.name}: not a recognised IAM export (an encoded document without Statement)",
            hint=ACCEPTED_SHAPES,
        )
    return _policy_role(raw, file)
