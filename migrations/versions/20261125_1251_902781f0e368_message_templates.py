"""message templates: templates, versions, usage stats, audit trail

Revision ID: 902781f0e368
Revises: 7ddfc700f047
Create Date: 2026-11-25 12:51:17.237128
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "902781f0e368"
down_revision: str | None = "7ddfc700f047"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE_DEFAULT = "status = 'active' AND variant IS NULL"
ACTIVE_VARIANT = "status = 'active' AND variant IS NOT NULL"


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.current_timestamp(),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("variables", sa.JSON(), nullable=False),
        sa.Column("sample", sa.JSON(), nullable=True),
        sa.Column("max_length", sa.Integer(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("imported_version", sa.Integer(), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_templates")),
        sa.UniqueConstraint("key", "language", name=op.f("uq_templates_key_language")),
    )
    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_templates_category"), ["category"], unique=False)

    op.create_table(
        "template_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("variant", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("activated_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('draft', 'active', 'archived')", name=op.f("ck_template_versions_status_known")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_template_versions_version_positive")),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
            name=op.f("fk_template_versions_template_id_templates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_versions")),
        sa.UniqueConstraint("template_id", "version", name=op.f("uq_template_versions_template_id_version")),
    )
    with op.batch_alter_table("template_versions", schema=None) as batch_op:
        # One active version per (template, variant). Partial unique indexes work on both databases;
        # the default variant (NULL) needs its own, as NULLs never collide in a unique index.
        batch_op.create_index(
            "uq_template_versions_active_default",
            ["template_id"],
            unique=True,
            sqlite_where=sa.text(ACTIVE_DEFAULT),
            postgresql_where=sa.text(ACTIVE_DEFAULT),
        )
        batch_op.create_index(
            "uq_template_versions_active_variant",
            ["template_id", "variant"],
            unique=True,
            sqlite_where=sa.text(ACTIVE_VARIANT),
            postgresql_where=sa.text(ACTIVE_VARIANT),
        )

    op.create_table(
        "template_usage_stats",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("render_micros", sa.Integer(), nullable=False),
        sa.Column("converted", sa.Boolean(), nullable=False),
        sa.Column("converted_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["template_versions.id"],
            name=op.f("fk_template_usage_stats_version_id_template_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_usage_stats")),
    )
    with op.batch_alter_table("template_usage_stats", schema=None) as batch_op:
        batch_op.create_index(
            "ix_template_usage_stats_conversation_used", ["conversation_id", "used_at"], unique=False
        )
        batch_op.create_index("ix_template_usage_stats_version_used", ["version_id", "used_at"], unique=False)

    op.create_table(
        "template_audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=True),
        sa.Column("template_key", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["templates.id"],
            name=op.f("fk_template_audit_events_template_id_templates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_template_audit_events")),
    )
    with op.batch_alter_table("template_audit_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_template_audit_events_template_created", ["template_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("template_audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_template_audit_events_template_created")
    op.drop_table("template_audit_events")

    with op.batch_alter_table("template_usage_stats", schema=None) as batch_op:
        batch_op.drop_index("ix_template_usage_stats_version_used")
        batch_op.drop_index("ix_template_usage_stats_conversation_used")
    op.drop_table("template_usage_stats")

    with op.batch_alter_table("template_versions", schema=None) as batch_op:
        batch_op.drop_index("uq_template_versions_active_variant")
        batch_op.drop_index("uq_template_versions_active_default")
    op.drop_table("template_versions")

    with op.batch_alter_table("templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_templates_category"))
    op.drop_table("templates")
