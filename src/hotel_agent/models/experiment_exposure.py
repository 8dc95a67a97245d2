"""A guest's first exposure to an experiment in one phase: what they were assigned and actually saw."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime


class ExperimentExposure(TimestampMixin, Base):
    __tablename__ = "experiment_exposures"
    __table_args__ = (
        UniqueConstraint("experiment_id", "phase", "guest_id"),
        Index("ix_experiment_exposures_guest", "guest_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    experiment_id: Mapped[int] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"))
    phase: Mapped[int] = mapped_column(Integer)
    # The conversation's guest: WhatsApp number per business number (`wa:<phone_number_id>:<wa_id>`).
    guest_id: Mapped[str] = mapped_column(String(128))
    variant: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(16))
    # The variant had no text in the guest's language: control's text was sent instead.
    fell_back: Mapped[bool] = mapped_column(Boolean, default=False)
    exposed_at: Mapped[datetime] = mapped_column(UtcDateTime())
