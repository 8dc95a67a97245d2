"""A guest's WhatsApp message as it arrived: the durable record that drives processing.

Unique on the provider's `wamid`, so a redelivered webhook is recognised by an insert-if-absent. The row is
the source of truth for the queue: a message is done when its row says so, whatever the job queue lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime

INBOUND_STATUSES = ("pending", "processing", "replying", "done", "dead", "ignored")


class WhatsAppInboundMessage(TimestampMixin, Base):
    __tablename__ = "whatsapp_inbound_messages"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'processing', 'replying', 'done', 'dead', 'ignored')",
            name="status_known",
        ),
        # One guest's messages in order (processing) and their latest timestamp (24-hour window).
        Index("ix_whatsapp_inbound_messages_guest", "phone_number_id", "wa_id", "wa_timestamp"),
        # Unfinished and dead messages (sweep, queue depth, dead letters).
        Index("ix_whatsapp_inbound_messages_status_received", "status", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    wamid: Mapped[str] = mapped_column(String(255), unique=True)
    phone_number_id: Mapped[str] = mapped_column(String(64))
    hotel_code: Mapped[str] = mapped_column(String(64))
    wa_id: Mapped[str] = mapped_column(String(32))
    conversation_id: Mapped[str] = mapped_column(String(128))
    # text | interactive | button | location | image | audio | ... (WhatsApp's own type names)
    message_type: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    choice_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    context_wamid: Mapped[str | None] = mapped_column(String(255), nullable=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    wa_timestamp: Mapped[datetime] = mapped_column(UtcDateTime())
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The conversation state before the first attempt, restored when a crashed attempt is re-run.
    state_snapshot: Mapped[str | None] = mapped_column(Text, nullable=True)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
