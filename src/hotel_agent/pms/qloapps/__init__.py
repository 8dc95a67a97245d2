"""QloApps adapter: the PMS port over the QloApps 1.6.1 webservice.

    adapter.py   QloAppsAdapter: the port's operations, idempotent create
    client.py    authenticated transport, JSON/XML decoding, error mapping at the boundary
    errors.py    QloApps answers -> port errors (the exception tree)
    mapping.py   pure document <-> schema functions (replayed against every recorded fixture)
    xmlcodec.py  XML request bodies and the XML -> JSON-shape decoder

Wiring: `build_qloapps_adapter(settings)` makes an adapter that owns its `httpx.AsyncClient`
(closed by `adapter.close()`); wrap it in `hotel_agent.pms.resilient.ResilientPmsAdapter`.
"""

from __future__ import annotations

import httpx

from hotel_agent.config import Settings
from hotel_agent.errors import ConfigurationError
from hotel_agent.pms.qloapps.adapter import QloAppsAdapter, idempotency_marker
from hotel_agent.pms.qloapps.client import (
    QloAppsClient,
    build_http_client,
    default_limits,
    default_timeout,
)
from hotel_agent.pms.qloapps.errors import QloAppsAuthenticationError, QloAppsRedirectError

__all__ = [
    "QloAppsAdapter",
    "QloAppsAuthenticationError",
    "QloAppsClient",
    "QloAppsRedirectError",
    "build_http_client",
    "build_qloapps_adapter",
    "default_limits",
    "default_timeout",
    "idempotency_marker",
]


def build_qloapps_adapter(settings: Settings, *, client: httpx.AsyncClient | None = None) -> QloAppsAdapter:
    """The adapter for `PMS_BASE_URL`, `PMS_API_KEY` and `PMS_HOTEL_ID`; it owns the client it makes."""
    if not settings.pms_base_url or settings.pms_api_key is None:
        raise ConfigurationError("QloApps needs PMS_BASE_URL and PMS_API_KEY to be set")
    if not settings.pms_hotel_id.strip().isdigit():
        raise ConfigurationError(
            f"PMS_HOTEL_ID must be the numeric QloApps hotel id (id_hotel), got {settings.pms_hotel_id!r}"
        )
    owns_client = client is None
    http = client or build_http_client(settings.pms_timeout_seconds)
    return QloAppsAdapter(
        http,
        base_url=settings.pms_base_url,
        api_key=settings.pms_api_key.get_secret_value(),
        hotel_id=settings.pms_hotel_id,
        owns_client=owns_client,
    )
