"""Length-preserving text folding and span masking shared by the entity grammars.

Every grammar runs on a *folded* copy of the message: lower-case, accents removed, typographic dashes and
quotes made ASCII. Folding maps one character to exactly one character, so a match in the folded text has the
same offsets in the original (names are cut from the original to keep their capitals).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

_SPECIAL = {
    "\u00ba": "o",  # masculine ordinal: 1º
    "\u00aa": "a",  # feminine ordinal: 1ª
    "\u00b0": "o",  # degree sign, used for ordinals on phones: 1°
    "\u00a0": " ",
    "\u2007": " ",
    "\u202f": " ",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00df": "s",
    "\u00f8": "o",
    "\u00d8": "o",
    "\u0131": "i",
    "\u0130": "i",
}


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {code: chr(code).lower() for code in range(ord("A"), ord("Z") + 1)}
    for code in range(0x80, 0x2070):
        char = chr(code)
        if char in _SPECIAL:
            table[code] = _SPECIAL[char]
            continue
        base = unicodedata.normalize("NFKD", char)
        if not base:
            continue
        first = base[0].lower()
        if len(first) == 1 and first != char and not unicodedata.combining(first):
            table[code] = first
    return table


_FOLD_TABLE = _build_fold_table()


def fold_accents_same_length(text: str) -> str:
    """Lower-case `text` and strip accents, keeping one character per character (offsets are preserved)."""
    return text.translate(_FOLD_TABLE)


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """Blank out `spans` with spaces so later grammars cannot read them; length is unchanged."""
    ordered = sorted(spans)
    if not ordered:
        return text
    parts: list[str] = []
    cursor = 0
    for start, end in ordered:
        if end <= cursor:
            continue
        start = max(start, cursor)
        parts.append(text[cursor:start])
        parts.append(" " * (end - start))
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)
