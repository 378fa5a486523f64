"""Words for messages: counted nouns in the right number."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 role"``, ``"2 roles"``, ``"0 roles"``; ``plural`` for nouns not made with ``s``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


__all__ = ["counted"]
