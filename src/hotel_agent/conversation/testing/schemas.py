"""The YAML format of test conversations (see docs/conversation-tests.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TurnExpectation(Strict):
    """What the bot's answer to one guest turn must show; every field is optional."""

    replies: list[str] = Field(default_factory=list, description="reply keys that must all appear")
    not_replies: list[str] = Field(default_factory=list, description="reply keys that must not appear")
    stage: str | None = None
    intent: str | None = None
    language: str | None = None
    says: list[str] = Field(default_factory=list, description="regexes the reply text must match")


class GuestTurn(Strict):
    """One guest message: typed `text`, or a tapped button/list row `tap` (its id)."""

    text: str | None = None
    tap: str | None = None
    # Control steps (no message is sent): the PMS goes down / comes back, or a pause in seconds.
    pms: str | None = Field(default=None, pattern="^(down|up)$")
    wait: float | None = Field(default=None, ge=0, le=120)
    expect: TurnExpectation | None = None

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        # A bare string is a typed message.
        return {"text": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_action(self) -> GuestTurn:
        actions = [a for a in (self.text, self.tap, self.pms, self.wait) if a is not None]
        if len(actions) != 1:
            raise ValueError("a turn is exactly one of: text, tap, pms, wait")
        if self.expect is not None and (self.pms is not None or self.wait is not None):
            raise ValueError("control steps (pms, wait) carry no expectation")
        return self

    @property
    def sends(self) -> bool:
        return self.text is not None or self.tap is not None


class BookingFields(Strict):
    """Fields of a booking; unset fields are not checked."""

    room_type: str | None = None
    checkin: date | None = None
    checkout: date | None = None
    adults: int | None = None
    children: int | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    status: str | None = Field(default=None, pattern="^(confirmed|cancelled)$")


class GivenBooking(Strict):
    """A booking that exists before the conversation starts; `{name}` in guest text is its reference."""

    room_type: str
    checkin: date
    checkout: date
    adults: int = 2
    children: int = 0
    name: str = "Test Guest"
    email: str = "guest@example.com"
    phone: str | None = "+351912345678"


class PmsExpectation(Strict):
    """The PMS after the conversation.

    `booked`: the one booking the conversation must have made (null or absent: it must make none).
    `given`: what each given booking must look like now (cancelled, changed, unchanged).
    """

    booked: BookingFields | None = None
    given: dict[str, BookingFields] = Field(default_factory=dict)


class TestConversation(Strict):
    name: str = Field(min_length=1, max_length=200)
    language: str | None = None
    flow: str | None = None
    notes: str | None = None
    now: datetime | None = None
    given: dict[str, GivenBooking] = Field(default_factory=dict)
    turns: list[GuestTurn] = Field(min_length=1)
    pms: PmsExpectation = Field(default_factory=PmsExpectation)


class TestFile(Strict):
    """One YAML file: defaults for its conversations, then the conversations."""

    now: datetime | None = None
    language: str | None = None
    conversations: list[TestConversation] = Field(min_length=1)
