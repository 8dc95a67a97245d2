"""The PMS port implemented against a live QloApps 1.6.1 webservice.

Resources used (docs/qloapps.md): `hotels/{id}`, `currencies`, `countries/{id}` and
`configurations` for the profile; `hotel_room_types` + `room_types` for room types; `POST hotel_ari`
(XML body, JSON answer) for availability and rates; `bookings` POST/GET/PUT for create, read, modify
and cancel (PUT with `booking_status: 3` and the full room list); `orders/{id}.current_state` for the
status; `customers` (look-up by e-mail, create) and `room_bookings` to reconcile retried creates.

References are `QA-<order id>` (why: see mapping.py). Errors are mapped at the boundary (errors.py):
request errors are permanent, `PmsUnavailableError` is operational and feeds the circuit breaker that
`ResilientPmsAdapter` puts around this class.

Idempotent create: with `request.idempotency_key` the booking's remark carries a marker derived from
the key (`[hotel-agent:<sha256 prefix>]`, stored by QloApps as a customer message and returned in
`associations.remarks`). Before posting, the adapter looks for a booking of the same customer, room
type and dates whose remarks hold that marker (customers by e-mail -> room_bookings by customer ->
bookings/{id}) and returns it instead of booking again. So a retry after a create that timed out once
QloApps had already committed it finds the first booking rather than making a second one. Concurrent
duplicates are serialised one level up, by the resilient wrapper's lock on the same key.

Price (one basis for the whole port, see pms/base.py): the guest is quoted and booked the price
QloApps's own search gives for the stay, `hotel_ari`'s `total_price_with_tax` (the room with the
services the hotel adds to every room automatically, taxes included), which is what the hotel's own
website charges. A booking made through the API would leave the auto-added services out (API.md §4.2:
2,600 quoted, 2,080 booked for the same stay), so the adapter re-reads that quote when it books and
sends it as the room's documented price override (`rooms[].unit_price_without_tax`, the tax-excluded
price of the room for the whole stay, the same field the booking answers with); QloApps adds the room
type's tax, so `price_details` (the amount charged, which we report) equals the quote. Modifications
do the same for the new room line. A booked total that still differs is logged as an error.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from collections.abc import Awaitable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
import structlog
from pydantic import ValidationError

from hotel_agent.kit.clock import Clock, utc_now
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.errors import (
    BookingAlreadyCancelledError,
    BookingNotFoundError,
    InvalidPmsRequestError,
    NoAvailabilityError,
    PmsError,
    PmsRequestError,
)
from hotel_agent.pms.qloapps.client import QloAppsClient
from hotel_agent.pms.qloapps.mapping import (
    CANCELLED_ORDER_STATES,
    StayPrice,
    ari_search_fields,
    as_list,
    booking_body,
    booking_remarks,
    customer_id,
    existing_lines,
    format_reference,
    parse_availability,
    parse_booking,
    parse_currency,
    parse_hotel_profile,
    parse_reference,
    parse_room_types,
    room_line,
    split_guest_name,
    stay_price,
    to_date,
    to_int,
)
from hotel_agent.pms.qloapps.xmlcodec import encode_xml, resource_permissions
from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    AvailabilityResult,
    BookedStay,
    Booking,
    BookingChange,
    BookingRequest,
    BookingStatus,
    GuestDetails,
    HotelProfile,
    RoomTypeInfo,
)

T = TypeVar("T")
log = structlog.get_logger(__name__)

# `booking_status` values of the bookings resource.
BOOKING_STATUS_NEW = 1
BOOKING_STATUS_CANCELLED = 3
PAYMENT_STATUS_AWAITING = 3
DEFAULT_CUSTOMER_GROUP = 3  # "Customer" in a stock install
RECONCILE_CANDIDATES = 5


def idempotency_marker(key: str) -> str:
    """What a booking's remark carries so a retried create can find it; opaque and short."""
    return f"[hotel-agent:{hashlib.sha256(key.encode()).hexdigest()[:32]}]"


