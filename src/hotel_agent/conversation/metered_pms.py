"""The PMS as the conversation sees it, counting the bookings the bot makes, changes and cancels.

Only the engine's PMS is wrapped, so bookings made by other means (the hotel's front desk, the PMS's own
site) are not counted as the bot's. A write is counted once it succeeded; a failed one raises through.
"""

from __future__ import annotations

from hotel_agent.conversation.metrics import record_booking
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    AvailabilityResult,
    Booking,
    BookingChange,
    BookingRequest,
    HotelProfile,
    RoomTypeInfo,
)


class MeteredPms(PmsAdapter):
    def __init__(self, inner: PmsAdapter) -> None:
        self._inner = inner
        self.name = inner.name
        self.requires_guest_phone = inner.requires_guest_phone

    async def get_hotel_profile(self) -> HotelProfile:
        return await self._inner.get_hotel_profile()

    async def list_room_types(self) -> list[RoomTypeInfo]:
        return await self._inner.list_room_types()

    async def check_availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        return await self._inner.check_availability(query)

    async def create_booking(self, request: BookingRequest) -> Booking:
        booking = await self._inner.create_booking(request)
        record_booking("created", booking.total, booking.currency)
        return booking

    async def get_booking(self, reference: str) -> Booking:
        return await self._inner.get_booking(reference)

    async def modify_booking(self, reference: str, change: BookingChange) -> Booking:
        booking = await self._inner.modify_booking(reference, change)
        record_booking("modified", booking.total, booking.currency)
        return booking

    async def cancel_booking(self, reference: str) -> Booking:
        booking = await self._inner.cancel_booking(reference)
        record_booking("cancelled", booking.total, booking.currency)
        return booking

    async def ping(self) -> None:
        await self._inner.ping()

    async def close(self) -> None:
        # The wrapped adapter belongs to Resources, which closes it.
        return
