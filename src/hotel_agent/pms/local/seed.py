"""Load (or refresh) the demo hotel; safe to run repeatedly."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.models import Hotel, RoomType
from hotel_agent.pms.local.demo_hotel import DEMO_HOTEL, DEMO_ROOM_TYPES
from hotel_agent.pms.local.repository import LocalPmsRepository


async def seed_demo_hotel(session: AsyncSession) -> Hotel:
    """Create the demo hotel and its room types, or update them to the shipped values."""
    repository = LocalPmsRepository.from_session(session)
    hotel = await repository.get_hotel(DEMO_HOTEL["code"])
    if hotel is None:
        hotel = Hotel(**DEMO_HOTEL)
        session.add(hotel)
        await session.flush()
    else:
        for field, value in DEMO_HOTEL.items():
            setattr(hotel, field, value)
    existing = {row.code: row for row in await repository.list_room_types(hotel.id)}
    for spec in DEMO_ROOM_TYPES:
        row = existing.get(spec["code"])
        if row is None:
            session.add(RoomType(hotel_id=hotel.id, **spec))
        else:
            for field, value in spec.items():
                setattr(row, field, value)
    await session.flush()
    return hotel
