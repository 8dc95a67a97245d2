"""Booking references, e-mail addresses, phone numbers and guest names.

These run on the original text (names keep their capitals; a booking reference written "HA 7K3Q9P" in
capitals is more trustworthy than "ha thanks"), and report their spans so the date and guest grammars skip
them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import phonenumbers

from hotel_agent.nlu.entities.text import fold_accents_same_length

Span = tuple[int, int]

_REF_CHARS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_REF_CLASS = "[2-9A-HJKMNP-Za-hjkmnp-z]"
_BOOKING_REF = re.compile(
    r"(?<![A-Za-z0-9])(?P<ha>[Hh][Aa])(?P<sep>\s?[-_.#:]\s?|\s)?(?P<code>" + _REF_CLASS + r"{6})"
    r"(?![A-Za-z0-9])"
)
# A bare code after a word that announces it: "reserva 7K3Q9P", "booking ref: 7k3q9p".
_BARE_REF = re.compile(
    r"(?i:\b(?:ref(?:erence|erencia|erência)?|booking|reserva(?:tion)?|c[oó]digo|code|localizador|"
    r"confirmation|confirmaci[oó]n|confirma[cç][aã]o|n[uú]mero|number|no\.?|n[ºo°])\b[\s:#.-]*(?:(?:is|es|é|e|eh|number|n[uú]mero|code|c[oó]digo)\b[\s:#.-]*)*)"
    r"(?P<code>" + _REF_CLASS + r"{6})(?![A-Za-z0-9])"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
_PHONE = re.compile(r"(?<![\w+/.,:-])(?:\+|00)?\s?\(?\d[\d\s().-]{6,22}\d(?![\w/]|[.,:-]\d)")
_DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}[.-]\d{1,2}[.-]\d{2,4}$")

# Where numbers written without a country code are tried, in order, per message language. The hotel's own
# region (EntityExtractor's default_region) is tried after these.
PHONE_REGIONS: dict[str, tuple[str, ...]] = {
    "es": ("ES", "MX", "AR", "CO", "CL", "PE", "US"),
    "pt": ("BR", "PT"),
    "en": ("US", "GB", "IE", "CA", "AU"),
}


@dataclass(frozen=True, slots=True)
class Found:
    value: str
    span: Span


def find_booking_ref(text: str) -> Found | None:
    """First booking reference, as "HA-XXXXXX"."""
    for m in _BOOKING_REF.finditer(text):
        code = m["code"]
        separator = (m["sep"] or "").strip()
        if separator or any(c.isdigit() for c in code) or (code.isupper() and m["ha"] == "HA"):
            return Found("HA-" + code.upper(), m.span())
    for m in _BARE_REF.finditer(text):
        code = m["code"]
        mixed = any(c.isdigit() for c in code) and any(c.isalpha() for c in code)
        if mixed and all(c in _REF_CHARS for c in code.upper()):
            return Found("HA-" + code.upper(), m.span("code"))
    return None


def find_email(text: str) -> Found | None:
    m = _EMAIL.search(text)
    if m is None:
        return None
    return Found(m.group(0).rstrip(".").lower(), m.span())


def find_phone(text: str, lang: str, default_region: str | None, skip: Sequence[Span]) -> Found | None:
    """First valid phone number in E.164, see the package docstring for numbers without a country code."""
    for m in _PHONE.finditer(text):
        if any(m.start() < end and start < m.end() for start, end in skip):
            continue
        raw = m.group(0).strip()
        digits = sum(c.isdigit() for c in raw)
        international = raw.startswith(("+", "00"))
        if not (8 if international else 9) <= digits <= 15 or _DATE_LIKE.match(raw):
            continue
        number = _parse_phone(raw, lang, default_region, digits)
        if number is not None:
            return Found(number, m.span())
    return None


def _parse_phone(raw: str, lang: str, default_region: str | None, digits: int) -> str | None:
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    regions: tuple[str | None, ...]
    if raw.startswith("+"):
        regions = (None,)
    else:
        ordered = list(PHONE_REGIONS.get(lang, ()))
        if lang == "pt" and digits <= 9:
            ordered = ["PT", "BR"]
        if default_region:
            ordered.append(default_region.upper())
        regions = tuple(dict.fromkeys(ordered))
    for region in regions:
        try:
            parsed = phonenumbers.parse(raw, region)
        except phonenumbers.NumberParseException:
            continue
        possible = region is None and phonenumbers.is_possible_number(parsed)
        if possible or phonenumbers.is_valid_number(parsed):
            # With an explicit country code a possible number is enough: test ranges and new
            # allocations are not "valid" in the metadata but are what the guest wrote.
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None


# ---------------------------------------------------------------------------------------------- names

_NAME_WORD = r"[^\W\d_]+(?:['’-][^\W\d_]+)*"
_NAME_TOKEN = re.compile(r"[ \t]*(" + _NAME_WORD + r")")
_PARTICLES = frozenset(
    {"de", "da", "do", "dos", "das", "del", "della", "di", "van", "von", "der", "le", "la", "du"}
)
# After these the name may be written in lower case ("me llamo ana souza").
_STRONG_CUE = re.compile(
    r"(?i:(?<![\w])(?:my\s+name\s+is|my\s+name's|my\s+names|name\s+is|name's|full\s+name\s+is|names?\s*:|"
    r"under\s+the\s+name\s+(?:of\s+)?|in\s+the\s+name\s+of|"
    r"me\s+llamo|mi\s+nombre\s+es|nombre\s+es|nombre\s*:|a\s+nombre\s+de|al\s+nombre\s+de|"
    r"bajo\s+el\s+nombre\s+(?:de\s+)?|nombre\s+completo\s*:?|"
    r"meu\s+nome\s+(?:é|e|eh)|me\s+chamo|nome\s+(?:é|e)|nome\s*:|em\s+nome\s+de|no\s+nome\s+de|"
    r"nome\s+completo\s*:?|sob\s+o\s+nome\s+(?:de\s+)?)(?![\w]))"
)
# After these only a capitalised name counts ("soy Carla", not "soy vegetariano").
_WEAK_CUE = re.compile(
    r"(?i:(?<![\w])(?:i\s+am|i'm|im|this\s+is|it's|its|soy|habla|aqui\s+es|aquí\s+es|aca|acá|aqui|aquí|"
    r"sou\s+o|sou\s+a|sou|aqui\s+é|aqui\s+eh|fala\s+o|fala\s+a|here\s+is|here's|call\s+me|"
    r"under|booked\s+under|booking\s+under)(?![\w]))"
)
# Words after which a capitalised full name (two words or more) a little further on is the guest's name:
# "la reserva de Fernando Ruiz", "nome dele Carlos Dias", "change the name on the booking to Sarah Lee".
_CONTEXT_CUE = re.compile(
    r"(?i:(?<![\w])(?:reserv\w*|book\w*|nombre|nome|name|titular|datos|dados|details|cancel\w*|"
    r"hu[eé]sped|h[oó]spede|guest)(?![\w]))"
)
_CONTACT_AFTER = re.compile(
    r"[ \t]*[,;-][ \t]*(?:[\w.+-]+@|\+?\(?\d[\d \t().-]{6,}|"
    r"(?i:tel|phone|email|e-mail|mail|correo|cel|whatsapp)\b)"
)
_AFFIRMATION = re.compile(
    r"(?i:^\s*(?:yes|yeah|yep|correct|right|exactly|ok|okay|sure|si|sí|claro|exacto|correcto|perfecto|vale|"
    r"dale|sim|isso|certo|exato|perfeito|pode\s+ser)(?:[\s,.!]+(?:yes|correct|right|si|sí|claro|exacto|"
    r"correcto|sim|isso|certo|exato|that's\s+right|es\s+correcto|esta\s+bien|está\s+bien))*[\s,.!:-]+)"
)
# Folded words that end a name, or show that what follows a cue is not one.
# fmt: off
_NOT_NAME = frozenset(
    {
        "a", "about", "acerca", "again", "airbnb", "alergica", "alergico", "allergic", "also", "am", "an",
        "and", "aqui", "arriving", "at", "back", "boa", "bom", "book", "booking", "buenas", "buenos", "but",
        "calling", "casada", "casado", "casal", "cel", "celular", "check", "christmas", "client", "cliente",
        "com", "coming", "como", "con", "contento", "correo", "de", "dear", "desde", "doble", "don", "dona",
        "double", "duplo", "e", "el", "em", "email", "en", "es", "eso", "essa", "esse", "esta", "este",
        "estou", "estoy", "eu", "eve", "expedia", "familia", "family", "favor", "feliz", "from", "going",
        "good", "gostaria", "gracias", "guest", "habitacion", "happy", "has", "have", "hello", "here",
        "hey", "hi", "hola", "hospede", "hotel", "how", "huesped", "i", "im", "in", "individual",
        "interesada", "interesado", "interessada", "interessado", "interested", "is", "isso", "it", "its",
        "junior", "just", "la", "le", "like", "lo", "looking", "mail", "married", "mas", "matrimonial",
        "me", "meu", "mi", "minha", "mr", "mrs", "ms", "my", "na", "nao", "natal", "navidad", "new", "no",
        "not", "novo", "nuevo", "number", "numero", "o", "obg", "obrigada", "obrigado", "of", "oi", "ok",
        "ola", "on", "only", "para", "pero", "pf", "pfv", "phone", "planning", "please", "plis", "pls",
        "plz", "por", "porfa", "pra", "q", "quarto", "que", "quem", "queria", "querida", "querido", "quero",
        "quien", "quiero", "quisiera", "reserva", "reservation", "room", "seguro", "senhor", "senhora",
        "senor", "senora", "seu", "si", "sim", "single", "so", "sobre", "solo", "solteiro", "soltero",
        "sou", "soy", "sr", "sra", "staying", "su", "sua", "suite", "sure", "tambem", "tambien", "te",
        "tel", "telefono", "tengo", "tenho", "thank", "thanks", "that", "the", "this", "thx", "tks", "to",
        "traveling", "travelling", "trying", "tu", "twin", "ty", "um", "uma", "un", "una", "vale", "vegano",
        "vegetarian", "vlw", "want", "what", "whatsapp", "who", "with", "wondering", "would", "writing",
        "xfa", "y", "year", "yes", "yo", "your",
    }
)
# fmt: on
# fmt: off
_CALENDAR_WORDS = frozenset(
    {
        "january", "february", "march", "april", "june", "july", "august", "september", "october",
        "november", "december", "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
        "septiembre", "setiembre", "octubre", "noviembre", "diciembre", "janeiro", "fevereiro", "maio",
        "junho", "julho", "setembro", "outubro", "novembro", "dezembro", "monday", "tuesday", "wednesday",
        "thursday", "friday", "saturday", "sunday", "lunes", "martes", "miercoles", "jueves", "viernes",
        "sabado", "domingo", "segunda", "terca", "quarta", "quinta", "sexta", "jan", "feb", "apr", "jun",
        "jul", "aug", "sep", "sept", "oct", "nov", "dec", "today", "tomorrow",
    }
)
# fmt: on


def _title(word: str) -> str:
    if word.islower() or word.isupper():
        return "-".join(part[:1].upper() + part[1:].lower() for part in word.split("-"))
    return word


def _capitalised(word: str) -> bool:
    return word[0].isupper() and (not word.isupper() or len(word) > 1)


def _read_name(text: str, start: int, *, need_capitals: bool, min_words: int = 1) -> str | None:
    """The name that starts at `start`: up to four words, ending at punctuation or a word that is no name."""
    words: list[str] = []
    position = start
    while True:
        m = _NAME_TOKEN.match(text, position)
        if m is None:
            break
        word = m.group(1)
        folded = fold_accents_same_length(word)
        if m.end() < len(text) and text[m.end()].isdigit():
            break  # part of a code: "HA-N5K8PB"
        if folded in _PARTICLES and words:
            words.append(folded)
        elif folded in _NOT_NAME or folded in _CALENDAR_WORDS or (need_capitals and not _capitalised(word)):
            break
        else:
            words.append(word)
            if sum(w not in _PARTICLES for w in words) == 4:
                break
        position = m.end()
    while words and words[-1] in _PARTICLES:
        words.pop()
    if sum(w not in _PARTICLES for w in words) < min_words:
        return None
    return " ".join(w if w in _PARTICLES else _title(w) for w in words)


def _search_cues(pattern: re.Pattern[str], text: str, *, need_capitals: bool) -> Found | None:
    position = 0
    while (m := pattern.search(text, position)) is not None:
        name = _read_name(text, m.end(), need_capitals=need_capitals)
        if name is not None:
            return Found(name, (m.end(), m.end() + len(name)))
        position = m.start() + 1
    return None


def _first_full_name(text: str, start: int, end: int) -> Found | None:
    """The first run of two or more capitalised words in text[start:end]."""
    for m in re.finditer(_NAME_WORD, text[start:end]):
        word = m.group(0)
        if (
            not word[0].isupper()
            or fold_accents_same_length(word) in _NOT_NAME
            or fold_accents_same_length(word) in _CALENDAR_WORDS
        ):
            continue
        name = _read_name(text, start + m.start(), need_capitals=True, min_words=2)
        if name is not None:
            return Found(name, (start + m.start(), start + m.start() + len(name)))
    return None


_SENTENCE_END = re.compile(r"[.!\n]|\s[-–]\s")


def find_name(text: str) -> Found | None:
    """A name the guest gives ("me llamo Ana Souza", "name: Li Wei", "soy Carla", "reserva de Ana Ortiz")."""
    found = _search_cues(_STRONG_CUE, text, need_capitals=False) or _search_cues(
        _WEAK_CUE, text, need_capitals=True
    )
    if found is not None:
        return found
    for m in _CONTEXT_CUE.finditer(text):
        stop = _SENTENCE_END.search(text, m.end())
        end = min(m.end() + 45, stop.start() if stop else len(text))
        found = _first_full_name(text, m.end(), end)
        if found is not None:
            return found
    for m in re.finditer(_NAME_WORD, text):
        if m.group(0)[0].isupper():
            found = _first_full_name(text, m.start(), len(text))
            if found is None:
                break
            if _CONTACT_AFTER.match(text, found.span[1]):
                return found  # "Juan Perez, juanperez@yahoo.com"
            if _AFFIRMATION.match(text[: found.span[0]] + " ") and not text[found.span[1] :].strip(" .!"):
                return found  # "yes correct, Tom Reed"
            break
    return None


_GREETING = re.compile(
    r"(?i:^\s*(?:hola|hi|hello|hey|oi|olá|ola|buenas|buenos\s+d[ií]as|good\s+(?:morning|afternoon|evening)|"
    r"bom\s+dia|boa\s+tarde|boa\s+noite|sure|claro|ok|okay|vale|dale|sí|si|sim|yes)\b[\s,!.:;-]*)"
)
_SEPARATORS = re.compile(r"[,;\n|/()]|\s-\s|\s+y\s+mi\s+|\s+and\s+my\s+")


def extract_name_reply(text: str) -> str | None:
    """The name in a reply to "what name is the booking under?": "Ana Souza, ana@x.com" → "Ana Souza"."""
    introduced = find_name(text)
    if introduced is not None:
        return introduced.value
    spans = [f.span for f in (find_email(text), find_booking_ref(text)) if f is not None]
    spans.extend(m.span() for m in _PHONE.finditer(text))
    cleaned = list(text)
    for start, end in spans:
        cleaned[start:end] = [" "] * (end - start)
    rest = _GREETING.sub("", "".join(cleaned), count=1)
    for segment in _SEPARATORS.split(rest):
        segment = segment.strip(" .!:-\t")
        if not segment:
            continue
        words = segment.split()
        if not 1 <= len(words) <= 5 or not all(re.fullmatch(_NAME_WORD, w) for w in words):
            return None
        folded = [fold_accents_same_length(w) for w in words]
        if any(w in _NOT_NAME or w in _CALENDAR_WORDS for w in folded if w not in _PARTICLES):
            return None
        return _read_name(segment, 0, need_capitals=False)
    return None
