"""Labelled examples: reading the JSONL files described in docs/nlu-data.md."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotel_agent.nlu.schemas import INTENTS

DATA_DIR = Path(__file__).parent / "data"


class DatasetError(ValueError):
    """A data file line that does not follow docs/nlu-data.md."""


@dataclass(frozen=True, order=True)
class Example:
    """One labelled guest message."""

    lang: str
    intent: str
    text: str
    entities: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


def split_files(split: str, languages: Sequence[str], data_dir: Path = DATA_DIR) -> list[Path]:
    """The existing `<split>/<lang>.jsonl` files; missing ones are skipped (data may be partial)."""
    paths = [data_dir / split / f"{lang}.jsonl" for lang in sorted(languages)]
    return [path for path in paths if path.is_file()]


def read_examples(path: Path) -> list[Example]:
    """Parse one JSONL file; blank lines are skipped, anything malformed raises DatasetError."""
    examples: list[Example] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                example = Example(
                    lang=str(raw["lang"]),
                    intent=str(raw["intent"]),
                    text=str(raw["text"]),
                    entities=dict(raw.get("entities") or {}),
                )
            except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
                raise DatasetError(f"{path}:{number}: {exc}") from exc
            if example.intent not in INTENTS:
                raise DatasetError(f"{path}:{number}: unknown intent {example.intent!r}")
            examples.append(example)
    return examples


def load_examples(paths: Iterable[Path]) -> list[Example]:
    """All examples of the files, de-duplicated and sorted so that builds are reproducible."""
    unique: dict[tuple[str, str, str], Example] = {}
    for path in paths:
        for example in read_examples(path):
            unique.setdefault((example.lang, example.intent, example.text), example)
    return sorted(unique.values())


def load_split(split: str, languages: Sequence[str], data_dir: Path = DATA_DIR) -> list[Example]:
    """Examples of one split ("train" or "dev") for the given languages."""
    wanted = set(languages)
    examples = load_examples(split_files(split, languages, data_dir))
    return [example for example in examples if example.lang in wanted]
