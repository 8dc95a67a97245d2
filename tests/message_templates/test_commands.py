"""`hotel-agent templates import|export|docs`, run in-process on a fresh SQLite database."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from hotel_agent.config import get_settings
from hotel_agent.db import create_engine, create_sessionmaker, session_scope
from hotel_agent.message_templates import YamlTemplateSource
from hotel_agent.message_templates.commands import DEFAULT_DOC, templates_app
from hotel_agent.message_templates.repository import TemplateRepository
from hotel_agent.message_templates.versioning import TemplateVersionService
from hotel_agent.migrations import upgrade
from tests.support.templates import add_version, unique_key, write_catalog

runner = CliRunner()


@pytest.fixture(scope="module")
def fresh_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'templates.db'}"
    upgrade(url.replace("sqlite://", "sqlite+aiosqlite://"))
    return url


@pytest.fixture
def database(fresh_database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", fresh_database)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    yield fresh_database
    get_settings.cache_clear()


def test_import_then_reimport_then_export(database: str, tmp_path: Path) -> None:
    first = runner.invoke(templates_app, ["import"])
    assert first.exit_code == 0, first.output
    shipped = len(YamlTemplateSource())
    assert first.output.startswith(f"{shipped} created, 0 updated, 0 unchanged")
    again = runner.invoke(templates_app, ["import"])
    assert again.output.startswith(
        f"0 created, 0 updated, {shipped} unchanged, 0 operator edits kept, 0 conflicts"
    )
    exported = runner.invoke(templates_app, ["export", "--output", str(tmp_path / "out")])
    assert exported.exit_code == 0, exported.output
    assert f"exported {shipped} templates" in exported.output
    assert len(YamlTemplateSource(tmp_path / "out")) == shipped


def test_import_reports_changes_and_conflicts_and_dry_runs(database: str, tmp_path: Path) -> None:
    key = unique_key("info")
    catalog = write_catalog(tmp_path / "catalog", {"en/info.yaml": {key: "First"}})
    assert runner.invoke(templates_app, ["import", "--catalog", str(catalog)]).exit_code == 0
    write_catalog(catalog, {"en/info.yaml": {key: "Second"}})
    dry = runner.invoke(templates_app, ["import", "--catalog", str(catalog), "--dry-run"])
    assert dry.output.startswith("dry run, nothing written: 0 created, 1 updated")
    assert f"  updated  {key} (en)" in dry.output
    updated = runner.invoke(templates_app, ["import", "--catalog", str(catalog)])
    assert updated.output.startswith("0 created, 1 updated")


def test_a_broken_catalog_exits_1_and_says_why(database: str, tmp_path: Path) -> None:
    catalog = write_catalog(tmp_path / "broken", {"en/info.yaml": {unique_key(): "{% if %}"}})
    result = runner.invoke(templates_app, ["import", "--catalog", str(catalog)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output


def test_docs_are_written_and_checked(tmp_path: Path) -> None:
    output = tmp_path / "templates.md"
    stale = runner.invoke(templates_app, ["docs", "--output", str(output), "--check"])
    assert stale.exit_code == 1
    assert "out of date" in stale.output
    assert runner.invoke(templates_app, ["docs", "--output", str(output)]).exit_code == 0
    assert output.read_text(encoding="utf-8").startswith("# Reply templates")
    fresh = runner.invoke(templates_app, ["docs", "--output", str(output), "--check"])
    assert (fresh.exit_code, fresh.output.strip()) == (0, f"{output} is up to date")


def test_the_repository_document_is_current() -> None:
    result = runner.invoke(templates_app, ["docs", "--check"])
    assert result.exit_code == 0, f"{DEFAULT_DOC} is out of date: run `uv run hotel-agent templates docs`"


def test_conflicts_are_listed(database: str, tmp_path: Path) -> None:
    key = unique_key("info")
    catalog = write_catalog(tmp_path / "catalog", {"en/info.yaml": {key: "From the file"}})
    runner.invoke(templates_app, ["import", "--catalog", str(catalog)])

    async def operator_edit() -> None:
        engine = create_engine(get_settings())
        async with session_scope(create_sessionmaker(engine)) as session:
            template = await TemplateRepository.from_session(session).get_by_key(key, "en")
            assert template is not None
            await add_version(
                TemplateVersionService(session), template.id, "From the operator", status="active"
            )
        await engine.dispose()

    asyncio.run(operator_edit())
    catalog.joinpath("en/info.yaml").write_text(yaml.safe_dump({key: "File, again"}), encoding="utf-8")
    result = runner.invoke(templates_app, ["import", "--catalog", str(catalog)])
    assert "1 conflicts" in result.output
    assert (
        f"  conflict {key} (en): the live version 2 was changed by an operator; "
        "the catalog's text is draft version 3" in result.output
    )
