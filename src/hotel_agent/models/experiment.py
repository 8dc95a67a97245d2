"""An A/B test of one reply's wording: variants with weights, traffic coverage, lifecycle, goal.

`variants` is a list of `{"name": "control" | "variant_a" ..., "weight": 0.5}`; the first is always
`control`, the live default text. The other variants' texts are the template versions of the same key
with that `variant` and status `active` (validated like any version). `seed` + guest id feed the hash;
`phase` grows when an operator re-randomises, so assignments of an earlier phase no longer count.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime

STATUSES = ("draft", "running", "paused", "stopped")


class Experiment(TimestampMixin, Base):
    __tablename__ = "experiments"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'running', 'paused', 'stopped')", name="status_known"),
        CheckConstraint("coverage > 0 AND coverage <= 1", name="coverage_fraction"),
        CheckConstraint("phase >= 1", name="phase_positive"),
        CheckConstraint("goal_days >= 1", name="goal_days_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    hypothesis: Mapped[str] = mapped_column(Text, default="")
    template_key: Mapped[str] = mapped_column(String(100), index=True)
    # Languages the test applies to; guests reading another language always get the default text.
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    variants: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    coverage: Mapped[float] = mapped_column(Float, default=1.0)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    seed: Mapped[str] = mapped_column(String(64))
    phase: Mapped[int] = mapped_column(Integer, default=1)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    # Goal: a booking within `goal_days` of the guest's first exposure.
    goal_days: Mapped[int] = mapped_column(Integer, default=7)
    # Guard-rail metrics watched alongside the goal (e.g. "cancellation", "handoff").
    guardrails: Mapped[list[str]] = mapped_column(JSON, default=list)
    winner: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
