"""The trained NLU models as one artifact, cached on disk under a hash of what built them.

The file name is `nlu-<hash>.joblib`, where the hash covers the training examples, the source of
the modules that shape the models (text, intents, language, this one) and the scikit-learn version.
Changing a training line, a feature or the library therefore selects a new file, and a stale
artifact is never loaded; an unreadable one is rebuilt. Nothing is downloaded: a missing
artifact is built from the JSONL files shipped in the package (about two seconds) and saved.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import joblib  # type: ignore[import-untyped]
import sklearn
import structlog

from hotel_agent.nlu import dataset, intents, language, text
from hotel_agent.nlu.dataset import DATA_DIR, Example, load_split
from hotel_agent.nlu.intents import INTENT_MODEL_VERSION, IntentClassifier
from hotel_agent.nlu.language import LANGUAGE_MODEL_VERSION, LanguageDetector

log = structlog.get_logger(__name__)

DEFAULT_MODEL_DIR = Path("var/models")
TRAINED_LANGUAGES: tuple[str, ...] = ("en", "es", "pt")
KEPT_ARTIFACTS = 3


class NoTrainingData(RuntimeError):
    """The training files are missing or empty, so there is nothing to build a model from."""


@dataclass(frozen=True)
class NluModels:
    """The intent classifier and language detector built from one training set."""

    fingerprint: str
    intents: IntentClassifier
    language: LanguageDetector
    training_examples: int


def _model_code() -> bytes:
    """The source of every module whose change alters what a trained model contains or means."""
    sources = [Path(module.__file__ or "") for module in (dataset, intents, language, text)]
    return b"\0".join(path.read_bytes() for path in [*sources, Path(__file__)])


def fingerprint(examples: Sequence[Example]) -> str:
    """A stable hash of the training data and of everything in the code that shapes the model."""
    digest = hashlib.sha256()
    for part in (INTENT_MODEL_VERSION, LANGUAGE_MODEL_VERSION, sklearn.__version__):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(_model_code())
    for example in sorted(examples):
        line = json.dumps([example.lang, example.intent, example.text], ensure_ascii=False)
        digest.update(line.encode())
        digest.update(b"\n")
    return digest.hexdigest()[:16]


def train_models(examples: Sequence[Example]) -> NluModels:
    """Build both models from scratch (deterministic: same examples, same predictions)."""
    if not examples:
        raise NoTrainingData("no training examples found")
    return NluModels(
        fingerprint=fingerprint(examples),
        intents=IntentClassifier.train(examples),
        language=LanguageDetector.train(examples),
        training_examples=len(examples),
    )


def artifact_path(model_dir: Path, examples: Sequence[Example]) -> Path:
    return model_dir / f"nlu-{fingerprint(examples)}.joblib"


def save_models(models: NluModels, path: Path) -> None:
    """Write atomically: several workers starting at once never read a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        joblib.dump(models, temporary)
        os.chmod(temporary, 0o644)  # readable by the service user, writable only by its owner
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    _prune(path.parent, keep=path)


def _prune(model_dir: Path, keep: Path, newest: int = KEPT_ARTIFACTS) -> None:
    """Delete all but the newest artifacts: every data or code change leaves one behind.

    A few are kept so that an older release still running next to a newer one (rolling
    deploys) finds its own file instead of retraining.
    """
    artifacts = sorted(model_dir.glob("nlu-*.joblib"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in artifacts[newest:]:
        if old != keep:
            old.unlink(missing_ok=True)


def load_or_train(
    model_dir: Path = DEFAULT_MODEL_DIR,
    *,
    data_dir: Path = DATA_DIR,
    languages: Sequence[str] = TRAINED_LANGUAGES,
    retrain: bool = False,
) -> tuple[NluModels, Path, bool]:
    """The cached models for the current training data, built and saved when absent.

    Returns the models, the artifact path, and whether they were (re)built just now. The file is
    only ever one this code wrote into `model_dir` (it is a pickle: never point this at a
    directory other people can write to).
    """
    examples = load_split("train", languages, data_dir)
    if not examples:
        raise NoTrainingData(f"no training files under {data_dir / 'train'}")
    path = artifact_path(model_dir, examples)
    if path.is_file() and not retrain:
        try:
            models = joblib.load(path)
        except Exception:  # a truncated or incompatible file is rebuilt, not fatal
            log.warning("nlu.models.unreadable", path=str(path), exc_info=True)
        else:
            if isinstance(models, NluModels) and models.fingerprint == path.stem.removeprefix("nlu-"):
                return models, path, False
    models = train_models(examples)
    save_models(models, path)
    return models, path, True
