"""Pure helpers for trust-policy JSON documents: minify, measure, pretty-print, compare.

IAM rewrites a policy when it stores it (a bare account ID becomes its ``root`` ARN, a
one-element list may come back as a string), so "is this the document we wrote?" is answered
on a canonical form rather than on bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from trustwarden.model import Principal, PrincipalForm


def minify(document: Mapping[str, Any]) -> str:
    """The document as compact JSON, key order kept: the form trustwarden writes to IAM.

    ``NaN``/``Infinity`` are not JSON: they raise ``ValueError`` rather than reach IAM (the
    policy decoder already rejects documents that hold them).
    """
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def pretty(document: Mapping[str, Any]) -> str:
    """The document as indented JSON, key order kept (for diffs and files); finite numbers only."""
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False)


def policy_size(document: Mapping[str, Any]) -> int:
    """Characters the document counts against the role's trust-policy quota.

    IAM does not count white space, so this is the minified JSON without any white space.
    """
    return len("".join(minify(document).split()))


def canonical(document: object) -> object:
    """A form of the document that two IAM-equivalent spellings share.

    Normalises only what IAM itself rewrites or treats as the same: a single ``Statement``
    object vs a list, one value vs a one-element list, the order of principal/action/value
    lists, JSON booleans and numbers vs their string form, and an account ID vs its
    ``arn:...:iam::ID:root`` ARN.
    """
    if not isinstance(document, Mapping):
        return _scalar(document)
    out: dict[str, object] = {}
    for key, value in document.items():
        if key == "Statement":
            statements = value if isinstance(value, list) else [value]
            out[key] = [_canonical_statement(s) for s in statements]
        else:
            out[key] = _canonical_value(value)
    return out


def documents_equal(a: object, b: object) -> bool:
    """True when both documents are the same policy once IAM's rewrites are undone."""
    return canonical(a) == canonical(b)


def _canonical_statement(statement: object) -> object:
    if not isinstance(statement, Mapping):
        return _canonical_value(statement)
    out: dict[str, object] = {}
    for key, value in statement.items():
        if key in ("Principal", "NotPrincipal") and isinstance(value, Mapping):
            out[key] = {
                kind: _value_set(entries, principal=kind == "AWS")
                for kind, entries in value.items()
            }
        elif key in ("Action", "NotAction", "Resource", "NotResource"):
            out[key] = _value_set(value)
        elif key == "Condition" and isinstance(value, Mapping):
            out[key] = {
                op: (
                    {k: _value_set(v) for k, v in block.items()}
                    if isinstance(block, Mapping)
                    else _canonical_value(block)
                )
                for op, block in value.items()
            }
        else:
            out[key] = _canonical_value(value)
    return out


def _value_set(value: object, *, principal: bool = False) -> object:
    items = value if isinstance(value, list) else [value]
    normalised = [_principal(_scalar(v)) if principal else _scalar(v) for v in items]
    if all(isinstance(v, str) for v in normalised):
        return sorted(set(normalised), key=str)
    return normalised


def _principal(value: object) -> object:
    if isinstance(value, str):
        principal = Principal.aws(value)
        if principal.form is PrincipalForm.ROOT:
            return principal.account_id
    return value


def _canonical_value(value: object) -> object:
    if isinstance(value, Mapping):
        return {k: _canonical_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical_value(v) for v in value]
    return value


def _scalar(value: object) -> object:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return _canonical_value(value)
