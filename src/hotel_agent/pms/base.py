"""The PMS port: what the conversation needs from any property-management system."""

from __future__ import annotations

import abc

from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    AvailabilityResult,
    Booking,
    BookingChange,
    BookingRequest,
    HotelProfile,
    RoomTypeInfo,
)


class PmsAdapter(abc.ABC):
    """Implemented by the embedded PMS and the QloApps adapter.

    Methods raise the errors in `hotel_agent.pms.errors`: request errors (not found, no availability,
    invalid request, already cancelled) and `PmsUnavailableError` for operational failures.
    """

    name: str

    @abc.abstractmethod
    async def get_hotel_profile(self) -> HotelProfile: ...

    @abc.abstractmethod
    async def list_room_types(self) -> list[RoomTypeInfo]: ...

    @abc.abstractmethod
    async def check_availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        """Room types that fit the party and have a free room for every night, with prices."""

    @abc.abstractmethod
    async def create_booking(self, request: BookingRequest) -> Booking:
        """Book one room; idempotent on `request.idempotency_key`."""

    @abc.abstractmethod
    async def get_booking(self, reference: str) -> Booking: ...

    @abc.abstractmethod
    async def modify_booking(self, reference: str, change: BookingChange) -> Booking:
        """Change dates, party or room type, re-pricing the stay; fails if the new stay is unavailable."""

    @abc.abstractmethod
    async def cancel_booking(self, reference: str) -> Booking: ...

    @abc.abstractmethod
    async def ping(self) -> None:
        """A cheap authenticated call for readiness checks; raises PmsUnavailableError."""

    async def close(self) -> None:
        """Release connections; adapters without any keep the default."""
        return
