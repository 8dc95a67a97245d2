"""The embedded PMS behind the port, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.pms.errors import (
    BookingAlreadyCancelledError,
    BookingNotFoundError,
    InvalidPmsRequestError,
    NoAvailabilityError,
    PmsUnavailableError,
)
from hotel_agent.pms.local import LocalPmsAdapter
from hotel_agent.pms.local.references import REFERENCE_PATTERN
from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    BookingChange,
    BookingRequest,
    BookingStatus,
    GuestDetails,
)
from tests.support.pms import create_hotel

GUEST = GuestDetails(name="Ana Souza", email="Ana.Souza@Example.com", phone="+5511987654321")
# Thursday 2027-01-14 to Sunday 2027-01-17: one weekday night, then Friday and Saturday nights.
THU, SUN = date(2027, 1, 14), date(2027, 1, 17)


def booking(room_type: str = "double", **overrides: object) -> BookingRequest:
    values: dict[str, object] = {
        "room_type": room_type,
        "checkin": THU,
        "checkout": SUN,
        "adults": 2,
        "guest": GUEST,
    }
    values.update(overrides)
    return BookingRequest(**values)  # type: ignore[arg-type]


async def test_hotel_profile_is_localized(pms: LocalPmsAdapter) -> None:
    profile = await pms.get_hotel_profile()
    assert profile.name == "Hotel Miradouro Lisboa"
    assert profile.timezone == "Europe/Lisbon"
    assert profile.checkin_time == time(15, 0)
    assert set(profile.languages) == {"en", "es", "pt"}
    assert "Garaje" in profile.policies["parking"]["es"]
    assert profile.amenities["pt"]


async def test_availability_lists_only_room_types_that_fit_with_weekend_prices(pms: LocalPmsAdapter) -> None:
    result = await pms.check_availability(AvailabilityQuery(checkin=THU, checkout=SUN, adults=2, children=1))
    codes = [offer.room_type for offer in result.offers]
    assert "single" not in codes  # one adult only
    assert set(codes) == {"double", "twin", "family", "suite"}
    double = next(offer for offer in result.offers if offer.room_type == "double")
    assert [price.amount for price in double.nightly] == [
        Decimal("110.00"),
        Decimal("135.00"),
        Decimal("135.00"),
    ]
    assert double.total == Decimal("380.00")
    assert double.currency == "EUR"
    assert double.rooms_left == 8
    assert double.names["es"] == "Habitación Doble"
    assert [offer.total for offer in result.offers] == sorted(offer.total for offer in result.offers)


async def test_rooms_left_falls_as_bookings_overlap(pms: LocalPmsAdapter) -> None:
    await pms.create_booking(booking("suite"))
    # Overlapping stay: one suite left. A stay starting on the checkout day does not overlap.
    overlapping = await pms.check_availability(
        AvailabilityQuery(checkin=date(2027, 1, 16), checkout=date(2027, 1, 18), adults=2, room_type="suite")
    )
    assert overlapping.offers[0].rooms_left == 1
    after = await pms.check_availability(
        AvailabilityQuery(checkin=SUN, checkout=date(2027, 1, 19), adults=2, room_type="suite")
    )
    assert after.offers[0].rooms_left == 2


async def test_booking_gets_a_reference_and_the_quoted_total(pms: LocalPmsAdapter) -> None:
    created = await pms.create_booking(booking())
    assert REFERENCE_PATTERN.match(created.reference)
    assert created.status is BookingStatus.CONFIRMED
    assert created.total == Decimal("380.00")
    assert created.guest_email == "ana.souza@example.com"
    fetched = await pms.get_booking(created.reference.lower().replace("-", ""))
    assert fetched.reference == created.reference
    assert fetched.nights == 3
    assert fetched.room_type_name("pt") == "Quarto Duplo"


async def test_same_idempotency_key_never_books_twice(pms: LocalPmsAdapter) -> None:
    first = await pms.create_booking(booking(idempotency_key="wamid.ABC:booking"))
    again = await pms.create_booking(booking(idempotency_key="wamid.ABC:booking"))
    assert again.reference == first.reference
    result = await pms.check_availability(
        AvailabilityQuery(checkin=THU, checkout=SUN, adults=2, room_type="double")
    )
    assert result.offers[0].rooms_left == 7


async def test_last_room_then_no_availability(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    pms = LocalPmsAdapter(sessionmaker, await create_hotel(sessionmaker, suite=1))
    await pms.create_booking(booking("suite"))
    with pytest.raises(NoAvailabilityError):
        await pms.create_booking(booking("suite"))
    result = await pms.check_availability(AvailabilityQuery(checkin=THU, checkout=SUN, adults=2))
    assert "suite" not in [offer.room_type for offer in result.offers]


async def test_party_that_does_not_fit_is_refused(pms: LocalPmsAdapter) -> None:
    with pytest.raises(InvalidPmsRequestError, match="at most"):
        await pms.create_booking(booking("single", adults=2))
    with pytest.raises(InvalidPmsRequestError, match="unknown room type"):
        await pms.create_booking(booking("penthouse"))


def test_impossible_stays_are_rejected_before_reaching_any_pms() -> None:
    with pytest.raises(ValidationError, match="checkout must be after checkin"):
        AvailabilityQuery(checkin=SUN, checkout=THU, adults=2)
    with pytest.raises(ValidationError):
        AvailabilityQuery(checkin=THU, checkout=SUN, adults=0)


async def test_modify_reprices_and_checks_availability(pms: LocalPmsAdapter) -> None:
    created = await pms.create_booking(booking())
    longer = await pms.modify_booking(created.reference, BookingChange(checkout=date(2027, 1, 19)))
    assert longer.nights == 5
    assert longer.total == Decimal("380.00") + Decimal("220.00")
    upgraded = await pms.modify_booking(created.reference, BookingChange(room_type="family", adults=4))
    assert upgraded.room_type == "family"
    assert upgraded.adults == 4
    with pytest.raises(InvalidPmsRequestError):
        await pms.modify_booking(created.reference, BookingChange(room_type="single"))
    # A change that changes nothing is a no-op (the port's contract), not an error.
    assert await pms.modify_booking(created.reference, BookingChange()) == upgraded


async def test_modify_into_a_full_room_type_is_refused(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    pms = LocalPmsAdapter(sessionmaker, await create_hotel(sessionmaker, suite=1))
    await pms.create_booking(booking("suite"))
    mine = await pms.create_booking(booking("double"))
    with pytest.raises(NoAvailabilityError):
        await pms.modify_booking(mine.reference, BookingChange(room_type="suite"))
    unchanged = await pms.get_booking(mine.reference)
    assert unchanged.room_type == "double"


async def test_cancel_frees_the_room_and_a_second_cancel_says_so(pms: LocalPmsAdapter) -> None:
    created = await pms.create_booking(booking("suite"))
    cancelled = await pms.cancel_booking(created.reference)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    result = await pms.check_availability(
        AvailabilityQuery(checkin=THU, checkout=SUN, adults=2, room_type="suite")
    )
    assert result.offers[0].rooms_left == 2
    with pytest.raises(BookingAlreadyCancelledError):
        await pms.cancel_booking(created.reference)
    with pytest.raises(BookingAlreadyCancelledError):
        await pms.modify_booking(created.reference, BookingChange(adults=1))


async def test_unknown_reference_is_not_found(pms: LocalPmsAdapter) -> None:
    with pytest.raises(BookingNotFoundError):
        await pms.get_booking("HA-ZZZZZZ")
    with pytest.raises(BookingNotFoundError):
        await pms.cancel_booking("HA-ZZZZZZ")


async def test_unseeded_hotel_reports_pms_unavailable(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    pms = LocalPmsAdapter(sessionmaker, "no-such-hotel")
    with pytest.raises(PmsUnavailableError, match="hotel-agent seed"):
        await pms.get_hotel_profile()
    await pms.ping()  # the database itself is reachable
