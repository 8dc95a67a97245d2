"""One render of a template version for a guest, written in batches off the hot path."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime


class TemplateUsageStat(TimestampMixin, Base):
    __tablename__ = "template_usage_stats"
    __table_args__ = (
        Index("ix_template_usage_stats_version_used", "version_id", "used_at"),
        Index("ix_template_usage_stats_conversation_used", "conversation_id", "used_at"),
    )

    # BIGINT on PostgreSQL (one row per reply adds up); SQLite's rowid is already 64-bit.
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("template_versions.id", ondelete="CASCADE"))
    conversation_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # The language the guest reads (the text may be a fallback in another language).
    language: Mapped[str] = mapped_column(String(16))
    used_at: Mapped[datetime] = mapped_column(UtcDateTime())
    render_micros: Mapped[int] = mapped_column(Integer)
    # Set when a booking is made later in the same conversation.
    converted: Mapped[bool] = mapped_column(Boolean, default=False)
    converted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
