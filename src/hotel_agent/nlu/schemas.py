"""Typed results of parsing one guest message; the shape of `nlu parse` and POST /api/v1/nlu/parse."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Intent = Literal[
    "greeting",
    "check_availability",
    "make_reservation",
    "booking_status",
    "cancel_reservation",
    "modify_reservation",
    "hotel_info",
    "price_inquiry",
    "human_handoff",
    "goodbye",
    "thanks",
    "out_of_scope",
    "affirm",
    "deny",
]

INTENTS: tuple[Intent, ...] = Intent.__args__  # type: ignore[attr-defined]


class Entities(BaseModel):
    """What a message states about a stay; every field is optional and absent ones are omitted in JSON."""

    model_config = ConfigDict(extra="forbid")

    checkin: date | None = None
    checkout: date | None = None
    nights: int | None = Field(default=None, ge=1, le=365)
    adults: int | None = Field(default=None, ge=0, le=50)
    children: int | None = Field(default=None, ge=0, le=50)
    # Ages said for children ("our 4 year old", "niños de 5 y 8"), one per child, in the order said.
    child_ages: list[int] | None = None
    room_type: str | None = None
    booking_ref: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None

    def present(self) -> dict[str, object]:
        """The stated entities only, JSON-ready (ISO dates)."""
        return self.model_dump(mode="json", exclude_none=True)


class ParseResult(BaseModel):
    """Language, intent with its confidence, and entities of one message."""

    language: str
    intent: Intent
    confidence: float = Field(ge=0.0, le=1.0)
    entities: Entities = Field(default_factory=Entities)

    def as_json(self) -> dict[str, object]:
        return {
            "language": self.language,
            "intent": self.intent,
            "confidence": round(self.confidence, 4),
            "entities": self.entities.present(),
        }


class RoomTypeVocabulary(BaseModel):
    """How guests may name one of the hotel's room types, per language."""

    code: str
    category: str
    names: dict[str, list[str]] = Field(default_factory=dict)
