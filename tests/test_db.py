"""The engine's checkout ping on PostgreSQL: one round trip, and a dead connection replaced unseen."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hotel_agent.config import Settings
from hotel_agent.db import create_engine
from tests.support.services import POSTGRES_ADMIN_URL, require_postgres


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    require_postgres()
    engine = create_engine(Settings(database_url=POSTGRES_ADMIN_URL), pool_size=1)
    yield engine
    await engine.dispose()


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_postgresql_dropped_is_replaced_at_checkout(engine: AsyncEngine) -> None:
    first = await _backend_pid(engine)
    killer = create_engine(Settings(database_url=POSTGRES_ADMIN_URL), pooled=False)
    try:
        async with killer.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    finally:
        await killer.dispose()
    # The pooled connection is dead; the ping finds out, and the caller gets a new one without an error.
    second = await _backend_pid(engine)
    assert second != first


async def test_the_checkout_ping_is_one_statement_outside_a_transaction(engine: AsyncEngine) -> None:
    await _backend_pid(engine)  # the pool holds one connection
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        driver = raw.driver_connection
        assert driver is not None
    sent: list[str] = []

    def logged(record: object) -> None:
        sent.append(str(getattr(record, "query", "")))

    driver.add_query_logger(logged)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
            await connection.rollback()
    finally:
        driver.remove_query_logger(logged)
    # The ping, then the statement's own transaction; SQLAlchemy's pre-ping put BEGIN/ROLLBACK around it.
    assert sent[0] == ";", sent
    assert sent.count(";") == 1, sent
