"""Every query on templates, their versions, usage statistics and the audit trail."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.models import Template, TemplateAuditEvent, TemplateUsageStat, TemplateVersion

# Earlier live versions kept at hand per template, for when the current one fails to render.
PREVIOUS_VERSIONS_KEPT = 3


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True, slots=True)
class VersionUsage:
    uses: int
    conversions: int


class TemplateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> TemplateRepository:
        return cls(session)

    async def get(self, template_id: int, *, for_update: bool = False) -> Template | None:
        """`for_update` locks the row on PostgreSQL, serialising version numbering per template."""
        query = select(Template).where(Template.id == template_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def get_by_key(self, key: str, language: str) -> Template | None:
        query = select(Template).where(Template.key == key, Template.language == language)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def list_for_keys(self, keys: Iterable[str]) -> list[Template]:
        query = select(Template).where(Template.key.in_(list(keys))).order_by(Template.key, Template.language)
        return list((await self.session.execute(query)).scalars())

    async def list_with_active(
        self,
        *,
        category: str | None = None,
        language: str | None = None,
        text: str | None = None,
    ) -> list[tuple[Template, TemplateVersion | None]]:
        """Templates with their active default version, filtered; `text` matches key or active text."""
        active = and_(
            TemplateVersion.template_id == Template.id,
            TemplateVersion.status == "active",
            TemplateVersion.variant.is_(None),
        )
        query = select(Template, TemplateVersion).outerjoin(TemplateVersion, active)
        if category is not None:
            query = query.where(Template.category == category)
        if language is not None:
            query = query.where(Template.language == language)
        if text:
            pattern = f"%{_escape_like(text.lower())}%"
            query = query.where(
                or_(
                    func.lower(Template.key).like(pattern, escape="\\"),
                    func.lower(TemplateVersion.content).like(pattern, escape="\\"),
                )
            )
        query = query.order_by(Template.key, Template.language)
        return [(template, version) for template, version in (await self.session.execute(query)).all()]

    async def summaries(self) -> list[tuple[int, str, str, str, datetime, int | None, str | None]]:
        """(id, key, language, category, updated_at, live version, live text) of every template, as plain
        rows: the admin list shows hundreds, and loading them as ORM objects costs most of its time."""
        active = and_(
            TemplateVersion.template_id == Template.id,
            TemplateVersion.status == "active",
            TemplateVersion.variant.is_(None),
        )
        query = (
            select(
                Template.id,
                Template.key,
                Template.language,
                Template.category,
                Template.updated_at,
                TemplateVersion.version,
                TemplateVersion.content,
            )
            .outerjoin(TemplateVersion, active)
            .order_by(Template.key, Template.language)
        )
        return [tuple(row) for row in (await self.session.execute(query)).all()]  # type: ignore[misc]

    async def languages_by_key(self) -> dict[str, set[str]]:
        rows = await self.session.execute(select(Template.key, Template.language))
        languages: dict[str, set[str]] = {}
        for key, language in rows.all():
            languages.setdefault(key, set()).add(language)
        return languages

    async def count(self) -> int:
        return int((await self.session.execute(select(func.count(Template.id)))).scalar_one())

    async def stamp(self) -> tuple[int, int]:
        """(templates, sum of revisions): changes whenever a template is added or a version activated."""
        query = select(func.count(Template.id), func.coalesce(func.sum(Template.revision), 0))
        row = (await self.session.execute(query)).one()
        return int(row[0]), int(row[1])

    async def add(self, template: Template) -> Template:
        self.session.add(template)
        await self.session.flush()
        return template


class TemplateVersionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> TemplateVersionRepository:
        return cls(session)

    async def get(self, template_id: int, version: int) -> TemplateVersion | None:
        query = select(TemplateVersion).where(
            TemplateVersion.template_id == template_id, TemplateVersion.version == version
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def list_for_template(self, template_id: int) -> list[TemplateVersion]:
        query = (
            select(TemplateVersion)
            .where(TemplateVersion.template_id == template_id)
            .order_by(TemplateVersion.version.desc())
        )
        return list((await self.session.execute(query)).scalars())

    async def active(self, template_id: int, variant: str | None = None) -> TemplateVersion | None:
        query = select(TemplateVersion).where(
            TemplateVersion.template_id == template_id,
            TemplateVersion.status == "active",
            TemplateVersion.variant.is_(None) if variant is None else TemplateVersion.variant == variant,
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def with_template(self, version_id: int) -> tuple[Template, TemplateVersion] | None:
        """One version (by its row id) with its template."""
        query = (
            select(Template, TemplateVersion)
            .join(TemplateVersion, TemplateVersion.template_id == Template.id)
            .where(TemplateVersion.id == version_id)
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row is not None else None

    async def latest_drafts(self, limit: int = 50) -> list[tuple[Template, TemplateVersion]]:
        """The newest draft default versions with their templates (what the simulator offers to try)."""
        query = (
            select(Template, TemplateVersion)
            .join(TemplateVersion, TemplateVersion.template_id == Template.id)
            .where(TemplateVersion.status == "draft", TemplateVersion.variant.is_(None))
            .order_by(TemplateVersion.created_at.desc(), TemplateVersion.id.desc())
            .limit(limit)
        )
        return [(template, version) for template, version in (await self.session.execute(query)).all()]

    async def next_number(self, template_id: int) -> int:
        query = select(func.coalesce(func.max(TemplateVersion.version), 0)).where(
            TemplateVersion.template_id == template_id
        )
        return int((await self.session.execute(query)).scalar_one()) + 1

    async def with_content(self, template_id: int, content: str) -> TemplateVersion | None:
        query = (
            select(TemplateVersion)
            .where(TemplateVersion.template_id == template_id, TemplateVersion.content == content)
            .order_by(TemplateVersion.version.desc())
            .limit(1)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def archive_active(self, template_id: int, variant: str | None) -> None:
        """Retire the live version of this (template, variant) before another one takes its place.

        A statement of its own, executed now: the partial unique index allows one active version, and
        a flush may order the two updates either way.
        """
        await self.session.execute(
            update(TemplateVersion)
            .where(
                TemplateVersion.template_id == template_id,
                TemplateVersion.status == "active",
                TemplateVersion.variant.is_(None) if variant is None else TemplateVersion.variant == variant,
            )
            .values(status="archived")
            .execution_options(synchronize_session="fetch")
        )

    async def add(self, version: TemplateVersion) -> TemplateVersion:
        self.session.add(version)
        await self.session.flush()
        return version

    async def active_with_templates(
        self, template_ids: Sequence[int] | None = None
    ) -> list[tuple[Template, TemplateVersion]]:
        """Every live default text with its template (what the database source serves)."""
        query = (
            select(Template, TemplateVersion)
            .join(TemplateVersion, TemplateVersion.template_id == Template.id)
            .where(TemplateVersion.status == "active", TemplateVersion.variant.is_(None))
        )
        if template_ids is not None:
            query = query.where(Template.id.in_(list(template_ids)))
        return [(template, version) for template, version in (await self.session.execute(query)).all()]

    async def active_variants_with_templates(
        self, template_ids: Sequence[int] | None = None
    ) -> list[tuple[Template, TemplateVersion]]:
        """Every live A/B variant text with its template (what experiments render)."""
        query = (
            select(Template, TemplateVersion)
            .join(TemplateVersion, TemplateVersion.template_id == Template.id)
            .where(TemplateVersion.status == "active", TemplateVersion.variant.is_not(None))
        )
        if template_ids is not None:
            query = query.where(Template.id.in_(list(template_ids)))
        return [(template, version) for template, version in (await self.session.execute(query)).all()]

    async def previously_active(
        self, template_ids: Sequence[int] | None = None, per_template: int = PREVIOUS_VERSIONS_KEPT
    ) -> list[TemplateVersion]:
        """The latest archived (once live) default versions per template, newest activation first."""
        rank = (
            func.row_number()
            .over(
                partition_by=TemplateVersion.template_id,
                order_by=(TemplateVersion.activated_at.desc(), TemplateVersion.version.desc()),
            )
            .label("rank")
        )
        inner = select(TemplateVersion.id, rank).where(
            TemplateVersion.status == "archived",
            TemplateVersion.variant.is_(None),
            TemplateVersion.activated_at.is_not(None),
        )
        if template_ids is not None:
            inner = inner.where(TemplateVersion.template_id.in_(list(template_ids)))
        ranked = inner.subquery()
        query = (
            select(TemplateVersion)
            .join(ranked, ranked.c.id == TemplateVersion.id)
            .where(ranked.c.rank <= per_template)
            .order_by(TemplateVersion.template_id, ranked.c.rank)
        )
        return list((await self.session.execute(query)).scalars())


class TemplateAuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> TemplateAuditRepository:
        return cls(session)

    async def record(
        self,
        template: Template,
        action: str,
        actor: str,
        *,
        version: int | None = None,
        **details: Any,
    ) -> TemplateAuditEvent:
        event = TemplateAuditEvent(
            template_id=template.id,
            template_key=template.key,
            language=template.language,
            action=action,
            version=version,
            actor=actor,
            details=details,
        )
        self.session.add(event)
        await self.session.flush()
        return event

    async def list_for_template(self, template_id: int) -> list[TemplateAuditEvent]:
        query = (
            select(TemplateAuditEvent)
            .where(TemplateAuditEvent.template_id == template_id)
            .order_by(TemplateAuditEvent.created_at.desc(), TemplateAuditEvent.id.desc())
        )
        return list((await self.session.execute(query)).scalars())

    async def latest(self, limit: int) -> list[TemplateAuditEvent]:
        """The newest events over every template (the admin panel's audit log)."""
        query = (
            select(TemplateAuditEvent)
            .order_by(TemplateAuditEvent.created_at.desc(), TemplateAuditEvent.id.desc())
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())


class TemplateUsageRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> TemplateUsageRepository:
        return cls(session)

    async def insert_many(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(TemplateUsageStat), rows)

    async def mark_converted(self, conversation_id: str, converted_at: datetime, since: datetime) -> int:
        """Renders of this conversation between `since` and the booking now count as converted."""
        result = await self.session.execute(
            update(TemplateUsageStat)
            .where(
                TemplateUsageStat.conversation_id == conversation_id,
                TemplateUsageStat.used_at >= since,
                TemplateUsageStat.used_at <= converted_at,
                TemplateUsageStat.converted.is_(False),
            )
            .values(converted=True, converted_at=converted_at)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def usage_by_version(self, template_id: int) -> dict[int, VersionUsage]:
        """Renders and converted renders per version number of one template."""
        query = (
            select(
                TemplateVersion.version,
                func.count(TemplateUsageStat.id),
                func.count(TemplateUsageStat.id).filter(TemplateUsageStat.converted.is_(True)),
            )
            .join(TemplateUsageStat, TemplateUsageStat.version_id == TemplateVersion.id)
            .where(TemplateVersion.template_id == template_id)
            .group_by(TemplateVersion.version)
        )
        return {
            int(version): VersionUsage(int(uses), int(conversions))
            for version, uses, conversions in (await self.session.execute(query)).all()
        }
