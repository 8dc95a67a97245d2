"""Sending the outbox: each reply at most once to WhatsApp, even across crashes.

A reply row moves pending -> sending (committed *before* the HTTP call) -> accepted (with Meta's wamid),
or to failed (a permanent error, recorded) or skipped (outside the 24-hour window with no template).
The one moment no database can cover is a worker dying after Meta took the request and before we
recorded its answer. Such a row is left in `sending`; every send carries `biz_opaque_callback_data`,
which Meta echoes on the message's status webhooks, so the intake adopts the wamid as soon as the `sent`
status arrives (statuses.py). A retry finding a row still in `sending` waits up to
WHATSAPP_RECONCILE_SECONDS for that proof before it concludes the request never arrived and sends again.

Outside the 24-hour customer-service window only an approved template may go out: the reply key is looked
up in WHATSAPP_TEMPLATES (or "*"). Error 131047 (re-engagement) is handled in both of its forms: the send
refused outright, and a `failed` status webhook afterwards, which queues `resend_as_template`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.channels.whatsapp import metrics
from hotel_agent.channels.whatsapp.client import GraphApiClient
from hotel_agent.channels.whatsapp.errors import (
    LeaseLostError,
    RetryLaterError,
    SendUnsettledError,
    WhatsAppAmbiguousError,
    WhatsAppOperationalError,
    WhatsAppReengagementError,
    WhatsAppRequestError,
)
from hotel_agent.channels.whatsapp.outbound import free_form_body, template_body, template_for
from hotel_agent.channels.whatsapp.repository import GuestKey, WhatsAppRepository
from hotel_agent.channels.whatsapp.service.statuses import apply_known_events, callback_data
from hotel_agent.config import Settings
from hotel_agent.conversation.schemas import Reply
from hotel_agent.db import session_scope
from hotel_agent.kit.clock import Clock, utc_now
from hotel_agent.kit.failpoints import Failpoints

log = structlog.get_logger(__name__)

SERVICE_WINDOW = timedelta(hours=24)
# Meta's clock and ours differ a little; a reply this close to the window's end goes as a template.
WINDOW_MARGIN = timedelta(minutes=1)
SETTLED = frozenset({"accepted", "failed", "skipped"})
# Recorded on the reply for operators (`error_detail`): what to configure.
OUTSIDE_WINDOW = "outside_window:no_template_in_WHATSAPP_TEMPLATES"


@dataclass
class Fence:
    """The guest's processing lease: every write checks (and extends) it, so a worker that lost it stops."""

    guest: GuestKey
    owner: str
    ttl_seconds: float
    clock: Clock = utc_now

    async def check(self, repo: WhatsAppRepository) -> None:
        until = self.clock() + timedelta(seconds=self.ttl_seconds)
        if not await repo.renew_lease(self.guest, self.owner, until):
            raise LeaseLostError("the guest's lease passed to another worker")


@dataclass(frozen=True)
class InboundRef:
    """What sending needs to know about the message being answered."""

    wamid: str
    guest: GuestKey
    received_at: datetime


