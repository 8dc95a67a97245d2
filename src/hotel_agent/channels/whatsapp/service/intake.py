"""Webhook intake: parse a signed delivery into rows, once per message and status (and one per item that
could not be read: service/items.py); intake_writer.py stores them (insert-if-absent on the wamid, so a
redelivery, even a simultaneous one, is a no-op) and queues the guests with new messages, all before the
2xx."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import structlog
from pydantic import ValidationError

from hotel_agent.channels.whatsapp import metrics
from hotel_agent.channels.whatsapp.schemas import IntakeResult, Message, Status, WebhookPayload
from hotel_agent.channels.whatsapp.security import tokens_match
from hotel_agent.channels.whatsapp.service.items import (
    ReadChange,
    Rejection,
    read_item_by_item,
    read_validated,
    storable,
)
from hotel_agent.config import Settings
from hotel_agent.errors import BadRequestError, ForbiddenError

log = structlog.get_logger(__name__)

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
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


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
    rejected: dict[str, dict[str, Any]] = field(default_factory=dict)  # by digest
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
        """The messages and statuses of one (already authenticated) delivery, deduplicated within it.

        Only a body that is not JSON is refused (400). Anything else Meta signed is acknowledged: the
        items that validate are stored, the others kept as rejected items (service/items.py).
        """
        try:
            # pydantic parses and validates in one pass (no intermediate dicts of Python objects).
            read = read_validated(WebhookPayload.model_validate_json(body))
        except ValidationError as exc:
            if any(error["type"] == "json_invalid" for error in exc.errors(include_url=False)):
                raise BadRequestError("request body is not valid JSON") from None
            # Valid JSON (pydantic just parsed it, depth and encoding included) that is not all valid.
            read = read_item_by_item(json.loads(body))
        delivery = Delivery()
        for rejection in read.rejected:
            self._reject(rejection, received_at, delivery)
        if read.object is None:
            return delivery
        if read.object != WHATSAPP_OBJECT:
            delivery.result.ignored += 1
            metrics.WEBHOOKS.labels("object.other").inc()
            return delivery
        for change in read.changes:
            self._collect(change, received_at, delivery)
        return delivery

    @staticmethod
    def _reject(rejection: Rejection, received_at: datetime, delivery: Delivery) -> None:
        delivery.result.rejected += 1
        metrics.REJECTED_ITEMS.labels(rejection.kind).inc()
        log.warning(
            "whatsapp.webhook.item_rejected",
            kind=rejection.kind,
            location=rejection.location,
            reason=rejection.reason,
        )
        number = rejection.phone_number_id
        delivery.rejected.setdefault(
            rejection.digest,
            {
                "digest": rejection.digest,
                "kind": rejection.kind,
                "location": rejection.location[:128],
                "reason": storable(rejection.reason),
                "wamid": rejection.wamid,
                "phone_number_id": storable(number)[:64] if isinstance(number, str) else None,
                "payload": storable(rejection.raw),
                "received_at": received_at,
            },
        )

    def _collect(self, change: ReadChange, received_at: datetime, delivery: Delivery) -> None:
        messages, statuses, result = delivery.messages, delivery.statuses, delivery.result
        if change.field_name != "messages":
            result.ignored += 1
            metrics.WEBHOOKS.labels(
                f"field.{change.field_name if change.field_name in KNOWN_FIELDS else 'other'}"
            ).inc()
            return
        phone_number_id = change.phone_number_id
        hotel = self._settings.whatsapp_hotel_for(phone_number_id) if phone_number_id else None
        if phone_number_id is None or hotel is None:
            count = len(change.messages) + len(change.statuses)
            result.ignored += count
            metrics.WEBHOOKS.labels("unknown_number").inc(count)
            log.warning(
                "whatsapp.webhook.unknown_number", phone_number_id=(phone_number_id or "")[:64], items=count
            )
            return
        for message in change.messages:
            metrics.WEBHOOKS.labels(
                f"message.{message.type if message.type in KNOWN_TYPES else 'other'}"
            ).inc()
            if message.id in messages:
                result.duplicates += 1
                metrics.DUPLICATES.labels("message").inc()
                continue
            messages[message.id] = storable(self._message_row(message, phone_number_id, hotel, received_at))
        for status in change.statuses:
            label = status.status if status.status in KNOWN_STATUSES else "other"
            metrics.WEBHOOKS.labels(f"status.{label}").inc()
            if (status.id, status.status) in statuses:
                result.duplicates += 1
                metrics.DUPLICATES.labels("status").inc()
                continue
            statuses[(status.id, status.status)] = storable(self._status_row(status))

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
        if error_code is not None and not INT32_MIN <= error_code <= INT32_MAX:
            error_code = None  # not one of Meta's codes, and past the column: the payload keeps it
        return {
            "wamid": status.id,
            "status": status.status[:16],
            "recipient_id": (status.recipient_id or "")[:32] or None,
            "occurred_at": status.occurred_at,
            "callback_data": (status.biz_opaque_callback_data or "")[:512] or None,
            "error_code": error_code,
            "payload": status.model_dump(mode="json", by_alias=True, exclude_none=True),
        }
