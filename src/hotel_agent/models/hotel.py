"""A hotel of the embedded PMS: profile, localized amenities and policies."""

from __future__ import annotations

from datetime import time
from typing import Any

from sqlalchemy import JSON, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin


class Hotel(TimestampMixin, Base):
    __tablename__ = "hotels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str] = mapped_column(String(40))
    email: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    checkin_time: Mapped[time] = mapped_column(Time())
    checkout_time: Mapped[time] = mapped_column(Time())
    default_language: Mapped[str] = mapped_column(String(8))
    languages: Mapped[list[str]] = mapped_column(JSON)
    # {"en": ["Free wifi", ...], "es": [...], "pt": [...]}
    amenities: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    # {"parking": {"en": "...", "es": "...", "pt": "..."}, "pets": {...}, ...}
    policies: Mapped[dict[str, dict[str, Any]]] = mapped_column(JSON)