class OutboxSender:
    def __init__(
        self,
        *,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        client: GraphApiClient,
        failpoints: Failpoints | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._client = client
        self._failpoints = failpoints or Failpoints()
        self._clock = clock

    async def send_replies(self, inbound: InboundRef, fence: Fence | None) -> None:
        """Send every reply of this message that is not settled yet, in order."""
        async with self._sessionmaker() as session:
            rows = await WhatsAppRepository(session).outbox_for(inbound.wamid)
            pending = [(row.id, row.position) for row in rows if row.send_state not in SETTLED]
        for outbound_id, position in pending:
            received_at = inbound.received_at if position == 0 else None
            await self._send(outbound_id, fence, received_at=received_at, key=inbound.wamid)

    async def send_one(self, outbound_id: int) -> None:
        """Send one reply outside a message's processing (staff replies): no lease, no latency metric.

        A retryable failure is left `pending` with its error recorded, for the operator to see and retry.
        """
        try:
            await self._send(outbound_id, None, received_at=None, key=str(outbound_id))
        except (RetryLaterError, SendUnsettledError) as exc:
            log.warning("whatsapp.send.left_pending", outbound_id=outbound_id, error=str(exc))

    async def resend_as_template(self, outbound_id: int, fence: Fence | None) -> None:
        """A free-form reply that failed with 131047 after it was accepted goes again as a template."""
        await self._send(outbound_id, fence, received_at=None, key=str(outbound_id), reengage=True)

    async def _send(
        self,
        outbound_id: int,
        fence: Fence | None,
        *,
        received_at: datetime | None,
        key: str,
        reengage: bool = False,
    ) -> None:
        force_template = reengage
        for _ in range(2):
            plan = await self._claim(outbound_id, fence, force_template=force_template, reengage=reengage)
            if plan is None:
                return
            phone_number_id, kind, body = plan
            self._failpoints.hit("whatsapp.before_send", key)
            try:
                result = await self._client.send_message(phone_number_id, body)
            except WhatsAppReengagementError as exc:
                await self._record_failure(
                    outbound_id, exc, state="pending" if kind != "template" else "failed"
                )
                if kind == "template":
                    return
                force_template, reengage = True, False
                continue
            except WhatsAppRequestError as exc:
                await self._record_failure(outbound_id, exc, state="failed")
                return
            except WhatsAppAmbiguousError as exc:
                metrics.OUTBOUND.labels("unconfirmed", "").inc()
                log.warning("whatsapp.send.unconfirmed", outbound_id=outbound_id, error=str(exc))
                raise RetryLaterError(str(exc), delay=self._settings.whatsapp_reconcile_seconds) from exc
            except WhatsAppOperationalError as exc:
                await self._record_failure(outbound_id, exc, state="pending")
                raise RetryLaterError(str(exc), delay=exc.retry_after) from exc
            self._failpoints.hit("whatsapp.after_send", key)
            await self._record_accepted(outbound_id, result.wamid, received_at)
            return

    async def _claim(
        self, outbound_id: int, fence: Fence | None, *, force_template: bool, reengage: bool
    ) -> tuple[str, str, dict[str, Any]] | None:
        """Decide what to send and mark the row `sending` in a committed transaction; None: nothing to do."""
        now = self._clock()
        async with session_scope(self._sessionmaker) as session:
            repo = WhatsAppRepository(session)
            row = await repo.get_outbound(outbound_id)
            if reengage:
                if row.kind == "template" or row.delivery_status != "failed" or row.error_code != 131047:
                    return None
                expected: tuple[str, ...] = ("accepted",)
            elif row.send_state in SETTLED:
                return None
            elif row.send_state == "sending":
                if await self._settle_lost_send(repo, row.id, row.wamid):
                    return None
                since = row.sending_since or now
                waited = (now - since).total_seconds()
                if waited < self._settings.whatsapp_reconcile_seconds:
                    raise SendUnsettledError(
                        "an earlier send of this reply may have reached WhatsApp; waiting for its status",
                        delay=self._settings.whatsapp_reconcile_seconds - waited,
                    )
                log.warning("whatsapp.send.resending_unconfirmed", outbound_id=row.id, waited_s=round(waited))
                expected = ("sending",)
            else:
                expected = ("pending",)
            reply = Reply.model_validate(row.reply)
            guest = GuestKey(row.phone_number_id, row.wa_id)
            window_open = await self._window_open(repo, guest, now)
            plan = self._plan(row.id, row.wa_id, reply, use_template=force_template or not window_open)
            if plan is None:
                if reengage:
                    return None  # stays failed with 131047, visible to operators
                await repo.update_outbound(
                    row.id, send_state="skipped", error_title="outside_window", error_detail=OUTSIDE_WINDOW
                )
                metrics.OUTBOUND.labels("skipped", "").inc()
                log.warning(
                    "whatsapp.send.skipped_outside_window", outbound_id=row.id, reply_key=row.reply_key
                )
                return None
            kind, body = plan
            if fence is not None:
                await fence.check(repo)
            values: dict[str, Any] = {"sending_since": now, "kind": kind, "request_body": body}
            if reengage:
                values.update(wamid=None, delivery_status=None, delivery_rank=0, delivery_status_at=None)
            if not await repo.claim_send(row.id, expected, values):
                return None
            return row.phone_number_id, kind, body

    async def _settle_lost_send(self, repo: WhatsAppRepository, outbound_id: int, wamid: str | None) -> bool:
        """A status webhook carrying this row's callback data proves the earlier send reached Meta."""
        if wamid is not None:
            await repo.update_outbound(outbound_id, send_state="accepted")
            return True
        event = await repo.status_event_by_callback(callback_data(outbound_id))
        if event is None:
            return False
        if await repo.adopt_wamid(outbound_id, event.wamid, event.occurred_at):
            await apply_known_events(repo, event.wamid)
        log.info("whatsapp.send.recovered", outbound_id=outbound_id, wamid=event.wamid)
        metrics.OUTBOUND.labels("recovered", "").inc()
        return True

    async def _window_open(self, repo: WhatsAppRepository, guest: GuestKey, now: datetime) -> bool:
        last = await repo.last_inbound_at(guest)
        return last is not None and now - last < SERVICE_WINDOW - WINDOW_MARGIN

    def _plan(
        self, outbound_id: int, to: str, reply: Reply, *, use_template: bool
    ) -> tuple[str, dict[str, Any]] | None:
        callback = callback_data(outbound_id)
        if not use_template:
            return free_form_body(to, reply, callback)
        found = template_for(self._settings.whatsapp_templates, reply)
        if found is None:
            return None
        code, ref = found
        return "template", template_body(to, reply, ref, code, callback)

    async def _record_failure(
        self, outbound_id: int, exc: WhatsAppOperationalError | WhatsAppRequestError, *, state: str
    ) -> None:
        async with session_scope(self._sessionmaker) as session:
            await WhatsAppRepository(session).update_outbound(
                outbound_id,
                send_state=state,
                error_code=exc.code,
                error_title=(exc.title or type(exc).__name__)[:256],
                error_detail=(exc.details or str(exc))[:2000],
            )
        result = "failed" if state == "failed" else "retried"
        metrics.OUTBOUND.labels(result, str(exc.code or exc.status_code or "")).inc()
        log.warning(
            "whatsapp.send.error",
            outbound_id=outbound_id,
            result=result,
            code=exc.code,
            status=exc.status_code,
        )

    async def _record_accepted(self, outbound_id: int, wamid: str, received_at: datetime | None) -> None:
        now = self._clock()
        async with session_scope(self._sessionmaker) as session:
            repo = WhatsAppRepository(session)
            await repo.update_outbound(
                outbound_id,
                send_state="accepted",
                wamid=wamid,
                accepted_at=now,
                error_code=None,
                error_title=None,
                error_detail=None,
            )
            await apply_known_events(repo, wamid)
        metrics.OUTBOUND.labels("accepted", "").inc()
        if received_at is not None:
            metrics.PROCESSING_LATENCY.observe(max(0.0, (now - received_at).total_seconds()))
        log.info("whatsapp.send.accepted", outbound_id=outbound_id, wamid=wamid)
