"""Where template texts come from: the `TemplateSource` protocol and the YAML catalog that implements it.

Sources are synchronous and answer from memory: rendering is on every reply's hot path. The database
source (`db_source.DatabaseTemplateSource`: versions, activation) loads the active texts at start-up
and refreshes them when a version is activated; the YAML catalog here is what installs and upgrades
import into it (`importer.py`), and stays a complete source of its own for tests and development.

Catalog layout: `<catalog>/<language>/<category>.yaml`, each file a mapping of key -> entry, where an
entry is either the text itself or a mapping with `text` and optionally `category` (defaults to the
file stem), `variables`, `sample` and `max_length`. Language directories may be spelled `pt-BR` or
`pt_BR`; names starting with `.` or `_` are ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import yaml

from hotel_agent.message_templates.errors import TemplateCatalogError
from hotel_agent.message_templates.languages import normalize_language
from hotel_agent.message_templates.schemas import TemplateEntry

DEFAULT_CATALOG = Path(__file__).resolve().parent / "catalog"

_KEY = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*")
_ENTRY_FIELDS = frozenset({"text", "category", "variables", "sample", "max_length"})


@runtime_checkable
class TemplateSource(Protocol):
    """Template texts by key and (normalised) language tag."""

    def get(self, key: str, language: str) -> TemplateEntry | None:
        """The entry for exactly this key and language, or None."""
        ...

    def keys(self) -> set[str]:
        """Every key, in any language."""
        ...

    def languages(self) -> set[str]:
        """Every language that has at least one entry."""
        ...


class EntryIndex:
    """The `TemplateSource` reads over a dict of entries by (key, language), shared by every source."""

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], TemplateEntry] = {}

    def get(self, key: str, language: str) -> TemplateEntry | None:
        return self._entries.get((key, language))

    def keys(self) -> set[str]:
        return {key for key, _ in self._entries}

    def languages(self) -> set[str]:
        return {language for _, language in self._entries}

    def __len__(self) -> int:
        return len(self._entries)


class InMemoryTemplateSource(EntryIndex):
    """Entries held in a dict: the base of the YAML source, and handy for tests and previews."""

    def __init__(self, entries: Iterable[TemplateEntry] = ()) -> None:
        super().__init__()
        for entry in entries:
            self.add(entry)

    def add(self, entry: TemplateEntry) -> None:
        """Add one entry; a second entry for the same key and language is a catalog error."""
        language = normalize_language(entry.language)
        if language is None:
            raise TemplateCatalogError(f"invalid language tag {entry.language!r} for {entry.key!r}")
        if (entry.key, language) in self._entries:
            raise TemplateCatalogError(f"duplicate template {entry.key!r} in language {language!r}")
        if entry.language != language:
            entry = replace(entry, language=language)
        self._entries[(entry.key, language)] = entry

    def entries(self) -> list[TemplateEntry]:
        """Every entry in the order it was added (catalog file order, for imports and exports)."""
        return list(self._entries.values())


class YamlTemplateSource(InMemoryTemplateSource):
    """The catalog directory shipped with the package (or another one), loaded once, validated on load."""

    def __init__(self, directory: Path | str | None = None) -> None:
        super().__init__()
        self.directory = Path(directory) if directory is not None else DEFAULT_CATALOG
        if not self.directory.is_dir():
            raise TemplateCatalogError(f"template catalog {self.directory} is not a directory")
        origins: dict[tuple[str, str], Path] = {}
        for language_dir in sorted(self.directory.iterdir()):
            if not language_dir.is_dir() or language_dir.name.startswith((".", "_")):
                continue
            language = normalize_language(language_dir.name)
            if language is None:
                raise TemplateCatalogError(f"{language_dir}: directory name is not a language tag")
            for path in sorted([*language_dir.glob("*.yaml"), *language_dir.glob("*.yml")]):
                for entry in _load_file(path, language):
                    first = origins.get((entry.key, language))
                    if first is not None:
                        raise TemplateCatalogError(
                            f"{path}: key {entry.key!r} is already defined in {first} ({language})"
                        )
                    origins[(entry.key, language)] = path
                    self.add(entry)


class _UniqueKeyLoader(yaml.SafeLoader):
    """safe_load keeps the last of two equal keys silently; a catalog must not."""


def _construct_unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_unique_mapping,
)


def _load_file(path: Path, language: str) -> list[TemplateEntry]:
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except yaml.YAMLError as exc:
        raise TemplateCatalogError(f"{path}: invalid YAML: {exc}") from exc
    if document is None:
        return []
    if not isinstance(document, Mapping):
        raise TemplateCatalogError(f"{path}: expected a mapping of template keys")
    return [_entry(path, language, key, raw) for key, raw in document.items()]


def _entry(path: Path, language: str, key: Any, raw: Any) -> TemplateEntry:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise TemplateCatalogError(f"{path}: {key!r} is not a template key (dotted words)")
    if isinstance(raw, str):
        raw = {"text": raw}
    if not isinstance(raw, Mapping):
        raise TemplateCatalogError(f"{path}: {key}: expected a text or a mapping with `text`")
    unknown = raw.keys() - _ENTRY_FIELDS
    if unknown:
        raise TemplateCatalogError(f"{path}: {key}: unknown field(s) {sorted(map(str, unknown))}")
    text, category = raw.get("text"), raw.get("category", path.stem)
    variables, sample, max_length = raw.get("variables") or [], raw.get("sample"), raw.get("max_length")
    if not isinstance(text, str):
        raise TemplateCatalogError(f"{path}: {key}: `text` must be a string")
    if not isinstance(category, str):
        raise TemplateCatalogError(f"{path}: {key}: `category` must be a string")
    if not isinstance(variables, list) or not all(isinstance(name, str) for name in variables):
        raise TemplateCatalogError(f"{path}: {key}: `variables` must be a list of names")
    if sample is not None and not isinstance(sample, Mapping):
        raise TemplateCatalogError(f"{path}: {key}: `sample` must be a mapping")
    if max_length is not None and (
        isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1
    ):
        raise TemplateCatalogError(f"{path}: {key}: `max_length` must be a positive integer")
    return TemplateEntry(
        key=key,
        language=language,
        text=text,
        category=category,
        variables=tuple(variables),
        sample=sample,
        max_length=max_length,
    )
