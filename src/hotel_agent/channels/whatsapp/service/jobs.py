"""Queueing the channel's jobs: a job per guest with new messages, a job per re-send as a template.

On PostgreSQL the intake queues inside its own transaction, so a message and its job commit together; the
embedded in-memory queue cannot join a database transaction and is fed right after the commit. Either
way a lost job loses nothing: the sweep re-queues guests whose messages sit unfinished.
"""

from __future__ import annotations

from collections.abc import Sequence

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.channels.whatsapp import job_specs
from hotel_agent.channels.whatsapp.repository import GuestKey
from hotel_agent.db import session_scope
from hotel_agent.queue import JobQueue

log = structlog.get_logger(__name__)


class ChannelJobs:
    def __init__(self, queue: JobQueue, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.queue = queue
        self._sessionmaker = sessionmaker

    async def enqueue_in_transaction(
        self, session: AsyncSession, guests: Sequence[GuestKey], resends: Sequence[tuple[int, GuestKey]]
    ) -> bool:
        """Queue from the caller's transaction when the queue is durable; False when it cannot."""
        if not self.queue.durable:
            return False
        await self.queue.defer_in_transaction(
            session, job_specs.PROCESS_GUEST, [job_specs.process_guest_job(guest) for guest in guests]
        )
        await self.queue.defer_in_transaction(
            session,
            job_specs.RESEND_AS_TEMPLATE,
            [job_specs.resend_job(guest, outbound_id) for outbound_id, guest in resends],
        )
        return True

    async def enqueue(self, guests: Sequence[GuestKey], resends: Sequence[tuple[int, GuestKey]] = ()) -> None:
        """After commit. A failure loses nothing (the sweep re-queues), so it is logged, not raised."""
        await self.enqueue_guests(guests)
        await self.enqueue_resends(resends)

    async def enqueue_guests(self, guests: Sequence[GuestKey]) -> None:
        """One statement on PostgreSQL (guests with a waiting job skipped), however many the sweep found."""
        if not guests:
            return
        jobs = [job_specs.process_guest_job(guest) for guest in guests]
        try:
            if self.queue.durable:
                async with session_scope(self._sessionmaker) as session:
                    await self.queue.defer_in_transaction(session, job_specs.PROCESS_GUEST, jobs)
            else:
                await self.queue.defer_many(job_specs.PROCESS_GUEST, jobs)
        except Exception:
            log.warning("whatsapp.enqueue_failed", guests=len(guests), exc_info=True)

    async def enqueue_resends(self, resends: Sequence[tuple[int, GuestKey]]) -> None:
        for outbound_id, guest in resends:
            try:
                await self.queue.defer(
                    job_specs.RESEND_AS_TEMPLATE, **job_specs.resend_job(guest, outbound_id)
                )
            except Exception:
                log.warning("whatsapp.enqueue_failed", outbound_id=outbound_id, exc_info=True)
