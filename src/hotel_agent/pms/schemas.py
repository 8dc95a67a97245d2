"""What crosses the PMS port, independent of any vendor."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

MAX_STAY_NIGHTS = 60


class HotelProfile(BaseModel):
    """Everything the conversation may tell a guest about the hotel."""

    hotel_id: str
    name: str
    address: str
    city: str
    country: str
    phone: str
    email: str
    timezone: str
    currency: str
    checkin_time: time
    checkout_time: time
    default_language: str
    languages: list[str]
    amenities: dict[str, list[str]] = Field(default_factory=dict)
    # topic -> language -> text, e.g. {"parking": {"en": "...", "es": "..."}}
    policies: dict[str, dict[str, str]] = Field(default_factory=dict)


class RoomTypeInfo(BaseModel):
    code: str
    category: str
    names: dict[str, str]
    descriptions: dict[str, str] = Field(default_factory=dict)
    max_adults: int
    max_children: int
    max_guests: int

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or next(iter(self.names.values()))

    def fits(self, adults: int, children: int) -> bool:
        return (
            adults <= self.max_adults
            and children <= self.max_children
            and adults + children <= self.max_guests
        )


class StayRequest(BaseModel):
    """Dates and party, validated once for every adapter."""

    model_config = ConfigDict(frozen=True)

    checkin: date
    checkout: date
    adults: int = Field(default=1, ge=1, le=20)
    children: int = Field(default=0, ge=0, le=20)

    @model_validator(mode="after")
    def _dates(self) -> StayRequest:
        if self.checkout <= self.checkin:
            raise ValueError("checkout must be after checkin")
        if (self.checkout - self.checkin).days > MAX_STAY_NIGHTS:
            raise ValueError(f"stays are limited to {MAX_STAY_NIGHTS} nights")
        return self

    @property
    def nights(self) -> int:
        return (self.checkout - self.checkin).days


class AvailabilityQuery(StayRequest):
    room_type: str | None = None


class NightlyPrice(BaseModel):
    date: date
    amount: Decimal


class RoomOffer(BaseModel):
    """One room type that fits the party, with its price for these dates."""

    room_type: str
    names: dict[str, str]
    max_adults: int
    max_children: int
    max_guests: int
    nightly: list[NightlyPrice]
    total: Decimal
    currency: str
    rooms_left: int

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.room_type


class AvailabilityResult(BaseModel):
    query: AvailabilityQuery
    offers: list[RoomOffer]
    currency: str


class GuestDetails(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    phone: str | None = Field(default=None, max_length=32)


class BookingRequest(StayRequest):
    room_type: str
    guest: GuestDetails
    # Derived from the guest's message id: a retry with the same key never makes a second booking.
    idempotency_key: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=1000)


class BookingChange(BaseModel):
    """Fields to change on a booking; unset fields keep their value."""

    checkin: date | None = None
    checkout: date | None = None
    adults: int | None = Field(default=None, ge=1, le=20)
    children: int | None = Field(default=None, ge=0, le=20)
    room_type: str | None = None

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_none=True)


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class Booking(BaseModel):
    reference: str
    status: BookingStatus
    room_type: str
    room_type_names: dict[str, str] = Field(default_factory=dict)
    checkin: date
    checkout: date
    adults: int
    children: int
    guest_name: str
    guest_email: str
    guest_phone: str | None = None
    total: Decimal
    currency: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None

    @property
    def nights(self) -> int:
        return (self.checkout - self.checkin).days

    def room_type_name(self, language: str) -> str:
        names = self.room_type_names
        return names.get(language) or names.get("en") or self.room_type
