"""Database engines and the one place a transaction is committed or rolled back.

The transaction rule (README, docs/architecture.md): `session_scope` is the only code that commits or rolls
back. Infrastructure enters it around one unit of work — a request (`deps.get_session`), a queue job step,
a CLI command (`standalone_session`) — and services and repositories inside only `flush()`. A service
may open its own `session_scope` only for a step that must stay committed whatever happens after it
(the WhatsApp channel's exactly-once steps, a staff handoff, a booking in the embedded PMS).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from hotel_agent.config import Settings

# The largest value an `Integer` column holds on every backend (PostgreSQL INTEGER is 32-bit; SQLite's
# is 64-bit): path and body ids are bounded by it in the schemas, so a larger one is a 422, not a 500.
DB_INTEGER_MAX = 2**31 - 1
# `BigInteger` columns, and SQLite's INTEGER.
DB_BIGINT_MAX = 2**63 - 1


def _prepare_sqlite_path(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(
    settings: Settings,
    *,
    url: str | None = None,
    pooled: bool = True,
    pre_ping: bool = True,
    pool_size: int | None = None,
) -> AsyncEngine:
    """An async engine for the configured database with settings that suit each backend.

    `pre_ping=False` saves a round trip per checkout, for a caller that handles a dropped connection
    itself (the webhook intake retries once). On asyncpg the check is one round trip (`_ping_on_checkout`)
    instead of SQLAlchemy's `pool_pre_ping`, which takes three there.
    """
    url = url or settings.database_url
    asyncpg = make_url(url).get_driver_name() == "asyncpg"
    kwargs: dict[str, Any] = {"pool_pre_ping": pre_ping and not asyncpg}
    if url.startswith("sqlite"):
        _prepare_sqlite_path(url)
        kwargs = {"connect_args": {"timeout": 30}}
    elif pooled:
        kwargs.update(
            pool_size=pool_size or settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            pool_recycle=1800,
        )
    else:
        kwargs["poolclass"] = NullPool
    engine = create_async_engine(url, **kwargs)
    if pre_ping and asyncpg:
        event.listen(engine.sync_engine, "checkout", _ping_on_checkout)
    if url.startswith("sqlite"):
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def _ping_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Pessimistic disconnect handling in one round trip: an empty query on the driver's connection.

    SQLAlchemy's asyncpg ping wraps the same query in BEGIN ... ROLLBACK (for pgbouncer's transaction
    mode, which this deployment does not use): three round trips per checkout, and a queue worker checks
    out a connection about ten times per guest message. Raising DisconnectionError is the pool's
    documented way to say "this one is dead": it is discarded and the checkout retried on a new one.
    """
    try:
        dbapi_connection.run_async(lambda connection: connection.fetchrow(";"))
    except Exception as exc:
        raise DisconnectionError(f"connection failed its checkout ping: {exc!r}") from exc


def write_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same pool, but on SQLite each transaction takes the write lock up front (BEGIN IMMEDIATE).

    That is how a read-then-write (count free rooms, then book) stays atomic on SQLite, across
    connections and processes; PostgreSQL ignores the option and relies on SELECT ... FOR UPDATE.
    """
    return engine.execution_options(sqlite_immediate=True)


def _sqlite_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get("sqlite_immediate")
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin) instead of the driver's implicit one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers proceed during a write; busy_timeout waits instead of failing on a locked file.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


@asynccontextmanager
async def session_scope(
    sessionmaker: async_sessionmaker[AsyncSession], *, commit: bool = True
) -> AsyncIterator[AsyncSession]:
    """One unit of work: commit when the block succeeds, roll back when it raises.

    `commit=False` rolls back at the end instead (a dry run that shows what it would have written).
    """
    async with sessionmaker() as session:
        try:
            yield session
            if commit:
                await session.commit()
            else:
                await session.rollback()
        except BaseException:
            await session.rollback()
            raise


@asynccontextmanager
async def standalone_session(
    settings: Settings, *, write: bool = False, commit: bool = True, url: str | None = None
) -> AsyncIterator[AsyncSession]:
    """A CLI command's unit of work on its own short-lived engine, disposed afterwards.

    `write`: on SQLite the transaction takes the write lock when it begins (see `write_engine`), for a
    command that reads and then writes; `url`: a database other than DATABASE_URL.
    """
    engine = create_engine(settings, url=url, pooled=False)
    try:
        maker = create_sessionmaker(write_engine(engine) if write else engine)
        async with session_scope(maker, commit=commit) as session:
            yield session
    finally:
        await engine.dispose()
