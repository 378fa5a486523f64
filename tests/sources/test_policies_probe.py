"""Finding ``Policies`` from the end of the file, and the fallbacks when that is unsure."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustwarden.model import Permissions, Role, Skipped
from trustwarden.sources import jsonstream, offline, policies_probe
from trustwarden.sources.offline import load_file
from trustwarden.sources.permissions import index_entry, role_permissions
from trustwarden.sources.policies_probe import probe_policies

ACCOUNT = "123456789012"
ADMIN = f"arn:aws:iam::{ACCOUNT}:policy/admin"
ADMIN_DOC = {"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
FAKE_DOC = {"Statement": [{"Effect": "Allow", "Action": "fake:*", "Resource": "*"}]}
REAL_POLICIES = [
    {
        "Arn": ADMIN,
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "Document": ADMIN_DOC}],
    }
]
# A look-alike of the top-level key, nested inside a role entry: it must never be taken.
DECOY = [
    {
        "Arn": ADMIN,
        "DefaultVersionId": "v1",
        "PolicyVersionList": [{"VersionId": "v1", "Document": FAKE_DOC}],
    }
]
TRICKY_TEXT = [
    "Policies",
    '"Policies": [',
    '\\"Policies\\": []}',
    "ends with a backslash \\",
    '\\\\"Policies": []',
    '"Policies": [], "IsTruncated": false}',
]


def role_entry(i: int, description: str = "", decoy: bool = False) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "RoleName": f"r{i}",
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/r{i}",
        "AssumeRolePolicyDocument": {"Statement": []},
        "Description": description,
        "Tags": [{"Key": "Policies", "Value": "Policies"}],
        "AttachedManagedPolicies": [{"PolicyArn": ADMIN}] if i % 2 else [],
    }
    if decoy:
        entry["Extra"] = {"Policies": DECOY}
        entry["RolePolicyList"] = [
            {"PolicyName": "p", "PolicyDocument": {"Statement": [], "Policies": DECOY}}
        ]
    return entry


def write(path: Path, doc: object, indent: int | None = 4) -> Path:
    path.write_text(json.dumps(doc, indent=indent), encoding="utf-8")
    return path


def expected(doc: dict[str, Any]) -> list[tuple[str, str, Permissions | None]]:
    index: dict[str, Any] = {}
    for entry in doc.get("Policies", []):
        index_entry(index, entry)
    out: list[tuple[str, str, Permissions | None]] = []
    for i, entry in enumerate(doc["RoleDetailList"]):
        permissions, _ = role_permissions(entry, index)
        out.append((entry["RoleName"], f"/RoleDetailList/{i}", permissions))
    return out


def got(path: Path) -> list[tuple[str, str, Permissions | None]]:
    items = list(load_file(path))
    assert not [i for i in items if isinstance(i, Skipped)]
    return [(r.name, r.origin.pointer or "", r.permissions) for r in items if isinstance(r, Role)]


def no_second_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was read twice")

    monkeypatch.setattr(offline, "_deferred_roles", fail)


# --------------------------------------------------------------------------- the probe


def test_aws_cli_order_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = {
        "UserDetailList": [],
        "RoleDetailList": [role_entry(i, TRICKY_TEXT[i % 6], decoy=True) for i in range(8)],
        "Policies": REAL_POLICIES,
        "IsTruncated": False,
    }
    path = write(tmp_path / "authz.json", doc)
    no_second_pass(monkeypatch)
    roles = got(path)
    assert roles == expected(doc)
    permissions = roles[1][2]
    assert permissions is not None
    assert permissions.documents[-1] == ADMIN_DOC


def test_probe_ignores_nested_and_quoted_look_alikes(tmp_path: Path) -> None:
    doc: dict[str, Any] = {
        "RoleDetailList": [role_entry(i, TRICKY_TEXT[i % 6], decoy=True) for i in range(6)]
    }
    path = write(tmp_path / "authz.json", doc)
    assert probe_policies(path, "authz.json") is None  # only decoys: nothing verified
    doc["Policies"] = REAL_POLICIES
    doc["IsTruncated"] = False
    write(path, doc, indent=None)
    assert probe_policies(path, "authz.json") == {ADMIN: ADMIN_DOC}


def test_a_later_key_ending_in_an_escaped_quote_and_policies_is_not_taken(tmp_path: Path) -> None:
    # The key 'x"Policies' is written "x\"Policies": its last 10 bytes look like the needle.
    doc = {"RoleDetailList": [role_entry(1)], "Policies": REAL_POLICIES, 'x"Policies': DECOY}
    path = write(tmp_path / "authz.json", doc)
    assert probe_policies(path, "authz.json") == {ADMIN: ADMIN_DOC}
    assert got(path) == expected(doc)


def test_probe_refuses_a_policies_key_followed_by_role_lists(tmp_path: Path) -> None:
    text = (
        '{"RoleDetailList": [], "Policies": '
        + json.dumps(REAL_POLICIES)
        + ', "RoleDetailList": []}'
    )
    path = tmp_path / "authz.json"
    path.write_text(text)
    assert probe_policies(path, "authz.json") is None


def test_probe_of_a_broken_tail_finds_nothing(tmp_path: Path) -> None:
    path = tmp_path / "authz.json"
    path.write_text('{"RoleDetailList": [], "Policies": ' + json.dumps(REAL_POLICIES))
    assert probe_policies(path, "authz.json") is None


def test_probe_of_a_missing_file_finds_nothing(tmp_path: Path) -> None:
    assert probe_policies(tmp_path / "nope.json", "nope.json") is None


@pytest.mark.parametrize("chunk", [1, 5, 11, 64])
def test_probe_across_small_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(policies_probe, "CHUNK_SIZE", chunk)
    doc = {
        "RoleDetailList": [role_entry(0, TRICKY_TEXT[2])],
        "Policies": REAL_POLICIES,
        "IsTruncated": False,
    }
    path = write(tmp_path / "authz.json", doc, indent=None)
    assert probe_policies(path, "authz.json") == {ADMIN: ADMIN_DOC}


def test_backslashes_reaching_before_the_read_window_give_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(policies_probe, "CHUNK_SIZE", 8)
    monkeypatch.setattr(policies_probe, "_LOOK_BEHIND", 4)
    # the needle sits in a string after 10 backslashes: unsure -> None, never a wrong answer
    path = tmp_path / "authz.json"
    path.write_text('{"RoleDetailList": [], "X": "' + "\\" * 10 + '"Policies": []}')
    assert probe_policies(path, "authz.json") is None


def test_without_policies_the_file_is_read_twice_and_still_right(tmp_path: Path) -> None:
    doc = {"RoleDetailList": [role_entry(i) for i in range(3)], "IsTruncated": False}
    path = write(tmp_path / "authz.json", doc)
    assert got(path) == expected(doc)


def test_piped_input_is_buffered_not_read_twice(tmp_path: Path) -> None:
    doc = {"RoleDetailList": [role_entry(i) for i in range(5)], "Policies": REAL_POLICIES}
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    text = json.dumps(doc, indent=2)

    def feed() -> None:
        with fifo.open("w", encoding="utf-8") as out:
            out.write(text)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        result = got(fifo)
    finally:
        writer.join(timeout=10)
    assert result == expected(doc)
    permissions = result[1][2]
    assert permissions is not None
    assert permissions.documents == (ADMIN_DOC,)


# --------------------------------------------------------------------------- property


@st.composite
def estates(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(min_value=0, max_value=6))
    roles = [
        role_entry(i, draw(st.sampled_from(TRICKY_TEXT)), decoy=draw(st.booleans()))
        for i in range(n)
    ]
    members: list[tuple[str, object]] = [("RoleDetailList", roles), ("IsTruncated", False)]
    if draw(st.booleans()):
        members.append(("Policies", REAL_POLICIES))
    if draw(st.booleans()):
        members.append(("UserDetailList", [{"UserName": "Policies", "Policies": DECOY}]))
    order = draw(st.permutations(members))
    return dict(order)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    doc=estates(),
    indent=st.none() | st.integers(0, 4),
    probe_chunk=st.integers(min_value=1, max_value=300),
    read_chunk=st.integers(min_value=1, max_value=300),
)
def test_any_key_order_layout_and_chunking_gives_the_reference_roles(
    tmp_path_factory: pytest.TempPathFactory,
    doc: dict[str, Any],
    indent: int | None,
    probe_chunk: int,
    read_chunk: int,
) -> None:
    path = write(tmp_path_factory.mktemp("estate") / "authz.json", doc, indent=indent)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(policies_probe, "CHUNK_SIZE", probe_chunk)
        patch.setattr(jsonstream, "CHUNK_SIZE", read_chunk)
        assert got(path) == expected(doc)
