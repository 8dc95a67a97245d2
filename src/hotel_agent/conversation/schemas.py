"""What goes into and comes out of one conversation turn."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field


class ReplyKind(StrEnum):
    TEXT = "text"
    BUTTONS = "buttons"  # up to 3 quick-reply buttons (WhatsApp limit)
    LIST = "list"  # up to 10 rows (WhatsApp limit)


class ReplyOption(BaseModel):
    """A choice the guest can tap; `id` comes back as the next inbound message's `choice_id`."""

    id: str
    title: str
    description: str | None = None


class Reply(BaseModel):
    """One outbound message; `key` is the template it was rendered from."""

    key: str
    language: str
    text: str
    kind: ReplyKind = ReplyKind.TEXT
    options: list[ReplyOption] = Field(default_factory=list)
    # For list messages: the label of the button that opens the list.
    list_button: str | None = None


Attachment = Literal["audio", "image", "video", "document", "sticker", "location", "other"]


class InboundMessage(BaseModel):
    """A guest message from any channel, normalised."""

    conversation_id: str = Field(min_length=1, max_length=128)
    text: str = Field(default="", max_length=4096)
    # The provider's message id (WhatsApp wamid): makes PMS writes idempotent across retries.
    message_id: str | None = Field(default=None, max_length=256)
    # The id of a tapped button or list row, which drives the conversation like typed text would.
    choice_id: str | None = Field(default=None, max_length=256)
    # Guest's phone when the channel knows it (WhatsApp); stored on bookings.
    sender_phone: str | None = Field(default=None, max_length=32)
    # Injectable clock for relative dates ("tomorrow"); the current time when None.
    now: datetime | None = None
    # Where the message came from (a metrics label); set by the channel, never by the guest.
    channel: Literal["api", "whatsapp", "cli", "simulator"] = "api"
    # The language to read the message in, skipping detection (the admin simulator's language choice);
    # None for guests: their language is detected.
    language: str | None = Field(default=None, max_length=16)
    # What the guest sent instead of text (a voice note, a photo, a location...): the engine answers it,
    # the channel only says what it received.
    attachment: Attachment | None = None


class TurnResult(BaseModel):
    conversation_id: str
    language: str
    intent: str | None
    confidence: float | None
    stage: str
    replies: list[Reply]
    handoff: bool = False
