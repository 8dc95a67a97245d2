"""A reply template: one key in one language, with what its texts may use. The texts are its versions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin


class Template(TimestampMixin, Base):
    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("key", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(32), index=True)
    # Names the texts may use, and a context to validate and preview them with.
    variables: Mapped[list[str]] = mapped_column(JSON, default=list)
    sample: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    # WhatsApp limit of the rendered text where it becomes a button or list row title.
    max_length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    # The version created from the YAML file at the last import: a re-import only replaces the active
    # text while it is still this one (the operator has not changed it).
    imported_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Bumped on every activation or rollback; replicas compare sums of it to notice changes they missed.
    revision: Mapped[int] = mapped_column(Integer, default=0)
