"""`hotel-agent nlu parse | eval | train` through typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hotel_agent.nlu.commands import nlu_app
from hotel_agent.nlu.service import NluService

runner = CliRunner()

FIXTURE_LINES = [
    {
        "lang": "es",
        "text": "tienen hab doble para el finde?",
        "intent": "check_availability",
        "entities": {"checkin": "2027-01-15", "checkout": "2027-01-17", "nights": 2, "room_type": "double"},
    },
    {"lang": "es", "text": "gracias!!", "intent": "thanks", "entities": {}},
    {
        "lang": "pt",
        "text": "quero cancelar a reserva HA-7K3Q9P",
        "intent": "cancel_reservation",
        "entities": {"booking_ref": "HA-7K3Q9P"},
    },
    # Deliberately mislabelled, so the report has a confusion to show.
    {"lang": "en", "text": "bye bye", "intent": "greeting", "entities": {}},
    {
        "lang": "en",
        "text": "rooms for 2 adults tomorrow?",
        "intent": "check_availability",
        "entities": {"checkin": "2027-01-11", "adults": 2},
    },
]


@pytest.fixture
def fixture_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.jsonl"
    path.write_text(
        "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in FIXTURE_LINES),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def cached_model_dir(nlu_service: NluService, model_dir: Path) -> str:
    # Depending on `nlu_service` means the artifact is already built there: commands just load it.
    return str(model_dir)


def test_parse_prints_the_result_as_json(cached_model_dir: str) -> None:
    result = runner.invoke(
        nlu_app,
        [
            "parse",
            "tienen hab doble para el finde?",
            "--now",
            "2027-01-10T12:00:00",
            "--model-dir",
            cached_model_dir,
        ],
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert list(body) == ["language", "intent", "confidence", "entities"]
    assert body["language"] == "es"
    assert body["intent"] == "check_availability"
    assert body["entities"] == {
        "checkin": "2027-01-15",
        "checkout": "2027-01-17",
        "nights": 2,
        "room_type": "double",
    }


def test_parse_with_a_forced_language(cached_model_dir: str) -> None:
    result = runner.invoke(nlu_app, ["parse", "ok", "--lang", "pt", "--model-dir", cached_model_dir])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["language"] == "pt"


def test_parse_rejects_an_unknown_language(cached_model_dir: str) -> None:
    result = runner.invoke(nlu_app, ["parse", "ok", "--lang", "fr", "--model-dir", cached_model_dir])
    assert result.exit_code != 0


def test_eval_prints_scores_confusions_and_entities(fixture_file: Path, cached_model_dir: str) -> None:
    result = runner.invoke(nlu_app, ["eval", str(fixture_file), "--model-dir", cached_model_dir])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Intent accuracy and macro-F1 per language" in out
    assert "greeting → goodbye: 1" in out
    assert "[en] bye bye" in out
    assert "dates exact" in out
    lines = {line.split()[0]: line.split() for line in out.splitlines() if line.strip()}
    assert lines["all"][1:4] == ["5", "4", "80.0%"]


def test_eval_json(fixture_file: Path, cached_model_dir: str) -> None:
    result = runner.invoke(nlu_app, ["eval", str(fixture_file), "--json", "--model-dir", cached_model_dir])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["overall"]["lines"] == 5
    assert report["overall"]["correct"] == 4
    assert report["overall"]["accuracy"] == pytest.approx(0.8)
    assert report["languages"]["es"]["accuracy"] == 1.0
    assert report["confusions"][0]["gold"] == "greeting"
    assert report["entities"]["booking_ref"] == {"lines": 1, "exact": 1, "spurious": 0, "rate": 1.0}
    assert report["dates_exact"]["lines"] == 2
    assert report["dates_exact"]["exact"] == 2
    assert report["intents"]["thanks"]["f1"] == 1.0


def test_train_reuses_the_cached_artifact(cached_model_dir: str) -> None:
    result = runner.invoke(nlu_app, ["train", "--model-dir", cached_model_dir])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("already cached: ")
    assert "nlu-" in result.stdout


def test_parse_rejects_an_unknown_time_zone(cached_model_dir: str) -> None:
    result = runner.invoke(
        nlu_app, ["parse", "ok", "--timezone", "Mars/Olympus", "--model-dir", cached_model_dir]
    )
    assert result.exit_code == 2
    assert "time zone" in result.output


def test_parse_rejects_a_bad_now(cached_model_dir: str) -> None:
    result = runner.invoke(nlu_app, ["parse", "ok", "--now", "yesterday", "--model-dir", cached_model_dir])
    assert result.exit_code == 2
