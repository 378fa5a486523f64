"""Configuration files: discovery, validation, and merging with command-line values."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustwarden.config import (
    FileConfig,
    build_settings,
    load_config,
    validate_account_id,
    validate_org_id,
)
from trustwarden.errors import ConfigError
from trustwarden.model import Settings


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- discovery


def test_no_file_gives_the_empty_config(tmp_path: Path) -> None:
    assert load_config(None, tmp_path) == FileConfig()


def test_trustwarden_toml_in_cwd(tmp_path: Path) -> None:
    path = write(
        tmp_path / ".trustwarden.toml",
        'trusted_accounts = ["012345678901"]\ntrusted_orgs = ["o-a1b2c3d4e5"]\n'
        'fail_on = "warn"\nformat = "json"\n',
    )
    assert load_config(None, tmp_path) == FileConfig(
        path=path,
        trusted_accounts=("012345678901",),
        trusted_orgs=("o-a1b2c3d4e5",),
        fail_on="warn",
        format="json",
    )


def test_pyproject_table_when_there_is_no_trustwarden_toml(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.trustwarden]\ntrusted_accounts = ["222222222222"]\n',
    )
    config = load_config(None, tmp_path)
    assert config.path == path
    assert config.trusted_accounts == ("222222222222",)


def test_trustwarden_toml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.trustwarden]\ntrusted_accounts = ["222222222222"]\n')
    own = write(tmp_path / ".trustwarden.toml", 'trusted_accounts = ["333333333333"]\n')
    config = load_config(None, tmp_path)
    assert config.path == own
    assert config.trusted_accounts == ("333333333333",)


def test_pyproject_without_the_table_is_no_config(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n')
    assert load_config(None, tmp_path) == FileConfig()


def test_explicit_path_beats_cwd(tmp_path: Path) -> None:
    write(tmp_path / ".trustwarden.toml", 'trusted_accounts = ["333333333333"]\n')
    other = write(tmp_path / "team.toml", 'trusted_accounts = ["444444444444"]\n')
    assert load_config(other, tmp_path).trusted_accounts == ("444444444444",)


def test_explicit_pyproject_reads_its_tool_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.trustwarden]\nfail_on = "never"\n')
    assert load_config(path, Path("/nonexistent")).fail_on == "never"
    empty = write(tmp_path / "sub.toml", "")
    assert load_config(empty, tmp_path) == FileConfig(path=empty)


def test_explicit_path_must_exist(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.toml: configuration file not found"):
        load_config(tmp_path / "missing.toml", tmp_path)


@pytest.mark.parametrize("name", [".trustwarden.toml", "pyproject.toml"])
def test_cwd_config_that_is_a_directory_is_an_error(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    with pytest.raises(ConfigError, match=rf"{name}: a directory, not a configuration file"):
        load_config(None, tmp_path)


@pytest.mark.parametrize("name", [".trustwarden.toml", "pyproject.toml"])
def test_cwd_config_that_is_a_broken_symlink_is_an_error(tmp_path: Path, name: str) -> None:
    (tmp_path / name).symlink_to(tmp_path / "gone.toml")
    with pytest.raises(ConfigError, match=rf"{name}: a broken symbolic link"):
        load_config(None, tmp_path)


def test_explicit_config_that_is_a_directory_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="a directory, not a configuration file"):
        load_config(tmp_path, tmp_path)


def test_a_symlink_to_a_config_file_is_read(tmp_path: Path) -> None:
    target = write(tmp_path / "real.toml", 'fail_on = "warn"\n')
    (tmp_path / ".trustwarden.toml").symlink_to(target)
    assert load_config(None, tmp_path).fail_on == "warn"


@pytest.mark.parametrize("nesting", ["[" * 5000 + "]" * 5000, "{a=" * 5000 + "1" + "}" * 5000])
def test_deeply_nested_toml_is_a_config_error(tmp_path: Path, nesting: str) -> None:
    write(tmp_path / ".trustwarden.toml", f"trusted_accounts = {nesting}\n")
    with pytest.raises(ConfigError, match=r"\.trustwarden\.toml: invalid TOML: nested too deeply"):
        load_config(None, tmp_path)


@pytest.mark.parametrize("where", ["fail_on", "[tool.trustwarden]\nx", "[x]\ny"])
def test_an_integer_too_long_to_read_is_a_config_error(tmp_path: Path, where: str) -> None:
    write(tmp_path / ".trustwarden.toml", f"{where} = {'1' * 4301}\n")
    with pytest.raises(ConfigError, match=r"invalid TOML: a number too long to read"):
        load_config(None, tmp_path)


# --------------------------------------------------------------------------- file errors


def test_invalid_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / ".trustwarden.toml", 'fail_on = "warn"\ntrusted_accounts = [\n"1",,\n]\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(None, tmp_path)
    assert caught.value.message.startswith(f"{path}: invalid TOML")
    assert "line 3" in caught.value.message
    assert "\n" not in caught.value.message


def test_non_utf8_and_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / ".trustwarden.toml"
    path.write_bytes(b"fail_on = '\xff'\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(None, tmp_path)

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    with pytest.raises(ConfigError, match="cannot read: Permission denied"):
        load_config(path, tmp_path)


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ('trusted_acounts = ["222222222222"]', "unknown key 'trusted_acounts'", "trusted_accounts"),
        ('fail-on = "warn"', "unknown key 'fail-on'", "fail_on"),
        ("[rules]\nx = 1", "unknown key 'rules'", "known keys"),
        ('trusted_accounts = "222222222222"', "must be a list of strings", None),
        (
            "trusted_accounts = [222222222222]",
            "trusted_accounts[0]: account id 222222222222 is a number",
            '"222222222222"',
        ),
        (
            'trusted_accounts = ["222222222222", 12345]',
            "trusted_accounts[1]: account id 12345 is a number",
            '"000000012345"',
        ),
        (
            'trusted_accounts = ["2222-2222-2222"]',
            "trusted_accounts[0]: invalid account id",
            "123456789012",
        ),
        ("trusted_accounts = [true]", "trusted_accounts[0]: account id True", None),
        (
            'trusted_orgs = ["o-short"]',
            "trusted_orgs[0]: invalid organization id 'o-short'",
            "o-a1b2c3d4e5",
        ),
        ('trusted_orgs = ["O-A1B2C3D4E5"]', "invalid organization id", None),
        ("trusted_orgs = [1]", "invalid organization id 1", None),
        ('fail_on = "error"', "fail_on must be one of fail, warn, never, not 'error'", None),
        ("fail_on = 1", "fail_on must be a string, not int", None),
        ("format = ['json']", "format must be a string, not list", None),
        ("[tool]\ntrustwarden = 3", "unknown key 'tool'", None),
    ],
)
def test_invalid_values_name_file_and_key(
    tmp_path: Path, text: str, message: str, hint: str | None
) -> None:
    path = write(tmp_path / ".trustwarden.toml", text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(None, tmp_path)
    assert caught.value.message.startswith(f"{path}: ")
    assert message in caught.value.message
    if hint is not None:
        assert caught.value.hint is not None
        assert hint in caught.value.hint


def test_pyproject_tool_table_must_be_a_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool]\ntrustwarden = 3\n")
    with pytest.raises(ConfigError, match=r"\[tool.trustwarden\] must be a table"):
        load_config(None, tmp_path)


def test_duplicates_are_dropped_keeping_order(tmp_path: Path) -> None:
    write(
        tmp_path / ".trustwarden.toml",
        'trusted_accounts = ["333333333333", "222222222222", "333333333333"]\n',
    )
    assert load_config(None, tmp_path).trusted_accounts == ("333333333333", "222222222222")


# --------------------------------------------------------------------------- validators


@pytest.mark.parametrize("good", ["000000000000", "012345678901", "999999999999"])
def test_valid_account_ids_are_kept_verbatim(good: str) -> None:
    assert validate_account_id(good) == good


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "12345678901",
        "1234567890123",
        "12345678901a",
        "".join(chr(0xFF10 + int(c)) for c in "123456789012"),  # full-width digits
        " 123456789012",
        "123456789012\n",
        None,
        1.5,
        ["123456789012"],
    ],
)
def test_invalid_account_ids(bad: object) -> None:
    with pytest.raises(ConfigError) as caught:
        validate_account_id(bad)
    assert "account id" in caught.value.message


def test_integer_account_id_hint_keeps_leading_zeros() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_account_id(12345678901)
    assert caught.value.hint is not None
    assert '"012345678901"' in caught.value.hint


@pytest.mark.parametrize("good", ["o-a1b2c3d4e5", "o-" + "a" * 32, "o-0123456789"])
def test_valid_org_ids(good: str) -> None:
    assert validate_org_id(good) == good


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "o-",
        "o-a1b2c3d4e",
        "o-" + "a" * 33,
        "O-a1b2c3d4e5",
        "o-A1B2C3D4E5",
        "r-a1b2c3d4e5",
        "o-a1b2c3d4e5 ",
        None,
    ],
)
def test_invalid_org_ids(bad: object) -> None:
    with pytest.raises(ConfigError, match="invalid organization id"):
        validate_org_id(bad)


# --------------------------------------------------------------------------- settings


def test_build_settings_adds_command_line_values() -> None:
    config = FileConfig(trusted_accounts=("222222222222",), trusted_orgs=("o-a1b2c3d4e5",))
    settings = build_settings(config, ["333333333333", "222222222222"], ["o-zzzzzzzzzz"])
    assert settings == Settings(
        trusted_accounts=frozenset({"222222222222", "333333333333"}),
        trusted_orgs=frozenset({"o-a1b2c3d4e5", "o-zzzzzzzzzz"}),
    )
    assert build_settings(FileConfig(), [], []) == Settings()


def test_build_settings_validates_command_line_values() -> None:
    with pytest.raises(ConfigError, match="invalid account id '12'"):
        build_settings(FileConfig(), ["12"], [])
    with pytest.raises(ConfigError, match="invalid organization id"):
        build_settings(FileConfig(), [], ["org"])
