"""What an exposed guest did: a conversion (booking) or a cancellation, at most one of each per phase."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin


class AbTestOutcome(TimestampMixin, Base):
    __tablename__ = "ab_test_outcomes"
    __table_args__ = (
        # Exactly once: a retried booking job inserts nothing (on conflict do nothing).
        UniqueConstraint("experiment_id", "phase", "guest_id", "outcome"),
        CheckConstraint("outcome IN ('conversion', 'cancellation')", name="outcome_known"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"))
    phase: Mapped[int] = mapped_column(Integer)
    guest_id: Mapped[str] = mapped_column(String(128))
    variant: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    # `metadata` is reserved on declarative classes: the attribute is `details`, the column `metadata`.
    details: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
