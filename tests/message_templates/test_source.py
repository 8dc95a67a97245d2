"""The YAML catalog: file layout, bare-string entries, validation of entries, duplicates refused at load."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotel_agent.message_templates import (
    InMemoryTemplateSource,
    TemplateCatalogError,
    TemplateEntry,
    TemplateSource,
    YamlTemplateSource,
)
from hotel_agent.message_templates.source import DEFAULT_CATALOG


def write(root: Path, relative: str, content: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")


def test_loads_every_language_and_file(yaml_source: YamlTemplateSource) -> None:
    assert yaml_source.languages() == {"en", "es", "pt"}
    assert {"availability.success", "availability.option_line", "buttons.yes"} <= yaml_source.keys()
    assert isinstance(yaml_source, TemplateSource)


def test_a_file_with_several_keys_and_full_entries(yaml_source: YamlTemplateSource) -> None:
    entry = yaml_source.get("availability.success", "en")
    assert entry is not None
    assert entry.category == "availability"  # the file stem
    assert entry.variables == ("nights", "offers", "checkin", "checkout")
    assert entry.sample is not None
    assert entry.sample["checkin"].isoformat() == "2027-01-15"  # YAML dates arrive as dates
    assert entry.text.endswith("Which one would you like?\n")
    button = yaml_source.get("buttons.yes", "es")
    assert button is not None
    assert (button.text, button.max_length, button.category) == ("Sí", 20, "buttons")


def test_bare_string_entries_are_text_only(yaml_source: YamlTemplateSource) -> None:
    entry = yaml_source.get("availability.option_line", "es")
    assert entry == TemplateEntry(
        key="availability.option_line",
        language="es",
        text="{{ index }}. {{ name }} — {{ per_night|money }}/noche, {{ total|money }} en total",
        category="availability",
    )


def test_category_can_be_set_explicitly(yaml_source: YamlTemplateSource) -> None:
    entry = yaml_source.get("buttons.yes", "pt")
    assert entry is not None
    assert entry.category == "buttons"  # although it lives in pt/availability.yaml


def test_get_returns_none_for_missing_entries(yaml_source: YamlTemplateSource) -> None:
    assert yaml_source.get("availability.option_line", "pt") is None
    assert yaml_source.get("availability.success", "fr") is None


def test_a_duplicate_key_across_files_of_one_language_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "en/availability.yaml", "greeting.hello: Hello\n")
    write(tmp_path, "en/greeting.yaml", "greeting.hello: Hi\n")
    with pytest.raises(TemplateCatalogError, match=r"greeting\.hello.*already defined.*availability\.yaml"):
        YamlTemplateSource(tmp_path)


def test_a_duplicate_key_within_one_file_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "en/greeting.yaml", "greeting.hello: Hello\nother: x\ngreeting.hello: Hi\n")
    with pytest.raises(TemplateCatalogError, match=r"(?s)duplicate key 'greeting\.hello'.*line 3"):
        YamlTemplateSource(tmp_path)


def test_the_same_key_in_different_languages_is_fine(tmp_path: Path) -> None:
    write(tmp_path, "en/greeting.yaml", "greeting.hello: Hello\n")
    write(tmp_path, "es/greeting.yaml", "greeting.hello: Hola\n")
    source = YamlTemplateSource(tmp_path)
    assert source.keys() == {"greeting.hello"}
    assert len(source) == 2


def test_regional_directories_are_normalised(tmp_path: Path) -> None:
    write(tmp_path, "pt_BR/greeting.yml", "greeting.hello: Oi\n")
    source = YamlTemplateSource(tmp_path)
    assert source.languages() == {"pt-BR"}
    entry = source.get("greeting.hello", "pt-BR")
    assert entry is not None
    assert entry.language == "pt-BR"


def test_two_spellings_of_one_language_collide(tmp_path: Path) -> None:
    write(tmp_path, "pt_BR/greeting.yaml", "greeting.hello: Oi\n")
    write(tmp_path, "pt-BR/greeting.yaml", "greeting.hello: Olá\n")
    with pytest.raises(TemplateCatalogError, match="already defined"):
        YamlTemplateSource(tmp_path)


def test_empty_files_and_hidden_directories_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, "en/empty.yaml", "")
    write(tmp_path, "en/greeting.yaml", "greeting.hello: Hello\n")
    write(tmp_path, ".cache/x.yaml", "not: [valid")
    write(tmp_path, "README.md", "not a language")
    assert YamlTemplateSource(tmp_path).keys() == {"greeting.hello"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("greeting.hello: [unclosed\n", "invalid YAML"),
        ("- a list\n", "mapping of template keys"),
        ("greeting.hello: {variables: [x]}\n", "`text` must be a string"),
        ("greeting.hello: {text: Hi, max_lenght: 20}\n", r"unknown field\(s\) \['max_lenght'\]"),
        ("greeting.hello: {text: Hi, max_length: 0}\n", "positive integer"),
        ("greeting.hello: {text: Hi, variables: name}\n", "list of names"),
        ("greeting.hello: {text: Hi, sample: [1]}\n", "`sample` must be a mapping"),
        ("greeting.hello: 42\n", "expected a text or a mapping"),
        ("'greeting hello': Hi\n", "not a template key"),
    ],
)
def test_malformed_entries_are_catalog_errors_naming_the_file(
    tmp_path: Path, content: str, message: str
) -> None:
    write(tmp_path, "en/greeting.yaml", content)
    with pytest.raises(TemplateCatalogError, match=message) as caught:
        YamlTemplateSource(tmp_path)
    assert "greeting.yaml" in caught.value.detail
    assert caught.value.status_code == 500


def test_an_invalid_language_directory_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "english/greeting.yaml", "greeting.hello: Hello\n")
    with pytest.raises(TemplateCatalogError, match="not a language tag"):
        YamlTemplateSource(tmp_path)


def test_a_missing_catalog_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateCatalogError, match="not a directory"):
        YamlTemplateSource(tmp_path / "nope")


def test_the_default_directory_is_the_package_catalog() -> None:
    assert DEFAULT_CATALOG.parts[-2:] == ("message_templates", "catalog")


def test_in_memory_source_refuses_duplicates_and_normalises_languages() -> None:
    source = InMemoryTemplateSource([TemplateEntry(key="k", language="pt_BR", text="x", category="c")])
    assert source.languages() == {"pt-BR"}
    with pytest.raises(TemplateCatalogError, match="duplicate"):
        source.add(TemplateEntry(key="k", language="pt-br", text="y", category="c"))
