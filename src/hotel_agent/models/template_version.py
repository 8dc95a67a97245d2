"""One text of a template. At most one version per (template, variant) is active: the database says so."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hotel_agent.models.base import Base, TimestampMixin, UtcDateTime

_ACTIVE = "status = 'active'"


class TemplateVersion(TimestampMixin, Base):
    __tablename__ = "template_versions"
    __table_args__ = (
        UniqueConstraint("template_id", "version"),
        CheckConstraint("status IN ('draft', 'active', 'archived')", name="status_known"),
        CheckConstraint("version >= 1", name="version_positive"),
        # NULL never equals NULL in a unique index, so the default variant (NULL) gets its own index.
        Index(
            "uq_template_versions_active_default",
            "template_id",
            unique=True,
            sqlite_where=text(f"{_ACTIVE} AND variant IS NULL"),
            postgresql_where=text(f"{_ACTIVE} AND variant IS NULL"),
        ),
        Index(
            "uq_template_versions_active_variant",
            "template_id",
            "variant",
            unique=True,
            sqlite_where=text(f"{_ACTIVE} AND variant IS NOT NULL"),
            postgresql_where=text(f"{_ACTIVE} AND variant IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("templates.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    # None is the default text; A/B tests add `control`, `variant_a`, ...
    variant: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # draft -> active -> archived (an archived version was live once: a rollback target)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    created_by: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
