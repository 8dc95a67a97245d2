"""QloApps documents (JSON, or XML decoded to the same shape) to and from the PMS port's schemas.

Pure functions: no I/O, so every recorded fixture can be replayed through them.

Booking references: our reference is `QA-<order id>`. A QloApps booking *is* an order (`bookings/{id}`
and `orders/{id}` share the id), the id never changes when the stay is modified (the room lines are
replaced, the order stays), it resolves in one GET, and it is unique, which the nine-letter order
`reference` ("OFOCVLYMV") is not guaranteed to be (PrestaShop reuses it across split orders) and which
needs a filtered search to resolve. Guests who quote the nine-letter reference from a QloApps e-mail are
still found: `parse_reference` recognises it and the adapter looks it up.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    AvailabilityResult,
    Booking,
    BookingStatus,
    HotelProfile,
    NightlyPrice,
    RoomOffer,
    RoomTypeInfo,
)

REFERENCE_PREFIX = "QA-"
_OUR_REFERENCE = re.compile(r"^\s*(?:QA)?[\s#:-]*(\d{1,10})\s*$", re.IGNORECASE)
_ORDER_REFERENCE = re.compile(r"^\s*([A-Za-z]{9})\s*$")

# Order states that mean the stay will not happen (demo ids: 4 Canceled, 5 Refunded).
CANCELLED_ORDER_STATES = frozenset({4, 5})

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ParsedReference:
    order_id: int | None = None
    order_reference: str | None = None


def format_reference(order_id: int) -> str:
    return f"{REFERENCE_PREFIX}{order_id}"


def parse_reference(reference: str) -> ParsedReference | None:
    """`QA-12`, `qa12`, `#12`, `12` -> order 12; `OFOCVLYMV` -> that order reference; else None."""
    if match := _OUR_REFERENCE.match(reference):
        return ParsedReference(order_id=int(match.group(1)))
    if match := _ORDER_REFERENCE.match(reference):
        return ParsedReference(order_reference=match.group(1).upper())
    return None


# --- small coercions: JSON gives numbers, decoded XML gives strings ----------------------------------


def as_list(value: Any) -> list[Any]:
    """Lists stay lists; a JSON room map (`{"1": {...}}`) gives its values; `[]`, `""`, None give []."""
    if value is None or value == "" or value == "0":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value.values())
    return [value]


def to_int(value: Any, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        try:
            return int(Decimal(str(value).strip()))
        except (InvalidOperation, ValueError):
            return default


def to_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value).strip() or "0")
    except InvalidOperation:
        return Decimal(0)


def to_date(value: Any) -> date:
    """`2026-12-10` or `2026-12-10 00:00:00`."""
    return date.fromisoformat(str(value).strip()[:10])


def to_datetime(value: Any, tz: ZoneInfo) -> datetime | None:
    text = str(value or "").strip()
    if not text or text.startswith("0000-00-00"):
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=tz)
    except ValueError:
        return None


def money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def localized(value: Any, languages: Mapping[int, str], default_language: str) -> dict[str, str]:
    """A multilingual field: a plain string (one language installed) or `[{"id", "value"}]`."""
    if isinstance(value, list):
        result: dict[str, str] = {}
        for entry in value:
            if isinstance(entry, dict):
                code = languages.get(to_int(entry.get("id")))
                if code and entry.get("value"):
                    result[code] = str(entry["value"])
        return result
    if value is None or value == "":
        return {}
    return {default_language: str(value)}


_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(div|p|li|h\d)>|<br\s*/?>", re.IGNORECASE)


def html_to_text(value: str) -> str:
    """QloApps stores descriptions and policies as HTML; the guest gets plain lines."""
    text = _BLOCK_END.sub("\n", value)
    text = html.unescape(_TAG.sub("", text))
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _localized_text(value: Any, languages: Mapping[int, str], default_language: str) -> dict[str, str]:
    return {
        code: text
        for code, raw in localized(value, languages, default_language).items()
        if (text := html_to_text(raw))
    }


def _clock_time(value: Any, default: time) -> time:
    try:
        return time.fromisoformat(str(value).strip())
    except ValueError:
        return default


# --- hotel and room types ---------------------------------------------------------------------------


def parse_hotel_profile(
    document: Mapping[str, Any],
    *,
    languages: Mapping[int, str],
    default_language: str,
    currency: str,
    timezone: str,
    country: str,
) -> HotelProfile:
    """`GET hotels/{id}` (fixtures 13, 14)."""
    hotel = document["hotel"]
    names = localized(hotel.get("hotel_name"), languages, default_language)
    policies = _localized_text(hotel.get("policies"), languages, default_language)
    return HotelProfile(
        hotel_id=str(hotel["id"]),
        name=names.get(default_language) or next(iter(names.values()), ""),
        address=str(hotel.get("address") or ""),
        city=str(hotel.get("city") or ""),
        country=country,
        phone=str(hotel.get("phone") or ""),
        email=str(hotel.get("email") or ""),
        timezone=timezone,
        currency=currency,
        checkin_time=_clock_time(hotel.get("check_in"), time(14, 0)),
        checkout_time=_clock_time(hotel.get("check_out"), time(11, 0)),
        default_language=default_language,
        languages=list(dict.fromkeys([default_language, *languages.values()])),
        policies={"general": policies} if policies else {},
    )


def parse_currency(document: Any, preferred: str | None = None) -> str | None:
    """`GET currencies?display=full` (fixture 28): the preferred ISO code if active, else the first."""
    currencies = [
        currency
        for currency in as_list((document or {}).get("currencies") if isinstance(document, dict) else [])
        if isinstance(currency, dict)
        and to_int(currency.get("active"), 1)
        and not to_int(currency.get("deleted"))
    ]
    codes = [str(currency.get("iso_code", "")).upper() for currency in currencies]
    if preferred and preferred.upper() in codes:
        return preferred.upper()
    return codes[0] if codes else None


def _slug(name: str) -> str:
    words = [word for word in re.split(r"[^a-z0-9]+", name.lower()) if word and word not in ("room", "rooms")]
    return "-".join(words) or "room"


def parse_room_types(
    hotel_room_types: Any,
    room_types: Any,
    *,
    hotel_id: int,
    languages: Mapping[int, str],
    default_language: str,
) -> list[RoomTypeInfo]:
    """`hotel_room_types?display=full` (capacities, fixture 24) joined with `room_types` (names)."""
    products = {
        to_int(product.get("id")): product
        for product in as_list(room_types.get("room_types") if isinstance(room_types, dict) else [])
        if isinstance(product, dict)
    }
    result: list[RoomTypeInfo] = []
    links = hotel_room_types.get("hotel_room_types") if isinstance(hotel_room_types, dict) else []
    for link in as_list(links):
        if not isinstance(link, dict) or to_int(link.get("id_hotel")) != hotel_id:
            continue
        product_id = to_int(link.get("id_product"))
        product = products.get(product_id, {})
        if product and not to_int(product.get("active"), 1):
            continue
        names = localized(product.get("name"), languages, default_language) or {
            default_language: f"Room type {product_id}"
        }
        max_adults = to_int(link.get("max_adults")) or to_int(link.get("adults"), 1)
        max_children = to_int(link.get("max_children"))
        max_guests = to_int(link.get("max_guests")) or max_adults + max_children
        result.append(
            RoomTypeInfo(
                code=str(product_id),
                category=_slug(names.get(default_language) or next(iter(names.values()))),
                names=names,
                descriptions=_localized_text(product.get("description_short"), languages, default_language),
                max_adults=max_adults,
                max_children=max_children,
                max_guests=max_guests,
            )
        )
    return sorted(result, key=lambda info: to_int(info.code))


# --- availability -----------------------------------------------------------------------------------


def ari_search_fields(
    *,
    hotel_id: int,
    date_from: date,
    date_to: date,
    occupancies: Iterable[tuple[int, int]],
    room_type: int | None = None,
    flags: Iterable[str] = (),
    date_wise: bool = False,
) -> dict[str, Any]:
    """The `<hotel_ari>` body, in the element order of the schema (fixture 30)."""
    fields: dict[str, Any] = {
        "id_hotel": hotel_id,
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
    }
    if room_type is not None:
        fields["id_room_type"] = room_type
    for flag in flags:
        fields[f"get_{flag}_rooms"] = 1
    if date_wise:
        fields["date_wise_breakdown"] = 1
    fields["associations"] = {
        "room_occupancies": [{"adults": adults, "children": children} for adults, children in occupancies]
    }
    return fields


def _rooms(room_type: Mapping[str, Any], category: str) -> list[dict[str, Any]]:
    rooms = room_type.get("rooms")
    if not isinstance(rooms, dict):
        return []
    return [room for room in as_list(rooms.get(category)) if isinstance(room, dict)]


def _nightly(total: Decimal, per_night: Decimal, checkin: date, nights: int) -> list[NightlyPrice]:
    """QloApps quotes the stay and its average night; spread the stay so the nights add up exactly."""
    if nights <= 0:
        return []
    if per_night * nights == total:
        amounts = [per_night] * nights
    else:
        base = money(total / nights)
        amounts = [base] * (nights - 1) + [total - base * (nights - 1)]
    return [
        NightlyPrice(date=checkin + timedelta(days=offset), amount=amount)
        for offset, amount in enumerate(amounts)
    ]


def parse_availability(
    document: Any,
    query: AvailabilityQuery,
    *,
    languages: Mapping[int, str],
    default_language: str,
    room_types: Mapping[str, RoomTypeInfo] | None = None,
    currency: str = "",
) -> AvailabilityResult:
    """A `hotel_ari` search for one room (fixtures 31-34, 45, 69, 95): the room types that fit the party.

    QloApps does not filter by capacity, so rooms are filtered here, from the per-room `max_adult`,
    `max_children` and `max_occupancy` of the JSON answer (or the room type's limits when absent).
    The quote is `total_price_with_tax`; the amount actually charged comes from the booking.
    """
    body = document.get("hotel_ari") if isinstance(document, dict) else None
    body = body if isinstance(body, dict) else {}
    currency = str(body.get("currency") or currency)
    offers: list[RoomOffer] = []
    for entry in as_list(body.get("room_types")):
        if not isinstance(entry, dict):
            continue
        code = str(to_int(entry.get("id_room_type", entry.get("id"))))
        if query.room_type is not None and code != query.room_type:
            continue
        info = (room_types or {}).get(code)
        fitting: list[tuple[int, int, int]] = []
        for room in _rooms(entry, "available"):
            if "max_adult" in room:
                limits = (
                    to_int(room.get("max_adult")),
                    to_int(room.get("max_children")),
                    to_int(room.get("max_occupancy")),
                )
            elif info is not None:
                limits = (info.max_adults, info.max_children, info.max_guests)
            else:
                limits = (query.adults, query.children, query.adults + query.children)
            adults, children, guests = limits
            if (
                query.adults <= adults
                and query.children <= children
                and query.adults + query.children <= guests
            ):
                fitting.append(limits)
        if not fitting:
            continue
        names = localized(entry.get("name"), languages, default_language) or (
            info.names if info else {default_language: code}
        )
        total = money(to_decimal(entry.get("total_price_with_tax")))
        per_night = money(to_decimal(entry.get("base_price_with_tax")))
        offers.append(
            RoomOffer(
                room_type=code,
                names=names,
                max_adults=max(limit[0] for limit in fitting),
                max_children=max(limit[1] for limit in fitting),
                max_guests=max(limit[2] for limit in fitting),
                nightly=_nightly(total, per_night, query.checkin, query.nights),
                total=total,
                currency=currency,
                rooms_left=len(fitting),
            )
        )
    offers.sort(key=lambda offer: (offer.total, to_int(offer.room_type)))
    return AvailabilityResult(query=query, offers=offers, currency=currency)


@dataclass(frozen=True)
class StayPrice:
    """What `hotel_ari` quotes for one room of a stay: before tax and with tax (the guest's total)."""

    without_tax: Decimal
    with_tax: Decimal


def stay_price(document: Any, room_type: str) -> StayPrice | None:
    """The quote of one room type in a one-occupancy `hotel_ari` answer; None when it is not offered."""
    body = document.get("hotel_ari") if isinstance(document, dict) else None
    body = body if isinstance(body, dict) else {}
    for entry in as_list(body.get("room_types")):
        if isinstance(entry, dict) and str(to_int(entry.get("id_room_type", entry.get("id")))) == room_type:
            if not _rooms(entry, "available"):
                return None
            return StayPrice(
                without_tax=to_decimal(entry.get("total_price")).quantize(Decimal("0.000001")),
                with_tax=money(to_decimal(entry.get("total_price_with_tax"))),
            )
    return None


# --- bookings ---------------------------------------------------------------------------------------


def booking_body(document: Any) -> dict[str, Any]:
    body = document.get("booking") if isinstance(document, dict) else None
    if not isinstance(body, dict):
        raise ValueError("not a QloApps booking document")
    return body


def booking_lines(booking: Mapping[str, Any]) -> list[dict[str, Any]]:
    associations = booking.get("associations") or {}
    return [line for line in as_list(associations.get("room_types")) if isinstance(line, dict)]


def booking_remarks(booking: Mapping[str, Any]) -> list[str]:
    associations = booking.get("associations") or {}
    return [str(remark) for remark in as_list(associations.get("remarks"))]


def order_state(document: Any) -> int | None:
    """`orders/{id}` (fixtures 66, 94): `current_state`."""
    order = document.get("order") if isinstance(document, dict) else None
    if not isinstance(order, dict):
        return None
    return to_int(order.get("current_state")) or None


def parse_booking(
    document: Any,
    *,
    order: Any = None,
    tz: ZoneInfo,
    default_language: str,
    cancelled_states: frozenset[int] = CANCELLED_ORDER_STATES,
    cancelled: bool = False,
    cancelled_at: datetime | None = None,
) -> Booking:
    """A `bookings/{id}` document (create, read, PUT answers: fixtures 57-63, 86-96) as our Booking.

    The first room line gives the room type and dates; the party is every room's guests; the price is
    what QloApps charged: `price_details.total_price_without_tax + total_tax`.
    """
    booking = booking_body(document)
    lines = booking_lines(booking)
    if not lines:
        raise ValueError(f"QloApps booking {booking.get('id')} has no rooms")
    first = lines[0]
    rooms = [room for line in lines for room in as_list(line.get("rooms")) if isinstance(room, dict)]
    associations = booking.get("associations") or {}
    customer = associations.get("customer_detail") or {}
    prices = associations.get("price_details") or {}
    state = order_state(order)
    status = (
        BookingStatus.CANCELLED
        if cancelled or (state is not None and state in cancelled_states)
        else BookingStatus.CONFIRMED
    )
    order_body = order.get("order") if isinstance(order, dict) else None
    updated_at = to_datetime(order_body.get("date_upd"), tz) if isinstance(order_body, dict) else None
    name = str(first.get("name") or "")
    return Booking(
        reference=format_reference(to_int(booking.get("id"))),
        status=status,
        room_type=str(to_int(first.get("id_room_type"))),
        room_type_names={default_language: name} if name else {},
        checkin=to_date(first.get("checkin_date")),
        checkout=to_date(first.get("checkout_date")),
        adults=sum(to_int(room.get("adults")) for room in rooms) or 1,
        children=sum(to_int(room.get("child")) for room in rooms),
        guest_name=" ".join(
            part
            for part in (str(customer.get("firstname") or ""), str(customer.get("lastname") or ""))
            if part
        ),
        guest_email=str(customer.get("email") or ""),
        guest_phone=str(customer.get("phone") or "") or None,
        total=money(to_decimal(prices.get("total_price_without_tax")) + to_decimal(prices.get("total_tax"))),
        currency=str(booking.get("currency") or ""),
        created_at=to_datetime(booking.get("booking_date"), tz),
        updated_at=updated_at,
        cancelled_at=cancelled_at if status is BookingStatus.CANCELLED else None,
    )


_NAME_FORBIDDEN = re.compile(r"[0-9!<>,;?=+()@#\"°{}_$%:¤|\[\]\\/*&^~`]")


def split_guest_name(name: str) -> tuple[str, str]:
    """QloApps wants a first and a last name that pass PrestaShop's `isName` (no digits or symbols)."""
    words = [word for word in (_NAME_FORBIDDEN.sub(" ", name).split()) if word.strip(".-'")]
    if not words:
        return "Guest", "Guest"
    if len(words) == 1:
        return words[0][:32], words[0][:32]
    return words[0][:32], " ".join(words[1:])[:32]


def room_line(
    room_type: str | int,
    checkin: date | str,
    checkout: date | str,
    *,
    number_of_rooms: int = 1,
    occupancy: tuple[int, int] | None = None,
    price_without_tax: Decimal | None = None,
) -> dict[str, Any]:
    """One `room_types[]` entry. With an occupancy the room carries both `adult` and `adults`:
    QloApps reads `adult` (singular) and ignores the documented `adults` (fixtures 58, 63).
    `price_without_tax` is the room's price for the whole stay before tax, QloApps's price override
    (`unit_price_without_tax`), which needs the room breakdown, so it goes with an occupancy."""
    line: dict[str, Any] = {
        "id_room_type": to_int(room_type),
        "checkin_date": str(checkin)[:10],
        "checkout_date": str(checkout)[:10],
        "number_of_rooms": number_of_rooms,
    }
    if occupancy is not None:
        adults, children = occupancy
        room: dict[str, Any] = {"adult": adults, "adults": adults, "child": children}
        if price_without_tax is not None:
            room["unit_price_without_tax"] = float(price_without_tax)
        line["rooms"] = [room]
    return line


def existing_lines(booking: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The booking's room lines as a PUT must repeat them to keep them (no `rooms`, so their services
    and occupancy are left as they are)."""
    return [
        room_line(
            line.get("id_room_type", 0),
            to_date(line.get("checkin_date")),
            to_date(line.get("checkout_date")),
            number_of_rooms=to_int(line.get("number_of_rooms")) or len(as_list(line.get("rooms"))) or 1,
        )
        for line in booking_lines(booking)
    ]


def customer_id(document: Any) -> int | None:
    """`customers?filter[email]=[...]` (fixtures 100, 101) or a created customer (105, 106)."""
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("customer"), dict):
        return to_int(document["customer"].get("id")) or None
    customers = [c for c in as_list(document.get("customers")) if isinstance(c, dict)]
    ids = [to_int(c.get("id")) for c in customers if to_int(c.get("id"))]
    return min(ids) if ids else None
