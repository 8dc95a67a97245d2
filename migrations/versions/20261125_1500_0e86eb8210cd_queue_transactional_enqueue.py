"""job queue: enqueue inside the caller's transaction

Revision ID: 0e86eb8210cd
Revises: 5b0c8e1d2a4f
Create Date: 2026-11-25 15:00:00.000000

`hotel_agent_defer_jobs` inserts procrastinate jobs from the transaction that writes the rows they are
about, so a job and its row commit together (the webhook intake: one commit per batch instead of two, and
no window where a message is stored without a job). A job whose queueing lock already has a waiting job is
skipped (that job does the work), where procrastinate's own `procrastinate_defer_jobs_v1` would raise and
abort the whole transaction. The function runs with the queue's schema on its search_path, which the
insert triggers of procrastinate (events, NOTIFY) need. PostgreSQL only: SQLite queues in process.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0e86eb8210cd"
down_revision: str | None = "5b0c8e1d2a4f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CREATE_FUNCTION = """
CREATE FUNCTION procrastinate.hotel_agent_defer_jobs(
    _task_name character varying,
    _locks character varying[],
    _queueing_locks character varying[],
    _args jsonb[],
    _queue_name character varying DEFAULT 'default'
)
    RETURNS integer
    LANGUAGE plpgsql
    SET search_path = procrastinate, public
AS $$
DECLARE
    inserted integer;
BEGIN
    INSERT INTO procrastinate_jobs (queue_name, task_name, priority, lock, queueing_lock, args)
    SELECT _queue_name, _task_name, 0, job.lock, job.queueing_lock, job.args
    FROM unnest(_locks, _queueing_locks, _args) AS job(lock, queueing_lock, args)
    ON CONFLICT (queueing_lock) WHERE status = 'todo' DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
END;
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "DROP FUNCTION IF EXISTS procrastinate.hotel_agent_defer_jobs("
            "character varying, character varying[], character varying[], jsonb[], character varying)"
        )
