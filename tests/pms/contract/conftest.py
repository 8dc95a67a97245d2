"""The two adapters behind the PMS port, as one parametrized `subject` for the contract suite.

`local-sqlite`, `local-postgresql`: the embedded PMS on a private copy of the demo hotel.
`qloapps`: the QloApps adapter against the in-process wire-level emulator, with the rules a live
QloApps 1.6.1 applies (phone required, auto-added services in quotes). `qloapps-resilient`: the same
inside the breaker and shared cache, as production runs it (the wrapper must keep the contract too).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from tools.qloapps_emulator import DEFAULT_API_KEY, Emulator, create_app

from hotel_agent.config import Settings
from hotel_agent.db import create_engine, create_sessionmaker
from hotel_agent.kit.state import MemoryStateBackend
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.local import LocalPmsAdapter
from hotel_agent.pms.qloapps import QloAppsAdapter
from hotel_agent.pms.resilient import build_resilient_pms
from tests.support.pms import create_hotel
from tests.support.pms_contract import Subject
from tests.support.qloapps import BASE_URL, RECORDED_AT


@pytest.fixture(params=["local-sqlite", "local-postgresql", "qloapps", "qloapps-resilient"])
def adapter_kind(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(adapter, database URL or ""); resolved outside the event loop, since the database fixtures
    migrate with asyncio.run."""
    if request.param.startswith("qloapps"):
        return request.param, ""
    fixture = "sqlite_url" if request.param == "local-sqlite" else "postgres_url"
    return "local", str(request.getfixturevalue(fixture))


@pytest.fixture
async def subject(adapter_kind: tuple[str, str]) -> AsyncIterator[Subject]:
    # Real today: QloApps refuses check-ins before its own today.
    checkin = date.today() + timedelta(days=45)
    kind, url = adapter_kind
    if kind == "local":
        engine: AsyncEngine = create_engine(Settings(database_url=url), url=url)
        sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
        try:
            local = LocalPmsAdapter(sessionmaker, await create_hotel(sessionmaker))
            yield Subject(local, "double", "suite", "HA-ZZZZZZ", checkin)
        finally:
            await engine.dispose()
        return
    emulator = Emulator(clock=lambda: RECORDED_AT)
    transport = httpx.ASGITransport(app=create_app(emulator))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        qloapps = QloAppsAdapter(client, base_url=BASE_URL, api_key=DEFAULT_API_KEY, hotel_id=1)
        pms: PmsAdapter = qloapps
        if kind == "qloapps-resilient":
            pms = build_resilient_pms(qloapps, MemoryStateBackend(), Settings(pms_hotel_id="1"))
        yield Subject(pms, "1", "3", "QA-99999", checkin)
