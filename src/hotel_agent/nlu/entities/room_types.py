"""Room-type matching against a hotel's vocabulary, and the demo hotel's vocabulary.

Each room type is matched by its names in every language and by the synonyms of its category (so a QloApps
hotel whose category is "double" also understands "cama de casal"). Names are compared token by token on
folded text (no case, no accents), tolerating plurals and one typo per word of five letters or more (same
first letter: "dobel", "suit", "familar", "Deluxe" for "Delux"). Generic words ("room", "habitación",
"quarto") are dropped from names, and a name left as one everyday word ("family", "general", "king") only
counts next to such a word ("family room", "la general") so "vengo con mi familia" is not a room type.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hotel_agent.nlu.entities.text import fold_accents_same_length
from hotel_agent.nlu.schemas import RoomTypeVocabulary

# fmt: off
CATEGORY_SYNONYMS: dict[str, dict[str, list[str]]] = {
    "single": {
        "en": ["single", "single room", "single bed room"],
        "es": ["individual", "habitacion individual", "hab individual", "sencilla", "simple",
               "habitacion simple", "single"],
        "pt": ["individual", "quarto individual", "solteiro", "quarto de solteiro", "single",
               "quarto single", "simples", "quarto simples"],
    },
    "double": {
        "en": ["double", "double room", "double bed", "queen", "queen bed", "queen size", "king",
               "king bed", "king size", "kingsize", "matrimonial", "one big bed", "big bed"],
        "es": ["doble", "habitacion doble", "hab doble", "matrimonial", "cama matrimonial",
               "habitacion matrimonial", "cama de matrimonio", "cama doble", "queen", "king",
               "cama grande", "cama king", "cama queen", "habitacion de matrimonio", "hab de matrimonio"],
        "pt": ["duplo", "quarto duplo", "casal", "de casal", "quarto de casal", "cama de casal",
               "quarto casal", "cama queen", "cama king", "queen", "king", "matrimonial",
               "cama grande", "double"],
    },
    "twin": {
        "en": ["twin", "twin room", "two beds", "2 beds", "two single beds", "2 single beds",
               "separate beds", "twin beds", "two separate beds"],
        "es": ["twin", "habitacion twin", "dos camas", "2 camas", "camas separadas",
               "dos camas individuales", "2 camas individuales", "camas individuales"],
        "pt": ["twin", "quarto twin", "duas camas", "2 camas", "camas separadas",
               "duas camas de solteiro", "2 camas de solteiro", "camas de solteiro",
               "duas de solteiro"],
    },
    "family": {
        "en": ["family", "family room", "family suite", "family rooms"],
        "es": ["familiar", "habitacion familiar", "hab familiar", "familia"],
        "pt": ["familia", "quarto familia", "quarto familiar", "quarto de familia", "familiar"],
    },
    "suite": {
        "en": ["suite", "junior suite", "jr suite", "suit", "junior suit"],
        "es": ["suite", "suite junior", "junior suite", "suit"],
        "pt": ["suite", "suite junior", "junior suite", "suit"],
    },
    "triple": {
        "en": ["triple", "triple room", "three beds", "3 beds"],
        "es": ["triple", "habitacion triple", "tres camas", "3 camas"],
        "pt": ["triplo", "quarto triplo", "tres camas", "3 camas"],
    },
}
# fmt: on

# fmt: off
DEMO_ROOM_TYPES: list[RoomTypeVocabulary] = [
    RoomTypeVocabulary(
        code="single",
        category="single",
        names={
            "en": ["Single Room", "single", "single bedroom"],
            "es": ["Habitación Individual", "individual", "habitación sencilla", "sencilla"],
            "pt": ["Quarto Individual", "individual", "quarto de solteiro", "solteiro"],
        },
    ),
    RoomTypeVocabulary(
        code="double",
        category="double",
        names={
            "en": ["Double Room", "double", "double bed", "queen", "queen bed", "king", "king bed",
                   "king size", "matrimonial"],
            "es": ["Habitación Doble", "doble", "matrimonial", "cama matrimonial", "cama de matrimonio",
                   "cama doble", "queen", "king", "habitación de matrimonio", "hab de matrimonio"],
            "pt": ["Quarto Duplo", "Quarto de Casal", "duplo", "de casal", "cama de casal", "queen",
                   "king", "matrimonial"],
        },
    ),
    RoomTypeVocabulary(
        code="twin",
        category="twin",
        names={
            "en": ["Twin Room", "twin", "two beds", "2 beds", "two single beds", "separate beds"],
            "es": ["Habitación Twin", "twin", "dos camas", "2 camas", "dos camas individuales",
                   "camas separadas"],
            "pt": ["Quarto Twin", "twin", "duas camas", "2 camas", "duas camas de solteiro",
                   "camas separadas"],
        },
    ),
    RoomTypeVocabulary(
        code="family",
        category="family",
        names={
            "en": ["Family Room", "family room", "family suite"],
            "es": ["Habitación Familiar", "familiar", "habitación familiar"],
            "pt": ["Quarto Família", "quarto familiar", "família", "familiar"],
        },
    ),
    RoomTypeVocabulary(
        code="suite",
        category="suite",
        names={
            "en": ["Junior Suite", "suite", "junior suite"],
            "es": ["Suite Junior", "suite", "junior suite"],
            "pt": ["Suíte Júnior", "suíte", "suite junior"],
        },
    ),
]
# fmt: on

# Words that name "a room" without saying which: dropped from names before matching.
# fmt: off
_GENERIC = frozenset(
    {
        "room", "rooms", "bedroom", "habitacion", "habitaciones", "hab", "habs", "cuarto", "cuartos",
        "quarto", "quartos", "qto", "qrto", "the", "la", "el", "a", "o", "una", "uma", "un", "um",
    }
)
# fmt: on
# Words that, left alone as a name, are too common to count without a room word next to them.
# fmt: off
_WEAK = frozenset(
    {
        "family", "familia", "general", "standard", "estandar", "padrao", "classic", "clasica",
        "classico", "normal", "king", "queen", "simple", "simples", "basic", "basica", "basico",
        "economy", "superior", "comfort", "confort", "executive", "business", "premium", "casal",
        "familiar",
    }
)
# fmt: on
# Words that make a weak name count: "family room", "quarto casal", "the queen one".
# fmt: off
_ROOM_CONTEXT = frozenset(
    {
        "room", "rooms", "habitacion", "habitaciones", "hab", "cuarto", "quarto", "quartos", "one",
        "option", "opcion", "opcao", "tipo", "type", "category", "categoria", "bed", "beds", "cama",
        "camas", "suite", "size",
    }
)
# fmt: on
_ARTICLES = frozenset({"la", "el", "the", "a", "o", "una", "uma", "un", "um", "an", "that", "esa", "essa"})
# Weak names that an article alone does not make a room: "a family of 4", "um casal", "una pregunta simple".
_ARTICLE_UNSAFE = frozenset(
    {"family", "familia", "general", "normal", "simple", "simples", "casal", "standard", "basic"}
)
# A match that is immediately followed by one of these is not a room type: "single night", "double check".
# fmt: off
_NOT_AFTER: dict[str, frozenset[str]] = {
    "single": frozenset(
        {"night", "nights", "person", "people", "day", "payment", "charge", "traveller", "traveler",
         "guest", "adult", "occupant", "occupancy", "use", "parent", "mom", "dad", "mother", "father"}
    ),
    "double": frozenset({"check", "checked", "charge", "charged", "booking", "booked", "confirm"}),
    "individual": frozenset({"price", "precio", "preco"}),
    "simple": frozenset({"question", "pregunta", "pergunta", "como", "que"}),
}
# fmt: on
_TOKEN = re.compile(r"[a-z0-9]+")
_MIN_FUZZY = 5
# A change of room names the old one first: "trocar o quarto de casal por um de duas camas".
_CHANGE = re.compile(
    r"(?<![\w])(?:troc\w*|mud\w*|cambi\w*|change\w*|switch\w*|alter\w*|pas[as]\w*|upgrad\w*|"
    r"move|mover|instead|en\s+vez|em\s+vez|prefer\w*)(?![\w])"
)
_PREPOSITIONS = frozenset({"para", "pra", "for", "por", "pelo", "pela", "to", "a", "al"})


@dataclass(frozen=True, slots=True)
class _Phrase:
    tokens: tuple[str, ...]
    code: str
    weak: bool


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(fold_accents_same_length(text))


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _close(word: str, target: str) -> bool:
    """True if `word` is `target`, its plural, or one edit (Damerau) away with the same first letter."""
    if word == target:
        return True
    if target.endswith("s") and word == target[:-1]:
        return False  # "cama de solteiro" is not "camas de solteiro"
    if word.endswith("s") and (word[:-1] in (target, target + "e") or word[:-2] == target):
        return True  # plural
    if min(len(target), len(word)) < _MIN_FUZZY or word[0] != target[0] or abs(len(word) - len(target)) > 1:
        return False
    return _damerau_at_most_one(word, target)


def _damerau_at_most_one(a: str, b: str) -> bool:
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) <= 1:
            return True
        first, second = diff[0], diff[-1]
        return len(diff) == 2 and second == first + 1 and a[first] == b[second] and a[second] == b[first]
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


class RoomTypeMatcher:
    """Finds which of a hotel's room types a message names."""

    def __init__(self, room_types: Sequence[RoomTypeVocabulary]) -> None:
        phrases: dict[tuple[str, ...], _Phrase] = {}
        for room_type in room_types:
            sources: list[str] = [room_type.code.replace("_", " ")]
            for names in room_type.names.values():
                sources.extend(names)
            for synonyms in CATEGORY_SYNONYMS.get(
                fold_accents_same_length(room_type.category).strip(), {}
            ).values():
                sources.extend(synonyms)
            for source in sources:
                tokens = _tokens(source)
                stripped = tuple(t for t in tokens if t not in _GENERIC) or tuple(tokens)
                if not stripped or stripped in phrases:
                    continue  # the first room type to claim a phrase keeps it
                weak = len(stripped) == 1 and (stripped[0] in _WEAK or len(stripped[0]) < 4)
                phrases[stripped] = _Phrase(stripped, room_type.code, weak)
        self._by_first: dict[str, list[_Phrase]] = {}
        self._fuzzy_index: dict[str, set[str]] = {}
        for phrase in sorted(phrases.values(), key=lambda p: -len(p.tokens)):
            first = phrase.tokens[0]
            self._by_first.setdefault(first, []).append(phrase)
            if len(first) >= _MIN_FUZZY:
                for variant in _deletions(first) | {first}:
                    self._fuzzy_index.setdefault(variant, set()).add(first)

    def _first_words(self, word: str) -> list[str]:
        if word in self._by_first:
            return [word]
        candidates: list[str] = []
        for plain in (word[:-1], word[:-2]) if word.endswith("s") else ():
            if plain in self._by_first:
                candidates.append(plain)
        if candidates or len(word) < _MIN_FUZZY:
            return candidates
        seen: set[str] = set()
        for variant in _deletions(word) | {word}:
            seen.update(self._fuzzy_index.get(variant, ()))
        return [target for target in seen if _close(word, target)]

    def match(self, folded_text: str) -> str | None:
        """Code of the room type named in folded text (the new one when a change is asked), or None."""
        words = _TOKEN.findall(folded_text)
        codes: list[str] = []
        index = 0
        while index < len(words):
            best = self._longest_at(words, index)
            if best is None:
                index += 1
                continue
            codes.append(best.code)
            index += len(best.tokens)
        if not codes:
            return None
        if len(set(codes)) > 1 and _CHANGE.search(folded_text) is not None:
            return codes[-1]
        return codes[0]

    def _longest_at(self, words: list[str], index: int) -> _Phrase | None:
        best: _Phrase | None = None
        for first in self._first_words(words[index]):
            for phrase in self._by_first[first]:
                if best is not None and len(phrase.tokens) <= len(best.tokens):
                    continue
                end = index + len(phrase.tokens)
                if end > len(words):
                    continue
                rest = zip(words[index + 1 : end], phrase.tokens[1:], strict=True)
                matches = all(_close(word, token) for word, token in rest)
                if matches and self._accepted(phrase, words, index, end):
                    best = phrase
        return best

    @staticmethod
    def _accepted(phrase: _Phrase, words: list[str], start: int, end: int) -> bool:
        following = words[end] if end < len(words) else None
        blocked = _NOT_AFTER.get(phrase.tokens[-1])
        if blocked is not None and following in blocked:
            return False
        if not phrase.weak:
            return True
        before = words[start - 1] if start > 0 else None
        if before in _ROOM_CONTEXT or following in _ROOM_CONTEXT:
            return True
        if before in _PREPOSITIONS and following is None:
            return True  # "trocar de casal pra familia", "hab grande para familia?"
        return before in _ARTICLES and phrase.tokens[0] not in _ARTICLE_UNSAFE
