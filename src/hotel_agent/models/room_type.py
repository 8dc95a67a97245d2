"""A room type of the embedded PMS: capacity, nightly rates and how many rooms of it exist."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin


class RoomType(TimestampMixin, Base):
    __tablename__ = "room_types"
    __table_args__ = (
        UniqueConstraint("hotel_id", "code"),
        CheckConstraint("room_count >= 0", name="room_count_non_negative"),
        CheckConstraint("max_adults >= 1", name="max_adults_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotels.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    descriptions: Mapped[dict[str, str]] = mapped_column(JSON)
    max_adults: Mapped[int] = mapped_column(Integer)
    max_children: Mapped[int] = mapped_column(Integer)
    max_guests: Mapped[int] = mapped_column(Integer)
    base_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    weekend_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    room_count: Mapped[int] = mapped_column(Integer)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
