"""Words the grammars recognise, per language, already folded (lower-case, no accents).

Abbreviations that are ordinary words in another language ("out", "set", "ago", "dez") are only accepted for
the language where they name a month; full month and weekday names are accepted in every language because
guests mix languages and the language detector misreads short messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

LANGS = ("en", "es", "pt")

# fmt: off
MONTHS: dict[str, dict[str, int]] = {
    "en": {
        "january": 1, "jan": 1, "february": 2, "feb": 2, "febr": 2, "march": 3, "mar": 3,
        "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7,
        "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10,
        "november": 11, "nov": 11, "december": 12, "dec": 12,
        # frequent misspellings
        "januray": 1, "feburary": 2, "febuary": 2, "februray": 2, "agust": 8, "septmber": 9,
        "setember": 9, "octuber": 10, "novmber": 11, "decmber": 12, "dicember": 12,
    },
    "es": {
        "enero": 1, "ene": 1, "febrero": 2, "feb": 2, "febr": 2, "marzo": 3, "mar": 3,
        "abril": 4, "abr": 4, "mayo": 5, "may": 5, "junio": 6, "jun": 6, "julio": 7, "jul": 7,
        "agosto": 8, "ago": 8, "septiembre": 9, "setiembre": 9, "sept": 9, "sep": 9, "set": 9,
        "octubre": 10, "oct": 10, "noviembre": 11, "nov": 11, "diciembre": 12, "dic": 12,
        "febero": 2, "febrer": 2, "setiempre": 9, "novienbre": 11, "diciembe": 12,
        "dicienbre": 12,
    },
    "pt": {
        "janeiro": 1, "jan": 1, "fevereiro": 2, "fev": 2, "marco": 3, "mar": 3, "abril": 4,
        "abr": 4, "maio": 5, "mai": 5, "junho": 6, "jun": 6, "julho": 7, "jul": 7, "agosto": 8,
        "ago": 8, "setembro": 9, "set": 9, "outubro": 10, "out": 10, "novembro": 11, "nov": 11,
        "dezembro": 12, "dez": 12,
        "fevereito": 2, "feveriro": 2, "fevreiro": 2, "setenbro": 9, "novenbro": 11,
        "dezenbro": 12,
    },
}
# fmt: on

# Weekday numbers follow date.weekday(): Monday is 0.
# fmt: off
WEEKDAYS: dict[str, int] = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6, "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3,
    "fri": 4, "sat": 5, "sun": 6,
    "lunes": 0, "martes": 1, "miercoles": 2, "jueves": 3, "viernes": 4, "sabado": 5,
    "domingo": 6,
    "segunda": 0, "terca": 1, "quarta": 2, "quinta": 3, "sexta": 4,
    "segunda-feira": 0, "terca-feira": 1, "quarta-feira": 2, "quinta-feira": 3, "sexta-feira": 4,
}
# fmt: on
# English abbreviations are everyday words too ("sun", "sat", "wed"): only read after a date preposition.
WEEKDAY_ABBREVIATIONS = frozenset({"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"})
# Portuguese weekday names without "-feira" are also ordinals ("segunda vez"): read them only in date context.
PT_ORDINAL_WEEKDAYS = frozenset({"segunda", "terca", "quarta", "quinta", "sexta"})

# fmt: off
NUMBER_WORDS: dict[str, dict[str, int]] = {
    "en": {
        "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
        "fifteen": 15, "twenty": 20, "a": 1, "an": 1, "single": 1,
    },
    "es": {
        "un": 1, "uno": 1, "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
        "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13,
        "catorce": 14, "quince": 15, "veinte": 20,
    },
    "pt": {
        "um": 1, "uma": 1, "dois": 2, "duas": 2, "tres": 3, "quatro": 4, "cinco": 5, "seis": 6,
        "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12, "treze": 13,
        "catorze": 14, "quatorze": 14, "quinze": 15, "vinte": 20,
    },
}
# fmt: on
# Words that are numbers in one language and something else in another ("dos" = "of the" in Portuguese).
_LANG_ONLY_NUMBERS = {"a": "en", "an": "en", "single": "en", "dos": "es", "once": "es", "un": "es"}

# Days of the month written as words, for "dos de mayo", "the third of March", "primeiro de maio".
# fmt: off
DAY_WORDS: dict[str, int] = {
    # es
    "primero": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14,
    "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19,
    "veinte": 20, "veintiuno": 21, "veintidos": 22, "veintitres": 23, "veinticuatro": 24,
    "veinticinco": 25, "veintiseis": 26, "veintisiete": 27, "veintiocho": 28, "veintinueve": 29,
    "treinta": 30, "treinta y uno": 31,
    # pt
    "primeiro": 1, "um": 1, "dois": 2, "quatro": 4, "sete": 7, "oito": 8, "nove": 9, "dez": 10,
    "onze": 11, "doze": 12, "treze": 13, "catorze": 14, "quatorze": 14, "dezesseis": 16,
    "dezasseis": 16, "dezessete": 17, "dezassete": 17, "dezoito": 18, "dezenove": 19,
    "dezanove": 19, "vinte": 20, "vinte e um": 21, "vinte e dois": 22, "vinte e tres": 23,
    "vinte e quatro": 24, "vinte e cinco": 25, "vinte e seis": 26, "vinte e sete": 27,
    "vinte e oito": 28, "vinte e nove": 29, "trinta": 30, "trinta e um": 31,
    # en ordinals
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "twenty-first": 21, "twenty first": 21,
    "twenty-second": 22, "twenty second": 22, "twenty-third": 23, "twenty third": 23,
    "twenty-fourth": 24, "twenty fourth": 24, "twenty-fifth": 25, "twenty fifth": 25,
    "twenty-sixth": 26, "twenty sixth": 26, "twenty-seventh": 27, "twenty seventh": 27,
    "twenty-eighth": 28, "twenty eighth": 28, "twenty-ninth": 29, "twenty ninth": 29,
    "thirtieth": 30, "thirty-first": 31, "thirty first": 31,
}
# fmt: on


def month_words(lang: str) -> dict[str, int]:
    """Month names accepted for `lang`.

    Spanish and Portuguese messages accept each other's names (the detector confuses them on short texts);
    English accepts its own names plus the other languages' full names.
    """
    words: dict[str, int] = {}
    if lang == "en":
        for other in ("es", "pt"):
            words.update({w: m for w, m in MONTHS[other].items() if len(w) > 4})
        words.update(MONTHS["en"])
        return words
    for other in LANGS:
        words.update({w: m for w, m in MONTHS[other].items() if len(w) > 4 or w not in _EN_ONLY})
    words.update(MONTHS["es"] if lang == "es" else MONTHS["pt"] if lang == "pt" else {})
    return words


# English abbreviations that are Spanish or Portuguese words ("mar" is kept: both languages use it for March).
_EN_ONLY = frozenset({"may", "dec"})


def number_words(lang: str) -> dict[str, int]:
    """Cardinal number words read for `lang` (all three languages, minus words that mean something else)."""
    words: dict[str, int] = {}
    for other in LANGS:
        for word, value in NUMBER_WORDS[other].items():
            owner = _LANG_ONLY_NUMBERS.get(word)
            if owner is None or owner == lang:
                words[word] = value
    return words


def alternation(words: Iterable[str]) -> str:
    """A regex alternation of `words`, longest first so that "sept" wins over "sep"."""
    escaped = sorted({w.replace(" ", r"\s+").replace("-", r"[- ]?") for w in words}, key=len)
    return "(?:" + "|".join(reversed(escaped)) + ")"


def lookup(table: Mapping[str, int], word: str) -> int | None:
    """Value of a matched word, tolerant of the whitespace and hyphens the regex allowed."""
    key = " ".join(word.split())
    value = table.get(key)
    if value is None:
        value = table.get(key.replace(" ", "-"))
    if value is None:
        value = table.get(key.replace("-", " "))
    return value
