"""Migrations run up, down and up again on both SQLite and PostgreSQL, and match the models."""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from hotel_agent.migrations import downgrade, upgrade
from hotel_agent.models import Base
from tests.support.services import POSTGRES_ADMIN_URL, require_postgres


async def _diff(url: str) -> list[object]:
    engine = create_async_engine(url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
        )
    await engine.dispose()
    return list(diff)


def _round_trip(url: str) -> None:
    upgrade(url)
    assert asyncio.run(_diff(url)) == []
    downgrade(url, "base")
    upgrade(url)


def test_round_trip_on_sqlite(tmp_path: Path) -> None:
    _round_trip(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")


def test_round_trip_on_postgresql() -> None:
    require_postgres()
    name = f"ha_mig_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = make_url(POSTGRES_ADMIN_URL)

    async def execute(statement: str) -> None:
        engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(execute(f'CREATE DATABASE "{name}"'))
    try:
        _round_trip(admin.set(database=name).render_as_string(hide_password=False))
    finally:
        asyncio.run(execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
