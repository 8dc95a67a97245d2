"""The intent classifier: reproducible builds and well-formed confidences."""

from __future__ import annotations

import numpy as np
import pytest

from hotel_agent.nlu.dataset import load_split
from hotel_agent.nlu.intents import IntentClassifier
from hotel_agent.nlu.schemas import INTENTS
from hotel_agent.nlu.service import NluService

PROBES = [
    "hola, tienen habitación doble para el finde?",
    "can I change my booking to next friday",
    "quanto custa a diária da suíte?",
    "ok",
    "👍",
    "who won the game last night",
    "HA-7K3Q9P",
]


def test_two_builds_from_the_same_data_predict_identically() -> None:
    examples = load_split("train", ("en", "es", "pt"))
    # Shuffled input order must not matter either: training sorts first.
    shuffled = list(reversed(examples))
    first = IntentClassifier.train(examples)
    second = IntentClassifier.train(shuffled)
    assert first.classes == second.classes
    assert first.temperature == second.temperature
    assert np.array_equal(first.probabilities(PROBES), second.probabilities(PROBES))


def test_probabilities_are_a_distribution_over_all_intents(nlu_service: NluService) -> None:
    classifier = nlu_service.models.intents
    assert set(classifier.classes) == set(INTENTS)
    probabilities = classifier.probabilities(PROBES)
    assert probabilities.shape == (len(PROBES), len(INTENTS))
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()


def test_prediction_reports_the_runner_up(nlu_service: NluService) -> None:
    prediction = nlu_service.models.intents.predict("quiero cancelar mi reserva")
    assert prediction.intent == "cancel_reservation"
    assert prediction.runner_up is not None
    assert prediction.runner_up != prediction.intent
    assert 0 <= prediction.runner_up_confidence <= prediction.confidence <= 1


def test_training_needs_two_intents() -> None:
    examples = [e for e in load_split("train", ("en",)) if e.intent == "greeting"]
    with pytest.raises(ValueError, match="two intents"):
        IntentClassifier.train(examples)


def test_fast_features_match_scikit_learn(nlu_service: NluService) -> None:
    classifier = nlu_service.models.intents
    texts = [*PROBES, "", "😅", "xyzxyz qwerty", "ÁÉÍÓÚ ÑÇ!!!", "a " * 300]
    assert np.allclose(classifier.probabilities(texts), classifier.reference_probabilities(texts), atol=1e-12)
