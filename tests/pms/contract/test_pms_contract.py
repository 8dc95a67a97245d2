"""The PMS port's contract (pms/base.py), held by every adapter: the same tests, the same expectations.

Whatever an adapter adds beyond this (QloApps's order references, the embedded PMS's weekend rates) is
tested next to it; what is here is what the conversation may rely on whichever PMS a hotel runs.
"""

from __future__ import annotations

import pytest

from hotel_agent.pms.errors import (
    BookingAlreadyCancelledError,
    BookingNotFoundError,
    InvalidPmsRequestError,
    NoAvailabilityError,
    PmsRequestError,
)
from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    BookedStay,
    BookingChange,
    BookingRequest,
    BookingStatus,
    GuestDetails,
    RoomOffer,
)
from tests.support.pms_contract import Subject

GUEST = GuestDetails(name="Ana Sousa", email="ana.sousa@example.com", phone="+351 912 345 678")


def request_for(subject: Subject, room_type: str | None = None, **overrides: object) -> BookingRequest:
    checkin, checkout = subject.stay()
    values: dict[str, object] = {
        "checkin": checkin,
        "checkout": checkout,
        "adults": 2,
        "room_type": room_type or subject.room_type,
        "guest": GUEST,
    }
    values.update(overrides)
    return BookingRequest.model_validate(values)


def stay_of(request: BookingRequest) -> BookedStay:
    return BookedStay.model_validate(request.model_dump(include=set(BookedStay.model_fields)))


async def quote(subject: Subject, stay: BookedStay) -> RoomOffer:
    """The offer `check_availability` makes for exactly this stay."""
    offers = (await subject.pms.check_availability(stay.availability_query())).offers
    assert [offer.room_type for offer in offers] == [stay.room_type]
    return offers[0]


async def rooms_left(subject: Subject, room_type: str) -> int:
    checkin, checkout = subject.stay()
    result = await subject.pms.check_availability(
        AvailabilityQuery(checkin=checkin, checkout=checkout, adults=2, room_type=room_type)
    )
    return sum(offer.rooms_left for offer in result.offers)


async def test_room_types_and_profile(subject: Subject) -> None:
    profile = await subject.pms.get_hotel_profile()
    assert profile.name
    assert profile.currency
    assert profile.timezone
    codes = [info.code for info in await subject.pms.list_room_types()]
    assert {subject.room_type, subject.other_room_type} <= set(codes)
    assert len(codes) == len(set(codes))


async def test_availability_fits_the_party_cheapest_first_in_the_hotel_currency(subject: Subject) -> None:
    profile = await subject.pms.get_hotel_profile()
    room_types = {info.code: info for info in await subject.pms.list_room_types()}
    checkin, checkout = subject.stay(nights=3)
    result = await subject.pms.check_availability(
        AvailabilityQuery(checkin=checkin, checkout=checkout, adults=2)
    )
    assert result.offers
    assert [offer.total for offer in result.offers] == sorted(offer.total for offer in result.offers)
    for offer in result.offers:
        assert room_types[offer.room_type].fits(2, 0)
        assert offer.currency == result.currency == profile.currency
        assert offer.rooms_left >= 1
        assert [night.date for night in offer.nightly] == [
            checkin.fromordinal(checkin.toordinal() + i) for i in range(3)
        ]
        assert sum(night.amount for night in offer.nightly) == offer.total


async def test_unknown_room_type_is_an_invalid_request(subject: Subject) -> None:
    checkin, checkout = subject.stay()
    with pytest.raises(InvalidPmsRequestError):
        await subject.pms.check_availability(
            AvailabilityQuery(checkin=checkin, checkout=checkout, adults=2, room_type="999")
        )
    with pytest.raises(InvalidPmsRequestError):
        await subject.pms.create_booking(request_for(subject, room_type="999"))


async def test_the_quoted_total_is_the_booked_total(subject: Subject) -> None:
    for room_type in (subject.room_type, subject.other_room_type):
        request = request_for(subject, room_type=room_type)
        offer = await quote(subject, stay_of(request))
        booking = await subject.pms.create_booking(request)
        assert booking.total == offer.total
        assert booking.currency == offer.currency


async def test_create_then_read_back(subject: Subject) -> None:
    request = request_for(subject, children=1)
    booking = await subject.pms.create_booking(request)
    assert booking.status is BookingStatus.CONFIRMED
    assert (booking.checkin, booking.checkout, booking.adults, booking.children, booking.room_type) == (
        request.checkin,
        request.checkout,
        2,
        1,
        request.room_type,
    )
    assert (booking.guest_name, booking.guest_email, booking.guest_phone) == (
        "Ana Sousa",
        "ana.sousa@example.com",
        "+351912345678",  # the guest's phone, in E.164
    )
    fetched = await subject.pms.get_booking(booking.reference)
    assert fetched.model_dump(exclude={"updated_at"}) == booking.model_dump(exclude={"updated_at"})
    # The forms a guest types resolve too.
    assert (await subject.pms.get_booking(booking.reference.lower())).reference == booking.reference


