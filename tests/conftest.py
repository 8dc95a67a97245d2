"""Shared fixtures: real PostgreSQL and Redis, a migrated SQLite file, and the app on either backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from hotel_agent.app import create_app
from hotel_agent.config import Settings
from hotel_agent.db import create_engine, create_sessionmaker, session_scope
from hotel_agent.kit.state import MemoryStateBackend, RedisStateBackend, StateBackend
from hotel_agent.migrations import upgrade
from hotel_agent.nlu.service import NluService
from hotel_agent.pms.local.seed import seed_demo_hotel
from tests.services import POSTGRES_ADMIN_URL, REDIS_URL, require_postgres, require_redis

os.environ.setdefault("ENVIRONMENT", "development")


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh database for this test run on the machine's PostgreSQL, migrated once, dropped after."""
    require_postgres()
    import asyncio

    name = f"ha_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin_url = make_url(POSTGRES_ADMIN_URL)

    async def admin(statement: str) -> None:
        engine = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = admin_url.set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    asyncio.run(_seed(url))
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "hotel_agent.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    import asyncio

    asyncio.run(_seed(url))
    return url


async def _seed(url: str) -> None:
    engine = create_engine(Settings(database_url=url), url=url)
    async with session_scope(create_sessionmaker(engine)) as session:
        await seed_demo_hotel(session)
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(Settings(database_url=database_url), url=database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test: nothing leaks between tests."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        maker = async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        async with maker() as session:
            yield session
        await transaction.rollback()


@pytest.fixture
def sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Real, committing sessions (for concurrency tests); tests isolate themselves by unique data."""
    return create_sessionmaker(engine)


@pytest.fixture
def redis_url() -> str:
    require_redis()
    return REDIS_URL


@pytest.fixture(params=["memory", "redis"])
async def state(request: pytest.FixtureRequest) -> AsyncIterator[StateBackend]:
    """Runs the test against both state backends; Redis keys get a unique prefix per test."""
    backend: StateBackend
    if request.param == "memory":
        backend = MemoryStateBackend()
    else:
        url = request.getfixturevalue("redis_url")
        backend = RedisStateBackend.from_url(url, prefix=f"test:{uuid.uuid4().hex}:")
    yield backend
    await backend.close()


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


@pytest.fixture
async def app_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app (lifespan included) on SQLite or PostgreSQL with the in-process state backend."""
    async with running_app(make_settings(database_url)) as client:
        yield client


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
