"""Who changed which operator account, when, and how (created, role changed, disabled, password reset)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin


class AdminAuditEvent(TimestampMixin, Base):
    __tablename__ = "admin_audit_events"
    __table_args__ = (Index("ix_admin_audit_events_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))
    # user.created | user.role_changed | user.disabled | user.enabled | user.password_reset
    action: Mapped[str] = mapped_column(String(32))
    # The account acted on (copied: the trail outlives the account).
    subject: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
