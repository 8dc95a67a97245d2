"""Template versions as operators manage them: create, activate, roll back, compare, preview, history.

Every change is validated before it is stored (a text that cannot render its sample never goes live),
audited (who, when, what) and collected in `changes`, the template ids whose live text moved, which
the request's unit of work announces to every replica after the commit.

Version numbers: the template's row is locked (`SELECT ... FOR UPDATE` on PostgreSQL, `BEGIN
IMMEDIATE` on SQLite) before the next number is read, so concurrent saves queue instead of colliding;
the unique (template_id, version) constraint is the backstop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.message_templates.api_schemas import (
    AuditEventOut,
    HistoryEntry,
    PreviewOut,
    PreviewRequest,
    ProblemOut,
    SideBySideRowOut,
    TemplateCreate,
    TemplateDetail,
    TemplateHistory,
    TemplateList,
    TemplateSummary,
    VersionCreate,
    VersionDiff,
    VersionOut,
    WordChangeOut,
)
from hotel_agent.message_templates.diffing import render_word_diff, side_by_side, unified_diff, word_diff
from hotel_agent.message_templates.errors import (
    NoSuchTemplateError,
    NoSuchVersionError,
    RollbackRefusedError,
    TemplateExistsError,
    TemplateInvalidError,
)
from hotel_agent.message_templates.repository import (
    TemplateAuditRepository,
    TemplateRepository,
    TemplateUsageRepository,
    TemplateVersionRepository,
)
from hotel_agent.message_templates.samples import revive, to_json
from hotel_agent.message_templates.validation import ValidationReport, validate_entry
from hotel_agent.models import Template, TemplateVersion

BLOCKING_PROBLEMS = frozenset({"syntax", "unknown_variable", "render", "language"})


@dataclass(frozen=True, slots=True)
class TemplateOptions:
    """The hotel's formatting (validation renders like guests will see) and the languages it serves."""

    default_language: str = "en"
    currency: str = "EUR"
    timezone: str = "Europe/Lisbon"
    languages: tuple[str, ...] = ("en", "es", "pt")


