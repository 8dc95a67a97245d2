"""Fixtures for the PMS tests: the QloApps emulator (in-process and on a real loopback port) and
adapters wired to it. State backends (`state`, `redis_url`) come from tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from tools.qloapps_emulator import DEFAULT_API_KEY, Emulator, create_app

from hotel_agent.pms.qloapps import QloAppsAdapter
from tests.support.qloapps import BASE_URL, RECORDED_AT, LoopbackEmulator


@pytest.fixture
def emulator() -> Emulator:
    return Emulator(clock=lambda: RECORDED_AT)


@pytest.fixture
async def emulator_http(emulator: Emulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(emulator))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
async def adapter(emulator_http: httpx.AsyncClient) -> QloAppsAdapter:
    """The adapter against the in-process emulator; tests set dates relative to the real today."""
    return QloAppsAdapter(emulator_http, base_url=BASE_URL, api_key=DEFAULT_API_KEY, hotel_id=1)


@pytest.fixture
def loopback() -> Iterator[LoopbackEmulator]:
    with LoopbackEmulator() as server:
        yield server
        server.emulator.faults.hang_seconds = 0
