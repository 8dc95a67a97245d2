"""Build the WhatsApp channel from the app's resources: intake, queue, Graph API client, processor, sweeps.

The composition root (components.py) calls `start_whatsapp` for the web app and for `hotel-agent worker`;
the first runs a queue worker in process when QUEUE_IN_PROCESS_WORKER is true (the embedded default), the
second always does. The Graph API's httpx client is the root's: injected here, closed by its owner.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hotel_agent.channels.whatsapp import metrics, tasks
from hotel_agent.channels.whatsapp.client import GraphApiClient
from hotel_agent.channels.whatsapp.repository import WhatsAppRepository
from hotel_agent.channels.whatsapp.service.intake import WebhookIntake
from hotel_agent.channels.whatsapp.service.intake_writer import IntakeWriter
from hotel_agent.channels.whatsapp.service.jobs import ChannelJobs
from hotel_agent.channels.whatsapp.service.outbox import OutboxSender
from hotel_agent.channels.whatsapp.service.processing import MessageProcessor
from hotel_agent.channels.whatsapp.service.staff_replies import StaffReplies
from hotel_agent.config import Settings
from hotel_agent.conversation.wiring import ConversationComponents
from hotel_agent.db import create_engine, create_sessionmaker, write_engine
from hotel_agent.kit.clock import Clock, utc_now
from hotel_agent.kit.failpoints import Failpoints
from hotel_agent.kit.state import StateBackend
from hotel_agent.ops.runtime_metrics import RuntimeSampler
from hotel_agent.queue import JobQueue, worker_identity

log = structlog.get_logger(__name__)


def build_client(settings: Settings, http: httpx.AsyncClient) -> GraphApiClient:
    token = settings.whatsapp_access_token
    return GraphApiClient(
        access_token=token.get_secret_value() if token is not None else "",
        base_url=settings.whatsapp_api_base_url,
        api_version=settings.whatsapp_api_version,
        retries=settings.whatsapp_send_retries,
        http=http,
    )


@dataclass
class WhatsAppChannel:
    settings: Settings
    # Reads for the sweep (the channel's writes use their own write-locking sessionmaker).
    sessionmaker: async_sessionmaker[AsyncSession]
    intake: WebhookIntake
    queue: JobQueue
    client: GraphApiClient
    processor: MessageProcessor
    jobs: ChannelJobs
    staff_replies: StaffReplies
    message_engine: AsyncEngine | None = None
    clock: Clock = utc_now
    _started_sweep: bool = False
    runtime: RuntimeSampler | None = None

    async def sweep(self) -> None:
        """Re-enqueue guests whose messages sit unfinished (a lost job, a failed enqueue); refresh gauges."""
        now = self.clock()
        # At start-up the embedded (in-memory) queue is empty: everything unfinished needs a job.
        grace = (
            0.0 if not self._started_sweep and not self.queue.durable else self.settings.queue_stalled_seconds
        )
        self._started_sweep = True
        async with self.sessionmaker() as session:
            repo = WhatsAppRepository(session)
            guests = await repo.guests_with_unfinished(now - timedelta(seconds=grace))
            stats = await repo.queue_stats()
        metrics.QUEUE_DEPTH.set(stats.depth)
        metrics.QUEUE_LAG.set(
            (now - stats.oldest_received_at).total_seconds() if stats.oldest_received_at else 0
        )
        metrics.DEAD_LETTERS.set(stats.dead)
        if guests:
            log.debug("whatsapp.sweep.requeue", guests=len(guests))
            await self.jobs.enqueue_guests(guests)

    async def close(self) -> None:
        if self.runtime is not None:
            self.runtime.close()
        await self.queue.close()
        await self.client.aclose()
        if self.message_engine is not None:
            await self.message_engine.dispose()


async def start_whatsapp(
    settings: Settings,
    engine: AsyncEngine,
    state: StateBackend,
    conversation: ConversationComponents,
    *,
    http: httpx.AsyncClient,
    run_worker: bool,
    concurrency: int | None = None,
    clock: Clock = utc_now,
    refresh_metrics: Callable[[], Awaitable[object]] | None = None,
) -> WhatsAppChannel:
    """`refresh_metrics`: read shared state whose gauge it sets, in every sweep (the PMS breaker)."""
    # Every transaction here writes; on SQLite they take the write lock at BEGIN (a read-then-write
    # transaction that has to upgrade its lock fails at once instead of waiting).
    write_sessionmaker = create_sessionmaker(write_engine(engine))
    queue = JobQueue(settings, [tasks.register])
    client = build_client(settings, http)
    failpoints = Failpoints(settings.failpoints, settings.failpoints_dir)
    sender = OutboxSender(
        settings=settings,
        sessionmaker=write_sessionmaker,
        client=client,
        failpoints=failpoints,
        clock=clock,
    )
    processor = MessageProcessor(
        settings=settings,
        sessionmaker=write_sessionmaker,
        conversation=conversation,
        sender=sender,
        client=client,
        failpoints=failpoints,
        clock=clock,
        owner_prefix=worker_identity(),
    )
    jobs = ChannelJobs(queue, write_sessionmaker)
    # PostgreSQL: messages take the one-statement path, on a small pool of their own (one per lane).
    lanes = settings.whatsapp_intake_lanes
    message_engine = create_engine(settings, pre_ping=False, pool_size=lanes) if queue.durable else None
    writer = IntakeWriter(write_sessionmaker, jobs, message_engine=message_engine, lanes=lanes)
    channel = WhatsAppChannel(
        settings=settings,
        sessionmaker=create_sessionmaker(engine),
        intake=WebhookIntake(settings, writer),
        message_engine=message_engine,
        queue=queue,
        client=client,
        processor=processor,
        jobs=jobs,
        staff_replies=StaffReplies(
            settings=settings,
            sessionmaker=create_sessionmaker(engine),
            write_sessionmaker=write_sessionmaker,
            sender=sender,
            clock=clock,
        ),
        clock=clock,
    )
    await queue.open()
    try:
        if run_worker:
            queue.start_worker({tasks.CONTEXT_KEY: processor}, concurrency=concurrency)
        channel.runtime = RuntimeSampler(engine=engine, state=state, refresh=refresh_metrics)
        queue.start_maintenance([channel.runtime.sample, channel.sweep])
    except BaseException:
        # Started halfway: stop what did start (the caller only closes a channel it got back).
        await channel.close()
        raise
    log.info("whatsapp.started", durable_queue=queue.durable, worker=run_worker)
    return channel
