"""Processing one guest's messages: in order, one at a time, each with exactly-once effects.

A job names a guest, not a message: it takes the guest's lease, then works through the guest's unfinished
messages oldest first (by WhatsApp's timestamp), so the order holds however the jobs were enqueued. Each
message goes through committed steps, and a re-run after a crash at any point resumes instead of redoing:

1. claim: attempts + 1, and on the first attempt a snapshot of the conversation state;
2. replies: the conversation engine (media too: it answers attachments); on a re-run the snapshot is put back
   first, so the engine sees what the first attempt saw. The booking's idempotency key comes from the
   wamid (`InboundMessage.message_id`), so a re-run cannot book twice;
3. outbox: the replies, keyed on (wamid, position), stored with the message's move to `replying` -- from
   here on the engine never runs again for this message;
4. sends (service/outbox.py), then `done`.

A message that fails `WHATSAPP_MAX_ATTEMPTS` times (crashes included: the attempt is counted at claim) is
dead-lettered and the guest's next message goes on; `hotel-agent whatsapp dead-letters replay` revives it.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.channels.whatsapp import metrics
from hotel_agent.channels.whatsapp.client import GraphApiClient
from hotel_agent.channels.whatsapp.errors import (
    LeaseLostError,
    RetryLaterError,
    SendUnsettledError,
    WhatsAppError,
)
from hotel_agent.channels.whatsapp.repository import UNFINISHED, GuestKey, WhatsAppRepository
from hotel_agent.channels.whatsapp.service.outbox import Fence, InboundRef, OutboxSender
from hotel_agent.config import Settings
from hotel_agent.conversation.schemas import Attachment, InboundMessage, Reply
from hotel_agent.conversation.wiring import ConversationComponents
from hotel_agent.db import session_scope
from hotel_agent.kit.clock import Clock, utc_now
from hotel_agent.kit.failpoints import Failpoints

log = structlog.get_logger(__name__)

CONVERSATIONAL = frozenset({"text", "interactive", "button"})
# Message types the engine is told about as attachments; anything else is "other".
ATTACHMENTS: frozenset[Attachment] = frozenset({"audio", "image", "video", "document", "sticker", "location"})
_NO_STATE = "none"


@dataclass(frozen=True)
class InboundView:
    """A detached copy of the message row for the steps that run outside a transaction."""

    id: int
    wamid: str
    guest: GuestKey
    conversation_id: str
    message_type: str
    text: str | None
    choice_id: str | None
    wa_timestamp: datetime
    received_at: datetime
    attempt: int
    rerun: bool
    replied: bool
    snapshot: str | None


class MessageProcessor:
    def __init__(
        self,
        *,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        conversation: ConversationComponents,
        sender: OutboxSender,
        client: GraphApiClient,
        failpoints: Failpoints | None = None,
        clock: Clock = utc_now,
        owner_prefix: str = "",
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._conversation = conversation
        self._sender = sender
        self._client = client
        self._failpoints = failpoints or Failpoints()
        self._clock = clock
        self._owner_prefix = owner_prefix or uuid.uuid4().hex[:8]

    async def process_guest(self, guest: GuestKey) -> int:
        """Work through the guest's unfinished messages; how many were finished (done or dead)."""
        fence = await self._take_lease(guest)
        keeper = asyncio.create_task(self._keep_lease(fence))
        finished = 0
        try:
            while (message_id := await self._next(guest)) is not None:
                await self._process(message_id, fence)
                finished += 1
        finally:
            keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await keeper
            with contextlib.suppress(Exception):
                async with session_scope(self._sessionmaker) as session:
                    await WhatsAppRepository(session).release_lease(guest, fence.owner)
        return finished

    async def resend_as_template(self, guest: GuestKey, outbound_id: int) -> None:
        fence = await self._take_lease(guest)
        try:
            await self._sender.resend_as_template(outbound_id, fence)
        finally:
            with contextlib.suppress(Exception):
                async with session_scope(self._sessionmaker) as session:
                    await WhatsAppRepository(session).release_lease(guest, fence.owner)

    def retry_delay(self, exc: BaseException) -> float:
        """When to try a guest again after `exc` (the processor chose it for its own errors)."""
        if isinstance(exc, RetryLaterError) and exc.delay is not None:
            return max(0.0, exc.delay)
        return self._settings.whatsapp_retry_base_seconds

    async def _take_lease(self, guest: GuestKey) -> Fence:
        owner = f"{self._owner_prefix}:{uuid.uuid4().hex[:12]}"
        ttl = self._settings.queue_stalled_seconds
        fence = Fence(guest=guest, owner=owner, ttl_seconds=ttl, clock=self._clock)
        now = self._clock()
        async with session_scope(self._sessionmaker) as session:
            taken = await WhatsAppRepository(session).acquire_lease(
                guest, owner, now, now + timedelta(seconds=ttl)
            )
        if not taken:
            raise RetryLaterError("another worker is processing this guest", delay=min(ttl, 5.0))
        return fence

    async def _keep_lease(self, fence: Fence) -> None:
        while True:
            await asyncio.sleep(max(0.2, fence.ttl_seconds / 3))
            try:
                async with session_scope(self._sessionmaker) as session:
                    await fence.check(WhatsAppRepository(session))
            except LeaseLostError:
                log.error("whatsapp.lease_lost", guest=fence.guest.lock)
                return
            except Exception:
                log.warning("whatsapp.lease_renewal_failed", exc_info=True)

    async def _next(self, guest: GuestKey) -> int | None:
        async with self._sessionmaker() as session:
            message = await WhatsAppRepository(session).next_unfinished(guest)
            return message.id if message is not None else None

    async def _process(self, message_id: int, fence: Fence) -> None:
        view = await self._claim(message_id, fence)
        if view is None:
            return
        self._failpoints.hit("whatsapp.after_claim", view.wamid)
        try:
            if not view.replied:
                replies = await self._replies(view)
                self._failpoints.hit("whatsapp.after_engine", view.wamid)
                await self._store_replies(view, replies, fence)
                self._failpoints.hit("whatsapp.after_outbox", view.wamid)
            await self._sender.send_replies(InboundRef(view.wamid, view.guest, view.received_at), fence)
            await self._finish(view, fence)
        except LeaseLostError:
            raise
        except Exception as exc:
            await self._failed(view, exc)
            return
        metrics.MESSAGES_PROCESSED.labels("done").inc()
        await self._mark_read(view)

    async def _claim(self, message_id: int, fence: Fence) -> InboundView | None:
        async with session_scope(self._sessionmaker) as session:
            repo = WhatsAppRepository(session)
            await fence.check(repo)
            row = await repo.get_inbound(message_id)
            if row.status not in UNFINISHED:
                return None
            if row.attempts >= self._settings.whatsapp_max_attempts:
                row.status = "dead"
                row.last_error = (row.last_error or "") + "\n[max_attempts_reached]"
                metrics.MESSAGES_PROCESSED.labels("dead").inc()
                log.error("whatsapp.message.dead", wamid=row.wamid, attempts=row.attempts)
                return None
            row.attempts += 1
            replied = bool(await repo.outbox_for(row.wamid))
            rerun = row.state_snapshot is not None
            if replied:
                row.status = "replying"
            else:
                row.status = "processing"
                if not rerun:
                    document = await self._conversation.store.export(row.conversation_id)
                    row.state_snapshot = document.decode() if document is not None else _NO_STATE
            await repo.note_inbound(fence.guest, row.wa_timestamp)
            return InboundView(
                id=row.id,
                wamid=row.wamid,
                guest=fence.guest,
                conversation_id=row.conversation_id,
                message_type=row.message_type,
                text=row.text,
                choice_id=row.choice_id,
                wa_timestamp=row.wa_timestamp,
                received_at=row.received_at,
                attempt=row.attempts,
                rerun=rerun,
                replied=replied,
                snapshot=row.state_snapshot,
            )

    async def _replies(self, view: InboundView) -> list[Reply]:
        store = self._conversation.store
        if view.rerun and view.snapshot is not None:
            # An earlier attempt may have moved the conversation on before it died: start from where it was.
            document = None if view.snapshot == _NO_STATE else view.snapshot.encode()
            async with store.lock(view.conversation_id):
                await store.restore(view.conversation_id, document)
            log.warning("whatsapp.message.rerun", wamid=view.wamid, attempt=view.attempt)
        # Every message goes to the engine, media included: it owns handoffs and what is said; the channel
        # only says what arrived.
        conversational = view.message_type in CONVERSATIONAL and bool(view.text or view.choice_id)
        result = await self._conversation.engine.handle(
            InboundMessage(
                conversation_id=view.conversation_id,
                text=(view.text or "") if conversational else "",
                message_id=view.wamid,
                choice_id=view.choice_id if conversational else None,
                sender_phone=f"+{view.guest.wa_id}"[:32],
                now=view.wa_timestamp,
                channel="whatsapp",
                attachment=None if conversational else _attachment(view.message_type),
            )
        )
        return result.replies

    async def _store_replies(self, view: InboundView, replies: list[Reply], fence: Fence) -> None:
        rows = [
            {
                "inbound_wamid": view.wamid,
                "position": position,
                "phone_number_id": view.guest.phone_number_id,
                "wa_id": view.guest.wa_id,
                "reply_key": reply.key[:128],
                "language": reply.language[:16],
                "reply": reply.model_dump(mode="json"),
                "send_state": "pending",
                "send_attempts": 0,
                "delivery_rank": 0,
            }
            for position, reply in enumerate(replies)
        ]
        async with session_scope(self._sessionmaker) as session:
            repo = WhatsAppRepository(session)
            await fence.check(repo)
            await repo.insert_outbox_if_absent(rows)
            row = await repo.get_inbound(view.id)
            row.status = "replying"

    async def _finish(self, view: InboundView, fence: Fence) -> None:
        async with session_scope(self._sessionmaker) as session:
            repo = WhatsAppRepository(session)
            await fence.check(repo)
            row = await repo.get_inbound(view.id)
            row.status = "done"
            row.processed_at = self._clock()
            row.state_snapshot = None
            row.last_error = None
        log.info("whatsapp.message.done", wamid=view.wamid, attempt=view.attempt)

    async def _failed(self, view: InboundView, exc: Exception) -> None:
        """Record the failure; dead-letter the message after the last attempt, else retry the job later."""
        waiting = isinstance(exc, SendUnsettledError)
        dead = not waiting and view.attempt >= self._settings.whatsapp_max_attempts
        async with session_scope(self._sessionmaker) as session:
            row = await WhatsAppRepository(session).get_inbound(view.id)
            row.last_error = f"{type(exc).__name__}: {exc}"[:4000]
            if waiting:
                row.attempts = max(0, row.attempts - 1)
            if dead:
                row.status = "dead"
        if dead:
            metrics.MESSAGES_PROCESSED.labels("dead").inc()
            log.error("whatsapp.message.dead", wamid=view.wamid, attempts=view.attempt, error=str(exc)[:500])
            return
        metrics.MESSAGES_PROCESSED.labels("retry").inc()
        log.warning("whatsapp.message.retry", wamid=view.wamid, attempt=view.attempt, error=str(exc)[:500])
        delay = exc.delay if isinstance(exc, RetryLaterError) else None
        if delay is None:
            base = self._settings.whatsapp_retry_base_seconds * 2 ** (view.attempt - 1)
            delay = min(self._settings.whatsapp_retry_max_seconds, base)
        raise RetryLaterError(f"message {view.wamid} failed: {exc}", delay=delay) from exc

    async def _mark_read(self, view: InboundView) -> None:
        if not self._settings.whatsapp_mark_read:
            return
        try:
            await self._client.mark_read(view.guest.phone_number_id, view.wamid)
        except WhatsAppError as exc:
            log.info("whatsapp.mark_read_failed", wamid=view.wamid, error=str(exc)[:200])


def _attachment(message_type: str) -> Attachment:
    return message_type if message_type in ATTACHMENTS else "other"
