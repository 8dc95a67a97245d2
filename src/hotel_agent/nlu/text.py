"""Text clean-up shared by language detection and intent classification.

Guests write on WhatsApp: emojis, "holaaa", missing accents, "HA-7K3Q9P", "+34 600 123 456". The models
see one canonical form so that the same message typed three ways gives the same features.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

# A few emojis carry a clear conversational meaning; they become placeholder words the classifier
# can learn (and rules can test). Every other emoji or pictograph is noise and is dropped.
EMOJI_WORDS: dict[str, str] = {
    "👍": "emojiyes",
    "👌": "emojiyes",
    "✅": "emojiyes",
    "✔": "emojiyes",
    "👎": "emojino",
    "❌": "emojino",
    "🙏": "emojithanks",
    "👋": "emojiwave",
    "❤": "emojilove",
    "😍": "emojilove",
    "🥰": "emojilove",
}

_PICTOGRAPH = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U00002b00-\U00002bff\U0000fe0f\U0000200d"
    "\U0001f1e6-\U0001f1ff\U0001f3fb-\U0001f3ff]"
)

# Booking references: "HA-" + 6 of the unambiguous alphabet, written with or without the dash.
# With a space ("HA 7K3Q9P") a digit is required, or "ha" + any six-letter word would match.
BOOKING_REF = re.compile(r"\bha(?:-?|\s(?=[a-z]{0,5}\d))[2-9a-hjkmnp-z]{6}\b", re.IGNORECASE)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{7,}\d(?!\w)")
NUMBER = re.compile(r"\d+")

# Placeholder words; lower-case letters only so every tokenizer keeps them whole.
REF_TOKEN = "bookingref"  # noqa: S105 (a placeholder word, not a secret)
EMAIL_TOKEN = "emailaddr"  # noqa: S105
PHONE_TOKEN = "phonenum"  # noqa: S105
NUMBER_TOKEN = "num"  # noqa: S105
PLACEHOLDERS = frozenset({REF_TOKEN, EMAIL_TOKEN, PHONE_TOKEN, NUMBER_TOKEN})

# Chat shorthand with one clear expansion in any of the three languages. Expanding lets the
# classifier share what it learned from "voce" with "vc", "thanks" with "thx". Ambiguous ones
# stay as typed: "to" (en word, pt "estou"), "ta", "pro", "x", "k", "n", "pa".
ABBREVIATIONS: dict[str, str] = {
    # en
    "u": "you", "ur": "your", "r": "are", "pls": "please", "plz": "please", "thx": "thanks",
    "thnx": "thanks", "tnx": "thanks", "ty": "thank you", "tks": "thanks", "tku": "thank you",
    "cya": "see you", "gtg": "got to go", "ttyl": "talk to you later", "msg": "message",
    "rm": "room", "rms": "rooms", "nite": "night", "nites": "nights", "tmrw": "tomorrow",
    "tmr": "tomorrow", "wknd": "weekend", "ppl": "people", "abt": "about", "wanna": "want to",
    "gonna": "going to", "gotta": "got to", "dont": "do not", "cant": "can not",
    "im": "i am", "whats": "what is", "thats": "that is", "yea": "yes", "yeah": "yes",
    "yep": "yes", "yup": "yes", "nah": "no", "nope": "no",
    # es
    "q": "que", "xq": "porque", "pq": "porque", "porq": "porque", "xfa": "por favor",
    "porfa": "por favor", "porfis": "por favor", "pf": "por favor", "tmb": "tambien",
    "tb": "tambien", "hab": "habitacion", "habs": "habitaciones", "finde": "fin de semana",
    "dnd": "donde", "cdo": "cuando", "grax": "gracias", "bn": "bien", "msj": "mensaje",
    # pt
    "vc": "voce", "vcs": "voces", "voceis": "voces", "obg": "obrigado", "obgd": "obrigado",
    "obgda": "obrigada", "brigado": "obrigado", "brigada": "obrigada", "vlw": "valeu",
    "blz": "beleza", "fds": "fim de semana", "hj": "hoje", "qdo": "quando", "qnd": "quando",
    "qto": "quanto", "qnt": "quanto", "tbm": "tambem", "cmg": "comigo", "pfv": "por favor",
    "pfvr": "por favor", "td": "tudo", "mto": "muito", "mt": "muito", "msm": "mesmo",
    "pra": "para", "oq": "o que", "flw": "falou",
}  # fmt: skip

_REPEAT_3 = re.compile(r"(\w)\1{2,}")
_NON_WORD = re.compile(r"[^\w?\s]+")
_QUESTION = re.compile(r"\?+")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[^\W\d_]+|\?")


def fold_accents(text: str) -> str:
    """Case-fold and strip accents: "Habitación" → "habitacion", "ç" → "c", "ß" → "ss".

    The length may change ("ß" → "ss"); entity grammars that need offsets use
    `nlu.entities.text.fold_accents_same_length`.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def replace_emojis(text: str) -> str:
    """Map the meaningful emojis to placeholder words and drop the rest."""
    for emoji, word in EMOJI_WORDS.items():
        if emoji in text:
            text = text.replace(emoji, f" {word} ")
    return _PICTOGRAPH.sub(" ", text)


