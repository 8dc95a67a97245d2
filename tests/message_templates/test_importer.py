"""Importing the YAML catalog never overwrites an operator's edit; exporting writes it back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.message_templates import TemplateCatalogError, YamlTemplateSource
from hotel_agent.message_templates.importer import CONFLICT_NOTE, export_catalog, import_catalog
from hotel_agent.message_templates.repository import TemplateRepository, TemplateVersionRepository
from hotel_agent.message_templates.versioning import TemplateOptions, TemplateVersionService
from hotel_agent.models import TemplateAuditEvent
from tests.support.templates import add_version, unique_key, write_catalog


class Catalog:
    """A catalog directory with its own keys, rewritten between imports as a release would."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.greet, self.button = unique_key("greeting"), unique_key("buttons")
        self.texts = {"en": "Hello {{ name }}!", "es": "¡Hola {{ name }}!"}

    def write(self) -> YamlTemplateSource:
        write_catalog(
            self.root,
            {
                "en/greeting.yaml": {
                    self.greet: {
                        "variables": ["name", "day"],
                        "sample": {"name": "Ana", "day": dt.date(2027, 1, 15)},
                        "text": self.texts["en"],
                    }
                },
                "en/buttons.yaml": {self.button: {"text": "Yes", "max_length": 20}},
                "es/greeting.yaml": {self.greet: {"text": self.texts["es"]}},
                "es/buttons.yaml": {self.button: {"text": "Sí", "max_length": 20}},
            },
        )
        return YamlTemplateSource(self.root)


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    return Catalog(tmp_path / "catalog")


async def live_text(session: AsyncSession, key: str, language: str) -> tuple[int, str]:
    template = await TemplateRepository.from_session(session).get_by_key(key, language)
    assert template is not None
    active = await TemplateVersionRepository.from_session(session).active(template.id)
    assert active is not None
    return active.version, active.content


async def template_id(session: AsyncSession, key: str, language: str) -> int:
    template = await TemplateRepository.from_session(session).get_by_key(key, language)
    assert template is not None
    return template.id


async def test_first_import_creates_every_template_live(session: AsyncSession, catalog: Catalog) -> None:
    report = await import_catalog(session, catalog.write())
    assert sorted(report.created) == sorted(
        f"{key} ({language})" for key in (catalog.greet, catalog.button) for language in ("en", "es")
    )
    assert len(report.changed_template_ids) == 4
    assert await live_text(session, catalog.greet, "es") == (1, "¡Hola {{ name }}!")
    spanish = await TemplateRepository.from_session(session).get_by_key(catalog.greet, "es")
    assert spanish is not None
    # Translations borrow the English variables and sample; dates are stored as ISO text.
    assert (spanish.variables, spanish.sample) == (["name", "day"], {"name": "Ana", "day": "2027-01-15"})
    assert (spanish.category, spanish.imported_version, spanish.meta) == (
        "greeting",
        1,
        {"source": "catalog"},
    )
    button = await TemplateRepository.from_session(session).get_by_key(catalog.button, "es")
    assert button is not None
    assert (button.max_length, button.category) == (20, "buttons")
    actors = await session.execute(
        select(TemplateAuditEvent.actor).where(TemplateAuditEvent.template_id == spanish.id)
    )
    assert set(actors.scalars()) == {"catalog-import"}


async def test_importing_again_changes_nothing(session: AsyncSession, catalog: Catalog) -> None:
    source = catalog.write()
    await import_catalog(session, source)
    again = await import_catalog(session, source)
    assert (again.created, again.updated, again.conflicts, again.changed_template_ids) == ([], [], [], set())
    assert len(again.unchanged) == 4


async def test_a_changed_file_updates_templates_nobody_edited(
    session: AsyncSession, catalog: Catalog
) -> None:
    await import_catalog(session, catalog.write())
    catalog.texts["es"] = "¡Hola, {{ name }}! Bienvenido."
    report = await import_catalog(session, catalog.write())
    assert report.updated == [f"{catalog.greet} (es)"]
    assert report.changed_template_ids == {await template_id(session, catalog.greet, "es")}
    assert await live_text(session, catalog.greet, "es") == (2, "¡Hola, {{ name }}! Bienvenido.")


async def test_an_operator_edit_survives_an_unchanged_file(session: AsyncSession, catalog: Catalog) -> None:
    await import_catalog(session, catalog.write())
    service = TemplateVersionService(session, TemplateOptions())
    spanish = await template_id(session, catalog.greet, "es")
    await add_version(service, spanish, "¡Buenas, {{ name }}!", status="active")
    report = await import_catalog(session, catalog.write())
    assert report.kept == [f"{catalog.greet} (es)"]
    assert await live_text(session, catalog.greet, "es") == (2, "¡Buenas, {{ name }}!")


