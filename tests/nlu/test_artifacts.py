"""The model artifact is cached under a hash of its inputs, built when absent, never stale."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from hotel_agent.nlu.artifacts import NoTrainingData, artifact_path, fingerprint, load_or_train
from hotel_agent.nlu.dataset import DATA_DIR, Example, load_split


def small_data(root: Path) -> Path:
    """A copy of the Spanish training file only: small enough to train in a second."""
    (root / "train").mkdir(parents=True)
    shutil.copy(DATA_DIR / "train" / "es.jsonl", root / "train" / "es.jsonl")
    (root / "train" / "en.jsonl").write_text(
        '{"lang": "en", "text": "hello there", "intent": "greeting", "entities": {}}\n'
        '{"lang": "en", "text": "hi", "intent": "greeting", "entities": {}}\n'
        '{"lang": "en", "text": "bye now", "intent": "goodbye", "entities": {}}\n'
        '{"lang": "en", "text": "see you", "intent": "goodbye", "entities": {}}\n',
        encoding="utf-8",
    )
    return root


def test_builds_once_then_loads_from_cache(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    models, path, trained = load_or_train(tmp_path / "models", data_dir=data)
    assert trained
    assert path.is_file()
    assert path.parent == tmp_path / "models"
    assert path.name == f"nlu-{models.fingerprint}.joblib"

    again, same_path, trained_again = load_or_train(tmp_path / "models", data_dir=data)
    assert not trained_again
    assert same_path == path
    assert again.fingerprint == models.fingerprint
    assert again.intents.predict("hola").intent == models.intents.predict("hola").intent

    _, _, forced = load_or_train(tmp_path / "models", data_dir=data, retrain=True)
    assert forced


def test_changed_training_data_selects_a_new_artifact(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    _, first, _ = load_or_train(tmp_path / "models", data_dir=data)
    with (data / "train" / "en.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"lang": "en", "text": "good morning", "intent": "greeting", "entities": {}}\n')
    _, second, trained = load_or_train(tmp_path / "models", data_dir=data)
    assert trained
    assert second != first


def test_fingerprint_ignores_order_but_not_labels() -> None:
    a = Example("en", "greeting", "hi")
    b = Example("en", "goodbye", "bye")
    assert fingerprint([a, b]) == fingerprint([b, a])
    assert fingerprint([a, b]) != fingerprint([a, Example("en", "thanks", "bye")])


def test_missing_training_data_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(NoTrainingData):
        load_or_train(tmp_path / "models", data_dir=tmp_path / "empty")


def test_artifact_name_depends_on_the_data(tmp_path: Path) -> None:
    examples = load_split("train", ("es",))
    assert artifact_path(tmp_path, examples) != artifact_path(tmp_path, examples[:-1])


def test_an_unreadable_artifact_is_rebuilt(tmp_path: Path) -> None:
    data = small_data(tmp_path / "data")
    _, path, _ = load_or_train(tmp_path / "models", data_dir=data)
    path.write_bytes(b"not a model")
    models, same_path, trained = load_or_train(tmp_path / "models", data_dir=data)
    assert trained
    assert same_path == path
    assert models.intents.predict("hola").confidence > 0


def test_old_artifacts_are_pruned(tmp_path: Path) -> None:
    models_dir = tmp_path / "models"
    models_dir.mkdir()
    for index in range(5):
        stale = models_dir / f"nlu-stale{index}.joblib"
        stale.write_bytes(b"old")
        os.utime(stale, (1_000_000 + index, 1_000_000 + index))
    _, path, _ = load_or_train(models_dir, data_dir=small_data(tmp_path / "data"))
    remaining = sorted(p.name for p in models_dir.glob("nlu-*.joblib"))
    assert path.name in remaining
    assert len(remaining) == 3
    assert "nlu-stale0.joblib" not in remaining
