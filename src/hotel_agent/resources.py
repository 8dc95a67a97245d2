"""Shared resources the lifespan creates once and closes on shutdown (no connection at import time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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
    http_client: httpx.AsyncClient
    pms: PmsAdapter
    # The same pool; on SQLite its transactions take the write lock up front (see db.write_engine).
    write_sessionmaker: async_sessionmaker[AsyncSession]
    extras: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        await self.pms.close()
        await self.http_client.aclose()
        await self.state.close()
        await self.engine.dispose()


def build_state_backend(settings: Settings) -> StateBackend:
    if settings.redis_url:
        return RedisStateBackend.from_url(settings.redis_url, prefix=settings.redis_key_prefix)
    return MemoryStateBackend()


def build_http_client(settings: Settings) -> httpx.AsyncClient:
    """One pooled client for outbound calls (PMS, WhatsApp) with explicit timeouts and limits."""
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.pms_timeout_seconds, connect=3.0),
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=30.0),
        follow_redirects=False,
    )


async def build_resources(settings: Settings, *, state: StateBackend | None = None) -> Resources:
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    state = state or build_state_backend(settings)
    http_client = build_http_client(settings)
    pms = build_pms(settings, sessionmaker=sessionmaker, state=state, http_client=http_client)
    return Resources(
        settings=settings,
        engine=engine,
        sessionmaker=sessionmaker,
        state=state,
        http_client=http_client,
        pms=pms,
        write_sessionmaker=create_sessionmaker(write_engine(engine)),
    )
