"""Webhook intake: parse a signed delivery into rows, once per message and status; intake_writer.py stores
them (insert-if-absent on the wamid, so a redelivery, even a simultaneous one, is a no-op) and queues the
guests with new messages, all before the 2xx."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import structlog
from pydantic import ValidationError

from hotel_agent.channels.whatsapp import metrics
from hotel_agent.channels.whatsapp.schemas import ChangeValue, IntakeResult, Message, Status, WebhookPayload
from hotel_agent.channels.whatsapp.security import tokens_match
from hotel_agent.config import Settings
from hotel_agent.errors import BadRequestError, ForbiddenError

log = structlog.get_logger("hotel_agent.whatsapp")

WHATSAPP_OBJECT = "whatsapp_business_account"
# Message types that go through the conversation; the rest get a canned reply or are ignored.
IGNORED_TYPES = frozenset({"reaction", "system", "request_welcome", "ephemeral"})
KNOWN_TYPES = frozenset(
    {
        "text",
        "interactive",
        "button",
        "location",
        "image",
        "audio",
        "video",
        "document",
        "sticker",
        "contacts",
        "order",
        "unsupported",
        "unknown",
        *IGNORED_TYPES,
    }
)
KNOWN_STATUSES = frozenset({"sent", "delivered", "read", "played", "failed", "deleted", "warning"})
KNOWN_FIELDS = frozenset(
    {"messages", "message_template_status_update", "account_update", "phone_number_quality_update"}
)
MAX_TEXT = 4096


@dataclass(frozen=True)
class NormalisedMessage:
    """What processing needs from a message, whatever its WhatsApp type."""

    message_type: str
    text: str | None
    choice_id: str | None
    context_wamid: str | None


@dataclass
class Delivery:
    """One webhook delivery, parsed: its messages by wamid, its statuses by (wamid, status)."""

    messages: dict[str, dict[str, Any]] = field(default_factory=dict)
    statuses: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    result: IntakeResult = field(default_factory=IntakeResult)


def normalise(message: Message) -> NormalisedMessage:
    """Text and taps drive the conversation; the tapped option's id is its `choice_id`."""
    text: str | None = None
    choice_id: str | None = None
    kind = message.type
    if kind == "text" and message.text is not None:
        text = message.text.body
    elif kind == "interactive" and message.interactive is not None:
        reply = message.interactive.button_reply or message.interactive.list_reply
        if reply is not None:
            choice_id, text = reply.id, reply.title
        else:
            kind = "unsupported"  # nfm_reply (Flows) and other interactive answers we did not ask for
    elif kind == "button" and message.button is not None:
        choice_id, text = message.button.payload, message.button.text
    elif kind in ("image", "video", "document", "sticker", "audio"):
        media = getattr(message, kind)
        text = media.caption if media is not None else None
    elif kind == "location" and message.location is not None:
        text = message.location.name or message.location.address
    elif kind not in KNOWN_TYPES:
        kind = "unsupported"
    return NormalisedMessage(
        message_type=kind,
        text=text[:MAX_TEXT] if text else None,
        choice_id=choice_id[:256] if choice_id else None,
        context_wamid=message.context.id if message.context is not None else None,
    )


def conversation_id(phone_number_id: str, wa_id: str) -> str:
    return f"wa:{phone_number_id}:{wa_id}"


class DeliveryWriter(Protocol):
    async def write(self, delivery: Delivery) -> IntakeResult: ...


