"""A conversation handed over to staff; the bot stays silent on it until staff release it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime


class Handoff(TimestampMixin, Base):
    __tablename__ = "handoffs"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'released')", name="status_known"),
        Index("ix_handoffs_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(128), index=True)
    language: Mapped[str] = mapped_column(String(8))
    # guest_request | pms_unavailable | not_understood
    reason: Mapped[str] = mapped_column(String(32))
    last_message: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    released_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
