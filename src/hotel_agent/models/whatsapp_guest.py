"""A guest on one of our WhatsApp numbers: the 24-hour window and the processing lease.

The lease fences processing: only its holder may work on the guest's messages, and a holder that died
(kill -9) loses it when it expires. The job queue's own per-guest lock normally keeps contention away;
the lease is what stays correct when a worker is paused rather than dead, or on SQLite with several
processes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime


class WhatsAppGuest(TimestampMixin, Base):
    __tablename__ = "whatsapp_guests"
    __table_args__ = (UniqueConstraint("phone_number_id", "wa_id", name="uq_whatsapp_guests_number_guest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_number_id: Mapped[str] = mapped_column(String(64))
    wa_id: Mapped[str] = mapped_column(String(32))
    # The latest message the guest sent: WhatsApp allows free-form replies for 24 hours after it.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
