"""Every status webhook (sent, delivered, read, played, failed) once per (message, status).

Kept even when the message is not known yet: the status can arrive before our send has recorded the wamid,
and `callback_data` (our `biz_opaque_callback_data`) identifies a send whose response a crash lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime


class WhatsAppStatusEvent(TimestampMixin, Base):
    __tablename__ = "whatsapp_status_events"
    __table_args__ = (UniqueConstraint("wamid", "status", name="uq_whatsapp_status_events_wamid_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wamid: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    recipient_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    callback_data: Mapped[str | None] = mapped_column(String(512), nullable=True, index=True)
    error_code: Mapped[int | None] = mapped_column(nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