async def test_an_operator_edit_and_a_changed_file_conflict(session: AsyncSession, catalog: Catalog) -> None:
    await import_catalog(session, catalog.write())
    service = TemplateVersionService(session, TemplateOptions())
    spanish = await template_id(session, catalog.greet, "es")
    await add_version(service, spanish, "¡Buenas, {{ name }}!", status="active")
    catalog.texts["es"] = "¡Hola de nuevo, {{ name }}!"
    report = await import_catalog(session, catalog.write())
    [conflict] = report.conflicts
    assert (conflict.key, conflict.language, conflict.active_version, conflict.catalog_version) == (
        catalog.greet,
        "es",
        2,
        3,
    )
    # The operator's text stays live; the catalog's is a draft they can diff and activate.
    assert await live_text(session, catalog.greet, "es") == (2, "¡Buenas, {{ name }}!")
    draft = await TemplateVersionRepository.from_session(session).get(spanish, 3)
    assert draft is not None
    assert (draft.status, draft.content, draft.note) == (
        "draft",
        "¡Hola de nuevo, {{ name }}!",
        CONFLICT_NOTE,
    )
    # Reported again while unresolved, but the draft is stored once.
    again = await import_catalog(session, catalog.write())
    assert [c.catalog_version for c in again.conflicts] == [3]
    # The operator takes the catalog's text: from now on it is the imported one again.
    await service.activate(spanish, 3, "operator")
    settled = await import_catalog(session, catalog.write())
    assert settled.unchanged.count(f"{catalog.greet} (es)") == 1
    template = await TemplateRepository.from_session(session).get(spanish)
    assert template is not None
    assert template.imported_version == 3


async def test_metadata_follows_the_file(session: AsyncSession, catalog: Catalog) -> None:
    await import_catalog(session, catalog.write())
    write_catalog(
        catalog.root,
        {"en/buttons.yaml": {catalog.button: {"text": "Yes", "max_length": 12}}},
    )
    report = await import_catalog(session, YamlTemplateSource(catalog.root))
    button = await TemplateRepository.from_session(session).get_by_key(catalog.button, "en")
    assert button is not None
    assert button.max_length == 12
    assert button.id in report.changed_template_ids


async def test_a_broken_catalog_imports_nothing(session: AsyncSession, tmp_path: Path) -> None:
    good, bad = unique_key(), unique_key()
    root = write_catalog(
        tmp_path,
        {
            "en/info.yaml": {
                good: "Fine",
                bad: {"text": "{{ nam }}", "variables": ["name"], "sample": {"name": "x"}},
            }
        },
    )
    with pytest.raises(TemplateCatalogError, match=r"nothing was imported: .* \(en\) line 1: 'nam' is used"):
        await import_catalog(session, YamlTemplateSource(root))
    assert await TemplateRepository.from_session(session).get_by_key(good, "en") is None


async def test_a_malformed_category_is_refused(session: AsyncSession, tmp_path: Path) -> None:
    root = write_catalog(tmp_path, {"en/Weather Report.yaml": {unique_key(): "Sunny"}})
    with pytest.raises(TemplateCatalogError, match="category 'Weather Report' is not a lowercase word"):
        await import_catalog(session, YamlTemplateSource(root))


async def test_only_missing_adds_new_pairs_and_touches_nothing_else(
    session: AsyncSession, catalog: Catalog
) -> None:
    await import_catalog(session, catalog.write())
    catalog.texts["en"] = "Changed upstream, {{ name }}"
    catalog.write()
    write_catalog(catalog.root, {"pt/greeting.yaml": {catalog.greet: {"text": "Olá {{ name }}!"}}})
    source = YamlTemplateSource(catalog.root)
    report = await import_catalog(session, source, only_missing=True)
    assert report.created == [f"{catalog.greet} (pt)"]
    assert report.unchanged == report.updated == []
    assert await live_text(session, catalog.greet, "en") == (1, "Hello {{ name }}!")


async def test_the_shipped_catalog_imports_and_reimports_cleanly(session: AsyncSession) -> None:
    shipped = YamlTemplateSource()
    await import_catalog(session, shipped)
    again = await import_catalog(session, shipped)
    assert (again.created, again.updated, again.conflicts) == ([], [], [])
    assert len(again.unchanged) + len(again.kept) == len(shipped)


async def test_export_writes_a_catalog_that_loads_back_the_same(
    session: AsyncSession, catalog: Catalog, tmp_path: Path
) -> None:
    source = catalog.write()
    await import_catalog(session, source)
    out = tmp_path / "export"
    report = await export_catalog(session, out)
    assert report.templates >= 4
    exported = YamlTemplateSource(out)
    for key in (catalog.greet, catalog.button):
        for language in ("en", "es"):
            original, written = source.get(key, language), exported.get(key, language)
            assert written is not None
            assert original is not None
            assert (written.text, written.category, written.max_length) == (
                original.text,
                original.category,
                original.max_length,
            )
            assert (written.variables, written.sample) == (original.variables, original.sample)
    text = (out / "en" / "greeting.yaml").read_text(encoding="utf-8")
    assert "day: 2027-01-15" in text  # a date again, not a quoted string


async def test_export_keeps_multi_line_texts_readable(session: AsyncSession, tmp_path: Path) -> None:
    key = unique_key()
    text = "Line one with {{ name }}\n{% if name %}\nLine two\n{% endif %}"
    root = write_catalog(
        tmp_path / "in",
        {"en/info.yaml": {key: {"variables": ["name"], "sample": {"name": "Ana"}, "text": text}}},
    )
    await import_catalog(session, YamlTemplateSource(root))
    await export_catalog(session, tmp_path / "out")
    written = (tmp_path / "out" / "en" / "info.yaml").read_text(encoding="utf-8")
    assert f"{key}:\n  variables: [name]\n  sample: {{name: Ana}}\n  text: |-\n    Line one with" in written
    entry = YamlTemplateSource(tmp_path / "out").get(key, "en")
    assert entry is not None
    assert entry.text == text
