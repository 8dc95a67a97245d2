"""Templates by key, each language's live text side by side, and where a guest's language falls back.

The admin UI's list: one row per key (its category, each served language's live text or the language
the guest would read instead), filtered by category, language, text, a missing translation, keys in an
experiment, or a change in the last N days.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hotel_agent.message_templates.api_schemas import TemplateSummary
from hotel_agent.message_templates.languages import fallback_chain
from hotel_agent.message_templates.versioning import TemplateVersionService


@dataclass(frozen=True, slots=True)
class LanguageCell:
    """One language of a key: its own template (`template`), or the language it falls back to."""

    language: str
    template: TemplateSummary | None
    falls_back_to: str | None = None

    @property
    def live(self) -> bool:
        return self.template is not None and self.template.content is not None


@dataclass(frozen=True, slots=True)
class KeyRow:
    key: str
    category: str
    cells: list[LanguageCell]
    updated_at: datetime
    in_experiment: bool = False

    @property
    def missing(self) -> list[str]:
        return [cell.language for cell in self.cells if cell.template is None]


@dataclass(frozen=True, slots=True)
class TemplateOverview:
    rows: list[KeyRow]
    languages: list[str]
    categories: list[str]
    total_keys: int
    filters: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class OverviewFilters:
    category: str | None = None
    language: str | None = None
    text: str | None = None
    # A language, or "any".
    missing_in: str | None = None
    in_experiment: bool = False
    changed_within_days: int | None = None


def _fallback(language: str, present: Collection[str], default: str) -> str | None:
    """The first language of the fallback chain that has a live text (None: nothing to read at all)."""
    return next((tag for tag in fallback_chain(language, default)[1:] if tag in present), None)


async def template_overview(
    service: TemplateVersionService,
    filters: OverviewFilters,
    *,
    experiment_keys: Collection[str] = (),
    now: datetime | None = None,
) -> TemplateOverview:
    """Every key with its languages side by side, filtered; `experiment_keys`: keys in a live experiment."""
    rows_found = await service.templates.summaries()
    present: dict[str, set[str]] = {}
    for _, key, language, *_rest in rows_found:
        present.setdefault(key, set()).add(language)
    items = [
        TemplateSummary.model_construct(
            id=template_id,
            key=key,
            language=language,
            category=category,
            active_version=version,
            content=content,
            updated_at=updated_at,
            missing_languages=sorted(set(service.options.languages) - present[key]),
        )
        for template_id, key, language, category, updated_at, version, content in rows_found
    ]
    languages = list(service.options.languages)
    by_key: dict[str, dict[str, TemplateSummary]] = {}
    for item in items:
        by_key.setdefault(item.key, {})[item.language] = item
        if item.language not in languages:
            languages.append(item.language)
    default = service.options.default_language
    since = (now or datetime.now(UTC)) - timedelta(days=filters.changed_within_days or 0)
    needle = (filters.text or "").strip().lower()
    rows = []
    for key in sorted(by_key):
        of_key = by_key[key]
        live = {language for language, item in of_key.items() if item.content is not None}
        cells = [
            LanguageCell(
                language,
                of_key.get(language),
                None if language in live else _fallback(language, live, default),
            )
            for language in languages
        ]
        first = next(iter(of_key.values()))
        row = KeyRow(
            key=key,
            category=first.category,
            cells=cells,
            updated_at=max(item.updated_at for item in of_key.values()),
            in_experiment=key in experiment_keys,
        )
        if _keep(row, filters, needle, since):
            rows.append(row)
    shown = [filters.language] if filters.language in languages else languages
    if filters.language in languages:
        rows = [
            KeyRow(
                r.key, r.category, [c for c in r.cells if c.language in shown], r.updated_at, r.in_experiment
            )
            for r in rows
        ]
    return TemplateOverview(
        rows=rows,
        languages=shown,
        categories=sorted({item.category for item in items}),
        total_keys=len(by_key),
    )


def _keep(row: KeyRow, filters: OverviewFilters, needle: str, since: datetime) -> bool:
    if filters.category and row.category != filters.category:
        return False
    has_language = any(c.language == filters.language and c.template for c in row.cells)
    if filters.language and not has_language and filters.missing_in != filters.language:
        return False
    if filters.missing_in == "any" and not row.missing:
        return False
    if filters.missing_in not in (None, "", "any") and filters.missing_in not in row.missing:
        return False
    if filters.in_experiment and not row.in_experiment:
        return False
    if filters.changed_within_days is not None and row.updated_at < since:
        return False
    if needle:
        texts = [row.key.lower()] + [(c.template.content or "").lower() for c in row.cells if c.template]
        if not any(needle in text for text in texts):
            return False
    return True
