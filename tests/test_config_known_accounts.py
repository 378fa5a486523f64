"""``known_accounts`` in configuration files, and ``--known-accounts`` replacing it."""

from __future__ import annotations

from pathlib import Path

import pytest

from trustwarden.config import FileConfig, build_settings, load_config
from trustwarden.errors import ConfigError

VENDORS = Path(__file__).parent / "data" / "known_accounts" / "vendors.yaml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def list_file(path: Path, name: str, account: str = "464622532012") -> Path:
    return write(path, f"- name: '{name}'\n  accounts: ['{account}']\n")


def test_relative_path_is_read_from_the_config_files_folder(tmp_path: Path) -> None:
    team = tmp_path / "team"
    list_file(team / "lists" / "vendors.yaml", "From the team folder")
    list_file(tmp_path / "lists" / "vendors.yaml", "From the working directory")
    config_path = write(team / "trustwarden.toml", 'known_accounts = "lists/vendors.yaml"\n')
    config = load_config(config_path, tmp_path)
    assert config.known_accounts == team / "lists" / "vendors.yaml"
    settings = build_settings(config, [], [])
    assert settings.known_accounts == {"464622532012": "From the team folder"}


def test_trustwarden_toml_in_cwd(tmp_path: Path) -> None:
    list_file(tmp_path / "known.yaml", "Datadog")
    write(tmp_path / ".trustwarden.toml", 'known_accounts = "known.yaml"\n')
    config = load_config(None, tmp_path)
    assert config.known_accounts == tmp_path / "known.yaml"
    assert build_settings(config, [], []).known_accounts == {"464622532012": "Datadog"}


def test_pyproject_tool_table(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        f'[project]\nname = "x"\n[tool.trustwarden]\nknown_accounts = "{VENDORS}"\n',
    )
    config = load_config(None, tmp_path)
    assert config.known_accounts == VENDORS  # an absolute path is kept
    assert build_settings(config, [], []).known_accounts["127311923021"] == (
        "AWS service: ELB logs"
    )


def test_home_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    config_path = write(tmp_path / "c.toml", 'known_accounts = "~/vendors.yaml"\n')
    assert load_config(config_path, tmp_path).known_accounts == tmp_path / "home/vendors.yaml"


def test_no_key_names_nobody(tmp_path: Path) -> None:
    config_path = write(tmp_path / "c.toml", 'trusted_accounts = ["222222222222"]\n')
    config = load_config(config_path, tmp_path)
    assert config.known_accounts is None
    assert build_settings(config, [], []).known_accounts == {}


def test_command_line_path_replaces_the_files(tmp_path: Path) -> None:
    list_file(tmp_path / "file.yaml", "Named by the config file")
    flag = list_file(tmp_path / "flag.yaml", "Named on the command line")
    config = load_config(write(tmp_path / "c.toml", 'known_accounts = "file.yaml"\n'), tmp_path)
    settings = build_settings(config, ["222222222222"], [], flag)
    assert settings.known_accounts == {"464622532012": "Named on the command line"}
    assert settings.trusted_accounts == frozenset({"222222222222"})
    # the file's list is not read at all when the flag replaces it
    broken = FileConfig(path=tmp_path / "c.toml", known_accounts=tmp_path / "missing.yaml")
    assert build_settings(broken, [], [], flag).known_accounts == {
        "464622532012": "Named on the command line"
    }


def test_known_accounts_never_trusts(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "c.toml", f'known_accounts = "{VENDORS}"\n'), tmp_path)
    assert build_settings(config, [], []).trusted_accounts == frozenset()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("known_accounts = 7", "known_accounts must be a string, not int"),
        ('known_accounts = ["a.yaml"]', "known_accounts must be a string, not list"),
        ('known_accounts = " "', "known_accounts must name a file, not an empty string"),
    ],
)
def test_bad_values(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "c.toml", text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, tmp_path)
    assert caught.value.message == f"{path}: {message}"


def test_misspelt_key_suggests_known_accounts(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", 'known-accounts = "a.yaml"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path, tmp_path)
    assert caught.value.hint == "did you mean 'known_accounts'?"


def test_missing_list_names_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", 'known_accounts = "lists/none.yaml"\n')
    config = load_config(path, tmp_path)  # reading the config does not open the list
    with pytest.raises(ConfigError) as caught:
        build_settings(config, [], [])
    assert caught.value.message == (
        f"{path}: known_accounts: {tmp_path / 'lists' / 'none.yaml'}: file not found"
    )
    assert caught.value.hint == "a relative path is read from the configuration file's folder"


def test_malformed_list_names_the_list_file(tmp_path: Path) -> None:
    bad = write(tmp_path / "bad.yaml", "- name: Datadog\n")
    config = load_config(write(tmp_path / "c.toml", 'known_accounts = "bad.yaml"\n'), tmp_path)
    with pytest.raises(ConfigError, match=r"bad\.yaml: entry 0 \(line 1\) \('Datadog'\): missing"):
        build_settings(config, [], [])
    with pytest.raises(ConfigError, match=r"bad\.yaml: entry 0"):
        build_settings(FileConfig(), [], [], bad)
