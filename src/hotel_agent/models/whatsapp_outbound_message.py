"""One reply to a guest, keyed on the inbound message and its position: the outbox.

A re-run of a message finds its replies here and never sends one twice. `send_state` is our side of the
send (pending -> sending -> accepted, or failed/skipped); `delivery_status` is what WhatsApp reported
afterwards through status webhooks, and only moves forward (see service/statuses.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime


class WhatsAppOutboundMessage(TimestampMixin, Base):
    __tablename__ = "whatsapp_outbound_messages"
    __table_args__ = (
        UniqueConstraint("inbound_wamid", "position", name="uq_whatsapp_outbound_messages_reply"),
        CheckConstraint(
            "send_state IN ('pending', 'sending', 'accepted', 'failed', 'skipped')", name="send_state_known"
        ),
        Index("ix_whatsapp_outbound_messages_send_state", "send_state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_wamid: Mapped[str] = mapped_column(
        ForeignKey("whatsapp_inbound_messages.wamid", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    phone_number_id: Mapped[str] = mapped_column(String(64))
    wa_id: Mapped[str] = mapped_column(String(32))
    reply_key: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(16))
    # The conversation's reply (text, kind, options) as the engine produced it.
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    # text | interactive | template: what was (last) sent, and the exact Graph API body.
    kind: Mapped[str | None] = mapped_column(String(16), nullable=True)
    request_body: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    send_state: Mapped[str] = mapped_column(String(16), default="pending")
    send_attempts: Mapped[int] = mapped_column(Integer, default=0)
    sending_since: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    wamid: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    delivery_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    delivery_rank: Mapped[int] = mapped_column(Integer, default=0)
    delivery_status_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error_title: Mapped[str | None] = mapped_column(String(256), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
