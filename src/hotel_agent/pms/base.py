"""The PMS port: what the conversation needs from any property-management system.

The contract below is what every adapter promises and what `tests/pms/contract/` checks against each
of them (the embedded PMS, and QloApps through the wire-level emulator). Callers may rely on it and
on nothing an adapter does beyond it.

Errors (hotel_agent.pms.errors) come in two families, and every method raises only these:

- `PmsRequestError` subclasses are *permanent*: the PMS understood the request and said no, so the
  same request will get the same answer. They are not retried and the circuit breaker does not count
  them. `BookingNotFoundError`, `NoAvailabilityError`, `BookingAlreadyCancelledError`,
  `InvalidPmsRequestError` (and its `GuestPhoneRejectedError`).
- `PmsUnavailableError` is *operational*: timeouts, connection failures, 5xx, 429, a refused API
  key, an open breaker. Retrying later may work; nothing was learnt about the request itself. After
  such an error on a write the write may or may not have happened: retry with the same idempotency key
  (create) or read the booking back (modify, cancel).

Money: every amount is the price the guest pays for the stay, taxes included and in
`HotelProfile.currency`, on one basis for the whole port: `RoomOffer.total` for a stay is exactly the
`Booking.total` that `create_booking` (or `modify_booking`) records for that stay at that moment.
A guest confirms a total they were quoted, so no adapter may quote one price and book another.

References: `Booking.reference` is the adapter's own stable reference (`HA-7K3Q9P` embedded,
`QA-12` QloApps); every method taking a reference also accepts the forms a guest may type (case,
spaces, a missing dash) and raises `BookingNotFoundError` for anything it cannot resolve.
"""

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
    """Implemented by the embedded PMS (`local`) and the QloApps adapter (`qloapps`)."""

    name: str
    # The PMS refuses a booking without the guest's phone (QloApps): the dialogue asks for one when the
    # channel does not give it. Wrappers copy their inner adapter's value.
    requires_guest_phone: bool = False

    @abc.abstractmethod
    async def get_hotel_profile(self) -> HotelProfile:
        """The hotel's public facts: name, address, contact, timezone, currency, check-in/out times,
        languages, amenities and policies. Read-only and safe to cache.

        Raises `PmsUnavailableError` when the PMS cannot answer, and `InvalidPmsRequestError` when the
        configured hotel does not exist there (a configuration error an operator must fix).
        """

    @abc.abstractmethod
    async def list_room_types(self) -> list[RoomTypeInfo]:
        """Every bookable room type of the hotel with its capacity, in the PMS's display order.
        `RoomTypeInfo.code` is what `AvailabilityQuery.room_type`, `BookingRequest.room_type` and
        `BookingChange.room_type` take. Read-only; raises `PmsUnavailableError`."""

    @abc.abstractmethod
    async def check_availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        """The room types that fit the party (`RoomTypeInfo.fits`) and have a free room on every night
        of `[checkin, checkout)`, cheapest first, each with its nightly prices and stay `total` on the
        port's one price basis (taxes included; the `total` a booking of that stay would record).

        With `query.room_type` only that type is considered; an empty `offers` list means "nothing
        free", never an error. Raises `InvalidPmsRequestError` for a room type the hotel does not have,
        `PmsUnavailableError` when the PMS cannot answer. Read-only: never changes availability.
        """

    @abc.abstractmethod
    async def create_booking(self, request: BookingRequest) -> Booking:
        """Book one room of `request.room_type` for the stay and party; returns the confirmed booking,
        whose `total` equals the `RoomOffer.total` of `check_availability` for the same stay.

        `request.guest.phone` (E.164) is the guest's own number; a PMS that needs a phone (QloApps
        refuses bookings without one) raises `InvalidPmsRequestError` when it is missing and
        `GuestPhoneRejectedError` when the PMS refuses the number. No adapter invents a placeholder.

        Idempotent on `request.idempotency_key`: a second call with the same key (a retry after a
        timeout, a redelivered message) returns the booking the first call made instead of booking
        again, whatever the rest of the request says. Without a key every call books.

        Raises `NoAvailabilityError` when no room of that type is free on every night,
        `InvalidPmsRequestError` for an unknown room type or a party the room type cannot take (and,
        QloApps, a check-in before the hotel's today: QloApps itself would book it; the dialogue
        checks dates against the guest's "today" for every PMS), and `PmsUnavailableError` when the
        PMS cannot be reached (retry with the same key).
        """

    @abc.abstractmethod
    async def get_booking(self, reference: str) -> Booking:
        """The booking as the PMS holds it now, cancelled ones included (`status` tells).
        Raises `BookingNotFoundError` for an unknown reference or one of another hotel."""

    @abc.abstractmethod
    async def modify_booking(self, reference: str, change: BookingChange) -> Booking:
        """Move the booking to `change.applied_to(booking)`: the set fields replace the booking's,
        unset ones keep their value. The stay is re-priced on the port's price basis, so the returned
        `total` equals `check_availability`'s `RoomOffer.total` for the new stay.

        A change that changes nothing (empty, or repeating what the booking holds) returns the
        booking as it is, without touching the PMS: modifying to the current state is a no-op, which
        also makes a retried modification safe. That still requires a known, confirmed booking.

        Raises `BookingNotFoundError` for an unknown reference, `BookingAlreadyCancelledError` when
        the booking is cancelled, `NoAvailabilityError` when the new stay is not free (the embedded
        PMS does not count the booking's own room against it; QloApps checks the new room line before
        it releases the old one, so a move into the booking's own full nights is refused there),
        `InvalidPmsRequestError` when the new stay is invalid (checkout not after checkin, a check-in
        in the past (QloApps), a party the room type cannot take, an unknown room type, or a change
        this PMS cannot make: QloApps cannot change only the party of a stay) and
        `PmsUnavailableError`.
        """

    @abc.abstractmethod
    async def cancel_booking(self, reference: str) -> Booking:
        """Cancel the booking and release its room; returns it with `status` CANCELLED and
        `cancelled_at` set. Raises `BookingNotFoundError`, `BookingAlreadyCancelledError` on a second
        cancel (so a caller can tell "done now" from "was already done") and `PmsUnavailableError`."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """A cheap authenticated call for readiness checks; raises `PmsUnavailableError`."""

    async def close(self) -> None:
        """Release connections; adapters without any keep the default."""
        return
