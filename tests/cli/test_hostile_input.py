"""Hostile text in the input never reaches a terminal raw, through any human output.

Every source of input text (role name, role ARN, Sid, condition key and value, principal,
vendor name from the known-accounts list, unknown top-level key, error messages) goes through
every human output (table wide and narrow, colour or not, ``explain``, ``fix`` diffs and
messages, ``--out-dir`` messages, stderr). The oracle is Unicode's own categories, not the
escaping function. Streams are strict UTF-8, like a real terminal's, so a lone surrogate that
slipped through would raise here.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.runner import FIXED_NOW
from tests.formats.test_escape import unsafe_chars
from trustwarden.cli.main import main

ACCOUNT = "111111111111"
OUTSIDER = "999999999999"
VENDOR = "888888888888"
ESC_NAME = "vendor-admin\x1b[2K\x1b[GPASS"
FORGED_NAME = "bidi\u2066role\u2069\nPASS  forged-role  111111111111  low"
SID = "Sid\u202eevil\x07"
PRINCIPAL = f"arn:aws:iam::{OUTSIDER}:user/evil\x1b[31m\u202ename"
TAG_KEY = "aws:PrincipalTag/team\x1b[2K"
TAG_VALUE = "ops\r\u200fx\x9b31m"
OPERATOR = "StringFancy\x1b[2K"
VENDOR_NAME = "Evil\x1b[2K\x1b[GVendor\u202e"
BOGUS_KEY = "Bogus\x1b[2K\u202e"
SGR = re.compile(r"\x1b\[[0-9;]*m")  # the colour codes trustwarden itself writes


def trust(statement: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [statement]}


def allow(principal: object, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}


def entry(name: str, arn_name: str, document: dict[str, Any]) -> dict[str, Any]:
    arn = f"arn:aws:iam::{ACCOUNT}:role/{arn_name}"
    return {"RoleName": name, "Arn": arn, "AssumeRolePolicyDocument": document}


ROLES = [
    entry(ESC_NAME, "vendor-admin", trust(allow({"AWS": PRINCIPAL}, Sid=SID))),
    entry(
        FORGED_NAME,
        "bidi\u202erole\x85",
        # StringNotEquals: STS accepts no such tag, so the caller simply does not send it.
        trust(allow({"AWS": OUTSIDER}, Condition={"StringNotEquals": {TAG_KEY: TAG_VALUE}})),
    ),
    entry(
        "unknown-operator",
        "unknown-operator",
        trust(allow({"AWS": OUTSIDER}, Condition={OPERATOR: {TAG_KEY: TAG_VALUE}})),
    ),
    entry("vendor", "vendor", trust(allow({"AWS": f"arn:aws:iam::{VENDOR}:root"}))),
    entry("bad-effect", "bad-effect", trust({**allow("*"), "Effect": "Allow\x1b[2K", "Sid": SID})),
    entry("x\ud800", "x\ud800", trust(allow({"AWS": OUTSIDER}))),
]


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


class _Tty(io.TextIOWrapper):
    def isatty(self) -> bool:
        return True


def run(args: Sequence[str], cwd: Path, *, tty: bool = False, columns: int | None = None) -> Run:
    """``main(args)`` writing to strict UTF-8 streams (as a terminal's), never a StringIO."""
    out = (_Tty if tty else io.TextIOWrapper)(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    env = {"COLUMNS": str(columns)} if columns else {}
    code = main(list(args), stdout=out, stderr=err, env=env, clock=lambda: FIXED_NOW, cwd=cwd)
    texts = []
    for stream in (out, err):
        stream.flush()
        buffer = stream.buffer
        assert isinstance(buffer, io.BytesIO)
        texts.append(buffer.getvalue().decode("utf-8"))
    return Run(code, texts[0], texts[1])


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    roles = tmp_path / "roles.json"
    roles.write_text(json.dumps({"RoleDetailList": ROLES}), encoding="utf-8")
    bogus = tmp_path / "bogus.json"
    bogus.write_text(json.dumps({BOGUS_KEY: 1}), encoding="utf-8")
    vendors = tmp_path / "vendors.yaml"
    vendors.write_text(
        f"- name: {json.dumps(VENDOR_NAME)}\n  accounts: ['{VENDOR}']\n", encoding="utf-8"
    )
    return {"roles": str(roles), "bogus": str(bogus), "vendors": str(vendors)}


def assert_safe(text: str, *, colour: bool = False) -> None:
    """No control, format, separator or surrogate character but newlines (and our colours)."""
    if colour:
        text = SGR.sub("", text)
    assert unsafe_chars(text, keep_newlines=True) == []


def squeezed(text: str) -> str:
    """The text without white space (tables fold long cells onto several lines)."""
    return "".join(text.split())


def no_forged_lines(text: str) -> None:
    assert not any(line.startswith(("PASS", "│ PASS", "  PASS")) for line in text.splitlines())


@pytest.mark.parametrize(
    ("columns", "tty"), [(None, False), (100, True), (220, False), (220, True)]
)
def test_scan_table_wide_and_narrow(
    tmp_path: Path, files: dict[str, str], columns: int | None, tty: bool
) -> None:
    done = run(
        [
            "scan",
            "--input",
            files["roles"],
            "--input",
            files["bogus"],
            "--known-accounts",
            files["vendors"],
        ],
        tmp_path,
        tty=tty,
        columns=columns,
    )
    assert done.code == 2  # error results and a skipped file: 2 however the findings go
    assert_safe(done.out, colour=tty)
    assert_safe(done.err)
    no_forged_lines(done.out)
    out = squeezed(done.out)
    for shown in (
        "vendor-admin\\x1b[2K\\x1b[GPASS",  # the role name
        "bidi\\u2066role\\u2069\\nPASS",  # the newline is shown, not obeyed
        "user/evil\\x1b[31m\\u202ename",  # the principal
        "Evil\\x1b[2K\\x1b[GVendor\\u202e",  # the vendor's name
        "Bogus\\x1b[2K\\u202e",  # the unknown top-level key (skipped file)
        "x\\ud800",  # a lone surrogate in a role name: still reported
        "StringFancy\\x1b[2K",  # the operator
    ):
        assert squeezed(shown) in out
    if not tty:  # on a terminal the table lists skipped files itself
        assert "Bogus\\x1b[2K\\u202e" in done.err


def test_explain_text(tmp_path: Path, files: dict[str, str]) -> None:
    for role in (ESC_NAME, FORGED_NAME, "unknown-operator", "vendor", "bad-effect", "x\ud800"):
        done = run(
            [
                "explain",
                "--input",
                files["roles"],
                "--known-accounts",
                files["vendors"],
                "--role",
                role,
            ],
            tmp_path,
            tty=True,
        )
        assert done.code in (1, 2), done.err
        assert_safe(done.out, colour=True)
        assert_safe(done.err)
        no_forged_lines(done.out)
    shown = run(["explain", "--input", files["roles"], "--role", FORGED_NAME], tmp_path)
    words = squeezed(shown.out)
    assert squeezed("team\\x1b[2K") in words  # the condition key
    assert squeezed("ops\\r\\u200fx\\x9b31m") in words  # and its value
    sid = run(["explain", "--input", files["roles"], "--role", ESC_NAME], tmp_path)
    assert "Sid\\u202eevil\\x07" in sid.out
    vendor = run(
        [
            "explain",
            "--input",
            files["roles"],
            "--known-accounts",
            files["vendors"],
            "--role",
            "vendor",
        ],
        tmp_path,
    )
    assert "root (Evil\\x1b[2K\\x1b[GVendor\\u202e) (outside" in vendor.out


def test_explain_json_is_escaped_by_json(tmp_path: Path, files: dict[str, str]) -> None:
    done = run(
        ["explain", "--input", files["roles"], "--role", ESC_NAME, "--format", "json"], tmp_path
    )
    assert done.out.isascii()
    assert_safe(done.out)
    assert json.loads(done.out)["result"]["role_name"] == ESC_NAME


def test_scan_json_is_escaped_by_json_and_round_trips(
    tmp_path: Path, files: dict[str, str]
) -> None:
    done = run(
        [
            "scan",
            "--input",
            files["roles"],
            "--known-accounts",
            files["vendors"],
            "--format",
            "json",
        ],
        tmp_path,
    )
    assert done.code == 2
    assert done.out.isascii()
    assert_safe(done.out)
    report = json.loads(done.out)
    assert [r["role_name"] for r in report["results"]] == [r["RoleName"] for r in ROLES]
    assert report["run"]["complete"] is True


@pytest.mark.parametrize("tty", [False, True])
def test_fix_dry_run_diffs_and_messages(tmp_path: Path, files: dict[str, str], tty: bool) -> None:
    done = run(
        ["fix", "--input", files["roles"], "--role", "*", "--external-id", "vendor-issued-7f3a"],
        tmp_path,
        tty=tty,
    )
    assert done.code == 2  # the bad-effect role cannot be fixed
    assert_safe(done.out, colour=tty)
    assert_safe(done.err)
    no_forged_lines(done.out)
    assert "statement 'Sid\\u202eevil\\x07': added" in done.out  # the Sid in a message
    # In the diff JSON escapes the C0 controls itself; the bidi override is left to us.
    assert '"Sid": "Sid\\u202eevil\\u0007"' in done.out
    assert "user/evil\\u001b[31m\\u202ename" in done.out
    assert f"arn:aws:iam::{ACCOUNT}:role/bidi\\u202erole\\x85: fail -> pass" in done.out


def test_fix_out_dir_messages_and_files(tmp_path: Path, files: dict[str, str]) -> None:
    out_dir = tmp_path / "fixed"
    done = run(
        [
            "fix",
            "--input",
            files["roles"],
            "--role",
            "*",
            "--external-id",
            "vendor-issued-7f3a",
            "--out-dir",
            str(out_dir),
        ],
        tmp_path,
    )
    assert done.code == 2
    assert_safe(done.out)
    assert_safe(done.err)
    written = sorted(p.name for p in out_dir.iterdir())
    assert not [name for name in written if name.endswith(".tmp")]
    assert "x_.trust.json" in written  # the lone surrogate is not in the file name
    for path in out_dir.iterdir():
        json.loads(path.read_bytes().decode("utf-8"))  # valid UTF-8 JSON


def test_error_messages_on_stderr(tmp_path: Path, files: dict[str, str]) -> None:
    missing = run(["explain", "--input", files["roles"], "--role", "nope\x1b[2K\u202e"], tmp_path)
    assert missing.code == 2
    assert "trustwarden: error: " in missing.err
    assert_safe(missing.err)
    (tmp_path / ".trustwarden.toml").write_text('"key\\u001b[2K\\u202e" = 1\n', encoding="utf-8")
    config = run(["scan", "--input", files["roles"]], tmp_path)
    assert config.code == 2
    assert "key\\x1b[2K\\u202e" in config.err
    assert_safe(config.err)
    (tmp_path / ".trustwarden.toml").unlink()
    bogus = run(["fix", "--input", files["bogus"], "--require-mfa"], tmp_path)
    assert bogus.code == 2
    assert "Bogus\\x1b[2K\\u202e" in bogus.err
    assert_safe(bogus.err)


def test_debug_traceback_is_escaped(
    tmp_path: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError(f"bug while reading {ESC_NAME}")

    monkeypatch.setattr("trustwarden.cli.explain.find_role_variants", broken)
    done = run(["--debug", "explain", "--input", files["roles"], "--role", "x"], tmp_path)
    assert done.code == 2
    assert "Traceback" in done.err
    assert "vendor-admin\\x1b[2K" in done.err
    assert_safe(done.err)


def test_rich_markup_in_input_is_shown_as_written(tmp_path: Path) -> None:
    name = "[bold red]admin[/bold red][link=http://x]y"
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"Roles": [entry(name, "markup", trust(allow({"AWS": OUTSIDER})))]}))
    blocks = run(["scan", "--input", str(path)], tmp_path, tty=True)
    assert name in SGR.sub("", blocks.out)
    table = run(["scan", "--input", str(path)], tmp_path, tty=True, columns=220)
    assert "[bold red]" in SGR.sub("", table.out)  # the cell folds, but the text is literal
    explained = run(["explain", "--input", str(path), "--role", name], tmp_path, tty=True)
    assert name in SGR.sub("", explained.out)


HOSTILE = "\x1b[2J\x1b[H\u202eok\nPASS"


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "--sample", "--trusted-account", HOSTILE],  # a bad value (our own check)
        ["scan", "--sample", "--format", HOSTILE],  # click's choice error
        ["scan", "--sample", "--max-attempts", HOSTILE],  # click's integer error
        ["scan", "--input", f"/nonexistent/{HOSTILE}.json"],  # click's "does not exist"
        ["scan", "--sample", "--config", f"/nonexistent/{HOSTILE}"],
        ["rollback", f"/nonexistent/{HOSTILE}"],
        ["scan", f"--{HOSTILE}"],  # click's "no such option"
        [HOSTILE],  # click's "no such command"
    ],
    ids=["value", "choice", "integer", "input", "config", "journal", "option", "command"],
)
def test_messages_click_writes_itself_are_escaped(tmp_path: Path, args: list[str]) -> None:
    done = run(args, tmp_path)
    assert done.code == 2
    assert done.out == ""
    assert done.err.startswith("trustwarden: error: ")
    assert "\\x1b[2J\\x1b[H\\u202eok\\nPASS" in done.err
    assert_safe(done.err)
    assert len(done.err.splitlines()) <= 2  # the message and a hint: no forged line
