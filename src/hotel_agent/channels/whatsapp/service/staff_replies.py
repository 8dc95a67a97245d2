"""Staff answering a handed-off WhatsApp conversation: the transcript, the 24-hour window, the reply.

A staff reply is a row of the same outbox as the bot's replies (attached to the guest's latest message,
at a position from STAFF_POSITION on, so it never collides with the bot's own replies to that message)
and goes out through the same sender: inside the 24-hour customer-service window as text; outside it
only as the approved template configured for `staff.reply` (or "*") in WHATSAPP_TEMPLATES, with the text
as its parameter; with no such template it is not sent (`skipped`) and the page says so beforehand.
The send happens while the operator waits, so the page shows what WhatsApp answered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.channels.whatsapp.repository import GuestKey, WhatsAppRepository
from hotel_agent.channels.whatsapp.service.outbox import SERVICE_WINDOW, WINDOW_MARGIN, OutboxSender
from hotel_agent.config import Settings
from hotel_agent.conversation.schemas import Reply
from hotel_agent.db import session_scope
from hotel_agent.errors import NotFoundError, UnprocessableError
from hotel_agent.kit.clock import Clock, utc_now

log = structlog.get_logger(__name__)

STAFF_REPLY_KEY = "staff.reply"
STAFF_POSITION = 100
MAX_STAFF_TEXT = 4096


def guest_of(conversation_id: str) -> GuestKey | None:
    """`wa:<phone_number_id>:<wa_id>` (the intake's ids) -> the guest; None for other channels."""
    prefix, _, rest = conversation_id.partition(":")
    phone_number_id, _, wa_id = rest.partition(":")
    if prefix != "wa" or not phone_number_id or not wa_id:
        return None
    return GuestKey(phone_number_id, wa_id)


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    at: datetime
    # guest | bot | staff
    author: str
    text: str
    state: str | None = None
    kind: str | None = None
    # What WhatsApp said when a reply was refused or skipped.
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class ReplyWindow:
    """How a reply would go out now: as text (`open`), as `template`, or not at all."""

    open: bool
    closes_at: datetime | None
    template: str | None

    @property
    def can_send(self) -> bool:
        return self.open or self.template is not None


@dataclass(frozen=True, slots=True)
class StaffReplyResult:
    # accepted | skipped | failed | pending
    state: str
    kind: str | None
    detail: str | None


class StaffReplies:
    def __init__(
        self,
        *,
        settings: Settings,
        sessionmaker: async_sessionmaker[AsyncSession],
        write_sessionmaker: async_sessionmaker[AsyncSession],
        sender: OutboxSender,
        clock: Clock = utc_now,
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._write_sessionmaker = write_sessionmaker
        self._sender = sender
        self._clock = clock

    async def transcript(self, conversation_id: str, limit: int = 200) -> list[TranscriptLine]:
        """The guest's messages and every reply to them (bot and staff), oldest first."""
        async with self._sessionmaker() as session:
            pairs = await WhatsAppRepository(session).conversation_messages(conversation_id, limit)
        lines: list[TranscriptLine] = []
        for inbound, replies in pairs:
            text = inbound.text or f"[{inbound.message_type}]"
            lines.append(TranscriptLine(inbound.wa_timestamp, "guest", text, kind=inbound.message_type))
            for reply in replies:
                author = "staff" if reply.position >= STAFF_POSITION else "bot"
                lines.append(
                    TranscriptLine(
                        reply.accepted_at or reply.created_at,
                        author,
                        str(reply.reply.get("text", "")),
                        state=reply.delivery_status or reply.send_state,
                        kind=reply.kind,
                        problem=reply.error_title if reply.send_state in {"failed", "skipped"} else None,
                    )
                )
        return lines

    async def window(self, conversation_id: str, language: str) -> ReplyWindow:
        guest = self._guest(conversation_id)
        async with self._sessionmaker() as session:
            last = await WhatsAppRepository(session).last_inbound_at(guest)
        closes_at = last + SERVICE_WINDOW - WINDOW_MARGIN if last is not None else None
        is_open = closes_at is not None and self._clock() < closes_at
        template = self._template(language)
        return ReplyWindow(open=is_open, closes_at=closes_at, template=template)

    async def send(self, conversation_id: str, text: str, language: str, staff: str) -> StaffReplyResult:
        """Send `text` to the guest now (text or approved template, by the window); what WhatsApp said."""
        text = text.strip()
        if not text:
            raise UnprocessableError("the reply is empty")
        if len(text) > MAX_STAFF_TEXT:
            raise UnprocessableError(f"the reply has {len(text)} characters; WhatsApp takes {MAX_STAFF_TEXT}")
        guest = self._guest(conversation_id)
        reply = Reply(key=STAFF_REPLY_KEY, language=language, text=text)
        async with session_scope(self._write_sessionmaker) as session:
            repo = WhatsAppRepository(session)
            latest = await repo.latest_inbound(guest)
            if latest is None:
                raise NotFoundError(f"conversation {conversation_id} has no WhatsApp message to answer")
            position = max(STAFF_POSITION, await repo.next_outbox_position(latest.wamid))
            outbound_id = await repo.add_outbound(
                {
                    "inbound_wamid": latest.wamid,
                    "position": position,
                    "phone_number_id": guest.phone_number_id,
                    "wa_id": guest.wa_id,
                    "reply_key": STAFF_REPLY_KEY,
                    "language": language[:16],
                    "reply": reply.model_dump(mode="json"),
                    "send_state": "pending",
                    "send_attempts": 0,
                    "delivery_rank": 0,
                }
            )
        await self._sender.send_one(outbound_id)
        async with self._sessionmaker() as session:
            row = await WhatsAppRepository(session).get_outbound(outbound_id)
        log.info(
            "whatsapp.staff_reply", outbound_id=outbound_id, state=row.send_state, kind=row.kind, staff=staff
        )
        return StaffReplyResult(
            state=row.send_state, kind=row.kind, detail=row.error_detail or row.error_title
        )

    def _template(self, language: str) -> str | None:
        for key in (STAFF_REPLY_KEY, "*"):
            ref = self._settings.whatsapp_templates.get(key)
            if ref is not None and (ref.languages.get(language) or ref.languages.get(language.split("-")[0])):
                return ref.name
        return None

    @staticmethod
    def _guest(conversation_id: str) -> GuestKey:
        guest = guest_of(conversation_id)
        if guest is None:
            raise UnprocessableError(
                f"conversation {conversation_id} is not a WhatsApp conversation; answer it on its channel"
            )
        return guest
