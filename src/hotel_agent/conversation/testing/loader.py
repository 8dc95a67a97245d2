"""Read test conversations from YAML files or folders (every *.yaml below a folder, in name order)."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from hotel_agent.conversation.testing.schemas import TestConversation, TestFile


class TestFileError(Exception):
    """A file that is not a valid conversation-test file; the message names the file and the field."""


def load_file(path: Path) -> list[TestConversation]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TestFileError(f"{path}: not valid YAML: {exc}") from exc
    try:
        parsed = TestFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise TestFileError(f"{path}: {where}: {first['msg']}") from exc
    tests = []
    for test in parsed.conversations:
        tests.append(
            test.model_copy(
                update={"now": test.now or parsed.now, "language": test.language or parsed.language}
            )
        )
    return tests


def load_paths(paths: list[Path]) -> list[TestConversation]:
    tests: list[TestConversation] = []
    for path in paths:
        if path.is_dir():
            files = sorted(p for p in path.rglob("*.yaml") if p.is_file())
            if not files:
                raise TestFileError(f"{path}: no *.yaml files")
        elif path.is_file():
            files = [path]
        else:
            raise TestFileError(f"{path}: no such file or folder")
        for file in files:
            tests.extend(load_file(file))
    names = [test.name for test in tests]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise TestFileError(f"duplicate conversation names: {duplicates[:5]}")
    return tests
