"""Shared extractor for the entity tests (built and warmed once per session)."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotel_agent.nlu.entities import DEMO_ROOM_TYPES, EntityExtractor
from tests.support.entities import SUNDAY, Extract


@pytest.fixture(scope="session")
def extractor() -> EntityExtractor:
    extractor = EntityExtractor(DEMO_ROOM_TYPES)
    extractor.warm_up()
    return extractor


@pytest.fixture(scope="session")
def extract(extractor: EntityExtractor) -> Extract:
    """Entities of `text` as the JSON-ready dict that `nlu parse` shows."""

    def run(text: str, lang: str, now: datetime = SUNDAY) -> dict[str, object]:
        return extractor.extract(text, lang, now).present()

    return run
