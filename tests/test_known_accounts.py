"""Reading the known_aws_accounts list format: names, precedence, and every validation error."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from trustwarden.errors import ConfigError
from trustwarden.known_accounts import known_accounts_from_entries, load_known_accounts

DATA = Path(__file__).parent / "data" / "known_accounts"
VENDORS = DATA / "vendors.yaml"
# A copy of fwdcloudsec/known_aws_accounts (Apache-2.0) on the team's machines; not bundled.
SHARED_LIST = Path("/work/shared/data/known_aws_accounts/accounts.yaml")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "accounts.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_known_accounts(path)
    error = caught.value
    assert error.message.startswith(f"{path}: "), error.message
    assert "\n" not in error.message
    return error


# --------------------------------------------------------------------------- names


def test_fixture_gives_one_name_per_account() -> None:
    assert load_known_accounts(VENDORS) == {
        "464622532012": "Datadog",
        "865078226113": "Datadog",
        "127311923021": "AWS service: ELB logs",
        "012345678901": "Example Vendor",
        "000011112222": "Example Vendor (deprecated 2023-06-30)",
    }


def test_disabled_entry_without_date_is_marked_deprecated(tmp_path: Path) -> None:
    path = write(tmp_path, "- name: Gone\n  enabled: false\n  accounts: ['222233334444']\n")
    assert load_known_accounts(path) == {"222233334444": "Gone (deprecated)"}


def test_enabled_true_and_quoted_date_are_accepted(tmp_path: Path) -> None:
    text = (
        "- {name: A, enabled: true, accounts: ['222233334444']}\n"
        "- {name: B, enabled: false, deprecated_date: '2024-02', accounts: ['333344445555']}\n"
    )
    assert load_known_accounts(write(tmp_path, text)) == {
        "222233334444": "A",
        "333344445555": "B (deprecated 2024-02)",
    }


def test_aws_type_is_case_insensitive_and_other_types_are_vendors(tmp_path: Path) -> None:
    text = (
        "- {name: Config, type: AWS, accounts: ['222233334444']}\n"
        "- {name: Acme, type: partner, accounts: ['333344445555']}\n"
    )
    assert load_known_accounts(write(tmp_path, text)) == {
        "222233334444": "AWS service: Config",
        "333344445555": "Acme",
    }


def test_account_in_several_entries_joins_enabled_names(tmp_path: Path) -> None:
    text = (
        "- {name: Old, enabled: false, accounts: ['222233334444', '555566667777']}\n"
        "- {name: First, accounts: ['222233334444']}\n"
        "- {name: Second, accounts: ['222233334444', '222233334444']}\n"
        "- {name: First, accounts: ['222233334444']}\n"
        "- {name: Older, enabled: false, accounts: ['555566667777']}\n"
    )
    assert load_known_accounts(write(tmp_path, text)) == {
        "222233334444": "First / Second",  # the disabled entry yields, duplicates collapse
        "555566667777": "Old (deprecated) / Older (deprecated)",  # only disabled ones: all
    }


def test_empty_list_names_nothing(tmp_path: Path) -> None:
    assert load_known_accounts(write(tmp_path, "# nothing yet\n[]\n")) == {}


def test_entries_without_yaml_nodes() -> None:
    entries = [{"name": " Padded ", "accounts": ["222233334444"]}]
    assert known_accounts_from_entries(entries) == {"222233334444": "Padded"}
    with pytest.raises(ConfigError) as caught:
        known_accounts_from_entries([{"name": "X", "accounts": [222233334444]}], source="data")
    assert caught.value.message.startswith("data: entry 0 ('X'): accounts[0]: 222233334444")
    assert caught.value.hint == "quote it: '222233334444'"


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a YAML list of entries (- name: ..., accounts: [...]), found an empty file"),
        ("name: Datadog\naccounts: ['464622532012']\n", "expected a YAML list of entries"),
        ("'just a string'\n", "found a string"),
        (
            "- Datadog\n",
            "entry 0 (line 1): expected a mapping with name and accounts, not a string",
        ),
        ("- [a, b]\n", "entry 0 (line 1): expected a mapping with name and accounts, not a list"),
        ("- {accounts: ['464622532012']}\n", "entry 0 (line 1): missing 'name'"),
        (
            "- {name: A, accounts: ['222233334444']}\n- name: 1234\n  accounts: ['464622532012']\n",
            "entry 1 (line 2): 'name' must be a non-empty string, not 1234",
        ),
        ("- {name: '  ', accounts: ['464622532012']}\n", "'name' must be a non-empty string"),
        ("- name: Datadog\n", "entry 0 (line 1) ('Datadog'): missing 'accounts'"),
        ("- {name: Datadog, accounts: }\n", "('Datadog'): missing 'accounts'"),
        (
            "- {name: Datadog, accounts: '464622532012'}\n",
            "('Datadog'): 'accounts' must be a non-empty list of quoted 12-digit account ids",
        ),
        ("- {name: Datadog, accounts: []}\n", "'accounts' must be a non-empty list"),
        (
            "- {name: Datadog, accounts: ['46462253201']}\n",
            "('Datadog'): accounts[0]: '46462253201' is not a 12-digit account id",
        ),
        (
            "- {name: D, accounts: ['464622532012', '4646-2253-2012']}\n",
            "accounts[1]: '4646-2253-2012' is not a 12-digit account id",
        ),
        ("- {name: D, accounts: [[1]]}\n", "accounts[0]: [1] is not a 12-digit account id"),
        ("- {name: D, accounts: [true]}\n", "accounts[0]: True is not a 12-digit account id"),
        ("- {name: D, type: 7, accounts: ['464622532012']}\n", "'type' must be a string, not 7"),
        (
            "- {name: D, enabled: 'no', accounts: ['464622532012']}\n",
            "'enabled' must be true or false, not 'no'",
        ),
        (
            "- {name: D, deprecated_date: [2024], accounts: ['464622532012']}\n",
            "'deprecated_date' must be a date, not [2024]",
        ),
        ("- {name: D, source: 7, accounts: ['464622532012']}\n", "'source' must be a list of URLs"),
        (
            "- {name: D, source: ['https://x', 7], accounts: ['464622532012']}\n",
            "'source' must be a list of URLs",
        ),
    ],
)
def test_malformed_entries(tmp_path: Path, text: str, message: str) -> None:
    assert message in load_error(tmp_path, text).message


def test_unquoted_account_ids_are_rejected_with_a_quoting_hint() -> None:
    with pytest.raises(ConfigError) as caught:
        load_known_accounts(DATA / "unquoted.yaml")
    error = caught.value
    # YAML read 000011112222 as the octal number 2397330: the hint quotes what was written.
    assert error.message == (
        f"{DATA / 'unquoted.yaml'}: entry 1 (line 4) ('Example Vendor'): accounts[1]: "
        "000011112222 is a number, not a string (YAML reads unquoted digits as a number and "
        "drops leading zeros)"
    )
    assert error.hint == "quote it: '000011112222'"


def test_unquoted_id_in_a_flow_list(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- {name: D, accounts: [464622532012]}\n")
    assert "accounts[0]: 464622532012 is a number, not a string" in error.message
    assert error.hint == "quote it: '464622532012'"


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    text = "- name: Datadog\n  accounts: ['464622532012'\n- name: Other\n"
    error = load_error(tmp_path, text)
    assert error.message.startswith(f"{tmp_path / 'accounts.yaml'}: invalid YAML at line ")
    assert "while parsing a flow sequence: expected ',' or ']'" in error.message


def test_invalid_yaml_bad_indentation(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- name: A\n accounts: ['464622532012']\n")
    assert "invalid YAML at line 2" in error.message


def test_several_documents_are_rejected(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- {name: A, accounts: ['222233334444']}\n---\n- {}\n")
    assert error.message.endswith(
        "invalid YAML at line 2: expected a single document in the stream, "
        "but found another document"
    )


def test_control_characters_are_invalid_yaml(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- {name: 'A\x07', accounts: ['222233334444']}\n")
    assert "invalid YAML: unacceptable character #x0007" in error.message


def test_absurd_nesting_is_an_error_not_a_crash(tmp_path: Path) -> None:
    error = load_error(tmp_path, "[" * 5_000 + "]" * 5_000)
    assert error.message.endswith("invalid YAML: nested too deeply")


def test_a_number_too_long_to_read_is_an_error_not_a_crash(tmp_path: Path) -> None:
    error = load_error(tmp_path, f"- {{name: A, accounts: [{'9' * 5_000}]}}\n")
    assert error.message.endswith("invalid YAML: a number too long to read")


def test_non_utf8_missing_and_unreadable_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"- {name: 'Caf\xe9', accounts: ['222233334444']}\n")
    with pytest.raises(ConfigError, match=r"latin1\.yaml: not UTF-8 text"):
        load_known_accounts(path)
    with pytest.raises(ConfigError, match=r"missing\.yaml: cannot read: No such file"):
        load_known_accounts(tmp_path / "missing.yaml")

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ConfigError, match="cannot read: Permission denied"):
        load_known_accounts(VENDORS)


def test_yaml_tags_that_build_objects_are_refused(tmp_path: Path) -> None:
    error = load_error(tmp_path, "- !!python/object/apply:os.system ['true']\n")
    assert "invalid YAML at line 1" in error.message


def test_the_readme_example_loads_as_described(tmp_path: Path) -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    assert len(blocks) == 1
    assert load_known_accounts(write(tmp_path, blocks[0])) == {
        "464622532012": "Datadog",
        "127311923021": "AWS service: ELB logs",
        "000011112222": "Example Vendor (deprecated 2023-06-30)",
    }


# --------------------------------------------------------------------------- the public list


@pytest.mark.skipif(not SHARED_LIST.is_file(), reason="no copy of known_aws_accounts here")
def test_the_public_list_loads_with_its_documented_counts() -> None:
    names = load_known_accounts(SHARED_LIST)
    entries = yaml.safe_load(SHARED_LIST.read_text(encoding="utf-8"))
    assert len(entries) == 238
    assert len(names) == 498
    disabled = [e for e in entries if e.get("enabled") is False]
    assert len(disabled) == 2
    for entry in disabled:
        for account in entry["accounts"]:
            assert names[account] == f"{entry['name']} (deprecated)"
    services = [e for e in entries if e.get("type") == "aws"]
    assert services
    for entry in services:
        assert all(names[a] == f"AWS service: {entry['name']}" for a in entry["accounts"])
    assert names["464622532012"] == "Datadog"
