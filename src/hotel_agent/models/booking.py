"""A booking in the embedded PMS."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime


class Booking(TimestampMixin, Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("checkout > checkin", name="checkout_after_checkin"),
        CheckConstraint("status IN ('confirmed', 'cancelled')", name="status_known"),
        CheckConstraint("adults >= 1 AND children >= 0", name="party_size"),
        # Availability counts overlapping confirmed bookings per room type.
        Index("ix_bookings_room_type_dates", "room_type_id", "checkin", "checkout"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    hotel_id: Mapped[int] = mapped_column(ForeignKey("hotels.id", ondelete="RESTRICT"), index=True)
    room_type_id: Mapped[int] = mapped_column(ForeignKey("room_types.id", ondelete="RESTRICT"))
    guest_name: Mapped[str] = mapped_column(String(200))
    guest_email: Mapped[str] = mapped_column(String(254))
    guest_phone: Mapped[str | None] = mapped_column(String(32), nullable=True)
    checkin: Mapped[date] = mapped_column(Date())
    checkout: Mapped[date] = mapped_column(Date())
    adults: Mapped[int] = mapped_column(Integer)
    children: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="confirmed")
    # A retried create with the same key returns the first booking instead of making a second one.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, nullable=True)
    notes: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
