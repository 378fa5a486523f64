"""Offline sources: shape detection, encodings, skipped entries, errors, order, laziness."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from trustwarden.engine import analyze_role
from trustwarden.errors import ConfigError, InputError
from trustwarden.model import Role, Settings, Skipped, Status
from trustwarden.sources import jsonstream
from trustwarden.sources.offline import load_file, load_files

DATA = Path(__file__).resolve().parents[1] / "data" / "offline"
ACCOUNT = "123456789012"
VENDOR = "999988887777"

UNPROTECTED = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{VENDOR}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def role_entry(name: str, trust: object = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "Path": "/",
        "RoleName": name,
        "RoleId": "AROA" + name.upper().ljust(17, "X")[:17],
        "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}",
        "AssumeRolePolicyDocument": UNPROTECTED if trust is None else trust,
    }
    entry.update(extra)
    return entry


def write(tmp_path: Path, name: str, content: object, *, indent: int | None = 4) -> Path:
    path = tmp_path / name
    text = content if isinstance(content, str) else json.dumps(content, indent=indent)
    path.write_text(text, encoding="utf-8")
    return path


def roles_of(items: list[Role | Skipped]) -> list[Role]:
    return [item for item in items if isinstance(item, Role)]


# --------------------------------------------------------------------------- shapes


def test_authorization_details_roles_permissions_and_skipped_entry() -> None:
    items = list(load_file(DATA / "authorization-details.json"))
    assert [type(i).__name__ for i in items] == ["Role", "Skipped", "Role"]
    admin, skipped, with_id = items
    assert isinstance(admin, Role)
    assert isinstance(skipped, Skipped)
    assert isinstance(with_id, Role)
    assert admin.name == "vendor-admin"
    assert admin.arn == f"arn:aws:iam::{ACCOUNT}:role/vendor-admin"
    assert admin.account_id == ACCOUNT
    assert admin.origin.source == "authz"
    assert admin.origin.pointer == "/RoleDetailList/0"
    assert admin.origin.file == str(DATA / "authorization-details.json")
    assert admin.origin.account_id == ACCOUNT
    lines = (DATA / "authorization-details.json").read_text().splitlines()
    line = admin.origin.line
    assert line is not None
    assert lines[line - 1].strip() == "{"
    assert '"vendor-admin"' in lines[line + 1]
    assert admin.permissions is not None
    assert admin.permissions.managed_policy_arns == (
        f"arn:aws:iam::{ACCOUNT}:policy/ops-full",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    )
    # inline first, then the customer-managed policy's *default* version (v3, URL-encoded)
    assert admin.permissions.documents[0]["Statement"][0]["Action"] == "s3:GetObject"
    assert admin.permissions.documents[1]["Statement"][0] == {
        "Effect": "Allow",
        "Action": "*",
        "Resource": "*",
    }
    assert len(admin.permissions.documents) == 2
    assert "/RoleDetailList/1" in skipped.what
    assert "authorization-details.json" in skipped.what
    assert skipped.reason == "it has no Arn"
    assert with_id.origin.pointer == "/RoleDetailList/2"
    assert isinstance(with_id.trust_document, str)  # kept raw, URL-encoded
    assert with_id.permissions is not None
    assert with_id.permissions.documents == ()


def test_authorization_details_verdicts_and_severity() -> None:
    roles = roles_of(list(load_file(DATA / "authorization-details.json")))
    results = {r.name: analyze_role(r, Settings()) for r in roles}
    assert results["vendor-admin"].status is Status.FAIL
    assert results["vendor-admin"].severity.value == "high"  # resolved ops-full is "*" on "*"
    assert results["vendor-with-id"].status is Status.PASS


def test_list_roles() -> None:
    items = list(load_file(DATA / "list-roles.json"))
    assert all(isinstance(i, Role) for i in items)
    roles = roles_of(items)
    assert [r.name for r in roles] == ["vendor-readonly", "lambda-exec"]
    assert [r.origin.pointer for r in roles] == ["/Roles/0", "/Roles/1"]
    assert {r.origin.source for r in roles} == {"list-roles"}
    assert roles[0].permissions is None  # list-roles says nothing about permissions
    assert roles[1].facts.path == "/service-role/"
    assert roles[1].arn.endswith(":role/service-role/lambda-exec")
    statuses = [analyze_role(r, Settings()).status for r in roles]
    assert statuses == [Status.FAIL, Status.PASS]


def test_get_role_with_json_string_document() -> None:
    (role,) = list(load_file(DATA / "get-role.json"))
    assert isinstance(role, Role)
    assert role.name == "partner-sync"
    assert role.origin.source == "get-role"
    assert role.origin.pointer == "/Role"
    assert role.origin.line == 2
    raw = json.loads((DATA / "get-role.json").read_text())["Role"]["AssumeRolePolicyDocument"]
    assert isinstance(raw, str)
    assert role.trust_document == raw  # the JSON string, kept as delivered
    assert role.facts.tag_map == {"owner": "data-team"}
    assert role.facts.last_used == "2024-05-30T11:02:00+00:00"
    assert role.facts.last_used_region == "eu-central-1"
    assert analyze_role(role, Settings()).status is Status.PASS


def test_bare_policy_needs_account_id() -> None:
    with pytest.raises(InputError) as caught:
        list(load_file(DATA / "trust-policy.json"))
    assert "trust-policy.json" in caught.value.message
    assert "account id" in caught.value.message
    assert caught.value.hint is not None
    assert "--account-id" in caught.value.hint


def test_bare_policy_named_after_the_file() -> None:
    (role,) = list(load_file(DATA / "trust-policy.json", account_id="000011112222"))
    assert isinstance(role, Role)
    assert role.name == "trust-policy"
    assert role.arn == "arn:aws:iam::000011112222:role/trust-policy"
    assert role.account_id == "000011112222"
    assert role.origin.source == "policy"
    assert role.origin.pointer == ""
    assert role.trust_document == json.loads((DATA / "trust-policy.json").read_text())
    assert role.permissions is None
    assert analyze_role(role, Settings()).status is Status.PASS


def test_account_id_is_ignored_for_exports(tmp_path: Path) -> None:
    path = write(tmp_path, "roles.json", {"Roles": [role_entry("a")]})
    (role,) = list(load_file(path, account_id="000011112222"))
    assert isinstance(role, Role)
    assert role.account_id == ACCOUNT


@pytest.mark.parametrize("bad", ["12345", "1234567890123", "12345678901a", " 123456789012"])
def test_invalid_account_id_is_refused_at_once(bad: str) -> None:
    with pytest.raises(ConfigError, match="account id"):
        load_file(DATA / "trust-policy.json", account_id=bad)  # no iteration needed


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda d: d, id="object"),
        pytest.param(json.dumps, id="json-string"),
        pytest.param(lambda d: quote(json.dumps(d), safe=""), id="url-encoded"),
    ],
)
@pytest.mark.parametrize("shape", ["authz", "list-roles", "get-role", "array"])
def test_trust_document_encodings_are_kept_raw(tmp_path: Path, encode: Any, shape: str) -> None:
    raw = encode(UNPROTECTED)
    entry = role_entry("vendor", raw)
    content: object = {
        "authz": {"RoleDetailList": [entry], "Policies": []},
        "list-roles": {"Roles": [entry], "IsTruncated": False},
        "get-role": {"Role": entry},
        "array": [entry],
    }[shape]
    (role,) = list(load_file(write(tmp_path, "in.json", content)))
    assert isinstance(role, Role)
    assert role.trust_document == raw
    result = analyze_role(role, Settings())
    assert result.status is Status.FAIL
    assert result.findings[0].code == "TW001"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(json.dumps(json.dumps(UNPROTECTED)), id="json-string-file"),
        pytest.param(quote(json.dumps(UNPROTECTED), safe="") + "\n", id="url-encoded-file"),
    ],
)
def test_bare_policy_as_string_file(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "vendor-role.json", text)
    (role,) = list(load_file(path, account_id=ACCOUNT))
    assert isinstance(role, Role)
    assert role.name == "vendor-role"
    assert isinstance(role.trust_document, str)
    assert analyze_role(role, Settings()).status is Status.FAIL


def test_top_level_list_of_role_entries(tmp_path: Path) -> None:
    entries = [role_entry("a"), role_entry("b", RolePolicyList=[], AttachedManagedPolicies=[])]
    items = list(load_file(write(tmp_path, "roles.json", entries)))
    roles = roles_of(items)
    assert [r.origin.pointer for r in roles] == ["/0", "/1"]
    assert roles[0].permissions is None
    assert roles[1].permissions is not None  # an authz entry (--query RoleDetailList)


def test_empty_exports_give_no_roles(tmp_path: Path) -> None:
    assert list(load_file(write(tmp_path, "a.json", {"RoleDetailList": []}))) == []
    assert list(load_file(write(tmp_path, "b.json", {"Roles": [], "IsTruncated": False}))) == []
    assert list(load_file(write(tmp_path, "c.json", []))) == []
    users_only = {"UserDetailList": [{"UserName": "u"}], "Policies": []}
    assert list(load_file(write(tmp_path, "d.json", users_only))) == []


# --------------------------------------------------------------------------- malformed trust


def test_malformed_trust_document_is_an_error_result_not_a_crash(tmp_path: Path) -> None:
    entries = [
        role_entry("broken", '{"Version": "2012-10-17", "Statement": ['),
        role_entry("number", 42),
        role_entry("missing", None),
        role_entry("fine"),
    ]
    del entries[2]["AssumeRolePolicyDocument"]
    roles = roles_of(list(load_file(write(tmp_path, "r.json", {"RoleDetailList": entries}))))
    assert [r.name for r in roles] == ["broken", "number", "missing", "fine"]
    assert roles[2].trust_document is None
    statuses = [analyze_role(r, Settings()).status for r in roles]
    assert statuses == [Status.ERROR, Status.ERROR, Status.ERROR, Status.FAIL]


# --------------------------------------------------------------------------- skipped entries


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        pytest.param(
            {"RoleName": "x", "AssumeRolePolicyDocument": {}}, "it has no Arn", id="no-arn"
        ),
        pytest.param({"Arn": "", "RoleName": "x"}, "it has no Arn", id="empty-arn"),
        pytest.param({"Arn": 7, "RoleName": "x"}, "it has no Arn", id="arn-not-string"),
        pytest.param(
            {"Arn": f"arn:aws:iam::{ACCOUNT}:role/x"}, "it has no RoleName", id="no-role-name"
        ),
        pytest.param(
            {"Arn": f"arn:aws:iam::{ACCOUNT}:user/x", "RoleName": "x"},
            "is not an IAM role ARN",
            id="user-arn",
        ),
        pytest.param(
            {"Arn": "arn:aws:iam::1234:role/x", "RoleName": "x"},
            "is not an IAM role ARN",
            id="short-account",
        ),
        pytest.param(["not", "an", "object"], "it is not a JSON object", id="list"),
        pytest.param(None, "it is not a JSON object", id="null"),
    ],
)
def test_bad_role_entry_is_skipped_and_others_load(
    tmp_path: Path, entry: object, reason: str
) -> None:
    doc = {"RoleDetailList": [role_entry("first"), entry, role_entry("last")]}
    items = list(load_file(write(tmp_path, "authz.json", doc)))
    assert [type(i).__name__ for i in items] == ["Role", "Skipped", "Role"]
    skipped = items[1]
    assert isinstance(skipped, Skipped)
    assert reason in skipped.reason
    assert "/RoleDetailList/1" in skipped.what
    assert "authz.json" in skipped.what


def test_skipped_role_without_name_keeps_its_account(tmp_path: Path) -> None:
    doc = {"Roles": [{"Arn": "arn:aws:iam::000000000042:role/x"}]}
    (skipped,) = list(load_file(write(tmp_path, "r.json", doc)))
    assert isinstance(skipped, Skipped)
    assert skipped.account_id == "000000000042"


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws-cn:iam::123456789012:role/x",
        "arn:aws-us-gov:iam::123456789012:role/path/to/x",
    ],
)
def test_other_partitions(tmp_path: Path, arn: str) -> None:
    entry = role_entry("x")
    entry["Arn"] = arn
    (role,) = list(load_file(write(tmp_path, "r.json", {"Roles": [entry]})))
    assert isinstance(role, Role)
    assert role.arn == arn
    assert role.account_id == "123456789012"


# --------------------------------------------------------------------------- whole-file errors


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("", "empty", id="empty"),
        pytest.param("  \n\t\n", "empty", id="blank"),
        pytest.param("{not json", "not valid JSON", id="garbage"),
        pytest.param('{"Roles": [{"RoleName": "a"}', "not valid JSON", id="truncated"),
        pytest.param('{"Roles": []} trailing', "unexpected data", id="trailing-data"),
        pytest.param('{"Roles": [1 2]}', "expected ',' or ']'", id="missing-comma"),
        pytest.param('{"Roles": [] "x": 1}', "expected ',' or '}'", id="missing-object-comma"),
        pytest.param("{'Roles': []}", "property name", id="single-quotes"),
        pytest.param('{"Users": [], "Marker": "x"}', "not a recognised IAM export", id="unknown"),
        pytest.param("{}", "not a recognised IAM export", id="empty-object"),
        pytest.param("42", "not a recognised IAM export", id="number"),
        pytest.param("null", "not a recognised IAM export", id="null"),
        pytest.param('"just a string"', "not a recognised IAM export", id="string"),
        pytest.param('"{\\"Version\\": 1}"', "without Statement", id="string-no-statement"),
        pytest.param("%7Bbroken", "not a recognised IAM export", id="url-encoded-garbage"),
        pytest.param('{"RoleDetailList": null}', "RoleDetailList is not a list", id="rdl-null"),
        pytest.param('{"Roles": {"a": 1}}', "Roles is not a list", id="roles-object"),
        pytest.param('{"Policies": 3}', "Policies is not a list", id="policies-number"),
        pytest.param('{"UserDetailList": "x"}', "UserDetailList is not a list", id="udl-str"),
    ],
)
def test_unusable_file_is_one_input_error_naming_it(
    tmp_path: Path, content: str, expected: str
) -> None:
    path = write(tmp_path, "input.json", content)
    with pytest.raises(InputError) as caught:
        list(load_file(path, account_id=ACCOUNT))
    message = caught.value.message
    assert message.startswith(f"{path}: ")
    assert expected in message
    assert "\n" not in message


def test_unrecognised_shape_lists_keys_and_accepted_shapes(tmp_path: Path) -> None:
    path = write(tmp_path, "users.json", {"Users": [], "IsTruncated": False})
    with pytest.raises(InputError) as caught:
        list(load_file(path))
    assert "Users, IsTruncated" in caught.value.message
    assert caught.value.hint is not None
    for shape in ("get-account-authorization-details", "list-roles", "get-role", "trust-policy"):
        assert shape in caught.value.hint


def test_error_names_the_line(tmp_path: Path) -> None:
    text = '{\n  "Roles": [\n    {"RoleName": "a"},\n    {"RoleName": "b",}\n  ]\n}\n'
    with pytest.raises(InputError, match=r"\(line 4\)"):
        list(load_file(write(tmp_path, "r.json", text)))


def test_missing_file_directory_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        list(load_file(tmp_path / "nope.json"))
    with pytest.raises(InputError, match="is a directory"):
        list(load_file(tmp_path))
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"Roles": [{"RoleName": "caf\xe9"}]}')
    with pytest.raises(InputError, match="not UTF-8"):
        list(load_file(latin))


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"Roles": [role_entry("a")]}).encode())
    assert [r.name for r in roles_of(list(load_file(path)))] == ["a"]


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "secret.json", {"Roles": []})

    def denied(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(InputError, match=r"secret\.json: cannot read: Permission denied"):
        list(load_file(path))


# --------------------------------------------------------------------------- order and passes


def _authz(policies_first: bool, n: int = 5) -> dict[str, Any]:
    admin = f"arn:aws:iam::{ACCOUNT}:policy/admin"
    entries = [
        role_entry(f"r{i}", AttachedManagedPolicies=[{"PolicyArn": admin}] if i % 2 else [])
        for i in range(n)
    ]
    policies = [
        {
            "Arn": admin,
            "DefaultVersionId": "v1",
            "PolicyVersionList": [
                {
                    "VersionId": "v1",
                    "Document": {
                        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]
                    },
                }
            ],
        }
    ]
    if policies_first:
        return {"Policies": policies, "RoleDetailList": entries, "IsTruncated": False}
    return {"RoleDetailList": entries, "Policies": policies, "IsTruncated": False}


@pytest.mark.parametrize("policies_first", [True, False])
def test_policies_resolve_whatever_the_key_order(tmp_path: Path, policies_first: bool) -> None:
    path = write(tmp_path, "authz.json", _authz(policies_first))
    roles = roles_of(list(load_file(path)))
    assert [r.name for r in roles] == [f"r{i}" for i in range(5)]
    for i, role in enumerate(roles):
        assert role.permissions is not None
        assert len(role.permissions.documents) == i % 2
        severity = analyze_role(role, Settings()).severity.value
        assert severity == ("high" if i % 2 else "medium")


def test_policies_after_roles_are_read_before_any_role_is_yielded(tmp_path: Path) -> None:
    path = write(tmp_path, "authz.json", _authz(policies_first=False))
    first = next(iter(load_file(path)))
    assert isinstance(first, Role)
    assert first.name == "r0"


def test_repeated_role_lists_keep_input_order(tmp_path: Path) -> None:
    # Keys may repeat in hand-merged pages; every RoleDetailList is read, in file order.
    text = (
        '{"RoleDetailList": [' + json.dumps(role_entry("a")) + "],"
        ' "Policies": [],'
        ' "RoleDetailList": [' + json.dumps(role_entry("b")) + "],"
        ' "IsTruncated": false}'
    )
    roles = roles_of(list(load_file(write(tmp_path, "authz.json", text))))
    assert [r.name for r in roles] == ["a", "b"]
    text_policies_first = text.replace('"Policies": [],', "").replace("{", '{"Policies": [], ', 1)
    roles = roles_of(list(load_file(write(tmp_path, "authz2.json", text_policies_first))))
    assert [r.name for r in roles] == ["a", "b"]


def test_lazy_roles_come_before_an_error_later_in_the_file(tmp_path: Path) -> None:
    text = '{"Roles": [' + json.dumps(role_entry("a")) + ", {broken"
    items = load_file(write(tmp_path, "r.json", text))
    first = next(items)
    assert isinstance(first, Role)
    assert first.name == "a"
    with pytest.raises(InputError, match="not valid JSON"):
        next(items)


def test_load_files_keeps_file_order(tmp_path: Path) -> None:
    one = write(tmp_path, "one.json", {"Roles": [role_entry("a"), role_entry("b")]})
    two = write(tmp_path, "two.json", {"Role": role_entry("c")})
    names = [r.name for r in roles_of(list(load_files([two, one])))]
    assert names == ["c", "a", "b"]
    with pytest.raises(InputError, match=r"nope\.json"):
        list(load_files([one, tmp_path / "nope.json"]))


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
@pytest.mark.parametrize("indent", [None, 0, 2])
def test_tiny_read_chunks_give_the_same_roles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int, indent: int | None
) -> None:
    doc = _authz(policies_first=False, n=4)
    doc["RoleDetailList"][2]["MaxSessionDuration"] = 123456789  # a number cut by chunks
    path = write(tmp_path, "authz.json", doc, indent=indent)
    expected = list(load_file(path))
    monkeypatch.setattr(jsonstream, "CHUNK_SIZE", chunk)
    assert list(load_file(path)) == expected
    assert len(expected) == 4


def test_get_role_that_is_not_an_object_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "role.json", {"Role": "vendor", "ResponseMetadata": {"RequestId": "x"}})
    (item,) = list(load_file(path))
    assert isinstance(item, Skipped)
    assert item.what == f"role entry /Role in {path} (line 2)"
    assert item.reason == "it is not a JSON object"


def test_unreadable_inline_policy_is_noted_and_the_role_still_loads(tmp_path: Path) -> None:
    entry = role_entry(
        "r",
        RolePolicyList=[{"PolicyName": "bad", "PolicyDocument": "%7Bnot-json"}],
        AttachedManagedPolicies=[],
    )
    (role,) = list(load_file(write(tmp_path, "authz.json", {"RoleDetailList": [entry]})))
    assert isinstance(role, Role)
    assert role.permissions is not None
    assert role.permissions.documents == ()
    assert role.facts.permission_problems == (
        "inline policy 'bad' is not a readable policy document",
    )
    assert analyze_role(role, Settings()).status is Status.FAIL
