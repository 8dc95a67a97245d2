"""Every query of the WhatsApp channel. Services never compose SQL; the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hotel_agent.models import (
    WhatsAppGuest,
    WhatsAppInboundMessage,
    WhatsAppOutboundMessage,
    WhatsAppRejectedItem,
    WhatsAppStatusEvent,
)

UNFINISHED = ("pending", "processing", "replying")
Inbound = WhatsAppInboundMessage
Outbound = WhatsAppOutboundMessage


@dataclass(frozen=True)
class GuestKey:
    phone_number_id: str
    wa_id: str

    @property
    def lock(self) -> str:
        return f"whatsapp:{self.phone_number_id}:{self.wa_id}"


@dataclass(frozen=True)
class QueueStats:
    depth: int
    oldest_received_at: datetime | None
    dead: int


# One statement, so one round trip and (in autocommit) its own transaction: insert the messages that are
# new, then queue one job per guest with a new pending message through the queue's function
# (migrations/versions/*_queue_transactional_enqueue.py). Columns come from the rows' keys.
_INSERT_INBOUND_AND_QUEUE = """
WITH new AS (
    INSERT INTO whatsapp_inbound_messages ({columns})
    SELECT {columns}
    FROM jsonb_populate_recordset(NULL::whatsapp_inbound_messages, CAST(:rows AS jsonb))
    ORDER BY wamid
    ON CONFLICT (wamid) DO NOTHING
    RETURNING wamid, phone_number_id, wa_id, status
), guests AS (
    SELECT DISTINCT job.lock, job.args
    FROM new
    JOIN jsonb_to_recordset(CAST(:jobs AS jsonb)) AS job(wamid text, lock text, args jsonb)
      ON job.wamid = new.wamid
    WHERE new.status = 'pending'
), queued AS (
    SELECT procrastinate.hotel_agent_defer_jobs(
        :task_name,
        array_agg(lock ORDER BY lock),
        array_agg(lock ORDER BY lock),
        array_agg(args ORDER BY lock)
    ) AS jobs
    FROM guests
)
SELECT new.wamid, new.phone_number_id, new.wa_id, new.status, queued.jobs FROM new CROSS JOIN queued
"""


async def insert_inbound_and_queue(
    connection: AsyncConnection,
    rows: Sequence[dict[str, Any]],
    jobs: Sequence[dict[str, Any]],
    task_name: str,
) -> list[tuple[str, str, str, str]]:
    """PostgreSQL: store the new messages and queue their guests' jobs in one statement.

    `jobs`: {"wamid", "lock", "args"} for each pending message; a guest is queued only when one of its
    messages was new, and skipped when a job of its is already waiting. (wamid, phone_number_id, wa_id,
    status) of each message that was new.
    """
    if not rows:
        return []
    columns = ", ".join(f'"{name}"' for name in rows[0])
    result = await connection.execute(
        text(_INSERT_INBOUND_AND_QUEUE.format(columns=columns)),
        {
            "rows": orjson.dumps(list(rows)).decode(),
            "jobs": orjson.dumps(list(jobs)).decode(),
            "task_name": task_name,
        },
    )
    return [(row[0], row[1], row[2], row[3]) for row in result.all()]


class WhatsAppRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        bind = session.get_bind()
        self._dialect = bind.dialect.name

    @classmethod
    def from_session(cls, session: AsyncSession) -> WhatsAppRepository:
        return cls(session)

    def _insert(self, table: Any) -> Any:
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    # Intake -------------------------------------------------------------------------------------

    async def insert_inbound_if_absent(
        self, rows: Sequence[dict[str, Any]]
    ) -> list[tuple[str, str, str, str]]:
        """Insert each message unless its wamid is known; (wamid, phone_number_id, wa_id, status) if new."""
        if not rows:
            return []
        # executemany ("insertmanyvalues"): one compiled statement whatever the batch size, sent in pages.
        statement = (
            self._insert(Inbound.__table__)
            .on_conflict_do_nothing(index_elements=["wamid"])
            .returning(Inbound.wamid, Inbound.phone_number_id, Inbound.wa_id, Inbound.status)
        )
        result = await self.session.execute(statement, list(rows))
        return [(row[0], row[1], row[2], row[3]) for row in result.all()]

    async def insert_status_events_if_absent(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Insert each (wamid, status) once; the rows that were new."""
        if not rows:
            return []
        statement = (
            self._insert(WhatsAppStatusEvent.__table__)
            .on_conflict_do_nothing(index_elements=["wamid", "status"])
            .returning(WhatsAppStatusEvent.wamid, WhatsAppStatusEvent.status)
        )
        result = await self.session.execute(statement, list(rows))
        new = {(row[0], row[1]) for row in result.all()}
        return [row for row in rows if (row["wamid"], row["status"]) in new]

    async def advance_delivery_status(
        self,
        *,
        wamid: str,
        status: str,
        rank: int,
        at: datetime,
        error_code: int | None = None,
        error_title: str | None = None,
        error_detail: str | None = None,
    ) -> int | None:
        """Move the message's delivery status forward only (a single conditional UPDATE); its id if moved."""
        values: dict[str, Any] = {"delivery_status": status, "delivery_rank": rank, "delivery_status_at": at}
        if error_code is not None:
            values.update(error_code=error_code, error_title=error_title, error_detail=error_detail)
        result = await self.session.execute(
            update(Outbound)
            .where(Outbound.wamid == wamid, Outbound.delivery_rank < rank)
            .values(**values)
            .returning(Outbound.id)
        )
        return result.scalar_one_or_none()

    async def adopt_wamid(self, outbound_id: int, wamid: str, at: datetime) -> bool:
        """A send whose answer was lost is identified by its callback data: record Meta's id for it."""
        result = await self.session.execute(
            update(Outbound)
            .where(Outbound.id == outbound_id, Outbound.wamid.is_(None), Outbound.send_state == "sending")
            .values(wamid=wamid, send_state="accepted", accepted_at=at)
            .returning(Outbound.id)
        )
        return result.scalar_one_or_none() is not None

    async def status_events_for(self, wamid: str) -> list[WhatsAppStatusEvent]:
        result = await self.session.execute(
            select(WhatsAppStatusEvent).where(WhatsAppStatusEvent.wamid == wamid)
        )
        return list(result.scalars())

    async def status_event_by_callback(self, callback_data: str) -> WhatsAppStatusEvent | None:
        result = await self.session.execute(
            select(WhatsAppStatusEvent)
            .where(WhatsAppStatusEvent.callback_data == callback_data)
            .order_by(WhatsAppStatusEvent.id)
            .limit(1)
        )
        return result.scalar_one_or_none()

    # Guests: the processing lease and the 24-hour window -----------------------------------------

    async def acquire_lease(self, guest: GuestKey, owner: str, now: datetime, until: datetime) -> bool:
        """Take the guest's lease when it is free or expired (or already ours)."""
        await self.session.execute(
            self._insert(WhatsAppGuest.__table__)
            .values(phone_number_id=guest.phone_number_id, wa_id=guest.wa_id)
            .on_conflict_do_nothing(index_elements=["phone_number_id", "wa_id"])
        )
        result = await self.session.execute(
            update(WhatsAppGuest)
            .where(
                WhatsAppGuest.phone_number_id == guest.phone_number_id,
                WhatsAppGuest.wa_id == guest.wa_id,
                or_(
                    WhatsAppGuest.lease_owner.is_(None),
                    WhatsAppGuest.lease_owner == owner,
                    WhatsAppGuest.lease_until < now,
                ),
            )
            .values(lease_owner=owner, lease_until=until)
            .returning(WhatsAppGuest.id)
        )
        return result.scalar_one_or_none() is not None

    async def renew_lease(self, guest: GuestKey, owner: str, until: datetime) -> bool:
        """Extend our lease; False when someone else holds it now (ours expired): the fence."""
        result = await self.session.execute(
            update(WhatsAppGuest)
            .where(
                WhatsAppGuest.phone_number_id == guest.phone_number_id,
                WhatsAppGuest.wa_id == guest.wa_id,
                WhatsAppGuest.lease_owner == owner,
            )
            .values(lease_until=until)
            .returning(WhatsAppGuest.id)
        )
        return result.scalar_one_or_none() is not None

    async def release_lease(self, guest: GuestKey, owner: str) -> None:
        await self.session.execute(
            update(WhatsAppGuest)
            .where(
                WhatsAppGuest.phone_number_id == guest.phone_number_id,
                WhatsAppGuest.wa_id == guest.wa_id,
                WhatsAppGuest.lease_owner == owner,
            )
            .values(lease_owner=None, lease_until=None)
        )

    async def note_inbound(self, guest: GuestKey, at: datetime) -> None:
        """The guest wrote at `at`: the 24-hour window runs from their latest message."""
        await self.session.execute(
            update(WhatsAppGuest)
            .where(
                WhatsAppGuest.phone_number_id == guest.phone_number_id,
                WhatsAppGuest.wa_id == guest.wa_id,
                or_(WhatsAppGuest.last_inbound_at.is_(None), WhatsAppGuest.last_inbound_at < at),
            )
            .values(last_inbound_at=at)
        )

    async def last_inbound_at(self, guest: GuestKey) -> datetime | None:
        result = await self.session.execute(
            select(func.max(Inbound.wa_timestamp)).where(
                Inbound.phone_number_id == guest.phone_number_id, Inbound.wa_id == guest.wa_id
            )
        )
        latest: datetime | None = result.scalar_one_or_none()
        noted = await self.session.execute(
            select(WhatsAppGuest.last_inbound_at).where(
                WhatsAppGuest.phone_number_id == guest.phone_number_id, WhatsAppGuest.wa_id == guest.wa_id
            )
        )
        recorded: datetime | None = noted.scalar_one_or_none()
        candidates = [instant for instant in (latest, recorded) if instant is not None]
        return max(candidates) if candidates else None

    # Processing ----------------------------------------------------------------------------------

    async def next_unfinished(self, guest: GuestKey) -> Inbound | None:
        """The guest's oldest message not yet done: messages are processed in the order they were sent."""
        result = await self.session.execute(
            select(Inbound)
            .where(
                Inbound.phone_number_id == guest.phone_number_id,
                Inbound.wa_id == guest.wa_id,
                Inbound.status.in_(UNFINISHED),
            )
            .order_by(Inbound.wa_timestamp, Inbound.id)
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def get_inbound(self, inbound_id: int) -> Inbound:
        result = await self.session.execute(select(Inbound).where(Inbound.id == inbound_id))
        return result.scalar_one()

    async def inbound_by_wamid(self, wamid: str) -> Inbound | None:
        result = await self.session.execute(select(Inbound).where(Inbound.wamid == wamid))
        return result.scalar_one_or_none()

    async def insert_outbox_if_absent(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(
                self._insert(Outbound.__table__)
                .values(list(rows))
                .on_conflict_do_nothing(index_elements=["inbound_wamid", "position"])
            )

    async def outbox_for(self, inbound_wamid: str) -> list[Outbound]:
        result = await self.session.execute(
            select(Outbound).where(Outbound.inbound_wamid == inbound_wamid).order_by(Outbound.position)
        )
        return list(result.scalars())

    async def latest_inbound(self, guest: GuestKey) -> Inbound | None:
        result = await self.session.execute(
            select(Inbound)
            .where(Inbound.phone_number_id == guest.phone_number_id, Inbound.wa_id == guest.wa_id)
            .order_by(Inbound.wa_timestamp.desc(), Inbound.id.desc())
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def next_outbox_position(self, inbound_wamid: str) -> int:
        result = await self.session.execute(
            select(func.max(Outbound.position)).where(Outbound.inbound_wamid == inbound_wamid)
        )
        latest = result.scalar_one_or_none()
        return 0 if latest is None else int(latest) + 1

    async def add_outbound(self, values: dict[str, Any]) -> int:
        row = Outbound(**values)
        self.session.add(row)
        await self.session.flush()
        return row.id

    async def conversation_messages(
        self, conversation_id: str, limit: int = 200
    ) -> list[tuple[Inbound, list[Outbound]]]:
        """The conversation's latest `limit` guest messages, oldest first, each with its replies in order."""
        newest = await self.session.execute(
            select(Inbound)
            .where(Inbound.conversation_id == conversation_id)
            .order_by(Inbound.wa_timestamp.desc(), Inbound.id.desc())
            .limit(limit)
        )
        inbound = list(reversed(list(newest.scalars())))
        if not inbound:
            return []
        replies = await self.session.execute(
            select(Outbound)
            .where(Outbound.inbound_wamid.in_([row.wamid for row in inbound]))
            .order_by(Outbound.position)
        )
        by_wamid: dict[str, list[Outbound]] = {}
        for reply in replies.scalars():
            by_wamid.setdefault(reply.inbound_wamid, []).append(reply)
        return [(row, by_wamid.get(row.wamid, [])) for row in inbound]

    async def get_outbound(self, outbound_id: int) -> Outbound:
        result = await self.session.execute(select(Outbound).where(Outbound.id == outbound_id))
        return result.scalar_one()

    async def claim_send(
        self, outbound_id: int, expected_states: Sequence[str], values: dict[str, Any]
    ) -> bool:
        """Move an outbound message to `sending` if it is still in an expected state (one claimer wins)."""
        result = await self.session.execute(
            update(Outbound)
            .where(Outbound.id == outbound_id, Outbound.send_state.in_(list(expected_states)))
            .values(send_state="sending", send_attempts=Outbound.send_attempts + 1, **values)
            .returning(Outbound.id)
        )
        return result.scalar_one_or_none() is not None

    async def update_outbound(self, outbound_id: int, **values: Any) -> None:
        await self.session.execute(update(Outbound).where(Outbound.id == outbound_id).values(**values))

    # Rejected items -------------------------------------------------------------------------------

    async def insert_rejected_if_absent(self, rows: Sequence[dict[str, Any]]) -> None:
        """Keep each unreadable item once (keyed on its digest: a redelivery adds nothing)."""
        if not rows:
            return
        statement = self._insert(WhatsAppRejectedItem.__table__).on_conflict_do_nothing(
            index_elements=["digest"]
        )
        await self.session.execute(statement, list(rows))

    async def list_rejected(self, limit: int = 50) -> list[WhatsAppRejectedItem]:
        """The most recent rejected items first."""
        result = await self.session.execute(
            select(WhatsAppRejectedItem)
            .order_by(WhatsAppRejectedItem.received_at.desc(), WhatsAppRejectedItem.id.desc())
            .limit(limit)
        )
        return list(result.scalars().all())

    async def get_rejected(self, item_id: int) -> WhatsAppRejectedItem | None:
        return await self.session.get(WhatsAppRejectedItem, item_id)

    # Sweeps, queue depth, dead letters -----------------------------------------------------------

    async def guests_with_unfinished(self, received_before: datetime, limit: int = 500) -> list[GuestKey]:
        result = await self.session.execute(
            select(Inbound.phone_number_id, Inbound.wa_id)
            .where(Inbound.status.in_(UNFINISHED), Inbound.received_at < received_before)
            .group_by(Inbound.phone_number_id, Inbound.wa_id)
            .limit(limit)
        )
        return [GuestKey(row[0], row[1]) for row in result.all()]

    async def queue_stats(self) -> QueueStats:
        result = await self.session.execute(
            select(func.count(), func.min(Inbound.received_at)).where(Inbound.status.in_(UNFINISHED))
        )
        depth, oldest = result.one()
        dead = await self.session.execute(select(func.count()).where(Inbound.status == "dead"))
        return QueueStats(depth=int(depth), oldest_received_at=oldest, dead=int(dead.scalar_one()))

    async def list_dead(self, limit: int = 50) -> list[Inbound]:
        result = await self.session.execute(
            select(Inbound).where(Inbound.status == "dead").order_by(Inbound.received_at).limit(limit)
        )
        return list(result.scalars())

    async def revive_dead(self, ids: Sequence[int] | None) -> list[GuestKey]:
        """Dead letters back to pending with a fresh attempt budget; the guests to enqueue."""
        condition = Inbound.status == "dead"
        if ids is not None:
            condition = and_(condition, Inbound.id.in_(list(ids)))
        result = await self.session.execute(
            update(Inbound)
            .where(condition)
            .values(status="pending", attempts=0)
            .returning(Inbound.phone_number_id, Inbound.wa_id)
        )
        return sorted({GuestKey(row[0], row[1]) for row in result.all()}, key=lambda key: key.lock)
