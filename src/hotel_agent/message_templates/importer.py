"""The YAML catalog in and out of the database: installs and upgrades import it, `export` writes it back.

Import rules, per key and language (the file's text F, the active version A, and I, the version the
previous import created from the file):
- no template yet: created, F becomes version 1 and goes live;
- A is F: unchanged;
- I is F: the file did not change since the last import, so A is an operator's edit: kept;
- A is I (or nothing is live): the file changed and nobody edited the text: F is added and goes live;
- otherwise the file changed *and* an operator changed the text: a **conflict**. The operator's text
  stays live; F is stored once as a draft, so the operator can diff, preview and activate it.
Every text to be written is validated first: a broken catalog writes nothing. Variables, sample,
category and max_length follow the file (translations borrow the default language's variables and
sample, as YAML translations do not repeat them).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.message_templates.api_schemas import CATEGORY_PATTERN
from hotel_agent.message_templates.errors import TemplateCatalogError
from hotel_agent.message_templates.repository import TemplateRepository, TemplateVersionRepository
from hotel_agent.message_templates.samples import revive, to_json
from hotel_agent.message_templates.schemas import TemplateEntry
from hotel_agent.message_templates.source import InMemoryTemplateSource
from hotel_agent.message_templates.validation import validate_entry
from hotel_agent.message_templates.versioning import TemplateOptions, TemplateVersionService
from hotel_agent.models import Template

IMPORT_ACTOR = "catalog-import"
CONFLICT_NOTE = "catalog text not applied: an operator changed the live text (import conflict)"
_CATEGORY = re.compile(CATEGORY_PATTERN)


@dataclass(frozen=True, slots=True)
class ImportConflict:
    key: str
    language: str
    active_version: int
    catalog_version: int  # the draft holding the file's text


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    conflicts: list[ImportConflict] = field(default_factory=list)
    # Templates whose live text or metadata changed: to announce after the commit.
    changed_template_ids: set[int] = field(default_factory=set)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.kept)} operator edits kept, {len(self.conflicts)} conflicts"
        )


@dataclass(frozen=True, slots=True)
class _Planned:
    entry: TemplateEntry
    variables: list[str]
    sample: dict[str, Any] | None


async def import_catalog(
    session: AsyncSession,
    source: InMemoryTemplateSource,
    *,
    actor: str = IMPORT_ACTOR,
    only_missing: bool = False,
    options: TemplateOptions | None = None,
) -> ImportReport:
    """Bring the database in line with the catalog without overwriting operators' edits.

    `only_missing` adds key/language pairs the database lacks and touches nothing else (what the app
    does at start-up, so a fresh install works before anyone runs the import).
    """
    options = options or TemplateOptions()
    service = TemplateVersionService(session, options)
    templates = TemplateRepository.from_session(session)
    versions = TemplateVersionRepository.from_session(session)
    planned = _plan(source, options.default_language)
    existing = {
        (template.key, template.language): template
        for template in await templates.list_for_keys({item.entry.key for item in planned})
    }
    if only_missing:
        planned = [item for item in planned if (item.entry.key, item.entry.language) not in existing]
    _validate(planned, options)

    report = ImportReport()
    for item in planned:
        entry = item.entry
        label = f"{entry.key} ({entry.language})"
        template = existing.get((entry.key, entry.language))
        if template is None:
            template = await templates.add(
                Template(
                    key=entry.key,
                    language=entry.language,
                    category=entry.category,
                    variables=item.variables,
                    sample=item.sample,
                    max_length=entry.max_length,
                    meta={"source": "catalog"},
                    revision=0,
                )
            )
            await service.audit.record(template, "template.created", actor, category=template.category)
            version = await service.add_version(
                template, entry.text, actor=actor, note="imported from the catalog", status="active"
            )
            template.imported_version = version.version
            report.created.append(label)
            report.changed_template_ids.add(template.id)
            continue
        if await _update_metadata(service, template, item, actor):
            report.changed_template_ids.add(template.id)
        active = await versions.active(template.id)
        if active is not None and active.content == entry.text:
            template.imported_version = active.version
            report.unchanged.append(label)
            continue
        imported = (
            await versions.get(template.id, template.imported_version)
            if template.imported_version is not None
            else None
        )
        if imported is not None and imported.content == entry.text:
            report.kept.append(label)
            continue
        if active is None or (imported is not None and imported.id == active.id):
            version = await service.add_version(
                template, entry.text, actor=actor, note="updated from the catalog", status="active"
            )
            template.imported_version = version.version
            report.updated.append(label)
            report.changed_template_ids.add(template.id)
            continue
        draft = await versions.with_content(template.id, entry.text)
        if draft is None:
            draft = await service.add_version(template, entry.text, actor=actor, note=CONFLICT_NOTE)
        report.conflicts.append(ImportConflict(entry.key, entry.language, active.version, draft.version))
    await session.flush()
    return report


def _plan(source: InMemoryTemplateSource, default_language: str) -> list[_Planned]:
    planned = []
    for entry in source.entries():
        if not _CATEGORY.fullmatch(entry.category):
            raise TemplateCatalogError(
                f"{entry.key} ({entry.language}): category {entry.category!r} is not a lowercase word "
                "(the catalog file's name, e.g. availability)"
            )
        reference = source.get(entry.key, default_language) or entry
        variables = list(entry.variables or reference.variables)
        sample = entry.sample if entry.sample is not None else reference.sample
        planned.append(_Planned(entry, variables, to_json(sample) if sample is not None else None))
    return planned


def _validate(planned: list[_Planned], options: TemplateOptions) -> None:
    failures: list[str] = []
    for item in planned:
        entry = item.entry
        report = validate_entry(
            entry.key,
            entry.text,
            item.variables,
            revive(item.sample) if item.sample is not None else {},
            entry.language,
            max_length=entry.max_length,
            currency=options.currency,
            timezone=options.timezone,
        )
        failures.extend(
            f"{entry.key} ({entry.language})"
            + (f" line {problem.line}" if problem.line is not None else "")
            + f": {problem.message}"
            for problem in report.problems
        )
    if failures:
        raise TemplateCatalogError(
            f"the catalog has {len(failures)} problem(s); nothing was imported: " + "; ".join(failures),
            failures=failures,
        )


async def _update_metadata(
    service: TemplateVersionService, template: Template, item: _Planned, actor: str
) -> bool:
    wanted: dict[str, Any] = {
        "category": item.entry.category,
        "variables": item.variables,
        "sample": item.sample,
        "max_length": item.entry.max_length,
    }
    changed = {name: value for name, value in wanted.items() if getattr(template, name) != value}
    if not changed:
        return False
    for name, value in changed.items():
        setattr(template, name, value)
    await service.audit.record(template, "template.updated", actor, fields=sorted(changed))
    return True


# Export


@dataclass
class ExportReport:
    files: list[Path] = field(default_factory=list)
    templates: int = 0


async def export_catalog(
    session: AsyncSession, directory: Path, *, default_language: str = "en"
) -> ExportReport:
    """Write the live texts as a catalog (`<dir>/<language>/<category>.yaml`), loadable and importable."""
    rows = await TemplateVersionRepository.from_session(session).active_with_templates()
    rows.sort(key=lambda row: (row[0].language, row[0].category, row[0].id))
    references = {template.key: template for template, _ in rows if template.language == default_language}
    files: dict[Path, dict[str, Any]] = {}
    for template, version in rows:
        # Translations repeat variables and sample only where they differ from the default language's.
        reference = references.get(template.key, template)
        own = reference is template
        document: dict[str, Any] = {}
        if template.variables and (own or reference.variables != template.variables):
            document["variables"] = _Flow(template.variables)
        if template.sample is not None and (own or reference.sample != template.sample):
            sample = revive(template.sample)
            flat = all(not isinstance(value, dict | list) for value in sample.values())
            document["sample"] = _FlowMap(sample) if flat else sample
        document["text"] = version.content
        if template.max_length is not None:
            document["max_length"] = template.max_length
        path = directory / template.language / f"{template.category}.yaml"
        files.setdefault(path, {})[template.key] = document
    report = ExportReport(templates=len(rows))
    for path, documents in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_catalog_file(documents), encoding="utf-8")
        report.files.append(path)
    return report


class _CatalogDumper(yaml.SafeDumper):
    """The shipped catalog's style: multi-line texts as literal blocks, one-line templates in double
    quotes, variables and flat samples inline (`[a, b]`, `{a: 1}`), keys in the order given."""


class _Flow(list[Any]):
    pass


class _FlowMap(dict[str, Any]):
    pass


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = None
    if "\n" in text:
        style = "|"
    elif "{" in text and '"' not in text:
        style = '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


def _represent_flow(dumper: yaml.SafeDumper, items: _Flow) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", items, flow_style=True)


def _represent_flow_map(dumper: yaml.SafeDumper, mapping: _FlowMap) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", mapping, flow_style=True)


_CatalogDumper.add_representer(str, _represent_text)
_CatalogDumper.add_representer(_Flow, _represent_flow)
_CatalogDumper.add_representer(_FlowMap, _represent_flow_map)


def dump_catalog_file(documents: Mapping[str, Any]) -> str:
    return yaml.dump(
        dict(documents), Dumper=_CatalogDumper, allow_unicode=True, sort_keys=False, width=1_000_000
    )
