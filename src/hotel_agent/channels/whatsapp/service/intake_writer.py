"""Writing parsed deliveries: group commit, one round trip for messages on PostgreSQL.

Concurrent deliveries share one write. Each request still gets its 2xx only after the write holding its
messages has committed (with their jobs queued), and an error if it fails: the one-transaction-per-request
rule, applied to a batch. When idle a delivery is written at once; while writes are in flight, arriving
deliveries wait and go together in the next one.

On PostgreSQL a batch of messages is one statement in autocommit (store the new ones, queue their guests:
`repository.insert_inbound_and_queue`), on a pool without a pre-ping: one round trip, where a transaction
with a ping, BEGIN, two statements and COMMIT took five. Each round trip on a busy 2-core host waits for
the CPU, so the count is what the acknowledgement's latency is made of (docs/whatsapp.md has the
numbers). Deliveries with statuses or rejected items, and everything on SQLite, take the general path: one
transaction through the repository, the status machine included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hotel_agent.channels.whatsapp import job_specs, metrics
from hotel_agent.channels.whatsapp.repository import GuestKey, WhatsAppRepository, insert_inbound_and_queue
from hotel_agent.channels.whatsapp.schemas import IntakeResult
from hotel_agent.channels.whatsapp.service.intake import Delivery
from hotel_agent.channels.whatsapp.service.statuses import apply_status_events
from hotel_agent.db import session_scope
from hotel_agent.queue import split_job

log = structlog.get_logger(__name__)

Waiting = tuple[Delivery, "asyncio.Future[IntakeResult]"]


class IntakeJobs(Protocol):
    """Where the general path queues work: in its transaction when the queue can join it, else after."""

    async def enqueue_in_transaction(
        self, session: AsyncSession, guests: Sequence[GuestKey], resends: Sequence[tuple[int, GuestKey]]
    ) -> bool: ...

    async def enqueue(self, guests: Sequence[GuestKey], resends: Sequence[tuple[int, GuestKey]]) -> None: ...


@dataclass
class _Rows:
    """A batch's rows, each message and status once, with the delivery that brought it."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    message_owners: dict[str, Delivery] = field(default_factory=dict)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    status_owners: dict[tuple[str, str], Delivery] = field(default_factory=dict)
    rejected: dict[str, dict[str, Any]] = field(default_factory=dict)  # by digest, once per batch
    # The same message or status in two deliveries of the batch: counted by `tally`, once written, so a
    # failed write leaves every delivery's result untouched.
    repeated: list[tuple[Delivery, str]] = field(default_factory=list)

    @classmethod
    def of(cls, batch: Sequence[Waiting]) -> _Rows:
        rows = cls()
        for delivery, _ in batch:
            for wamid, row in delivery.messages.items():
                if wamid in rows.message_owners:  # the same message in two simultaneous deliveries
                    rows.repeated.append((delivery, "message"))
                    continue
                rows.message_owners[wamid] = delivery
                rows.messages.append(row)
            for key, row in delivery.statuses.items():
                if key in rows.status_owners:
                    rows.repeated.append((delivery, "status"))
                    continue
                rows.status_owners[key] = delivery
                rows.statuses.append(row)
            for digest, row in delivery.rejected.items():
                rows.rejected.setdefault(digest, row)
        # One order for every batch: two batches holding the same keys wait for each other, never deadlock.
        rows.messages.sort(key=lambda row: str(row["wamid"]))
        rows.statuses.sort(key=lambda row: (str(row["wamid"]), str(row["status"])))
        return rows

    def tally(self, stored: set[str], stored_statuses: set[tuple[str, str]]) -> None:
        for delivery, kind in self.repeated:
            _duplicate(delivery, kind)
        for wamid, delivery in self.message_owners.items():
            if wamid in stored:
                delivery.result.messages_stored += 1
            else:
                _duplicate(delivery, "message")
        for key, delivery in self.status_owners.items():
            if key in stored_statuses:
                delivery.result.statuses_stored += 1
            else:
                _duplicate(delivery, "status")


