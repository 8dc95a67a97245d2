"""Language detection on short informal messages, and conversation stickiness."""

from __future__ import annotations

import numpy as np
import pytest

from hotel_agent.nlu.language import LanguageDetector
from hotel_agent.nlu.service import NluService

SHORT_MESSAGES = [
    ("en", "hi, rooms for 2?"),
    ("en", "ok thx"),
    ("en", "any rooms tonight?"),
    ("en", "can i bring my dog"),
    ("en", "yes pls"),
    ("en", "see ya"),
    ("en", "whats the address"),
    ("es", "tienen hab?"),
    ("es", "xfa"),
    ("es", "si dale"),
    ("es", "q precio tiene"),
    ("es", "hay lugar el finde"),
    ("es", "holaaa"),
    ("es", "chau"),
    ("es", "a q hora es el checkin"),
    ("pt", "vc tem quarto?"),
    ("pt", "obg"),
    ("pt", "oi"),
    ("pt", "sim pfv"),
    ("pt", "valeu!"),
    ("pt", "tem vaga pro fds"),
    ("pt", "obrigadooo"),
    ("pt", "vcs aceitam pet?"),
]


@pytest.fixture(scope="module")
def detector(nlu_service: NluService) -> LanguageDetector:
    return nlu_service.language_detector


@pytest.mark.parametrize(("lang", "text"), SHORT_MESSAGES)
def test_short_messages_without_context(detector: LanguageDetector, lang: str, text: str) -> None:
    assert detector.detect(text) == lang


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "2",
        "si",
        "sim",
        "no",
        "👍",
        "ana.souza@gmail.com",
        "HA-7K3Q9P",
        "+34 600 123 456",
        "Ana Souza",
        "15/03",
        "ok 👍",
    ],
)
@pytest.mark.parametrize("previous", ["en", "es", "pt"])
def test_neutral_messages_keep_the_conversation_language(
    detector: LanguageDetector, text: str, previous: str
) -> None:
    assert detector.detect(text, previous) == previous


@pytest.mark.parametrize(
    ("previous", "text", "expected"),
    [
        ("en", "hola, quiero cancelar mi reserva", "es"),
        ("es", "oi, vocês têm quarto para amanhã?", "pt"),
        ("pt", "hi, do you have a room for tonight?", "en"),
        ("pt", "gracias", "pt"),  # one polite word is not a change of language
        ("es", "thanks", "es"),
        ("en", "obrigado", "en"),
    ],
)
def test_switches_only_on_a_clear_message(
    detector: LanguageDetector, previous: str, text: str, expected: str
) -> None:
    assert detector.detect(text, previous) == expected


def test_without_any_language_the_hotel_default_is_used(detector: LanguageDetector) -> None:
    assert detector.detect("123") == "en"
    assert detector.restricted(["pt", "es"]).detect("123") == "pt"


def test_restricted_detector_never_answers_an_unconfigured_language(
    detector: LanguageDetector,
) -> None:
    only_es_pt = detector.restricted(["es", "pt"])
    assert only_es_pt.detect("hi, do you have a room for tonight?") in {"es", "pt"}
    assert only_es_pt.languages == ("es", "pt")


def test_lookup_tables_match_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.naive_bayes import MultinomialNB

    from hotel_agent.nlu.dataset import load_split
    from hotel_agent.nlu.language import _char_grams, _language_text
    from hotel_agent.nlu.text import normalize

    examples = sorted(load_split("train", ("en", "es", "pt")))[::7]
    detector = LanguageDetector.train(examples)
    texts = [_language_text(normalize(e.text)) for e in examples]
    vectorizer = TfidfVectorizer(analyzer=_char_grams, sublinear_tf=True)
    model = MultinomialNB(alpha=0.05).fit(vectorizer.fit_transform(texts), [e.lang for e in examples])
    probes = ["vc tem quarto", "tienen hab", "rooms for two", "zzz", "ação ñandú"]
    expected = model.predict_joint_log_proba(vectorizer.transform(probes))
    actual = np.array([detector._tables.log_scores(text) for text in probes])
    assert detector._tables.labels == tuple(model.classes_)
    assert np.allclose(actual, expected)
