"""Text from input made safe for a terminal: the one escaping function of every human format.

Role names, Sids, principals, condition keys and values, vendor names and error messages come
from files and APIs an attacker may write. Shown raw, an escape sequence can rewrite the screen
(``\\x1b[2K\\x1b[G`` erases a ``FAIL`` and prints ``PASS`` over it), a newline forges a row
of the table, and a bidi override shows text in another order than it is. :func:`escape`
replaces every such character with a visible escape (``\\x1b``, ``\\n``, ``\\u202e``):

* C0 controls, DEL and C1 controls (U+0000-U+001F, U+007F-U+009F);
* Unicode format characters (category Cf: bidi embeddings, overrides and isolates
  U+202A-U+202E and U+2066-U+2069, marks U+200E/U+200F/U+061C, zero-width characters,
  the byte-order mark, tag characters), and the line and paragraph separators U+2028/U+2029;
* lone surrogates (U+D800-U+DFFF), which no terminal encoding can carry.

Backslashes are kept as they are. The table, ``explain``, ``fix`` and ``rollback`` output and
the CLI's messages on standard error call it exactly once, where the text is rendered; JSON
output needs nothing (the JSON encoder escapes with ``ensure_ascii``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_UNSAFE = re.compile(
    "["
    "\x00-\x1f\x7f-\x9f"  # C0, DEL, C1
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"  # format characters
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"  # ... bidi, zero width
    "\ud800-\udfff"  # lone surrogates
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f"  # tags
    "]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _visible(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def escape(text: str) -> str:
    """``text`` with every control, format and lone-surrogate character made visible."""
    return _UNSAFE.sub(_visible, text)


def escape_lines(text: str) -> str:
    """:func:`escape` each line of ``text``, keeping its ``\\n`` line breaks.

    Only for text whose line breaks are the program's own (a traceback, pretty-printed
    JSON, whose strings have their newlines escaped); a message built from input is one
    line and goes through :func:`escape` whole.
    """
    return "\n".join(escape(line) for line in text.split("\n"))


def escape_all(items: Iterable[str]) -> list[str]:
    """:func:`escape` each item."""
    return [escape(item) for item in items]


__all__ = ["escape", "escape_all", "escape_lines"]
