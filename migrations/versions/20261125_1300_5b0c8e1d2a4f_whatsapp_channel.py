"""whatsapp channel: inbound messages, outbox, status events, guests; the job queue's schema

Revision ID: 5b0c8e1d2a4f
Revises: 902781f0e368
Create Date: 2026-11-25 13:00:00.000000

On PostgreSQL this also installs procrastinate's tables and functions (the job queue) in their own
PostgreSQL schema, `procrastinate`, apart from ours; the queue's connections put it on their search_path.
The SQL is vendored from procrastinate 3.10.0 (migrations/sql/) so that this revision means the same
thing whatever version is installed; a procrastinate upgrade brings its migration scripts into a later
revision. SQLite has no job-queue tables: the embedded default queues in process (hotel_agent/queue.py).
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision: str = "5b0c8e1d2a4f"
down_revision: str | None = "902781f0e368"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROCRASTINATE_SCHEMA = Path(__file__).resolve().parents[1] / "sql" / "procrastinate_3.10.0.sql"
QUEUE_SCHEMA = "procrastinate"


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
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


def _sql_statements(script: str) -> list[str]:
    """Split a SQL script on `;` at line ends outside dollar-quoted bodies (plpgsql functions)."""
    statements, current, in_body = [], [], False
    for line in script.splitlines():
        if line.lstrip().startswith("--") and not in_body:
            continue
        current.append(line)
        if line.count("$$") % 2 == 1:
            in_body = not in_body
        if not in_body and line.rstrip().endswith(";"):
            statement = "\n".join(current).strip()
            if statement.rstrip(";").strip():
                statements.append(statement)
            current = []
    return statements


def upgrade() -> None:
    op.create_table(
        "whatsapp_guests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("phone_number_id", sa.String(length=64), nullable=False),
        sa.Column("wa_id", sa.String(length=32), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_guests")),
        sa.UniqueConstraint("phone_number_id", "wa_id", name="uq_whatsapp_guests_number_guest"),
    )
    op.create_table(
        "whatsapp_inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wamid", sa.String(length=255), nullable=False),
        sa.Column("phone_number_id", sa.String(length=64), nullable=False),
        sa.Column("hotel_code", sa.String(length=64), nullable=False),
        sa.Column("wa_id", sa.String(length=32), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("message_type", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("choice_id", sa.String(length=256), nullable=True),
        sa.Column("context_wamid", sa.String(length=255), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("wa_timestamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("state_snapshot", sa.Text(), nullable=True),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('pending', 'processing', 'replying', 'done', 'dead', 'ignored')",
            name=op.f("ck_whatsapp_inbound_messages_status_known"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_inbound_messages")),
        sa.UniqueConstraint("wamid", name=op.f("uq_whatsapp_inbound_messages_wamid")),
    )
    with op.batch_alter_table("whatsapp_inbound_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_whatsapp_inbound_messages_guest", ["phone_number_id", "wa_id", "wa_timestamp"], unique=False
        )
        batch_op.create_index(
            "ix_whatsapp_inbound_messages_status_received", ["status", "received_at"], unique=False
        )
    op.create_table(
        "whatsapp_status_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wamid", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("recipient_id", sa.String(length=32), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("callback_data", sa.String(length=512), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_status_events")),
        sa.UniqueConstraint("wamid", "status", name="uq_whatsapp_status_events_wamid_status"),
    )
    with op.batch_alter_table("whatsapp_status_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_whatsapp_status_events_callback_data"), ["callback_data"], unique=False
        )
    op.create_table(
        "whatsapp_outbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbound_wamid", sa.String(length=255), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("phone_number_id", sa.String(length=64), nullable=False),
        sa.Column("wa_id", sa.String(length=32), nullable=False),
        sa.Column("reply_key", sa.String(length=128), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=True),
        sa.Column("request_body", sa.JSON(), nullable=True),
        sa.Column("send_state", sa.String(length=16), nullable=False),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("sending_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("wamid", sa.String(length=255), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivery_status", sa.String(length=16), nullable=True),
        sa.Column("delivery_rank", sa.Integer(), nullable=False),
        sa.Column("delivery_status_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_title", sa.String(length=256), nullable=True),
        sa.Column("error_detail", sa.Text(), nullable=True),
        *_timestamps(),
        sa.CheckConstraint(
            "send_state IN ('pending', 'sending', 'accepted', 'failed', 'skipped')",
            name=op.f("ck_whatsapp_outbound_messages_send_state_known"),
        ),
        sa.ForeignKeyConstraint(
            ["inbound_wamid"],
            ["whatsapp_inbound_messages.wamid"],
            name=op.f("fk_whatsapp_outbound_messages_inbound_wamid_whatsapp_inbound_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_outbound_messages")),
        sa.UniqueConstraint("inbound_wamid", "position", name="uq_whatsapp_outbound_messages_reply"),
        sa.UniqueConstraint("wamid", name=op.f("uq_whatsapp_outbound_messages_wamid")),
    )
    with op.batch_alter_table("whatsapp_outbound_messages", schema=None) as batch_op:
        batch_op.create_index("ix_whatsapp_outbound_messages_send_state", ["send_state"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        bind = op.get_bind()
        search_path = bind.execute(sa.text("SHOW search_path")).scalar_one()
        op.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}"))
        bind.execute(sa.text("SELECT set_config('search_path', :path, true)"), {"path": QUEUE_SCHEMA})
        for statement in _sql_statements(PROCRASTINATE_SCHEMA.read_text(encoding="utf-8")):
            op.execute(sa.text(statement))
        bind.execute(sa.text("SELECT set_config('search_path', :path, true)"), {"path": search_path})


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(f"DROP SCHEMA IF EXISTS {QUEUE_SCHEMA} CASCADE"))

    with op.batch_alter_table("whatsapp_outbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_whatsapp_outbound_messages_send_state")
    op.drop_table("whatsapp_outbound_messages")
    with op.batch_alter_table("whatsapp_status_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_whatsapp_status_events_callback_data"))
    op.drop_table("whatsapp_status_events")
    with op.batch_alter_table("whatsapp_inbound_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_whatsapp_inbound_messages_status_received")
        batch_op.drop_index("ix_whatsapp_inbound_messages_guest")
    op.drop_table("whatsapp_inbound_messages")
    op.drop_table("whatsapp_guests")
