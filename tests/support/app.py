"""The app under test: settings for a test database, the app running in process, one shared NLU model."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache

import httpx

from hotel_agent.app import create_app
from hotel_agent.config import Settings
from hotel_agent.db import create_engine, create_sessionmaker, session_scope
from hotel_agent.nlu.service import NluService
from hotel_agent.pms.local.seed import seed_demo_hotel


async def seed_demo_database(url: str) -> None:
    engine = create_engine(Settings(database_url=url), url=url)
    async with session_scope(create_sessionmaker(engine)) as session:
        await seed_demo_hotel(session)
    await engine.dispose()


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "redis_url": None,
        "environment": "development",
        "log_format": "json",
        "redis_key_prefix": f"test:{uuid.uuid4().hex}:",
        # One test process starts hundreds of apps: frozen objects would never be collected.
        "gc_freeze_after_start": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def shared_nlu() -> NluService:
    """One loaded, warmed NLU model for the whole test run (loading it per app would cost seconds)."""
    service = NluService.build()
    service.warm_up()
    return service


@asynccontextmanager
async def running_app(
    settings: Settings, *, nlu: NluService | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, nlu=nlu or shared_nlu())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            client.app = app  # type: ignore[attr-defined]
            yield client
