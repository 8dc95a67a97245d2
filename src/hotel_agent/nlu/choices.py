"""Which numbered option a short reply picks ("2", "la segunda", "o primeiro", "the 3rd one")."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hotel_agent.nlu.text import fold_accents

ORDINALS: dict[str, int] = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "1st": 1,
    "2nd": 2,
    "3rd": 3,
    "4th": 4,
    "5th": 5,
    "primera": 1,
    "primero": 1,
    "segunda": 2,
    "segundo": 2,
    "tercera": 3,
    "tercero": 3,
    "cuarta": 4,
    "cuarto": 4,
    "quinta": 5,
    "quinto": 5,
    "primeira": 1,
    "primeiro": 1,
    "terceira": 3,
    "terceiro": 3,
    "quarta": 4,
    "quarto": 4,
    "last": -1,
    "ultima": -1,
    "ultimo": -1,
}
_NUMBER = re.compile(r"^\D{0,20}?\b(\d{1,2})\b\D{0,20}$")
_WORD = re.compile(r"[a-z0-9]+")
MAX_WORDS = 5


def option_number(text: str, option_count: int) -> int | None:
    """1-based option picked by a short reply, or None; "last" resolves to `option_count`."""
    folded = fold_accents(text).strip()
    words = _WORD.findall(folded)
    if not words or len(words) > MAX_WORDS:
        return None
    match = _NUMBER.match(folded)
    if match:
        number = int(match.group(1))
        return number if 1 <= number <= option_count else None
    for word in words:
        # "quarto" is also "room" in Portuguese: only an ordinal when it is not followed by more words.
        if word in ORDINALS and not (word == "quarto" and len(words) > 2):
            number = ORDINALS[word]
            number = option_count if number == -1 else number
            return number if 1 <= number <= option_count else None
    return None


_STOP_WORDS = frozenset(
    {"room", "rooms", "the", "a", "o", "el", "la", "de", "do", "da", "habitacion", "quarto", "um", "uma"}
)


def name_words(names: Iterable[str]) -> set[str]:
    """Accent-folded words of at least three letters, for matching a room type by (part of) its name."""
    return {
        word
        for name in names
        for word in _WORD.findall(fold_accents(name))
        if len(word) >= 3 and word not in _STOP_WORDS and not word.isdigit()
    }


# A refusal word anywhere in a short answer: "no, don't cancel", "não cancela", "mejor no".
_NEGATIONS = frozenset(
    {
        "no",
        "not",
        "dont",
        "don't",
        "never",
        "nope",
        "nao",
        "não",
        "nunca",
        "nah",
        "keep",
        "mantener",
        "manter",
    }
)


def has_negation(text: str) -> bool:
    """True when the guest's words refuse rather than agree (accents and case ignored)."""
    words = [word.strip(".,!?¿¡;:'\"") for word in text.lower().split()]
    return any(word in _NEGATIONS for word in words)