@dataclass
class TemplateVersionService:
    session: AsyncSession
    options: TemplateOptions = field(default_factory=TemplateOptions)
    # Template ids whose live text changed in this unit of work (announced after the commit).
    changes: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.templates = TemplateRepository.from_session(self.session)
        self.versions = TemplateVersionRepository.from_session(self.session)
        self.audit = TemplateAuditRepository.from_session(self.session)

    # Writing

    async def create_template(self, data: TemplateCreate, actor: str) -> TemplateDetail:
        """A new key, or a new language of a key, with its first version."""
        existing = await self.templates.get_by_key(data.key, data.language)
        if existing is not None:
            raise TemplateExistsError(data.key, data.language, existing.id)
        siblings = await self.templates.list_for_keys([data.key])
        reference = next((t for t in siblings if t.language == self.options.default_language), None) or next(
            iter(siblings), None
        )
        variables = data.variables
        if variables is None:
            variables = list(reference.variables) if reference is not None else []
        sample = to_json(data.sample) if data.sample is not None else None
        if sample is None and reference is not None:
            sample = reference.sample
        template = Template(
            key=data.key,
            language=data.language,
            category=data.category,
            variables=variables,
            sample=sample,
            max_length=data.max_length,
            meta=data.metadata,
            revision=0,
        )
        self.check(template, data.content)
        await self.templates.add(template)
        await self.audit.record(template, "template.created", actor, category=template.category)
        await self.add_version(template, data.content, actor=actor, note=data.note, status=data.status)
        return await self.get_template(template.id)

    async def create_version(self, template_id: int, data: VersionCreate, actor: str) -> VersionOut:
        """A new version, validated; `status=active` makes it live at once."""
        template = await self._template(template_id, lock=True)
        self.check(template, data.content)
        version = await self.add_version(
            template, data.content, actor=actor, note=data.note, status=data.status, variant=data.variant
        )
        return VersionOut.model_validate(version)

    async def activate(self, template_id: int, number: int, actor: str) -> VersionOut:
        """Make a version live (the one live before is archived); activating the live one changes nothing."""
        template = await self._template(template_id, lock=True)
        version = await self._version(template, number)
        if version.status != "active":
            self.check(template, version.content)
            await self._make_active(template, version, actor, action="version.activated")
        return VersionOut.model_validate(version)

    async def rollback(self, template_id: int, number: int, actor: str) -> VersionOut:
        """Make an earlier live version live again."""
        template = await self._template(template_id, lock=True)
        version = await self._version(template, number)
        if version.status == "active":
            raise RollbackRefusedError(
                f"version {number} of {template.key!r} ({template.language}) is live already"
            )
        if version.status == "draft":
            raise RollbackRefusedError(
                f"version {number} of {template.key!r} ({template.language}) was never live; "
                f"activate it instead: POST /admin/templates/{template.id}/versions/{number}/activate"
            )
        await self._make_active(template, version, actor, action="version.rolled_back")
        return VersionOut.model_validate(version)

    async def add_version(
        self,
        template: Template,
        content: str,
        *,
        actor: str,
        note: str | None = None,
        status: str = "draft",
        variant: str | None = None,
    ) -> TemplateVersion:
        """Store the next version number (the caller validated and locked the template)."""
        version = await self.versions.add(
            TemplateVersion(
                template_id=template.id,
                version=await self.versions.next_number(template.id),
                content=content,
                variant=variant,
                status="draft",
                created_by=actor,
                note=note,
            )
        )
        await self.audit.record(
            template, "version.created", actor, version=version.version, note=note, variant=variant
        )
        if status == "active":
            await self._make_active(template, version, actor, action="version.activated")
        return version

    async def _make_active(
        self, template: Template, version: TemplateVersion, actor: str, *, action: str
    ) -> None:
        previous = await self.versions.active(template.id, version.variant)
        await self.versions.archive_active(template.id, version.variant)
        version.status = "active"
        version.activated_at = datetime.now(UTC)
        template.revision += 1
        await self.session.flush()
        await self.audit.record(
            template,
            action,
            actor,
            version=version.version,
            previous_version=previous.version if previous is not None else None,
            variant=version.variant,
        )
        # Variant texts too: a running experiment renders them on every replica.
        self.changes.add(template.id)

    def check(self, template: Template, content: str) -> ValidationReport:
        """Validate `content` with the template's variables, sample and limit; raise if it cannot go live."""
        report = self.validate(template, content, template.language, None)
        if report.problems:
            raise TemplateInvalidError(template.key, template.language, report.problems)
        return report

    def validate(
        self, template: Template, content: str, language: str, context: Mapping[str, Any] | None
    ) -> ValidationReport:
        sample = context if context is not None else revive(template.sample or {})
        return validate_entry(
            template.key,
            content,
            template.variables or (),
            sample,
            language,
            max_length=template.max_length,
            currency=self.options.currency,
            timezone=self.options.timezone,
        )

    # Reading

    async def list_templates(
        self,
        *,
        category: str | None = None,
        language: str | None = None,
        text: str | None = None,
        missing_in: str | None = None,
    ) -> TemplateList:
        """Templates with their live text; `missing_in` (a language or `any`): keys lacking a translation."""
        rows = await self.templates.list_with_active(category=category, language=language, text=text)
        by_key = await self.templates.languages_by_key()
        items = []
        for template, version in rows:
            missing = self._missing(by_key.get(template.key, set()))
            if missing_in is not None and (missing_in not in missing if missing_in != "any" else not missing):
                continue
            items.append(
                TemplateSummary(
                    id=template.id,
                    key=template.key,
                    language=template.language,
                    category=template.category,
                    active_version=version.version if version is not None else None,
                    content=version.content if version is not None else None,
                    updated_at=template.updated_at,
                    missing_languages=missing,
                )
            )
        return TemplateList(items=items, count=len(items))

    async def get_template(self, template_id: int) -> TemplateDetail:
        template = await self._template(template_id)
        versions = await self.versions.list_for_template(template.id)
        siblings = await self.templates.list_for_keys([template.key])
        active = next((v for v in versions if v.status == "active" and v.variant is None), None)
        return TemplateDetail(
            id=template.id,
            key=template.key,
            language=template.language,
            category=template.category,
            variables=list(template.variables or []),
            sample=template.sample,
            max_length=template.max_length,
            metadata=template.meta or {},
            created_at=template.created_at,
            updated_at=template.updated_at,
            active=VersionOut.model_validate(active) if active is not None else None,
            versions=[VersionOut.model_validate(version) for version in versions],
            translations={sibling.language: sibling.id for sibling in siblings},
            missing_languages=self._missing({sibling.language for sibling in siblings}),
        )

    async def history(self, template_id: int) -> TemplateHistory:
        """Every version with author, note, usage and conversions, and the audit trail, newest first."""
        template = await self._template(template_id)
        versions = await self.versions.list_for_template(template.id)
        usage = await TemplateUsageRepository.from_session(self.session).usage_by_version(template.id)
        events = await self.audit.list_for_template(template.id)
        entries = []
        for version in versions:
            counted = usage.get(version.version)
            entry = HistoryEntry.model_validate(version)
            if counted is not None:
                entry.uses, entry.conversions = counted.uses, counted.conversions
            entries.append(entry)
        return TemplateHistory(
            template_id=template.id,
            key=template.key,
            language=template.language,
            versions=entries,
            events=[AuditEventOut.model_validate(event) for event in events],
        )

    async def diff(self, template_id: int, a: int, b: int) -> VersionDiff:
        template = await self._template(template_id)
        old, new = await self._version(template, a), await self._version(template, b)
        changes = word_diff(old.content, new.content)
        return VersionDiff(
            a=a,
            b=b,
            identical=old.content == new.content,
            unified=unified_diff(old.content, new.content, f"{template.key}@{a}", f"{template.key}@{b}"),
            word_diff=render_word_diff(changes),
            words=[WordChangeOut(op=change.op, text=change.text) for change in changes],
            side_by_side=[
                SideBySideRowOut.model_validate(row) for row in side_by_side(old.content, new.content)
            ],
        )

    async def preview(self, template_id: int, request: PreviewRequest) -> PreviewOut:
        """Render a stored version or unsaved content with the sample or a given context, in any language."""
        template = await self._template(template_id)
        number: int | None = None
        if request.content is not None:
            content = request.content
        else:
            version = (
                await self._version(template, request.version)
                if request.version is not None
                else await self.versions.active(template.id)
            )
            if version is None:
                raise NoSuchVersionError(template.key, template.language, None)
            content, number = version.content, version.version
        language = request.language or template.language
        report = self.validate(template, content, language, request.context)
        blocking = [problem for problem in report.problems if problem.kind in BLOCKING_PROBLEMS]
        if blocking or report.rendered is None:
            raise TemplateInvalidError(template.key, language, blocking or report.problems)
        return PreviewOut(
            text=report.rendered,
            language=report.language,
            version=number,
            length=len(report.rendered),
            max_length=template.max_length,
            context="given" if request.context is not None else "sample",
            problems=[ProblemOut(kind=p.kind, message=p.message, line=p.line) for p in report.problems],
        )

    async def inspect(
        self,
        template_id: int,
        content: str,
        *,
        language: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> ValidationReport:
        """Every problem of unsaved `content` and its rendering (with the sample, or `context`); never raises
        for bad text. The admin UI's live preview: what saving would say, before saving."""
        template = await self._template(template_id)
        return self.validate(template, content, language or template.language, context)

    async def inspect_new(
        self, data: TemplateCreate, context: Mapping[str, Any] | None = None
    ) -> ValidationReport:
        """`inspect` for a template not created yet (its variables and sample as `create_template` would
        take them: given, or borrowed from the key in another language)."""
        siblings = await self.templates.list_for_keys([data.key])
        reference = next((t for t in siblings if t.language == self.options.default_language), None) or next(
            iter(siblings), None
        )
        variables = (
            data.variables if data.variables is not None else (reference.variables if reference else [])
        )
        sample = (
            to_json(data.sample) if data.sample is not None else (reference.sample if reference else None)
        )
        draft = Template(
            key=data.key,
            language=data.language,
            category=data.category,
            variables=list(variables or []),
            sample=sample,
            max_length=data.max_length,
        )
        return self.validate(draft, data.content, data.language, context)

    # Helpers

    async def _template(self, template_id: int, *, lock: bool = False) -> Template:
        template = await self.templates.get(template_id, for_update=lock)
        if template is None:
            raise NoSuchTemplateError(template_id)
        return template

    async def _version(self, template: Template, number: int) -> TemplateVersion:
        version = await self.versions.get(template.id, number)
        if version is None:
            known = [v.version for v in await self.versions.list_for_template(template.id)]
            raise NoSuchVersionError(template.key, template.language, number, known)
        return version

    def _missing(self, present: set[str]) -> list[str]:
        return sorted(set(self.options.languages) - present)