class WebhookIntake:
    def __init__(self, settings: Settings, writer: DeliveryWriter) -> None:
        self._settings = settings
        self._writer = writer

    async def receive(self, body: bytes, received_at: datetime) -> IntakeResult:
        """Store one authenticated delivery; returns once it is committed and its jobs are enqueued."""
        return await self._writer.write(self.parse(body, received_at))

    def verify_subscription(self, mode: str | None, token: str | None, challenge: str | None) -> str:
        """Meta's handshake: the challenge back when mode is subscribe and the token matches."""
        expected = self._settings.whatsapp_verify_token
        if (
            mode != "subscribe"
            or challenge is None
            or expected is None
            or not tokens_match(token, expected.get_secret_value())
        ):
            raise ForbiddenError("verification failed: wrong hub.mode or hub.verify_token")
        return challenge

    def parse(self, body: bytes, received_at: datetime) -> Delivery:
        """The messages and statuses of one (already authenticated) delivery, deduplicated within it."""
        try:
            # pydantic parses and validates in one pass (no intermediate dicts of Python objects).
            payload = WebhookPayload.model_validate_json(body)
        except ValidationError as exc:
            if any(error["type"] == "json_invalid" for error in exc.errors(include_url=False)):
                raise BadRequestError("request body is not valid JSON") from None
            raise BadRequestError("request body is not a WhatsApp webhook payload") from None
        delivery = Delivery()
        if payload.object != WHATSAPP_OBJECT:
            delivery.result.ignored += 1
            metrics.WEBHOOKS.labels("object.other").inc()
            return delivery
        for entry in payload.entry:
            for change in entry.changes:
                self._collect(change.field, change.value, received_at, delivery)
        if b"\\u0000" in body:  # JSON's only way to carry a NUL, which PostgreSQL text and jsonb refuse
            delivery.messages = {key: _without_nul(row) for key, row in delivery.messages.items()}
            delivery.statuses = {key: _without_nul(row) for key, row in delivery.statuses.items()}
        return delivery

    def _collect(
        self, field_name: str, value: ChangeValue, received_at: datetime, delivery: Delivery
    ) -> None:
        messages, statuses, result = delivery.messages, delivery.statuses, delivery.result
        if field_name != "messages":
            result.ignored += 1
            metrics.WEBHOOKS.labels(f"field.{field_name if field_name in KNOWN_FIELDS else 'other'}").inc()
            return
        phone_number_id = value.metadata.phone_number_id if value.metadata is not None else None
        hotel = self._settings.whatsapp_hotel_for(phone_number_id) if phone_number_id else None
        if phone_number_id is None or hotel is None:
            count = len(value.messages) + len(value.statuses)
            result.ignored += count
            metrics.WEBHOOKS.labels("unknown_number").inc(count)
            log.warning("whatsapp.webhook.unknown_number", phone_number_id=phone_number_id, items=count)
            return
        for message in value.messages:
            metrics.WEBHOOKS.labels(
                f"message.{message.type if message.type in KNOWN_TYPES else 'other'}"
            ).inc()
            if message.id in messages:
                result.duplicates += 1
                metrics.DUPLICATES.labels("message").inc()
                continue
            messages[message.id] = self._message_row(message, phone_number_id, hotel, received_at)
        for status in value.statuses:
            label = status.status if status.status in KNOWN_STATUSES else "other"
            metrics.WEBHOOKS.labels(f"status.{label}").inc()
            if (status.id, status.status) in statuses:
                result.duplicates += 1
                metrics.DUPLICATES.labels("status").inc()
                continue
            statuses[(status.id, status.status)] = self._status_row(status)

    @staticmethod
    def _message_row(
        message: Message, phone_number_id: str, hotel: str, received_at: datetime
    ) -> dict[str, Any]:
        normalised = normalise(message)
        return {
            "wamid": message.id,
            "phone_number_id": phone_number_id,
            "hotel_code": hotel,
            "wa_id": message.from_[:32],
            "conversation_id": conversation_id(phone_number_id, message.from_[:32]),
            "message_type": normalised.message_type,
            "text": normalised.text,
            "choice_id": normalised.choice_id,
            # Not ours to trust: a reply's context id longer than the column is dropped, not stored.
            "context_wamid": normalised.context_wamid if len(normalised.context_wamid or "") <= 255 else None,
            "payload": message.model_dump(mode="json", by_alias=True, exclude_none=True),
            "wa_timestamp": message.sent_at,
            "received_at": received_at,
            "status": "ignored" if normalised.message_type in IGNORED_TYPES else "pending",
            "attempts": 0,
        }

    @staticmethod
    def _status_row(status: Status) -> dict[str, Any]:
        error_code = status.errors[0].code if status.errors else None
        return {
            "wamid": status.id,
            "status": status.status[:16],
            "recipient_id": (status.recipient_id or "")[:32] or None,
            "occurred_at": status.occurred_at,
            "callback_data": (status.biz_opaque_callback_data or "")[:512] or None,
            "error_code": error_code,
            "payload": status.model_dump(mode="json", by_alias=True, exclude_none=True),
        }


def _without_nul(value: Any) -> Any:
    """The value with NUL characters removed from every string in it (a row, its JSON payload)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value
