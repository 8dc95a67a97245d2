"""Every query of the embedded PMS."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.models import Booking, Hotel, RoomType


class LocalPmsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> LocalPmsRepository:
        return cls(session)

    async def get_hotel(self, code: str) -> Hotel | None:
        result = await self.session.execute(select(Hotel).where(Hotel.code == code))
        return result.scalar_one_or_none()

    async def list_room_types(self, hotel_id: int) -> list[RoomType]:
        result = await self.session.execute(
            select(RoomType).where(RoomType.hotel_id == hotel_id).order_by(RoomType.sort_order, RoomType.id)
        )
        return list(result.scalars())

    async def get_room_type(self, hotel_id: int, code: str, *, for_update: bool = False) -> RoomType | None:
        query = select(RoomType).where(RoomType.hotel_id == hotel_id, RoomType.code == code)
        if for_update:
            # Serialises bookings of one room type, so two transactions never both take the last room.
            query = query.with_for_update()
        result = await self.session.execute(query)
        return result.scalar_one_or_none()

    async def get_room_type_by_id(self, room_type_id: int) -> RoomType:
        room_type = await self.session.get(RoomType, room_type_id)
        if room_type is None:
            raise LookupError(f"room type {room_type_id} vanished")
        return room_type

    async def booked_counts(
        self,
        room_type_ids: list[int],
        checkin: date,
        checkout: date,
        *,
        exclude_booking_id: int | None = None,
    ) -> dict[int, int]:
        """Peak number of confirmed bookings on any night of the stay, per room type."""
        query = select(Booking.room_type_id, Booking.checkin, Booking.checkout).where(
            Booking.room_type_id.in_(room_type_ids),
            Booking.status == "confirmed",
            Booking.checkin < checkout,
            Booking.checkout > checkin,
        )
        if exclude_booking_id is not None:
            query = query.where(Booking.id != exclude_booking_id)
        rows = (await self.session.execute(query)).all()
        peaks: dict[int, int] = dict.fromkeys(room_type_ids, 0)
        nights = (checkout - checkin).days
        for room_type_id in room_type_ids:
            stays = [(row.checkin, row.checkout) for row in rows if row.room_type_id == room_type_id]
            if not stays:
                continue
            peaks[room_type_id] = max(
                sum(1 for start, end in stays if start <= night < end)
                for night in (date.fromordinal(checkin.toordinal() + i) for i in range(nights))
            )
        return peaks

    async def get_booking(self, hotel_id: int, reference: str, *, for_update: bool = False) -> Booking | None:
        query = select(Booking).where(Booking.hotel_id == hotel_id, Booking.reference == reference)
        if for_update:
            query = query.with_for_update()
        result = await self.session.execute(query)
        return result.scalar_one_or_none()

    async def get_booking_by_idempotency_key(self, key: str) -> Booking | None:
        result = await self.session.execute(select(Booking).where(Booking.idempotency_key == key))
        return result.scalar_one_or_none()

    async def reference_exists(self, reference: str) -> bool:
        result = await self.session.execute(
            select(func.count()).select_from(Booking).where(Booking.reference == reference)
        )
        return bool(result.scalar_one())

    async def add(self, booking: Booking) -> Booking:
        self.session.add(booking)
        await self.session.flush()
        return booking
