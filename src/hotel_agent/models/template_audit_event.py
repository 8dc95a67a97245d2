"""Who changed which template, when, and how: every operator and import change leaves one row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin


class TemplateAuditEvent(TimestampMixin, Base):
    __tablename__ = "template_audit_events"
    __table_args__ = (Index("ix_template_audit_events_template_created", "template_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Key and language are copied so the trail still reads when a template is gone.
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("templates.id", ondelete="SET NULL"), nullable=True
    )
    template_key: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(16))
    # template.created | version.created | version.activated | version.rolled_back
    action: Mapped[str] = mapped_column(String(32))
    version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
