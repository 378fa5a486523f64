"""External ID validation and the per-role mapping file."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustwarden.errors import ConfigError, InputError
from trustwarden.remediate.mapping import (
    ExternalIds,
    load_external_id_map,
    parse_external_id_map,
    validate_external_id,
)


@pytest.mark.parametrize(
    "value", ["ab", "vendor-issued-7f3a", "a_b+c=d,e.f@g:h/i-j", "x" * 1224, "0123456789"]
)
def test_valid_external_ids(value: str) -> None:
    assert validate_external_id(value) == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a", "2-1224 characters"),
        ("", "2-1224 characters"),
        ("x" * 1225, "2-1224 characters"),
        ("has space", "' '"),
        ("semi;colon", "';'"),
        ("ünïcode", "'ü'"),  # IAM's \w is ASCII only
        ("star*", "'*'"),
    ],
)
def test_invalid_external_ids(value: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        validate_external_id(value)
    assert message in info.value.message


def test_parse_map_with_comments_quotes_and_arns() -> None:
    text = (
        "# role,external-id\n"
        "\n"
        "vendor-a, id-aaaa\n"
        "arn:aws:iam::111111111111:role/vendor-b,id-bbbb\n"
        '"odd,name","id,with,commas"\n'
    )
    assert parse_external_id_map(text) == {
        "vendor-a": "id-aaaa",
        "arn:aws:iam::111111111111:role/vendor-b": "id-bbbb",
        "odd,name": "id,with,commas",
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("only-one-field\n", "expected 'role-name-or-arn,external-id', got 1"),
        ("a,b,c\n", "got 3 fields"),
        ("r,x\n", "2-1224"),
        ("r,has space\n", "may only contain"),
        (",id-aaaa\n", "empty"),
        ("r,id-aaaa\nr,id-bbbb\n", "listed twice"),
    ],
)
def test_bad_map_lines_name_the_line(text: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_external_id_map(text, source="m.csv")
    assert message in info.value.message
    assert info.value.message.startswith("m.csv:")


def test_load_map_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read External ID map"):
        load_external_id_map(tmp_path / "nope.csv")


def test_lookup_order() -> None:
    ids = ExternalIds(
        default="dflt-id", by_role={"arn:aws:iam::1:role/a": "by-arn", "a": "by-name", "b": "b-id"}
    )
    assert ids.for_role("arn:aws:iam::1:role/a", "a") == "by-arn"
    assert ids.for_role("arn:aws:iam::2:role/a", "a") == "by-name"
    assert ids.for_role("arn:aws:iam::2:role/c", "c") == "dflt-id"
    assert ExternalIds(by_role={"b": "b-id"}).for_role("arn:x", "c") is None
    assert not ExternalIds().requested
