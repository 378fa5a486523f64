"""The terminal-escaping function every human format uses, against Unicode's own categories."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustwarden.formats.escape import escape, escape_lines

# What must never reach a terminal raw: controls, format characters (bidi, zero width),
# line/paragraph separators and lone surrogates.
UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def unsafe_chars(text: str, *, keep_newlines: bool = False) -> list[str]:
    """The characters of ``text`` a terminal must not get raw (an oracle independent of escape)."""
    return [
        c
        for c in text
        if unicodedata.category(c) in UNSAFE_CATEGORIES and not (keep_newlines and c == "\n")
    ]


def test_every_unsafe_code_point_of_this_python_is_escaped() -> None:
    missed = [
        f"U+{code:04X}"
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in UNSAFE_CATEGORIES and escape(chr(code)) == chr(code)
    ]
    assert missed == []


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("vendor-admin\x1b[2K\x1b[GPASS", "vendor-admin\\x1b[2K\\x1b[GPASS"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x00\x07\x7f\x85\x9b", "\\x00\\x07\\x7f\\x85\\x9b"),
        ("abc\u202egpj.exe", "abc\\u202egpj.exe"),
        (
            "\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d",
            "\\u2066\\u2067\\u2068\\u2069\\u202a\\u202b\\u202c\\u202d",
        ),
        (
            "\u200e\u200f\u061c\u200b\ufeff\u2028\u2029",
            "\\u200e\\u200f\\u061c\\u200b\\ufeff\\u2028\\u2029",
        ),
        ("x\ud800y\udfff", "x\\ud800y\\udfff"),
        ("tag\U000e0041", "tag\\U000e0041"),
        (
            "Zürich, 東京, Datadog, arn:aws:iam::1:root \\x1b",
            "Zürich, 東京, Datadog, arn:aws:iam::1:root \\x1b",
        ),
    ],
)
def test_visible_escapes(raw: str, shown: str) -> None:
    assert escape(raw) == shown
    shown.encode("utf-8")  # always encodable, whatever the input held


@given(st.text())
def test_escaped_text_is_safe_and_printable_text_is_unchanged(text: str) -> None:
    out = escape(text)
    assert unsafe_chars(out) == []
    out.encode("utf-8")  # never raises: no lone surrogate is left
    if not unsafe_chars(text):
        assert out == text


def test_escape_lines_keeps_only_the_line_breaks() -> None:
    assert (
        escape_lines("Traceback\n  x = '\x1b[2K'\u202e\n") == "Traceback\n  x = '\\x1b[2K'\\u202e\n"
    )
