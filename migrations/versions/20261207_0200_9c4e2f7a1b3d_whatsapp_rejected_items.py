"""whatsapp rejected items

Revision ID: 9c4e2f7a1b3d
Revises: 3f6a1c9e2b7d
Create Date: 2026-12-07 02:00:00

Issue 17: the parts of a signed webhook delivery that could not be read, kept (with the reason) instead of
failing the whole delivery.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4e2f7a1b3d"
down_revision: str | None = "3f6a1c9e2b7d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "whatsapp_rejected_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("location", sa.String(length=128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("wamid", sa.String(length=255), nullable=True),
        sa.Column("phone_number_id", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_rejected_items")),
        sa.UniqueConstraint("digest", name=op.f("uq_whatsapp_rejected_items_digest")),
    )
    op.create_index(
        op.f("ix_whatsapp_rejected_items_received_at"),
        "whatsapp_rejected_items",
        ["received_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_whatsapp_rejected_items_received_at"), table_name="whatsapp_rejected_items")
    op.drop_table("whatsapp_rejected_items")
