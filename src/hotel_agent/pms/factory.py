"""Build the configured PMS adapter."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.config import PmsType, Settings
from hotel_agent.errors import ConfigurationError
from hotel_agent.kit.state import StateBackend
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.local import LocalPmsAdapter


def build_pms(
    settings: Settings,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    state: StateBackend,
    http_client: httpx.AsyncClient,
) -> PmsAdapter:
    if settings.pms_type is PmsType.LOCAL:
        return LocalPmsAdapter(sessionmaker, settings.pms_hotel_id)
    raise ConfigurationError(f"PMS_TYPE={settings.pms_type.value} is not available in this build")