def squeeze_repeats(text: str, vocabulary: Container[str] = frozenset()) -> str:
    """Shorten letters stretched for emphasis: "holaaa" → "hola", "obrigadooo" → "obrigado".

    A run of three or more becomes one letter, unless the two-letter form is a word the model
    knows ("goooood" → "good", "sooo" → "so" when "soo" is unknown).
    """

    def shorten(word: str) -> str:
        if not _REPEAT_3.search(word):
            return word
        single = _REPEAT_3.sub(r"\1", word)
        double = _REPEAT_3.sub(r"\1\1", word)
        if single not in vocabulary and double in vocabulary:
            return double
        return single

    return " ".join(shorten(word) for word in text.split())


def _phone_or_same(match: re.Match[str]) -> str:
    # Phone numbers have 9+ digits; "15-01-2027" (8) is a date and stays for the number mask.
    digits = sum(ch.isdigit() for ch in match.group())
    return f" {PHONE_TOKEN} " if digits >= 9 else match.group()


def mask_values(text: str) -> str:
    """Replace booking refs, emails, phones and numbers with placeholder words.

    The intent of "status of HA-7K3Q9P" does not depend on which reference it is; without masking
    the classifier would learn the particular references and digits of the training data.
    """
    text = BOOKING_REF.sub(f" {REF_TOKEN} ", text)
    text = EMAIL.sub(f" {EMAIL_TOKEN} ", text)
    text = PHONE.sub(_phone_or_same, text)
    return NUMBER.sub(f" {NUMBER_TOKEN} ", text)


def normalize(text: str, vocabulary: Container[str] = frozenset()) -> str:
    """The canonical form the models read: folded, masked, emoji-mapped, punctuation-free.

    "¿Tienen habitación?? 😊" → "tienen habitacion ?"; the question mark stays as a word
    because it separates "you have rooms?" from "I have a room".
    """
    text = replace_emojis(text)
    text = mask_values(text)
    text = fold_accents(text)
    text = _QUESTION.sub(" ? ", text)
    text = _NON_WORD.sub(" ", text).replace("_", " ")
    text = _SPACES.sub(" ", text).strip()
    return squeeze_repeats(text, vocabulary)


def expand_abbreviations(normalized: str) -> str:
    """Spell out chat shorthand in a normalized text: "vc tem hab?" → "voce tem habitacion ?"."""
    return " ".join(ABBREVIATIONS.get(word, word) for word in normalized.split())


def words(normalized: str) -> list[str]:
    """Alphabetic words and "?" of a normalized text (placeholders included, digits excluded)."""
    return _WORD.findall(normalized)
