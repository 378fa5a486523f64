"""Counted nouns: never "1 roles"."""

from __future__ import annotations

import pytest

from trustwarden.words import counted


@pytest.mark.parametrize(
    ("n", "noun", "plural", "expected"),
    [
        (0, "role", None, "0 roles"),
        (1, "role", None, "1 role"),
        (2, "role", None, "2 roles"),
        (1, "role name", None, "1 role name"),
        (3, "entry", "entries", "3 entries"),
        (1, "entry", "entries", "1 entry"),
    ],
)
def test_counted(n: int, noun: str, plural: str | None, expected: str) -> None:
    assert counted(n, noun, plural) == expected
