"""The issue's quality bar, held in the suite so a data or model change cannot silently lower it:
>= 95% intent accuracy per language and >= 95% exact dates, on the dev set and on the blind test set."""

from __future__ import annotations

import pytest

from hotel_agent.nlu import evaluation
from hotel_agent.nlu.dataset import load_examples, split_files
from hotel_agent.nlu.service import NluService
from tests.support.nlu import SUNDAY_NOON

LANGUAGES = ("en", "es", "pt")


@pytest.fixture(scope="module", params=["dev", "test"])
def report(request: pytest.FixtureRequest, nlu_service: NluService) -> evaluation.Report:
    examples = load_examples(split_files(request.param, LANGUAGES))
    assert len(examples) >= 600
    return evaluation.score(evaluation.run(nlu_service, examples, SUNDAY_NOON))


@pytest.mark.parametrize("language", LANGUAGES)
def test_intent_accuracy_per_language(report: evaluation.Report, language: str) -> None:
    assert report.languages[language].accuracy >= 0.95


def test_dates_are_exact(report: evaluation.Report) -> None:
    assert report.dates_exact.lines >= 100
    assert report.dates_exact.rate >= 0.95


def test_language_is_detected(report: evaluation.Report) -> None:
    assert report.overall.language_accuracy >= 0.95
