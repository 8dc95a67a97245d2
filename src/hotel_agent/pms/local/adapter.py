"""The embedded PMS behind the PMS port.

It is a separate system from the conversation's point of view, so each operation runs in its own
transaction. No overbooking: a booking locks its room type's row (SELECT ... FOR UPDATE on PostgreSQL)
before counting overlapping bookings; SQLite serialises writers and we add a process lock, since the
writes there start with BEGIN IMMEDIATE, which takes the database's write lock up front.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.db import create_sessionmaker, session_scope, write_engine
from hotel_agent.models import Booking as BookingRow
from hotel_agent.models import Hotel, RoomType
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.errors import (
    BookingAlreadyCancelledError,
    BookingNotFoundError,
    InvalidPmsRequestError,
    NoAvailabilityError,
    PmsUnavailableError,
)
from hotel_agent.pms.local.pricing import nightly_prices, total_price
from hotel_agent.pms.local.references import new_reference, normalize_reference
from hotel_agent.pms.local.repository import LocalPmsRepository
from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    AvailabilityResult,
    Booking,
    BookingChange,
    BookingRequest,
    BookingStatus,
    HotelProfile,
    RoomOffer,
    RoomTypeInfo,
    StayRequest,
)

_REFERENCE_ATTEMPTS = 5


class LocalPmsAdapter(PmsAdapter):
    name = "local"

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], hotel_code: str) -> None:
        self._sessionmaker = sessionmaker
        self._write_sessionmaker = create_sessionmaker(write_engine(sessionmaker.kw["bind"]))
        self._hotel_code = hotel_code

    @asynccontextmanager
    async def _unit(self, *, write: bool = False) -> AsyncIterator[tuple[LocalPmsRepository, Hotel]]:
        maker = self._write_sessionmaker if write else self._sessionmaker
        try:
            async with session_scope(maker) as session:
                repository = LocalPmsRepository.from_session(session)
                hotel = await repository.get_hotel(self._hotel_code)
                if hotel is None:
                    raise PmsUnavailableError(
                        f"hotel '{self._hotel_code}' is not in the embedded PMS; run `hotel-agent seed`"
                    )
                yield repository, hotel
        except (OSError, SQLAlchemyError) as exc:
            if isinstance(exc, IntegrityError):
                raise
            raise PmsUnavailableError(f"embedded PMS database error: {type(exc).__name__}") from exc

    async def get_hotel_profile(self) -> HotelProfile:
        async with self._unit() as (_, hotel):
            return _profile(hotel)

    async def list_room_types(self) -> list[RoomTypeInfo]:
        async with self._unit() as (repository, hotel):
            return [_room_type_info(row) for row in await repository.list_room_types(hotel.id)]

    async def check_availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        async with self._unit() as (repository, hotel):
            room_types = await repository.list_room_types(hotel.id)
            if query.room_type is not None:
                room_types = [row for row in room_types if row.code == query.room_type]
                if not room_types:
                    raise InvalidPmsRequestError(f"unknown room type '{query.room_type}'")
            fitting = [row for row in room_types if _room_type_info(row).fits(query.adults, query.children)]
            booked = await repository.booked_counts(
                [row.id for row in fitting], query.checkin, query.checkout
            )
            offers = []
            for row in fitting:
                rooms_left = row.room_count - booked.get(row.id, 0)
                if rooms_left <= 0:
                    continue
                prices = nightly_prices(query.checkin, query.checkout, row.base_rate, row.weekend_rate)
                offers.append(
                    RoomOffer(
                        room_type=row.code,
                        names=dict(row.names),
                        max_adults=row.max_adults,
                        max_children=row.max_children,
                        max_guests=row.max_guests,
                        nightly=prices,
                        total=total_price(prices),
                        currency=hotel.currency,
                        rooms_left=rooms_left,
                    )
                )
            offers.sort(key=lambda offer: offer.total)
            return AvailabilityResult(query=query, offers=offers, currency=hotel.currency)

    async def create_booking(self, request: BookingRequest) -> Booking:
        for _attempt in range(_REFERENCE_ATTEMPTS):
            try:
                return await self._create_once(request)
            except IntegrityError:
                # Either a concurrent create with the same idempotency key won, or a reference collided.
                if request.idempotency_key is not None:
                    existing = await self._find_by_idempotency_key(request.idempotency_key)
                    if existing is not None:
                        return existing
        raise PmsUnavailableError("could not allocate a unique booking reference")

    async def _find_by_idempotency_key(self, key: str) -> Booking | None:
        async with self._unit() as (repository, _):
            row = await repository.get_booking_by_idempotency_key(key)
            if row is None:
                return None
            return _booking(row, await repository.get_room_type_by_id(row.room_type_id))

    async def _create_once(self, request: BookingRequest) -> Booking:
        async with self._unit(write=True) as (repository, hotel):
            if request.idempotency_key is not None:
                existing = await repository.get_booking_by_idempotency_key(request.idempotency_key)
                if existing is not None:
                    return _booking(existing, await repository.get_room_type_by_id(existing.room_type_id))
            room_type = await repository.get_room_type(hotel.id, request.room_type, for_update=True)
            if room_type is None:
                raise InvalidPmsRequestError(f"unknown room type '{request.room_type}'")
            _check_fits(room_type, request)
            if request.idempotency_key is not None:
                # Re-check under the room-type lock: a concurrent retry may have committed meanwhile.
                existing = await repository.get_booking_by_idempotency_key(request.idempotency_key)
                if existing is not None:
                    return _booking(existing, room_type)
            booked = await repository.booked_counts([room_type.id], request.checkin, request.checkout)
            if booked[room_type.id] >= room_type.room_count:
                raise NoAvailabilityError(
                    f"no {room_type.code} room is free from {request.checkin} to {request.checkout}"
                )
            prices = nightly_prices(
                request.checkin, request.checkout, room_type.base_rate, room_type.weekend_rate
            )
            reference = new_reference()
            row = await repository.add(
                BookingRow(
                    reference=reference,
                    hotel_id=hotel.id,
                    room_type_id=room_type.id,
                    guest_name=request.guest.name.strip(),
                    guest_email=str(request.guest.email).lower(),
                    guest_phone=request.guest.phone,
                    checkin=request.checkin,
                    checkout=request.checkout,
                    adults=request.adults,
                    children=request.children,
                    total=total_price(prices),
                    currency=hotel.currency,
                    status=BookingStatus.CONFIRMED.value,
                    idempotency_key=request.idempotency_key,
                    notes=request.notes,
                )
            )
            return _booking(row, room_type)

    async def get_booking(self, reference: str) -> Booking:
        async with self._unit() as (repository, hotel):
            row = await repository.get_booking(hotel.id, normalize_reference(reference))
            if row is None:
                raise BookingNotFoundError(f"no booking with reference {normalize_reference(reference)}")
            return _booking(row, await repository.get_room_type_by_id(row.room_type_id))

    async def modify_booking(self, reference: str, change: BookingChange) -> Booking:
        reference = normalize_reference(reference)
        async with self._unit(write=True) as (repository, hotel):
            row = await repository.get_booking(hotel.id, reference, for_update=True)
            if row is None:
                raise BookingNotFoundError(f"no booking with reference {reference}")
            if row.status == BookingStatus.CANCELLED.value:
                raise BookingAlreadyCancelledError(f"booking {reference} is cancelled")
            current = _booking(row, await repository.get_room_type_by_id(row.room_type_id))
            try:
                stay = change.applied_to(current)
            except ValueError as exc:
                raise InvalidPmsRequestError(_validation_detail(exc)) from exc
            if stay == current.stay:
                return current
            room_type = await repository.get_room_type(hotel.id, stay.room_type, for_update=True)
            if room_type is None:
                raise InvalidPmsRequestError(f"unknown room type '{stay.room_type}'")
            _check_fits(room_type, stay)
            booked = await repository.booked_counts(
                [room_type.id], stay.checkin, stay.checkout, exclude_booking_id=row.id
            )
            if booked[room_type.id] >= room_type.room_count:
                raise NoAvailabilityError(
                    f"no {room_type.code} room is free from {stay.checkin} to {stay.checkout}"
                )
            prices = nightly_prices(stay.checkin, stay.checkout, room_type.base_rate, room_type.weekend_rate)
            row.room_type_id = room_type.id
            row.checkin, row.checkout = stay.checkin, stay.checkout
            row.adults, row.children = stay.adults, stay.children
            row.total = total_price(prices)
            await repository.session.flush()
            return _booking(row, room_type)

    async def cancel_booking(self, reference: str) -> Booking:
        reference = normalize_reference(reference)
        async with self._unit(write=True) as (repository, hotel):
            row = await repository.get_booking(hotel.id, reference, for_update=True)
            if row is None:
                raise BookingNotFoundError(f"no booking with reference {reference}")
            if row.status == BookingStatus.CANCELLED.value:
                raise BookingAlreadyCancelledError(f"booking {reference} is already cancelled")
            row.status = BookingStatus.CANCELLED.value
            row.cancelled_at = datetime.now(UTC)
            await repository.session.flush()
            return _booking(row, await repository.get_room_type_by_id(row.room_type_id))

    async def ping(self) -> None:
        try:
            async with self._sessionmaker() as session:
                await session.execute(text("SELECT 1"))
        except (OSError, SQLAlchemyError) as exc:
            raise PmsUnavailableError("embedded PMS database unreachable") from exc


def _validation_detail(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(str(error.get("msg", "")) for error in exc.errors()) or "invalid stay"
    return str(exc)


def _check_fits(room_type: RoomType, stay: StayRequest) -> None:
    if not _room_type_info(room_type).fits(stay.adults, stay.children):
        raise InvalidPmsRequestError(
            f"{room_type.code} takes at most {room_type.max_adults} adults, {room_type.max_children} "
            f"children and {room_type.max_guests} guests"
        )


def _profile(hotel: Hotel) -> HotelProfile:
    return HotelProfile(
        hotel_id=hotel.code,
        name=hotel.name,
        address=hotel.address,
        city=hotel.city,
        country=hotel.country,
        phone=hotel.phone,
        email=hotel.email,
        timezone=hotel.timezone,
        currency=hotel.currency,
        checkin_time=hotel.checkin_time,
        checkout_time=hotel.checkout_time,
        default_language=hotel.default_language,
        languages=list(hotel.languages),
        amenities={lang: list(items) for lang, items in hotel.amenities.items()},
        policies={topic: {k: str(v) for k, v in texts.items()} for topic, texts in hotel.policies.items()},
    )


def _room_type_info(row: RoomType) -> RoomTypeInfo:
    return RoomTypeInfo(
        code=row.code,
        category=row.category,
        names=dict(row.names),
        descriptions=dict(row.descriptions),
        max_adults=row.max_adults,
        max_children=row.max_children,
        max_guests=row.max_guests,
    )


def _booking(row: BookingRow, room_type: RoomType) -> Booking:
    return Booking(
        reference=row.reference,
        status=BookingStatus(row.status),
        room_type=room_type.code,
        room_type_names=dict(room_type.names),
        checkin=row.checkin,
        checkout=row.checkout,
        adults=row.adults,
        children=row.children,
        guest_name=row.guest_name,
        guest_email=row.guest_email,
        guest_phone=row.guest_phone,
        total=row.total,
        currency=row.currency,
        created_at=row.created_at,
        updated_at=row.updated_at,
        cancelled_at=row.cancelled_at,
    )
