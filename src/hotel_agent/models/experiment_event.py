"""The audit trail of an experiment: who created, started, paused, stopped or promoted it, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin


class ExperimentEvent(TimestampMixin, Base):
    __tablename__ = "experiment_events"
    __table_args__ = (Index("ix_experiment_events_experiment_created", "experiment_key", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    experiment_id: Mapped[int | None] = mapped_column(
        ForeignKey("experiments.id", ondelete="SET NULL"), nullable=True
    )
    # Copied so the trail outlives a deleted experiment.
    experiment_key: Mapped[str] = mapped_column(String(64))
    # created | started | paused | stopped | promoted | updated | deleted
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
