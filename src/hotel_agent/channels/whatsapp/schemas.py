"""The WhatsApp Cloud API webhook payload, as Meta sends it (docs/whatsapp.md).

Only what we read is typed; everything else is kept (`extra="allow"`) so the stored payload is the message
as it arrived. Optional means optional: Meta adds and drops fields (pricing, conversation) between API
versions, and a payload we cannot fully type must still be acknowledged, never bounced for days.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field


class _Payload(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Metadata(_Payload):
    display_phone_number: str | None = None
    phone_number_id: str


class Profile(_Payload):
    name: str | None = None


class Contact(_Payload):
    wa_id: str
    profile: Profile | None = None


class Text(_Payload):
    body: str = ""


class ButtonReply(_Payload):
    id: str
    title: str = ""


class ListReply(_Payload):
    id: str
    title: str = ""
    description: str | None = None


class Interactive(_Payload):
    type: str
    button_reply: ButtonReply | None = None
    list_reply: ListReply | None = None


class TemplateButton(_Payload):
    """A quick-reply button of a template message the guest tapped."""

    text: str = ""
    payload: str | None = None


class Location(_Payload):
    latitude: float | None = None
    longitude: float | None = None
    name: str | None = None
    address: str | None = None


class Media(_Payload):
    id: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    voice: bool | None = None


class Reaction(_Payload):
    message_id: str | None = None
    emoji: str | None = None


class Context(_Payload):
    id: str | None = None
    from_: str | None = Field(default=None, alias="from")


class ErrorData(_Payload):
    details: str | None = None


class ApiError(_Payload):
    code: int | None = None
    title: str | None = None
    message: str | None = None
    error_data: ErrorData | None = None


class Message(_Payload):
    from_: str = Field(alias="from")
    id: str = Field(min_length=1, max_length=255)  # the wamid column; Meta's are ~60 characters
    timestamp: str
    type: str
    text: Text | None = None
    interactive: Interactive | None = None
    button: TemplateButton | None = None
    location: Location | None = None
    image: Media | None = None
    audio: Media | None = None
    video: Media | None = None
    document: Media | None = None
    sticker: Media | None = None
    reaction: Reaction | None = None
    context: Context | None = None
    errors: list[ApiError] | None = None

    @property
    def sent_at(self) -> datetime:
        return from_unix(self.timestamp)


class Status(_Payload):
    id: str = Field(min_length=1, max_length=255)
    status: str
    timestamp: str
    recipient_id: str | None = None
    biz_opaque_callback_data: str | None = None
    errors: list[ApiError] | None = None

    @property
    def occurred_at(self) -> datetime:
        return from_unix(self.timestamp)


class ChangeValue(_Payload):
    messaging_product: str | None = None
    metadata: Metadata | None = None
    contacts: list[Contact] = Field(default_factory=list)
    messages: list[Message] = Field(default_factory=list)
    statuses: list[Status] = Field(default_factory=list)


class Change(_Payload):
    field: str
    value: ChangeValue = Field(default_factory=ChangeValue)


class Entry(_Payload):
    id: str
    changes: list[Change] = Field(default_factory=list)


class WebhookPayload(_Payload):
    object: str
    entry: list[Entry] = Field(default_factory=list)


class IntakeResult(BaseModel):
    """What one webhook delivery did (logged and returned to the caller)."""

    messages_stored: int = 0
    duplicates: int = 0
    statuses_stored: int = 0
    ignored: int = 0
    rejected: int = 0  # items that could not be read: kept for an operator (`whatsapp rejected list`)


def from_unix(timestamp: str) -> datetime:
    try:
        return datetime.fromtimestamp(int(timestamp), UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.now(UTC)
