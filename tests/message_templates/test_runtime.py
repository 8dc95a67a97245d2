"""The app's template runtime: a fresh database gets the catalog, replicas starting together do not clash."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from hotel_agent.kit.state import LockNotAcquiredError
from hotel_agent.message_templates import YamlTemplateSource
from hotel_agent.message_templates import runtime as runtime_module
from hotel_agent.message_templates.db_source import DatabaseTemplateSource
from hotel_agent.message_templates.runtime import TemplateRuntime
from hotel_agent.migrations import upgrade
from hotel_agent.resources import Resources, build_resources
from tests.support.app import make_settings
from tests.support.templates import LogRecorder


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated database file (no templates), copied for each test."""
    path = tmp_path_factory.mktemp("runtime") / "empty.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
async def fresh(migrated: Path, tmp_path: Path) -> AsyncIterator[Resources]:
    copy = tmp_path / "fresh.db"
    shutil.copyfile(migrated, copy)
    url = f"sqlite+aiosqlite:///{copy}"
    resources = await build_resources(make_settings(url))
    yield resources
    await resources.close()


def parts(resources: Resources) -> dict[str, Any]:
    """The collaborators the composition root hands the runtime."""
    return {
        "sessionmaker": resources.sessionmaker,
        "write_sessionmaker": resources.write_sessionmaker,
        "state": resources.state,
    }


async def test_a_fresh_database_gets_the_whole_catalog_once(fresh: Resources) -> None:
    settings = fresh.settings
    runtime = await TemplateRuntime.start(settings, **parts(fresh))
    try:
        assert len(runtime.source) == len(YamlTemplateSource())
        assert runtime.options.languages == ("en", "es", "pt")
        service = runtime.build_service(default_language="pt", currency="BRL", timezone="America/Sao_Paulo")
        assert (runtime.options.default_language, runtime.options.currency) == ("pt", "BRL")
        assert service.render("buttons.yes", "es").text == "Sí"
    finally:
        await runtime.close()
    again = await TemplateRuntime.start(settings, **parts(fresh))
    await again.close()
    assert len(again.source) == len(YamlTemplateSource())


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (
            IntegrityError("insert", {}, Exception("duplicate key")),
            "another replica imported at the same time",
        ),
        (LockNotAcquiredError("held"), "the import lock stayed taken"),
    ],
)
async def test_a_clashing_start_up_import_is_skipped(
    fresh: Resources, monkeypatch: pytest.MonkeyPatch, failure: Exception, reason: str
) -> None:
    logs = LogRecorder()
    monkeypatch.setattr(runtime_module, "log", logs)

    async def clash(*_args: Any, **_kwargs: Any) -> None:
        raise failure

    monkeypatch.setattr(runtime_module, "import_catalog", clash)
    runtime = TemplateRuntime(fresh.settings, **parts(fresh))
    await runtime.import_missing()
    assert logs.named("templates.import_skipped") == [{"reason": reason}]


async def test_without_a_readable_database_the_shipped_catalog_stands_in(
    fresh: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime_module, "log", LogRecorder())
    settings = fresh.settings.model_copy(update={"templates_db_check_seconds": 0.05})
    original = DatabaseTemplateSource.load
    calls: list[int] = []

    async def load_failing_once(self: DatabaseTemplateSource) -> set[str]:
        calls.append(1)
        if len(calls) == 1:
            raise OSError("database restarting")
        return await original(self)

    monkeypatch.setattr(DatabaseTemplateSource, "load", load_failing_once)
    runtime = await TemplateRuntime.start(settings, **parts(fresh))
    try:
        entry = runtime.source.get("buttons.yes", "es")
        assert entry is not None
        assert entry.version_id is None  # the YAML text, meanwhile
        for _ in range(100):
            entry = runtime.source.get("buttons.yes", "es")
            if entry is not None and entry.version_id is not None:
                break
            await asyncio.sleep(0.02)
        assert entry is not None
        assert entry.version_id is not None  # the database's, once it answered
    finally:
        await runtime.close()


async def test_an_unreachable_state_backend_does_not_stop_start_up(
    fresh: Resources, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = LogRecorder()
    monkeypatch.setattr(runtime_module, "log", logs)

    def unreachable(*_args: Any, **_kwargs: Any) -> Any:
        raise ConnectionError("redis down")

    monkeypatch.setattr(fresh.state, "lock", unreachable)
    runtime = TemplateRuntime(fresh.settings, **parts(fresh))
    await runtime.import_missing()
    assert logs.named("templates.import_skipped")[0]["reason"] == "database or state backend unreachable"