def _booking_missing(what: str) -> PmsError:
    return BookingNotFoundError(f"No such booking ({what})")


class QloAppsAdapter(PmsAdapter):
    """QloApps 1.6.1 over its webservice; one instance per hotel (`hotel_id` is `id_hotel`)."""

    name = "qloapps"
    requires_guest_phone = True  # PS_ONE_PHONE_AT_LEAST, on by default
    # hotel_ari ignores the party (occupancies neither filter room types nor change the room price;
    # capacity is filtered here, per room type), so a cache may share one answer between parties.
    party_independent_availability = True

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        api_key: str,
        hotel_id: str | int,
        languages: Mapping[int, str] | None = None,
        currency: str | None = None,
        timezone: str | None = None,
        source: str = "hotel-agent",
        clock: Clock = utc_now,
        room_types_ttl: float = 300.0,
        cancelled_states: frozenset[int] = CANCELLED_ORDER_STATES,
        owns_client: bool = False,
    ) -> None:
        try:
            self.hotel_id = int(str(hotel_id).strip())
        except ValueError as exc:
            raise ValueError(f"QloApps hotel ids are numbers (id_hotel), got {hotel_id!r}") from exc
        self._http = client
        self._api = QloAppsClient(client, base_url=base_url, api_key=api_key)
        # QloApps language id -> our language code; the first entry is the default language.
        self._languages = dict(languages or {1: "en"})
        self._default_language = next(iter(self._languages.values()))
        self._currency = currency.upper() if currency else None
        self._timezone = timezone
        self._source = source
        self._clock = clock
        self._room_types_ttl = room_types_ttl
        self._room_types_memo: tuple[float, dict[str, RoomTypeInfo]] | None = None
        self._cancelled_states = cancelled_states
        self._owns_client = owns_client

    # --- reference data ------------------------------------------------------------------------------

    def _hotel_missing(self, what: str) -> PmsError:
        return InvalidPmsRequestError(f"QloApps has no hotel {self.hotel_id} ({what}); check PMS_HOTEL_ID")

    async def _hotel_currency(self) -> str:
        if self._currency is None:
            document = await self._api.get("currencies", {"display": "full"})
            currency = parse_currency(document)
            if currency is None:
                raise InvalidPmsRequestError("QloApps has no active currency")
            self._currency = currency
        return self._currency

    async def _hotel_timezone(self) -> ZoneInfo:
        if self._timezone is None:
            name = "UTC"
            try:
                document = await self._api.get(
                    "configurations", {"display": "[name,value]", "filter[name]": "[PS_TIMEZONE]"}
                )
                entries = as_list(document.get("configurations") if isinstance(document, dict) else [])
                if entries and isinstance(entries[0], dict) and entries[0].get("value"):
                    name = str(entries[0]["value"])
            except PmsRequestError:
                pass  # a key without `configurations` permission: keep UTC
            self._timezone = name
        try:
            return ZoneInfo(self._timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    async def _country_code(self, id_country: Any) -> str:
        if not to_int(id_country):
            return ""
        try:
            document = await self._api.get(f"countries/{to_int(id_country)}")
        except PmsRequestError:
            return ""
        country = document.get("country") if isinstance(document, dict) else None
        return str(country.get("iso_code") or "") if isinstance(country, dict) else ""

    async def _today(self) -> date:
        return self._clock().astimezone(await self._hotel_timezone()).date()

    async def _room_type_index(self, *, fresh: bool = False) -> dict[str, RoomTypeInfo]:
        memo = self._room_types_memo
        if not fresh and memo is not None and time.monotonic() - memo[0] < self._room_types_ttl:
            return memo[1]
        hotel_room_types, room_types = await _both(
            self._api.get("hotel_room_types", {"display": "full"}),
            self._api.get("room_types", {"display": "[id,name,description_short,id_hotel,active]"}),
        )
        infos = parse_room_types(
            hotel_room_types,
            room_types,
            hotel_id=self.hotel_id,
            languages=self._languages,
            default_language=self._default_language,
        )
        index = {info.code: info for info in infos}
        self._room_types_memo = (time.monotonic(), index)
        return index

    # --- the port ------------------------------------------------------------------------------------

    async def get_hotel_profile(self) -> HotelProfile:
        document = await self._api.get(f"hotels/{self.hotel_id}", not_found=self._hotel_missing)
        hotel = document.get("hotel") if isinstance(document, dict) else None
        if not isinstance(hotel, dict):
            raise self._hotel_missing("unexpected answer")
        currency, tz, country = await asyncio.gather(
            self._hotel_currency(), self._hotel_timezone(), self._country_code(hotel.get("id_country"))
        )
        return parse_hotel_profile(
            document,
            languages=self._languages,
            default_language=self._default_language,
            currency=currency,
            timezone=tz.key,
            country=country,
        )

    async def list_room_types(self) -> list[RoomTypeInfo]:
        return list((await self._room_type_index(fresh=True)).values())

    async def check_availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        room_type = _room_type_id(query.room_type) if query.room_type is not None else None
        if query.room_type is not None and query.room_type not in await self._room_type_index():
            # hotel_ari answers an unknown id with no offers; the port says "no such room type".
            raise InvalidPmsRequestError(f"Unknown room type {query.room_type!r}")
        fields = ari_search_fields(
            hotel_id=self.hotel_id,
            date_from=query.checkin,
            date_to=query.checkout,
            occupancies=[(query.adults, query.children)],
            room_type=room_type,
        )
        document = await self._api.post("hotel_ari", encode_xml("hotel_ari", fields))
        return parse_availability(
            document,
            query,
            languages=self._languages,
            default_language=self._default_language,
            currency=self._currency or "",
        )

    async def create_booking(self, request: BookingRequest) -> Booking:
        """Book one room; a retry with the same idempotency key returns the first booking."""
        room_type = _room_type_id(request.room_type)
        if request.guest.phone is None:
            # QloApps refuses a booking without a phone (PS_ONE_PHONE_AT_LEAST, on by default), and a
            # made-up number would reach the hotel as the guest's: ask the guest instead.
            raise InvalidPmsRequestError("QloApps needs the guest's phone number to book")
        await self._check_stay(request.room_type, request.checkin, request.adults, request.children)
        marker = idempotency_marker(request.idempotency_key) if request.idempotency_key else None
        if marker is not None:
            existing = await self._find_marked_booking(request, marker)
            if existing is not None:
                return existing

        stay = BookedStay(
            checkin=request.checkin,
            checkout=request.checkout,
            adults=request.adults,
            children=request.children,
            room_type=request.room_type,
        )
        price = await self._stay_price(stay)
        firstname, lastname = split_guest_name(request.guest.name)
        booking: dict[str, Any] = {
            "id_property": self.hotel_id,
            "currency": await self._hotel_currency(),
            "booking_status": BOOKING_STATUS_NEW,
            "payment_status": PAYMENT_STATUS_AWAITING,
            "source": self._source,
        }
        remark = "\n".join(part for part in (request.notes, marker) if part)
        if remark:
            booking["remark"] = remark
        booking["associations"] = {
            "customer_detail": {
                "firstname": firstname,
                "lastname": lastname,
                "email": str(request.guest.email),
                "phone": request.guest.phone,
            },
            "room_types": [
                room_line(
                    room_type,
                    request.checkin,
                    request.checkout,
                    occupancy=(request.adults, request.children),
                    price_without_tax=price.without_tax,
                )
            ],
        }
        document = await self._api.post("bookings", json.dumps({"booking": booking}))
        created = await self._booking(document, order=None)
        _check_booked_price(created, price)
        return created

    async def get_booking(self, reference: str) -> Booking:
        order_id = await self._resolve(reference)
        document, order = await self._load(order_id)
        return await self._booking(document, order=order)

    async def modify_booking(self, reference: str, change: BookingChange) -> Booking:
        order_id = await self._resolve(reference)
        document, order = await self._load(order_id)
        current = await self._booking(document, order=order)
        if current.status is BookingStatus.CANCELLED:
            raise BookingAlreadyCancelledError(f"Booking {current.reference} is cancelled")
        try:
            stay = change.applied_to(current)
        except ValidationError as exc:
            raise InvalidPmsRequestError(_validation_detail(exc)) from exc
        if stay == current.stay:
            return current
        _room_type_id(stay.room_type)
        await self._check_stay(
            stay.room_type,
            stay.checkin if stay.checkin != current.checkin else None,
            stay.adults,
            stay.children,
        )

        booking = booking_body(document)
        lines = existing_lines(booking)
        primary = lines[0]
        if primary["number_of_rooms"] != 1:
            raise InvalidPmsRequestError(
                f"Booking {current.reference} holds several rooms of one type; reception must change it"
            )
        same_line = (
            str(primary["id_room_type"]) == stay.room_type
            and primary["checkin_date"] == stay.checkin.isoformat()
            and primary["checkout_date"] == stay.checkout.isoformat()
        )
        if same_line:
            # QloApps keeps an unchanged room line as it is, occupancy included (PUT matches lines by
            # room type and dates); only a new line takes a new party.
            raise InvalidPmsRequestError(
                "QloApps cannot change the number of guests of a stay without changing its dates or "
                "room type; reception must change it"
            )
        price = await self._stay_price(stay)
        new_line = room_line(
            stay.room_type,
            stay.checkin,
            stay.checkout,
            occupancy=(stay.adults, stay.children),
            price_without_tax=price.without_tax,
        )
        body = self._put_body(
            order_id,
            booking,
            room_types=[new_line, *lines[1:]],
            remark=(
                f"Changed by the guest via {self._source}: room type {stay.room_type}, "
                f"{stay.checkin.isoformat()} to {stay.checkout.isoformat()}, "
                f"{stay.adults} adult(s), {stay.children} child(ren)"
            ),
        )
        updated = await self._api.put(f"bookings/{order_id}", json.dumps(body), not_found=_booking_missing)
        result = await self._booking(updated, order=order)
        if len(lines) == 1:
            _check_booked_price(result, price)
        return result.model_copy(update={"updated_at": self._clock()})

    async def cancel_booking(self, reference: str) -> Booking:
        order_id = await self._resolve(reference)
        document, order = await self._load(order_id)
        current = await self._booking(document, order=order)
        if current.status is BookingStatus.CANCELLED:
            raise BookingAlreadyCancelledError(f"Booking {current.reference} is already cancelled")
        booking = booking_body(document)
        body = self._put_body(
            order_id,
            booking,
            # Every current line, unchanged: leaving one out would remove it instead of cancelling.
            room_types=existing_lines(booking),
            remark=f"Cancelled by the guest via {self._source}",
            booking_status=BOOKING_STATUS_CANCELLED,
        )
        updated = await self._api.put(f"bookings/{order_id}", json.dumps(body), not_found=_booking_missing)
        now = self._clock()
        result = await self._booking(updated, order=None, cancelled_at=now)
        return result.model_copy(update={"updated_at": now})

    async def ping(self) -> None:
        await self._api.head("hotels")

    async def close(self) -> None:
        if self._owns_client:
            await self._http.aclose()

    # --- customers and diagnostics -------------------------------------------------------------------

    async def find_customer(self, email: str) -> int | None:
        """The QloApps customer id for an e-mail (exact match), or None."""
        document = await self._api.get(
            "customers",
            {"display": "[id,firstname,lastname,email]", "filter[email]": f"[{email.strip()}]"},
        )
        return customer_id(document)

    async def create_customer(self, guest: GuestDetails) -> int:
        """Create a customer account (XML only); bookings also create one for an unknown e-mail."""
        if guest.phone is None:
            raise InvalidPmsRequestError("QloApps needs the guest's phone number for a customer account")
        firstname, lastname = split_guest_name(guest.name)
        fields = {
            "firstname": firstname,
            "lastname": lastname,
            "email": str(guest.email),
            "phone": guest.phone,
            # Required by QloApps; the guest never uses it (a reset from the hotel site sets their own).
            "passwd": secrets.token_urlsafe(18),
            "active": 1,
            "id_default_group": DEFAULT_CUSTOMER_GROUP,
            "associations": {"groups": [{"id": DEFAULT_CUSTOMER_GROUP}]},
        }
        created = customer_id(await self._api.post("customers", encode_xml("customer", fields)))
        if created is None:
            raise InvalidPmsRequestError("QloApps did not return the new customer's id")
        return created

    async def resource_permissions(self) -> dict[str, set[str]]:
        """Resource -> HTTP methods this key may use (from the XML API root)."""
        return resource_permissions(await self._api.get_text(""))

    # --- helpers -------------------------------------------------------------------------------------

    async def _stay_price(self, stay: BookedStay) -> StayPrice:
        """What QloApps quotes now for one room of this stay (`hotel_ari`, the figure
        `check_availability` shows): the booking is made at exactly that price (see module docstring)."""
        fields = ari_search_fields(
            hotel_id=self.hotel_id,
            date_from=stay.checkin,
            date_to=stay.checkout,
            occupancies=[(stay.adults, stay.children)],
            room_type=_room_type_id(stay.room_type),
        )
        price = stay_price(await self._api.post("hotel_ari", encode_xml("hotel_ari", fields)), stay.room_type)
        if price is None:
            raise NoAvailabilityError(
                f"QloApps has no {stay.room_type} room free from {stay.checkin} to {stay.checkout}"
            )
        return price

    async def _check_stay(self, room_type: str, checkin: date | None, adults: int, children: int) -> None:
        """What QloApps does not check itself: past dates (accepted!) and the room's capacity."""
        if checkin is not None and checkin < await self._today():
            raise InvalidPmsRequestError("The check-in date is in the past")
        index = await self._room_type_index()
        info = index.get(room_type)
        if info is None:
            raise InvalidPmsRequestError(f"Unknown room type {room_type!r}")
        if not info.fits(adults, children):
            raise InvalidPmsRequestError(
                f"{info.name_in(self._default_language)} takes at most {info.max_adults} adults, "
                f"{info.max_children} children and {info.max_guests} guests"
            )

    async def _resolve(self, reference: str) -> int:
        parsed = parse_reference(reference)
        if parsed is None:
            raise BookingNotFoundError(f"{reference!r} is not a booking reference")
        if parsed.order_id is not None:
            return parsed.order_id
        document = await self._api.get(
            "orders", {"display": "[id,reference]", "filter[reference]": f"[{parsed.order_reference}]"}
        )
        orders = [
            o
            for o in as_list(document.get("orders") if isinstance(document, dict) else [])
            if isinstance(o, dict)
        ]
        if not orders:
            raise BookingNotFoundError(f"No booking with reference {reference!r}")
        return max(to_int(order.get("id")) for order in orders)

    async def _load(self, order_id: int) -> tuple[Any, Any]:
        document, order = await _both(
            self._api.get(f"bookings/{order_id}", not_found=_booking_missing),
            self._api.get(f"orders/{order_id}", not_found=_booking_missing),
        )
        booking = booking_body(document)
        if to_int(booking.get("id_property")) != self.hotel_id:
            # Another hotel of the same QloApps install: not ours to show.
            raise BookingNotFoundError(f"No booking {format_reference(order_id)} at this hotel")
        return document, order

    async def _booking(self, document: Any, *, order: Any, cancelled_at: datetime | None = None) -> Booking:
        try:
            return parse_booking(
                document,
                order=order,
                tz=await self._hotel_timezone(),
                default_language=self._default_language,
                cancelled_states=self._cancelled_states,
                cancelled=cancelled_at is not None,
                cancelled_at=cancelled_at,
            )
        except (ValueError, KeyError) as exc:
            raise InvalidPmsRequestError(f"QloApps returned a booking we cannot read: {exc}") from exc

    def _put_body(
        self,
        order_id: int,
        booking: Mapping[str, Any],
        *,
        room_types: list[dict[str, Any]],
        remark: str,
        booking_status: int | None = None,
    ) -> dict[str, Any]:
        """A bookings PUT: `id` in the body (the URL's is ignored), the customer by e-mail, and the
        complete list of room lines the booking must have afterwards. `booking_status` is only sent to
        cancel: on a PUT it appends an order state, which would reset a paid booking to unpaid."""
        customer = (booking.get("associations") or {}).get("customer_detail") or {}
        body: dict[str, Any] = {
            "id": order_id,
            "id_property": self.hotel_id,
            "currency": booking.get("currency") or self._currency,
        }
        if booking_status is not None:
            body["booking_status"] = booking_status
        body["remark"] = remark
        body["associations"] = {
            "customer_detail": {
                key: str(customer.get(key) or "") for key in ("firstname", "lastname", "email", "phone")
            },
            "room_types": room_types,
        }
        return {"booking": body}

    async def _find_marked_booking(self, request: BookingRequest, marker: str) -> Booking | None:
        """The booking an earlier attempt with this idempotency key made, if QloApps has it."""
        customer = await self.find_customer(str(request.guest.email))
        if customer is None:
            return None
        document = await self._api.get(
            "room_bookings", {"display": "full", "filter[id_customer]": f"[{customer}]"}
        )
        lines = as_list(document.get("bookings") if isinstance(document, dict) else [])
        candidates = sorted(
            {
                to_int(line.get("id_order"))
                for line in lines
                if isinstance(line, dict)
                and to_int(line.get("id_hotel"), self.hotel_id) == self.hotel_id
                and str(to_int(line.get("id_product"))) == request.room_type
                and to_date(line.get("date_from")) == request.checkin
                and to_date(line.get("date_to")) == request.checkout
            },
            reverse=True,
        )[:RECONCILE_CANDIDATES]
        for order_id in candidates:
            try:
                document, order = await self._load(order_id)
            except BookingNotFoundError:
                continue
            if any(marker in remark for remark in booking_remarks(booking_body(document))):
                return await self._booking(document, order=order)
        return None


def _check_booked_price(booking: Booking, price: StayPrice) -> None:
    """QloApps books at the price sent; a different total means the instance priced it another way
    (a tax rule on the room type that hotel_ari does not apply, a module): say so loudly."""
    if booking.total != price.with_tax:
        log.error(
            "pms.qloapps.booked_total_differs_from_quote",
            reference=booking.reference,
            quoted=str(price.with_tax),
            booked=str(booking.total),
        )


def _room_type_id(room_type: str) -> int:
    try:
        value = int(room_type)
    except ValueError:
        value = 0
    if value <= 0:
        raise InvalidPmsRequestError(f"Unknown room type {room_type!r}")
    return value


def _validation_detail(exc: ValidationError) -> str:
    return "; ".join(str(error.get("msg", "")) for error in exc.errors()) or "invalid stay"


async def _both(first: Awaitable[T], second: Awaitable[Any]) -> tuple[T, Any]:
    """Run two requests concurrently; if either fails, raise the first one's error in argument order."""
    results = await asyncio.gather(first, second, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results[0], results[1]  # type: ignore[return-value]
