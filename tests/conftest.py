"""Shared fixtures: real PostgreSQL and Redis, a migrated SQLite file, and the app on either backend."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from hotel_agent.config import Settings
from hotel_agent.db import create_engine, create_sessionmaker
from hotel_agent.kit.state import MemoryStateBackend, RedisStateBackend, StateBackend
from hotel_agent.migrations import upgrade
from tests.support.app import make_settings, running_app, seed_demo_database
from tests.support.services import POSTGRES_ADMIN_URL, REDIS_URL, require_postgres, require_redis

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
    asyncio.run(seed_demo_database(url))
    yield url
    asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "hotel_agent.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    import asyncio

    asyncio.run(seed_demo_database(url))
    return url


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


@pytest.fixture
async def app_client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The whole app (lifespan included) on SQLite or PostgreSQL with the in-process state backend."""
    async with running_app(make_settings(database_url)) as client:
        yield client