class IntakeWriter:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        jobs: IntakeJobs,
        *,
        message_engine: AsyncEngine | None = None,
        lanes: int = 4,
    ) -> None:
        """`message_engine`: PostgreSQL only, the pool of the one-statement message path (autocommit)."""
        self._sessionmaker = sessionmaker
        self._jobs = jobs
        self._message_engine = (
            message_engine.execution_options(isolation_level="AUTOCOMMIT") if message_engine else None
        )
        self._waiting: list[Waiting] = []
        # A few batches in flight at once, so one batch's round trips do not idle the next.
        self._lanes = lanes
        self._writers = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def write(self, delivery: Delivery) -> IntakeResult:
        if not delivery.messages and not delivery.statuses and not delivery.rejected:
            return delivery.result
        future: asyncio.Future[IntakeResult] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, future))
        if self._writers < self._lanes:
            self._writers += 1
            task = asyncio.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                if self._message_engine is None:
                    await self._settle(batch, self._write_general)
                    continue
                # Rejected items are rare: they take the general path, like statuses.
                messages_only = [w for w in batch if not w[0].statuses and not w[0].rejected]
                with_statuses = [w for w in batch if w[0].statuses or w[0].rejected]
                await asyncio.gather(
                    self._settle(messages_only, self._write_messages),
                    self._settle(with_statuses, self._write_general),
                )
        finally:
            self._writers -= 1

    async def _settle(self, batch: list[Waiting], write: Any) -> None:
        """Run one write for the batch; answer every waiting request with its result or the error.

        A failed batch of several deliveries is written again one delivery at a time, so a delivery the
        database refuses fails alone instead of failing (and, as Meta retries it, failing again) every
        delivery that happened to share its batch.
        """
        if not batch:
            return
        try:
            await write(batch)
        except Exception as exc:
            if len(batch) > 1 and _refused_by_database(exc):
                log.warning("whatsapp.intake.batch_failed", deliveries=len(batch), error=type(exc).__name__)
                for waiting in batch:
                    await self._settle([waiting], write)
                return
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        for delivery, future in batch:
            if not future.done():
                future.set_result(delivery.result)

    async def _write_messages(self, batch: list[Waiting]) -> None:
        assert self._message_engine is not None
        rows = _Rows.of(batch)
        jobs = []
        for row in rows.messages:
            if row["status"] == "pending":
                lock, _, arguments = split_job(
                    job_specs.process_guest_job(GuestKey(row["phone_number_id"], row["wa_id"]))
                )
                jobs.append({"wamid": row["wamid"], "lock": lock, "args": arguments})
        for attempt in (1, 2):
            try:
                async with self._message_engine.connect() as connection:
                    new = await insert_inbound_and_queue(
                        connection, rows.messages, jobs, job_specs.PROCESS_GUEST
                    )
                break
            except DBAPIError as exc:
                # No pre-ping on this pool: a connection PostgreSQL dropped (a restart) fails here once,
                # the pool is invalidated, and the write goes again on a new connection.
                if attempt == 2 or not exc.connection_invalidated:
                    raise
                log.warning("whatsapp.intake.reconnected")
        rows.tally({wamid for wamid, _, _, _ in new}, set())

    async def _write_general(self, batch: list[Waiting]) -> None:
        rows = _Rows.of(batch)
        async with session_scope(self._sessionmaker) as session:
            repo = WhatsAppRepository.from_session(session)
            new = await repo.insert_inbound_if_absent(rows.messages)
            new_statuses = await repo.insert_status_events_if_absent(rows.statuses)
            await repo.insert_rejected_if_absent(list(rows.rejected.values()))
            reengaged = await apply_status_events(repo, new_statuses)
            resends = []
            for outbound_id in reengaged:
                outbound = await repo.get_outbound(outbound_id)
                resends.append((outbound_id, GuestKey(outbound.phone_number_id, outbound.wa_id)))
            guests = sorted(
                {GuestKey(pnid, wa_id) for _, pnid, wa_id, status in new if status == "pending"},
                key=lambda g: g.lock,
            )
            queued = await self._jobs.enqueue_in_transaction(session, guests, resends)
        rows.tally({wamid for wamid, _, _, _ in new}, {(row["wamid"], row["status"]) for row in new_statuses})
        if not queued:
            await self._jobs.enqueue(guests, resends)


def _refused_by_database(exc: Exception) -> bool:
    """The database answered and said no (a value, a constraint, a trigger), as opposed to not answering:
    only then can writing the deliveries one by one tell the good from the bad; when it is down, one
    failure per batch is enough."""
    return (
        isinstance(exc, DBAPIError)
        and not isinstance(exc, OperationalError | InterfaceError)
        and not exc.connection_invalidated
    )


def _duplicate(delivery: Delivery, kind: str) -> None:
    delivery.result.duplicates += 1
    metrics.DUPLICATES.labels(kind).inc()