async def test_create_is_idempotent_on_its_key(subject: Subject) -> None:
    before = await rooms_left(subject, subject.room_type)
    first = await subject.pms.create_booking(request_for(subject, idempotency_key="wamid.contract-1"))
    again = await subject.pms.create_booking(request_for(subject, idempotency_key="wamid.contract-1"))
    assert again.reference == first.reference
    assert await rooms_left(subject, subject.room_type) == before - 1
    other = await subject.pms.create_booking(request_for(subject, idempotency_key="wamid.contract-2"))
    assert other.reference != first.reference


async def test_a_full_room_type_is_no_availability(subject: Subject) -> None:
    for _ in range(await rooms_left(subject, subject.other_room_type)):
        await subject.pms.create_booking(request_for(subject, room_type=subject.other_room_type))
    assert await rooms_left(subject, subject.other_room_type) == 0
    with pytest.raises(NoAvailabilityError):
        await subject.pms.create_booking(request_for(subject, room_type=subject.other_room_type))


async def test_a_party_the_room_type_cannot_take_is_an_invalid_request(subject: Subject) -> None:
    room_types = {info.code: info for info in await subject.pms.list_room_types()}
    too_many = room_types[subject.room_type].max_guests + 1
    with pytest.raises(InvalidPmsRequestError):
        await subject.pms.create_booking(request_for(subject, adults=too_many))


async def test_unknown_references_are_not_found(subject: Subject) -> None:
    for reference in (subject.unknown_reference, "not a reference"):
        with pytest.raises(BookingNotFoundError):
            await subject.pms.get_booking(reference)
        with pytest.raises(BookingNotFoundError):
            await subject.pms.modify_booking(reference, BookingChange(adults=1))
        with pytest.raises(BookingNotFoundError):
            await subject.pms.cancel_booking(reference)


async def test_a_change_that_changes_nothing_returns_the_booking_as_it_is(subject: Subject) -> None:
    booking = await subject.pms.create_booking(request_for(subject))
    left = await rooms_left(subject, subject.room_type)
    for change in (
        BookingChange(),
        BookingChange(checkin=booking.checkin, room_type=booking.room_type, adults=booking.adults),
    ):
        assert change.changes_nothing_on(booking)
        same = await subject.pms.modify_booking(booking.reference, change)
        assert same.model_dump(exclude={"updated_at"}) == booking.model_dump(exclude={"updated_at"})
    assert await rooms_left(subject, subject.room_type) == left


async def test_modify_moves_the_stay_and_books_the_quoted_total(subject: Subject) -> None:
    booking = await subject.pms.create_booking(request_for(subject))
    later_in, later_out = subject.stay(nights=3, offset=10)
    change = BookingChange(checkin=later_in, checkout=later_out)
    expected = await quote(subject, change.applied_to(booking))
    moved = await subject.pms.modify_booking(booking.reference, change)
    assert moved.reference == booking.reference
    assert moved.stay == change.applied_to(booking)
    assert moved.total == expected.total
    assert (await subject.pms.get_booking(booking.reference)).total == expected.total

    upgrade = BookingChange(room_type=subject.other_room_type)
    expected = await quote(subject, upgrade.applied_to(moved))
    upgraded = await subject.pms.modify_booking(booking.reference, upgrade)
    assert (upgraded.room_type, upgraded.checkin, upgraded.total) == (
        subject.other_room_type,
        later_in,
        expected.total,
    )
    # The first stay's room is free again.
    assert await rooms_left(subject, subject.room_type) >= 1


async def test_modify_to_an_impossible_stay_is_an_invalid_request(subject: Subject) -> None:
    booking = await subject.pms.create_booking(request_for(subject))
    with pytest.raises(ValueError, match="checkout must be after checkin"):
        BookingChange(checkout=booking.checkin).applied_to(booking)
    with pytest.raises(InvalidPmsRequestError):
        await subject.pms.modify_booking(booking.reference, BookingChange(checkout=booking.checkin))
    with pytest.raises(InvalidPmsRequestError):
        await subject.pms.modify_booking(booking.reference, BookingChange(room_type="999"))
    assert (await subject.pms.get_booking(booking.reference)).stay == booking.stay


async def test_cancel_releases_the_room_and_a_second_cancel_says_so(subject: Subject) -> None:
    booking = await subject.pms.create_booking(request_for(subject))
    left = await rooms_left(subject, subject.room_type)
    cancelled = await subject.pms.cancel_booking(booking.reference)
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.cancelled_at is not None
    assert cancelled.total == booking.total
    assert (await subject.pms.get_booking(booking.reference)).status is BookingStatus.CANCELLED
    assert await rooms_left(subject, subject.room_type) == left + 1
    with pytest.raises(BookingAlreadyCancelledError):
        await subject.pms.cancel_booking(booking.reference)
    with pytest.raises(BookingAlreadyCancelledError):
        await subject.pms.modify_booking(booking.reference, BookingChange(adults=1))
    with pytest.raises(BookingAlreadyCancelledError):
        await subject.pms.modify_booking(booking.reference, BookingChange())


async def test_request_errors_are_permanent(subject: Subject) -> None:
    for error in (
        BookingNotFoundError,
        NoAvailabilityError,
        InvalidPmsRequestError,
        BookingAlreadyCancelledError,
    ):
        assert issubclass(error, PmsRequestError)
    await subject.pms.ping()
