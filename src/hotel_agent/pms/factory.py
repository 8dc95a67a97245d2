"""Build the configured PMS adapter."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.config import PmsType, Settings
from hotel_agent.errors import ConfigurationError
from hotel_agent.kit.state import StateBackend
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.local import LocalPmsAdapter
from hotel_agent.pms.qloapps import build_qloapps_adapter
from hotel_agent.pms.resilient import build_resilient_pms


def build_pms(
    settings: Settings,
    *,
    sessionmaker: async_sessionmaker[AsyncSession],
    state: StateBackend,
    http_client: httpx.AsyncClient | None = None,
) -> PmsAdapter:
    if settings.pms_type is PmsType.LOCAL:
        return LocalPmsAdapter(sessionmaker, settings.pms_hotel_id)
    if settings.pms_type is PmsType.QLOAPPS:
        # A remote PMS gets the shared circuit breaker, the shared cache and metrics around it.
        # `http_client`: the composition root's QloApps client; without one the adapter owns its own.
        return build_resilient_pms(build_qloapps_adapter(settings, client=http_client), state, settings)
    raise ConfigurationError(f"PMS_TYPE={settings.pms_type.value} is not supported")
