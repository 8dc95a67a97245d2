"""The simulator's PMS: reads from the real PMS, writes nowhere but the simulator's own records.

A simulated guest sees the hotel's real rooms, prices and availability (read-only calls to the real
adapter), and a booking gets a reference of the usual shape, but it is kept in the state backend under
`simulator:booking:<reference>` for `ttl` seconds and nowhere else. Only those bookings can be looked
up, changed or cancelled here: a real guest's reference typed into the simulator is "not found", so
staff testing a cancellation can never cancel a real booking. Sandbox bookings do not take rooms from
the real availability.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from hotel_agent.kit.state import StateBackend
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.errors import (
    BookingAlreadyCancelledError,
    BookingNotFoundError,
    InvalidPmsRequestError,
    NoAvailabilityError,
)
from hotel_agent.pms.local.references import new_reference, normalize_reference
from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    AvailabilityResult,
    BookedStay,
    Booking,
    BookingChange,
    BookingRequest,
    BookingStatus,
    HotelProfile,
    RoomOffer,
    RoomTypeInfo,
)

BOOKING_PREFIX = "simulator:booking:"
IDEMPOTENCY_PREFIX = "simulator:booking-key:"


class SandboxPms(PmsAdapter):
    def __init__(self, real: PmsAdapter, state: StateBackend, ttl_seconds: float) -> None:
        self._real = real
        self._state = state
        self._ttl = ttl_seconds
        self.name = f"sandbox({real.name})"
        self.requires_guest_phone = real.requires_guest_phone

    # Reads: the real PMS

    async def get_hotel_profile(self) -> HotelProfile:
        return await self._real.get_hotel_profile()

    async def list_room_types(self) -> list[RoomTypeInfo]:
        return await self._real.list_room_types()

    async def check_availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        return await self._real.check_availability(query)

    async def ping(self) -> None:
        await self._real.ping()

    async def close(self) -> None:
        # The real adapter belongs to Resources, which closes it.
        return

    # Writes: the sandbox only

    async def create_booking(self, request: BookingRequest) -> Booking:
        if request.idempotency_key is not None:
            known = await self._state.get(IDEMPOTENCY_PREFIX + request.idempotency_key)
            if known is not None:
                return await self.get_booking(known.decode())
        offer = await self._offer(
            BookedStay(
                checkin=request.checkin,
                checkout=request.checkout,
                adults=request.adults,
                children=request.children,
                room_type=request.room_type,
            )
        )
        now = datetime.now(UTC)
        booking = Booking(
            reference=new_reference(),
            status=BookingStatus.CONFIRMED,
            room_type=offer.room_type,
            room_type_names=dict(offer.names),
            checkin=request.checkin,
            checkout=request.checkout,
            adults=request.adults,
            children=request.children,
            guest_name=request.guest.name.strip(),
            guest_email=str(request.guest.email).lower(),
            guest_phone=request.guest.phone,
            total=offer.total,
            currency=offer.currency,
            created_at=now,
            updated_at=now,
        )
        await self._save(booking)
        if request.idempotency_key is not None:
            await self._state.set(
                IDEMPOTENCY_PREFIX + request.idempotency_key, booking.reference.encode(), ttl=self._ttl
            )
        return booking

    async def get_booking(self, reference: str) -> Booking:
        reference = normalize_reference(reference)
        raw = await self._state.get(BOOKING_PREFIX + reference)
        if raw is None:
            raise BookingNotFoundError(f"no simulated booking with reference {reference}")
        return Booking.model_validate_json(raw)

    async def modify_booking(self, reference: str, change: BookingChange) -> Booking:
        current = await self._open(reference)
        try:
            stay = change.applied_to(current)
        except ValueError as exc:
            raise InvalidPmsRequestError(str(exc)) from exc
        if stay == current.stay:
            return current
        offer = await self._offer(stay)
        changed = current.model_copy(
            update={
                "room_type": offer.room_type,
                "room_type_names": dict(offer.names),
                "checkin": stay.checkin,
                "checkout": stay.checkout,
                "adults": stay.adults,
                "children": stay.children,
                "total": offer.total,
                "updated_at": datetime.now(UTC),
            }
        )
        await self._save(changed)
        return changed

    async def cancel_booking(self, reference: str) -> Booking:
        current = await self._open(reference)
        now = datetime.now(UTC)
        cancelled = current.model_copy(
            update={"status": BookingStatus.CANCELLED, "cancelled_at": now, "updated_at": now}
        )
        await self._save(cancelled)
        return cancelled

    async def _open(self, reference: str) -> Booking:
        booking = await self.get_booking(reference)
        if booking.status is BookingStatus.CANCELLED:
            raise BookingAlreadyCancelledError(f"booking {booking.reference} is cancelled")
        return booking

    async def _offer(self, stay: BookedStay) -> RoomOffer:
        """The real PMS's price for exactly this stay; no offer there: no room, as a real write says."""
        result = await self._real.check_availability(stay.availability_query())
        offer = next((o for o in result.offers if o.room_type == stay.room_type), None)
        if offer is None:
            raise NoAvailabilityError(
                f"no {stay.room_type} room is free from {stay.checkin} to {stay.checkout}"
            )
        return offer

    async def _save(self, booking: Booking) -> None:
        await self._state.set(
            BOOKING_PREFIX + booking.reference, orjson.dumps(booking.model_dump(mode="json")), ttl=self._ttl
        )
