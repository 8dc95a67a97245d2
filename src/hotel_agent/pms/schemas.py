"""What crosses the PMS port, independent of any vendor."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

import phonenumbers
from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

MAX_STAY_NIGHTS = 60


def normalize_phone(raw: str, default_region: str | None = None) -> str:
    """A guest phone in E.164 (`+351912345678`); raises ValueError when it is not a valid number.

    Without `default_region` the number must carry its country code (`+351 ...` or `00351 ...`), the
    form WhatsApp gives (`+<wa_id>`); with it (the hotel's country, ISO 3166 alpha-2) a national number
    such as `912 345 678` is read as a number of that country. Validity is libphonenumber's: a number
    of a length and prefix that exists, so a PMS and the front desk can actually call it.
    """
    text = raw.strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number with its country code: {exc}") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


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
    # E.164, normalised on the way in (see `normalize_phone`). QloApps refuses a booking without one,
    # so `create_booking` raises InvalidPmsRequestError there when it is missing (see PmsAdapter).
    phone: str | None = Field(default=None, max_length=32)

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        return None if value is None or not value.strip() else normalize_phone(value)


class BookingRequest(StayRequest):
    room_type: str
    guest: GuestDetails
    # Derived from the guest's message id: a retry with the same key never makes a second booking.
    idempotency_key: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=1000)


class BookedStay(StayRequest):
    """The stay a booking holds (or would hold after a change): dates, party and room type."""

    room_type: str

    def availability_query(self) -> AvailabilityQuery:
        """The search that finds and prices exactly this stay."""
        return AvailabilityQuery(
            checkin=self.checkin,
            checkout=self.checkout,
            adults=self.adults,
            children=self.children,
            room_type=self.room_type,
        )


class BookingChange(BaseModel):
    """Fields to change on a booking; unset fields keep their value."""

    checkin: date | None = None
    checkout: date | None = None
    adults: int | None = Field(default=None, ge=1, le=20)
    children: int | None = Field(default=None, ge=0, le=20)
    room_type: str | None = None

    def is_empty(self) -> bool:
        return not self.model_dump(exclude_none=True)

    def applied_to(self, booking: Booking) -> BookedStay:
        """The booking's stay with this change applied; raises ValueError (a pydantic
        ValidationError) when the result is not a valid stay, e.g. a checkout before the checkin."""
        return BookedStay(
            checkin=self.checkin or booking.checkin,
            checkout=self.checkout or booking.checkout,
            adults=self.adults if self.adults is not None else booking.adults,
            children=self.children if self.children is not None else booking.children,
            room_type=self.room_type or booking.room_type,
        )

    def changes_nothing_on(self, booking: Booking) -> bool:
        """True for an empty change and for one that repeats what the booking already holds."""
        return self.applied_to(booking) == booking.stay


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

    @property
    def stay(self) -> BookedStay:
        return BookedStay(
            checkin=self.checkin,
            checkout=self.checkout,
            adults=self.adults,
            children=self.children,
            room_type=self.room_type,
        )

    def room_type_name(self, language: str) -> str:
        names = self.room_type_names
        return names.get(language) or names.get("en") or self.room_type
