"""Decode and normalise trust-policy JSON into the model (:class:`TrustPolicy`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from trustwarden.errors import PolicyError
from trustwarden.jsonvalues import find_problem, loads
from trustwarden.model import (
    UNIQUE_ID_RE,
    Condition,
    Principal,
    PrincipalForm,
    Statement,
    TrustPolicy,
    is_account_id,
    parse_aws_principal,
)

PRINCIPAL_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")
SET_PREFIXES = ("ForAllValues:", "ForAnyValue:")
# Policy variables (``${...}``) exist only in policy language version 2012-10-17; in
# 2008-10-17 or without a Version they are literal text (AWS docs, "Version").
VARIABLES_VERSION = "2012-10-17"
_VERSIONS = frozenset({VARIABLES_VERSION, "2008-10-17"})  # the only two IAM accepts
# Elements IAM refuses in a role trust policy ("Has prohibited field Resource").
_PROHIBITED_FIELDS = ("Resource", "NotResource")


def decode_document(raw: object) -> dict[str, Any]:
    """Return a policy document as a dict.

    Accepts a dict, a JSON string, or a URL-encoded JSON string (as the IAM API and AWS
    Config deliver it). Raises :class:`PolicyError` for anything else, and for a document
    that holds a value no IAM policy can (``NaN``, ``Infinity``, ``1e999``, an integer too
    long to read, a lone surrogate: see :func:`~trustwarden.jsonvalues.find_problem`).
    """
    if not isinstance(raw, str | bytes):  # decoded already (by us, boto3 or a caller)
        problem = find_problem(raw)
        if problem is not None:
            raise PolicyError(f"the trust policy is not valid JSON for IAM: at {problem}")
    if isinstance(raw, Mapping):
        return dict(raw)
    if raw is None:
        raise PolicyError("the role has no trust policy document")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PolicyError("the trust policy is not UTF-8 text") from exc
    if not isinstance(raw, str):
        raise PolicyError(f"the trust policy is a {type(raw).__name__}, not a JSON object")
    text = raw.strip()
    if not text:
        raise PolicyError("the trust policy document is empty")
    if not text.startswith(("{", '"')) and "%" in text:
        text = unquote(text).strip()
    try:
        value = loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise PolicyError(f"the trust policy is not valid JSON: {msg}") from exc
    if isinstance(value, str):  # a JSON string holding the document
        return decode_document(value) if value.strip() != text else _not_object(value)
    if not isinstance(value, dict):
        return _not_object(value)
    return decode_document(value)


def _not_object(value: object) -> dict[str, Any]:
    raise PolicyError(f"the trust policy is JSON {type(value).__name__}, not an object")


def parse_policy(doc: Mapping[str, Any]) -> TrustPolicy:
    """Normalise a decoded trust-policy document; raise :class:`PolicyError` if invalid."""
    if not isinstance(doc, Mapping):
        raise PolicyError("the trust policy is not a JSON object")
    version = doc.get("Version")
    if version is not None and not isinstance(version, str):
        raise PolicyError("Version must be a string")
    if version is not None and version not in _VERSIONS:
        raise PolicyError(
            f'Version must be "2012-10-17" or "2008-10-17", not {version!r} '
            '(IAM rejects it: "The policy must contain a valid version string")'
        )
    if "Statement" not in doc:
        raise PolicyError("the trust policy has no Statement")
    raw_statements = doc["Statement"]
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        raise PolicyError("Statement must be an object or a list of objects")
    variables = version == VARIABLES_VERSION
    statements = tuple(_parse_statement(i, s, variables) for i, s in enumerate(raw_statements))
    return TrustPolicy(statements=statements, version=version)


def _parse_statement(index: int, raw: object, variables: bool) -> Statement:
    where = f"statement {index}"
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{where} is not an object")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError(f"{where}: Sid must be a string")
    if sid:
        where = f"statement {sid!r}"
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f'{where}: Effect must be "Allow" or "Deny", not {effect!r}')
    for prohibited in _PROHIBITED_FIELDS:
        if prohibited in raw:
            raise PolicyError(
                f"{where}: a trust policy cannot have {prohibited} (IAM rejects it: "
                f'"MalformedPolicyDocument: Has prohibited field {prohibited}")'
            )
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyError(f"{where}: needs exactly one of Action and NotAction")
    if ("Principal" in raw) == ("NotPrincipal" in raw):
        raise PolicyError(f"{where}: needs exactly one of Principal and NotPrincipal")
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] | None = None
    if "Action" in raw:
        actions = _strings(raw["Action"], f"{where}: Action")
    else:
        not_actions = _strings(raw["NotAction"], f"{where}: NotAction")
    principals: tuple[Principal, ...] = ()
    not_principals: tuple[Principal, ...] | None = None
    if "Principal" in raw:
        principals = _principals(raw["Principal"], f"{where}: Principal")
    else:
        not_principals = _principals(raw["NotPrincipal"], f"{where}: NotPrincipal")
    conditions = _conditions(raw.get("Condition"), where, variables)
    return Statement(
        index=index,
        sid=sid or None,
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        principals=principals,
        not_principals=not_principals,
        conditions=conditions,
    )


def _strings(value: object, where: str) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
        raise PolicyError(f"{where} must be a string or a list of strings")
    return tuple(items)


def _principals(value: object, where: str) -> tuple[Principal, ...]:
    if value == "*":
        return (Principal("*", "*"),)
    if not isinstance(value, Mapping):
        raise PolicyError(f'{where} must be "*" or an object such as {{"AWS": ...}}')
    out: list[Principal] = []
    for kind, entries in value.items():
        if kind not in PRINCIPAL_KINDS:
            raise PolicyError(f"{where}: unknown principal type {kind!r}")
        for entry in _strings(entries, f"{where}.{kind}"):
            principal = Principal(kind, entry)
            if kind == "AWS" and principal.form is PrincipalForm.OTHER:
                raise PolicyError(
                    f"{where}: {entry!r} is not a valid AWS principal (IAM rejects it: "
                    '"Invalid principal in policy")'
                )
            out.append(principal)
    if not out:
        raise PolicyError(f"{where} is empty")
    return tuple(out)


def _conditions(value: object, where: str, variables: bool) -> tuple[Condition, ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        raise PolicyError(f"{where}: Condition must be an object")
    out: list[Condition] = []
    for operator, block in value.items():
        if not isinstance(block, Mapping):
            raise PolicyError(f"{where}: Condition {operator!r} must map keys to values")
        set_op: str | None = None
        base = str(operator)
        for prefix in SET_PREFIXES:
            if base.startswith(prefix):
                set_op, base = prefix[:-1], base[len(prefix) :]
        if_exists = base.endswith("IfExists") and base != "IfExists"
        if if_exists:
            base = base[: -len("IfExists")]
        for key, raw_values in block.items():
            values = _condition_values(raw_values, f"{where}: {operator} {key}")
            out.append(
                Condition(
                    operator=str(operator),
                    base=base,
                    key=str(key).lower(),
                    key_as_written=str(key),
                    values=values,
                    if_exists=if_exists,
                    set_op=set_op,
                    variables=variables,
                )
            )
    return tuple(out)


def _condition_values(value: object, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, bool):
            out.append("true" if item else "false")
        elif isinstance(item, str):
            out.append(item)
        elif isinstance(item, (int, float)):
            out.append(str(item))
        else:
            raise PolicyError(f"{where}: condition values must be strings, numbers or booleans")
    return tuple(out)


__all__ = [
    # Principals are parsed once, in the model; these stay importable from here.
    "PRINCIPAL_KINDS",
    "SET_PREFIXES",
    "UNIQUE_ID_RE",
    "decode_document",
    "is_account_id",
    "parse_aws_principal",
    "parse_policy",
]
