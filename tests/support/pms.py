"""The embedded PMS's hotel, made for a test."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.db import session_scope
from hotel_agent.models import Hotel, RoomType
from hotel_agent.pms.local.demo_hotel import DEMO_HOTEL, DEMO_ROOM_TYPES


async def create_hotel(sessionmaker: async_sessionmaker[AsyncSession], **room_overrides: int) -> str:
    """A fresh hotel shaped like the demo one; `double=1` gives it a single double room, etc."""
    code = f"test-{uuid.uuid4().hex[:10]}"
    async with session_scope(sessionmaker) as session:
        hotel = Hotel(**{**DEMO_HOTEL, "code": code})
        session.add(hotel)
        await session.flush()
        for spec in DEMO_ROOM_TYPES:
            count = room_overrides.get(spec["code"], spec["room_count"])
            session.add(RoomType(hotel_id=hotel.id, **{**spec, "room_count": count}))
    return code
