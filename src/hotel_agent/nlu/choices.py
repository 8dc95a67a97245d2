"""Which offered option a reply picks: "2", "la segunda", "I'd like to book the first one", "number 1",
"the cheapest"; and whether a reply about a room asks its price rather than choosing it."""

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
# "number 1", "option 2", "la opción 3", "nº 2", "#1" inside a longer sentence.
_NUMBERED = re.compile(r"(?:\b(?:number|option|no|nr|num|numero|opcion|opcao|n)\.?\s*|[#º°]\s*)(\d{1,2})\b")
_WORD = re.compile(r"[a-z0-9]+")
MAX_WORDS = 5
# A sentence that picks an option by its ordinal ("I'd like to book the first one"): longer, so it must
# also say it is choosing or refer to an option (one/room/option), not just contain an ordinal word.
MAX_SENTENCE_WORDS = 14
_CHOICE_NOUNS = frozenset(
    {"one", "room", "option", "opcion", "opcao", "habitacion", "hab", "quarto", "la", "el", "o", "a"}
)


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


def option_in_sentence(text: str, option_count: int) -> int | None:
    """The option a longer sentence picks: "I'd like to book number 1", "we'll take the second one"."""
    folded = fold_accents(text).strip()
    words = _WORD.findall(folded)
    if not words or len(words) > MAX_SENTENCE_WORDS:
        return None
    short = option_number(text, option_count)
    if short is not None:
        return short
    numbered = _NUMBERED.search(folded)
    if numbered is not None:
        number = int(numbered.group(1))
        return number if 1 <= number <= option_count else None
    for index, word in enumerate(words):
        if word not in ORDINALS or word == "quarto":
            continue
        neighbours = set(words[max(0, index - 1) : index]) | set(words[index + 1 : index + 2])
        if neighbours & _CHOICE_NOUNS:
            number = ORDINALS[word]
            number = option_count if number == -1 else number
            return number if 1 <= number <= option_count else None
    return None


_CHEAPEST = re.compile(
    r"\b(?:cheapest|cheaper|least\s+expensive|lowest\s+price|most\s+affordable|budget|"
    r"mas\s+barat[oa]|mais\s+barat[oa]|barat[oa]|mas\s+economic[oa]|mais\s+economic[oa]|economic[oa]|"
    r"mas\s+en\s+conta|mais\s+em\s+conta|em\s+conta|menor\s+(?:precio|preco|valor))\b"
)


def wants_cheapest(text: str) -> bool:
    """ "the cheapest", "la más barata", "o mais em conta": the lowest-priced option."""
    return _CHEAPEST.search(fold_accents(text)) is not None


_PRICE_QUESTION = re.compile(
    r"\b(?:how\s+much|price|prices|cost|costs|rate|rates|cuanto|cuantos|precio|precios|cuesta|cuestan|"
    r"vale|valen|tarifa|tarifas|quanto|quantos|preco|precos|custa|custam|valor|valores|diaria)\b"
)


def asks_price(text: str) -> bool:
    """ "how much is the suite?" asks; "could we have the double?" chooses."""
    return _PRICE_QUESTION.search(fold_accents(text)) is not None


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


_CANCEL = re.compile(r"\b(?:cancel\w*|anul\w*|dar\s+de\s+baja|desmarcar)\b")


def wants_cancel(text: str) -> bool:
    """A cancel verb without a refusal: "afinal cancele a HA-BZ58QJ" (not "don't cancel it")."""
    folded = fold_accents(text)
    return _CANCEL.search(folded) is not None and "policy" not in folded and not has_negation(text)


_TAKES_IT = re.compile(
    r"\b(?:(?:i'?ll|we'?ll|i\s+will|we\s+will|let'?s)\s+(?:take|have|book|go\s+with)\s+(?:it|that|this)|"
    r"(?:that|this)\s+one|sounds\s+good|me\s+la\s+quedo|me\s+lo\s+quedo|nos\s+la\s+quedamos|"
    r"me\s+quedo\s+con\s+(?:esa|ese|esta|este)|esa\s+(?:esta\s+)?bien|fico\s+com\s+(?:esse|essa|este|esta|ele|ela)|"
    r"ficamos\s+com\s+(?:esse|essa|este|esta)|pode\s+ser\s+(?:esse|essa)|quero\s+(?:esse|essa))\b"
)


def takes_it(text: str) -> bool:
    """ "ok i'll take it", "vale, me la quedo", "ok, fico com esse": yes to the room just offered."""
    return _TAKES_IT.search(fold_accents(text)) is not None


_LOOKUP = re.compile(
    r"\b(?:status|look\s+(?:at|up)|check\s+on|see|show|details|estado|mirar|ver|consultar|revisar|"
    r"mostrar|status|situacao|olhar|conferir|verificar)\b"
)


def asks_to_see(text: str) -> bool:
    """ "me puedes mirar la HA-X otra vez?": a lookup, whatever the intent model leans to."""
    return _LOOKUP.search(fold_accents(text)) is not None
