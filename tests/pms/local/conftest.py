"""A private copy of the demo hotel per test, so committing tests never see each other's bookings."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.pms.local import LocalPmsAdapter
from tests.support.pms import create_hotel


@pytest.fixture
async def pms(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[LocalPmsAdapter]:
    return LocalPmsAdapter(sessionmaker, await create_hotel(sessionmaker))
