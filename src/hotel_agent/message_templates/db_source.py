"""The live texts from the database, held in memory so rendering stays a synchronous dict lookup.

`load()` reads every active default version at start-up; `reload(template_ids)` re-reads the templates
an activation or rollback touched (`sync.TemplateCatalogSync` calls it on every replica). After each
(re)load the source tells its listeners which keys changed; `TemplateRenderer` registers itself and
recompiles them. It also keeps the last few versions that were live before (`previous`), which the
service falls back to when the current text fails to render.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.message_templates.repository import TemplateRepository, TemplateVersionRepository
from hotel_agent.message_templates.samples import revive
from hotel_agent.message_templates.schemas import TemplateEntry
from hotel_agent.message_templates.source import EntryIndex, InMemoryTemplateSource
from hotel_agent.models import Template, TemplateVersion

log = structlog.get_logger(__name__)

Listener = Callable[[set[str]], None]
Slot = tuple[str, str]  # (key, language)
VariantSlot = tuple[str, str, str]  # (key, language, variant)


def entry_for(template: Template, version: TemplateVersion) -> TemplateEntry:
    return TemplateEntry(
        key=template.key,
        language=template.language,
        text=version.content,
        category=template.category,
        variables=tuple(template.variables or ()),
        sample=revive(template.sample) if template.sample is not None else None,
        max_length=template.max_length,
        variant=version.variant,
        version=version.version,
        version_id=version.id,
    )


class DatabaseTemplateSource(EntryIndex):
    """A `TemplateSource` over the active versions in the database."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        super().__init__()
        self._sessionmaker = sessionmaker
        self._previous: dict[tuple[str, str], tuple[TemplateEntry, ...]] = {}
        self._ids: dict[int, tuple[str, str]] = {}
        # Live A/B variant texts (experiments render them for the guests assigned to them).
        self._variants: dict[VariantSlot, TemplateEntry] = {}
        self._listeners: list[Listener] = []
        # Reloads come from pub/sub, the stamp poll and this replica's own changes: one at a time.
        self._lock = asyncio.Lock()
        self.stamp: tuple[int, int] | None = None

    # TemplateSource (get, keys, languages: EntryIndex)

    def previous(self, key: str, language: str) -> Sequence[TemplateEntry]:
        """Versions that were live before the current one, most recently live first."""
        return self._previous.get((key, language), ())

    def variant(self, key: str, language: str, variant: str) -> TemplateEntry | None:
        """The live text of an A/B variant of this key in exactly this language, or None."""
        return self._variants.get((key, language, variant))

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    # Loading

    async def load(self) -> set[str]:
        """Read every live text; returns (and announces to listeners) the keys whose text changed."""
        async with self._lock, self._sessionmaker() as session:
            stamp = await TemplateRepository.from_session(session).stamp()
            versions = TemplateVersionRepository.from_session(session)
            active = await versions.active_with_templates()
            previous = await versions.previously_active()
            live_variants = await versions.active_variants_with_templates()
        entries = {(t.key, t.language): entry_for(t, v) for t, v in active}
        ids = {t.id: (t.key, t.language) for t, _ in active}
        variants = {(t.key, t.language, str(v.variant)): entry_for(t, v) for t, v in live_variants}
        old, old_variants = self._entries, self._variants
        changed = {slot[0] for slot in entries.keys() | old.keys() if entries.get(slot) != old.get(slot)}
        changed |= {
            slot[0]
            for slot in variants.keys() | old_variants.keys()
            if variants.get(slot) != old_variants.get(slot)
        }
        self._entries, self._ids, self._variants = entries, ids, variants
        self._previous = self._group_previous(previous)
        self.stamp = stamp
        self._announce(changed)
        return changed

    async def reload(self, template_ids: Collection[int]) -> set[str]:
        """Re-read these templates only (an activation, a rollback, a new template)."""
        if not template_ids:
            return set()
        async with self._lock, self._sessionmaker() as session:
            versions = TemplateVersionRepository.from_session(session)
            active = await versions.active_with_templates(list(template_ids))
            previous = await versions.previously_active(list(template_ids))
            live_variants = await versions.active_variants_with_templates(list(template_ids))
        changed = self._replace_variants(template_ids, live_variants)
        found = {template.id for template, _ in active}
        for template_id in set(template_ids) - found:
            # No live text any more (or an id we never saw): drop what we served for it.
            slot = self._ids.pop(template_id, None)
            if slot is not None and self._entries.pop(slot, None) is not None:
                changed.add(slot[0])
        for template, version in active:
            slot = (template.key, template.language)
            entry = entry_for(template, version)
            if self._entries.get(slot) != entry:
                changed.add(template.key)
            self._entries[slot] = entry
            self._ids[template.id] = slot
        grouped = self._group_previous(previous)
        for template_id in template_ids:
            slot = self._ids.get(template_id)
            if slot is not None:
                self._previous[slot] = grouped.get(slot, ())
        self._announce(changed)
        return changed

    def _replace_variants(
        self, template_ids: Collection[int], live: list[tuple[Template, TemplateVersion]]
    ) -> set[str]:
        """Swap in these templates' live variant texts; the keys whose variants changed."""
        slots = {self._ids[template_id] for template_id in template_ids if template_id in self._ids}
        slots |= {(template.key, template.language) for template, _ in live}
        new = {(t.key, t.language, str(v.variant)): entry_for(t, v) for t, v in live}
        old = {slot: entry for slot, entry in self._variants.items() if slot[:2] in slots}
        for slot in old:
            del self._variants[slot]
        self._variants.update(new)
        return {slot[0] for slot in old.keys() | new.keys() if old.get(slot) != new.get(slot)}

    def serve_meanwhile(self, fallback: InMemoryTemplateSource) -> None:
        """Serve these entries (the YAML catalog) while the database cannot be read.

        `stamp` stays None, so the sync's database check loads the live texts as soon as it can.
        """
        self._entries = {(entry.key, entry.language): entry for entry in fallback.entries()}
        self._ids, self._previous, self._variants, self.stamp = {}, {}, {}, None
        self._announce({key for key, _ in self._entries})

    async def db_stamp(self) -> tuple[int, int]:
        """What the database says now, to compare with `stamp` (taken at the last full load)."""
        async with self._sessionmaker() as session:
            return await TemplateRepository.from_session(session).stamp()

    def _group_previous(self, versions: list[TemplateVersion]) -> dict[Slot, tuple[TemplateEntry, ...]]:
        grouped: dict[Slot, list[TemplateEntry]] = {}
        for version in versions:
            slot = self._ids.get(version.template_id)
            current = self._entries.get(slot) if slot is not None else None
            if slot is None or current is None:
                continue
            template_entry = TemplateEntry(
                key=current.key,
                language=current.language,
                text=version.content,
                category=current.category,
                variables=current.variables,
                sample=current.sample,
                max_length=current.max_length,
                variant=version.variant,
                version=version.version,
                version_id=version.id,
            )
            grouped.setdefault(slot, []).append(template_entry)
        return {slot: tuple(entries) for slot, entries in grouped.items()}

    def _announce(self, changed: set[str]) -> None:
        if not changed:
            return
        log.info("templates.reloaded", keys=sorted(changed))
        for listener in self._listeners:
            try:
                listener(changed)
            except Exception:
                log.exception("templates.listener_failed")
