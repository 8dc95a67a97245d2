"""The shared infrastructure every part uses: database, state backend, PMS (no connection at import time).

Built by the composition root (components.py), which also owns the outbound HTTP clients; tests and
tools that need only these build them with `build_resources` and close them with `Resources.close()`.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hotel_agent.config import Settings
from hotel_agent.db import create_engine, create_sessionmaker, write_engine
from hotel_agent.kit.state import MemoryStateBackend, RedisStateBackend, StateBackend
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.factory import build_pms


@dataclass
class Resources:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    state: StateBackend
    pms: PmsAdapter
    # The same pool; on SQLite its transactions take the write lock up front (see db.write_engine).
    write_sessionmaker: async_sessionmaker[AsyncSession]

    async def close(self) -> None:
        """Close in reverse order of opening; every step runs even when an earlier one fails."""
        try:
            await self.pms.close()
        finally:
            try:
                await self.state.close()
            finally:
                await self.engine.dispose()


def build_state_backend(settings: Settings) -> StateBackend:
    if settings.redis_url:
        return RedisStateBackend.from_url(settings.redis_url, prefix=settings.redis_key_prefix)
    return MemoryStateBackend()


async def build_resources(
    settings: Settings,
    *,
    state: StateBackend | None = None,
    pms_http: httpx.AsyncClient | None = None,
) -> Resources:
    """`pms_http`: the QloApps client (its owner closes it); without one a QloApps adapter makes its own."""
    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        state = state or build_state_backend(settings)
        try:
            pms = build_pms(settings, sessionmaker=sessionmaker, state=state, http_client=pms_http)
        except BaseException:
            await state.close()
            raise
    except BaseException:
        await engine.dispose()
        raise
    return Resources(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        state=state,
        pms=pms,
        write_sessionmaker=create_sessionmaker(write_engine(engine)),
    )
