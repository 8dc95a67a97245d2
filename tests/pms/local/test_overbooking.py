"""No overbooking under concurrency: many guests racing for the last free room get exactly one booking."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.models import Booking, Hotel
from hotel_agent.pms.errors import NoAvailabilityError
from hotel_agent.pms.local import LocalPmsAdapter
from hotel_agent.pms.schemas import BookingRequest, GuestDetails
from tests.support.pms import create_hotel

PARALLEL_GUESTS = 20


async def test_twenty_parallel_requests_for_the_last_room_make_exactly_one_booking(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    code = await create_hotel(sessionmaker, suite=1)
    # Separate adapters stand in for separate replicas: no shared in-process lock can help on PostgreSQL.
    adapters = [LocalPmsAdapter(sessionmaker, code) for _ in range(PARALLEL_GUESTS)]

    async def attempt(index: int, pms: LocalPmsAdapter) -> str:
        request = BookingRequest(
            room_type="suite",
            checkin=date(2027, 2, 5),
            checkout=date(2027, 2, 8),
            adults=2,
            guest=GuestDetails(name=f"Guest {index}", email=f"guest{index}@example.com"),
        )
        try:
            return (await pms.create_booking(request)).reference
        except NoAvailabilityError:
            return "refused"

    outcomes = await asyncio.gather(*(attempt(i, pms) for i, pms in enumerate(adapters)))
    assert outcomes.count("refused") == PARALLEL_GUESTS - 1
    async with sessionmaker() as session:
        stored = await session.scalar(
            select(func.count()).select_from(Booking).join(Hotel).where(Hotel.code == code)
        )
    assert stored == 1


async def test_parallel_retries_with_one_idempotency_key_make_one_booking(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    code = await create_hotel(sessionmaker)
    adapters = [LocalPmsAdapter(sessionmaker, code) for _ in range(10)]
    request = BookingRequest(
        room_type="double",
        checkin=date(2027, 3, 1),
        checkout=date(2027, 3, 3),
        adults=2,
        guest=GuestDetails(name="Retry Guest", email="retry@example.com"),
        idempotency_key="wamid.RETRY:0",
    )
    references = await asyncio.gather(*(pms.create_booking(request) for pms in adapters))
    assert len({booking.reference for booking in references}) == 1
