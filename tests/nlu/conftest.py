"""One NluService per test session, trained from the package's data into a temporary model dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotel_agent.nlu.service import NluService


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nlu-models")


@pytest.fixture(scope="session")
def nlu_service(model_dir: Path) -> NluService:
    service = NluService.build(model_dir=model_dir)
    service.warm_up()
    return service
