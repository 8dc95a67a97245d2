"""What the running app serves templates with: the database source, its sync, usage statistics.

The composition root (components.py) starts one `TemplateRuntime` (importing the YAML catalog into an
empty database first), the conversation builds its `TemplateRenderer` from it, and the admin API announces
changes through it.
"""

from __future__ import annotations

from datetime import timedelta

import structlog
from redis.exceptions import RedisError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.config import Settings
from hotel_agent.db import session_scope
from hotel_agent.kit.state import LockNotAcquiredError, StateBackend
from hotel_agent.message_templates.db_source import DatabaseTemplateSource
from hotel_agent.message_templates.importer import import_catalog
from hotel_agent.message_templates.renderer import TemplateRenderer
from hotel_agent.message_templates.source import YamlTemplateSource
from hotel_agent.message_templates.sync import TemplateCatalogSync
from hotel_agent.message_templates.usage import UsageRecorder
from hotel_agent.message_templates.versioning import TemplateOptions

log = structlog.get_logger(__name__)

IMPORT_LOCK = "templates:import"


class TemplateRuntime:
    """`sessionmaker` reads and records usage; `write_sessionmaker` writes templates: on SQLite its
    transactions take the write lock from the start (BEGIN IMMEDIATE), since a write reads the next version
    number and then inserts; PostgreSQL locks the template row instead. `state` carries the import lock
    and the change announcements between replicas."""

    def __init__(
        self,
        settings: Settings,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        write_sessionmaker: async_sessionmaker[AsyncSession],
        state: StateBackend,
    ) -> None:
        self.state = state
        self.languages = tuple(settings.languages)
        self.source = DatabaseTemplateSource(sessionmaker)
        self.sync = TemplateCatalogSync(
            self.source,
            state,
            poll_seconds=settings.templates_poll_seconds,
            db_check_seconds=settings.templates_db_check_seconds,
        )
        self.usage = UsageRecorder(
            sessionmaker,
            flush_seconds=settings.templates_usage_flush_seconds,
            window=timedelta(seconds=settings.conversation_ttl_seconds),
        )
        self.write_sessionmaker = write_sessionmaker
        self.service: TemplateRenderer | None = None

    @classmethod
    async def start(
        cls,
        settings: Settings,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        write_sessionmaker: async_sessionmaker[AsyncSession],
        state: StateBackend,
    ) -> TemplateRuntime:
        runtime = cls(settings, sessionmaker=sessionmaker, write_sessionmaker=write_sessionmaker, state=state)
        await runtime.import_missing()
        try:
            await runtime.source.load()
        except Exception:
            # The app still starts (readiness reports the database): guests get the shipped catalog
            # until the database answers, when the sync's database check loads the live texts.
            log.exception("templates.load_failed", serving="the YAML catalog until the database answers")
            runtime.source.serve_meanwhile(YamlTemplateSource())
        await runtime.sync.start()
        try:
            await runtime.usage.start()
        except BaseException:
            await runtime.sync.close()
            raise
        log.info("templates.runtime_started", templates=len(runtime.source))
        return runtime

    async def close(self) -> None:
        await self.sync.close()
        await self.usage.close()

    async def import_missing(self) -> None:
        """Import the catalog's key/language pairs the database lacks: everything on a fresh install.

        Replicas starting together take turns through a lock; where the lock is per process (no
        Redis), the unique (key, language) constraint stops the second import and it is skipped.
        """
        try:
            async with (
                self.state.lock(IMPORT_LOCK, timeout=120, blocking_timeout=60),
                session_scope(self.write_sessionmaker) as session,
            ):
                report = await import_catalog(session, YamlTemplateSource(), only_missing=True)
        except IntegrityError:
            log.info("templates.import_skipped", reason="another replica imported at the same time")
            return
        except LockNotAcquiredError:
            log.warning("templates.import_skipped", reason="the import lock stayed taken")
            return
        except (OSError, ConnectionError, SQLAlchemyError, RedisError) as exc:
            log.warning(
                "templates.import_skipped", reason="database or state backend unreachable", error=str(exc)
            )
            return
        if report.created:
            log.info("templates.catalog_imported", created=len(report.created))

    def build_service(self, *, default_language: str, currency: str, timezone: str) -> TemplateRenderer:
        """The conversation's TemplateRenderer over the database source, recording usage."""
        self.service = TemplateRenderer(
            self.source,
            default_language=default_language,
            currency=currency,
            timezone=timezone,
            on_render=self.usage.record,
        )
        return self.service

    def on_conversion(self, conversation_id: str) -> None:
        """A booking was made in this conversation (the engine calls this)."""
        self.usage.converted(conversation_id)

    @property
    def options(self) -> TemplateOptions:
        service = self.service
        if service is None:
            return TemplateOptions(languages=self.languages)
        return TemplateOptions(
            default_language=service.default_language,
            currency=service.currency,
            timezone=service.timezone,
            languages=self.languages,
        )
