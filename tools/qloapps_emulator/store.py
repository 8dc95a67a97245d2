"""The emulator's in-memory QloApps: demo hotel, rooms, customers, orders and their room lines.

Seeded from the recorded demo (data/): hotel 1 "The Hotel Prime", room types 1-4 (General, Delux,
Executive, Luxury at 1000/1500/2000/2500 a night before 4% tax), five rooms each. Bookings and
customers live in memory, so availability goes down as rooms are booked and back up on cancel.

Prices follow the recording: an availability quote adds the auto-added services (250 a night) to the
room price, a booking made through the API does not (fixtures 32 and 57) unless the request sets the
room's price for the stay (`rooms[].unit_price_without_tax`, API.md §5.1), which then is the price.
"""

from __future__ import annotations

import copy
import functools
import json
import random
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

DATA = Path(__file__).with_name("data")

TAX_RATE = Decimal("0.04")
AUTO_SERVICES_PER_NIGHT = Decimal(250)
HOTEL_ID = 1
CURRENCY = "USD"
CUSTOMER_GROUP = 3

# booking_status (API) -> order state (demo ids)
STATE_AWAITING_PAYMENT = 1
STATE_PAYMENT_ACCEPTED = 2
STATE_CANCELED = 4
STATE_REFUNDED = 5
STATE_PARTIAL_PAYMENT = 8
CANCELLED_STATES = frozenset({STATE_CANCELED, STATE_REFUNDED})


@functools.cache
def _parsed(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def load(name: str) -> Any:
    """A fresh copy of a seed document (callers may change it)."""
    return copy.deepcopy(_parsed(name))


def template(name: str) -> Any:
    """A seed document shared read-only: for templates copied before use."""
    return _parsed(name)


def number(value: Decimal) -> int | float:
    """PHP's json_encode of a float: 2000.0 -> 2000."""
    return int(value) if value == value.to_integral_value() else float(round(value, 6))


def money6(value: Decimal) -> str:
    return f"{value:.6f}"


def nights(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days)]


@dataclass
class RoomLine:
    """One booked room for one stay (`htl_booking_detail`)."""

    id: int
    id_order: int
    id_order_detail: int
    id_product: int
    id_room: int
    id_customer: int
    date_from: date
    date_to: date
    adults: int
    children: int
    price_tax_excl: Decimal
    date_add: str
    is_cancelled: int = 0
    is_refunded: int = 0

    @property
    def tax(self) -> Decimal:
        return (self.price_tax_excl * TAX_RATE).quantize(Decimal("0.000001"))

    def occupies(self, night: date) -> bool:
        return not self.is_cancelled and self.date_from <= night < self.date_to


@dataclass
class Order:
    id: int
    id_customer: int
    reference: str
    secure_key: str
    source: str
    date_add: str
    date_upd: str
    states: list[tuple[int, str]] = field(default_factory=list)  # (state, date_add)
    remarks: list[str] = field(default_factory=list)  # newest first

    @property
    def current_state(self) -> int:
        return self.states[-1][0] if self.states else STATE_AWAITING_PAYMENT


def _sized(rooms: list[dict[str, Any]], per_type: int) -> list[dict[str, Any]]:
    """The recorded rooms, plus copies numbered on from the last of each type up to `per_type` each."""
    result = list(rooms)
    next_id = max(room["id"] for room in rooms) + 1
    for type_id in sorted({room["id_product"] for room in rooms}):
        own = [room for room in rooms if room["id_product"] == type_id]
        prefix, _, last = own[-1]["room_num"].rpartition("-")
        for extra in range(per_type - len(own)):
            result.append(
                {**own[-1], "id": next_id, "room_num": f"{prefix}-{int(last) + 1 + extra}", "floor": ""}
            )
            next_id += 1
    return result


class Store:
    """All emulated data; `reset()` returns to the recorded demo state."""

    def __init__(
        self, clock: Callable[[], datetime] = datetime.now, seed: int = 1, rooms_per_type: int = 0
    ) -> None:
        self.clock = clock
        self.seed = seed
        # 0: the recorded five rooms per type. More: a bigger hotel of the same shape (load tests size
        # the inventory so a run never sells out, docs/load-testing.md).
        self.rooms_per_type = rooms_per_type
        self.reset()

    def reset(self) -> None:
        self.random = random.Random(self.seed)
        self.hotel: dict[str, Any] = load("hotel_1.json")["hotel"]
        self.hotel_room_types: list[dict[str, Any]] = load("hotel_room_types.json")["hotel_room_types"]
        self.rooms: list[dict[str, Any]] = _sized(load("hotel_rooms.json")["rooms"], self.rooms_per_type)
        for link in self.hotel_room_types:
            link["associations"]["hotel_rooms"] = [
                {"id": room["id"]} for room in self.rooms if room["id_product"] == link["id_product"]
            ]
        self.currencies: list[dict[str, Any]] = load("currencies.json")["currencies"]
        self.order_states: list[dict[str, Any]] = load("order_states.json")["order_states"]
        self.room_types: dict[int, dict[str, Any]] = self._room_types()
        template = load("customer_template.json")["customer"]
        demo = load("customers_display.json")["customers"][0]
        self.customer_template = template
        self.customers: dict[int, dict[str, Any]] = {
            1: {
                **copy.deepcopy(template),
                "id": 1,
                "firstname": demo["firstname"],
                "lastname": demo["lastname"],
                "email": demo["email"],
                "phone": "",
                "secure_key": self._hex(32),
                "passwd": self._hex(32),
                "date_add": "2026-11-25 10:42:35",
                "date_upd": "2026-11-25 10:42:35",
            }
        }
        self.orders: dict[int, Order] = {}
        self.lines: dict[int, RoomLine] = {}
        self._next_line = 1
        self._next_order_detail = 1

    def _room_types(self) -> dict[int, dict[str, Any]]:
        """Full records: type 1 as recorded, 2-4 derived from it with their own name and price."""
        base = load("room_type_1.json")["room_type"]
        summaries = {entry["id"]: entry for entry in load("room_types_display.json")["room_types"]}
        result: dict[int, dict[str, Any]] = {}
        for type_id, summary in summaries.items():
            record = copy.deepcopy(base)
            record.update(
                {
                    key: summary[key]
                    for key in ("id", "id_hotel", "adults", "children", "price", "active", "name")
                }
            )
            if type_id != 1:
                slug = summary["name"].lower().replace(" ", "-")
                record["link_rewrite"] = slug
                record["id_default_image"] = type_id * 4 - 3
                record["description"] = f"Our {summary['name']}: comfortable, quiet and well equipped."
                record["description_short"] = f"{summary['name']} with free Wi-Fi and a flat-screen TV."
                associations = record["associations"]
                associations["images"] = [{"id": type_id * 4 - 3 + i} for i in range(4)]
                associations["advance_payments"] = [dict(associations["advance_payments"][0], id=type_id)]
            record["associations"]["hotel_rooms"] = [
                {"id": room["id"]} for room in self.rooms if room["id_product"] == type_id
            ]
            result[type_id] = record
        return result

    # --- helpers ---------------------------------------------------------------------------------

    def now(self) -> str:
        return self.clock().strftime("%Y-%m-%d %H:%M:%S")

    def _hex(self, length: int) -> str:
        return "".join(self.random.choice("0123456789abcdef") for _ in range(length))

    def _reference(self) -> str:
        return "".join(self.random.choice(string.ascii_uppercase) for _ in range(9))

    def room_type_price(self, type_id: int) -> Decimal:
        return Decimal(self.room_types[type_id]["price"])

    def room_type_name(self, type_id: int) -> str:
        return str(self.room_types[type_id]["name"])

    def room_type_link(self, type_id: int) -> dict[str, Any] | None:
        return next((link for link in self.hotel_room_types if link["id_product"] == type_id), None)

    def rooms_of(self, type_id: int | None = None) -> list[dict[str, Any]]:
        return [room for room in self.rooms if type_id is None or room["id_product"] == type_id]

    def room(self, room_id: int) -> dict[str, Any] | None:
        return next((room for room in self.rooms if room["id"] == room_id), None)

    def quote_per_night(self, type_id: int) -> Decimal:
        """What hotel_ari quotes: room price plus the auto-added services."""
        return self.room_type_price(type_id) + AUTO_SERVICES_PER_NIGHT

    # --- availability ----------------------------------------------------------------------------

    def booked_nights(self, room_id: int, date_from: date, date_to: date) -> list[RoomLine]:
        return [
            line
            for line in self.lines.values()
            if line.id_room == room_id
            and not line.is_cancelled
            and line.date_from < date_to
            and date_from < line.date_to
        ]

    def classify(self, type_id: int, date_from: date, date_to: date) -> dict[str, list[dict[str, Any]]]:
        """Rooms of a type as available / booked / partially available / unavailable for the range."""
        result: dict[str, list[dict[str, Any]]] = {
            "available": [],
            "booked": [],
            "partial": [],
            "unavailable": [],
        }
        stay = nights(date_from, date_to) or [date_from]
        by_room: dict[int, list[RoomLine]] = {}
        for line in self.lines.values():
            if not line.is_cancelled and line.date_from < date_to and date_from < line.date_to:
                by_room.setdefault(line.id_room, []).append(line)
        for room in self.rooms_of(type_id):
            if room["id_status"] != 1:
                result["unavailable"].append(room)
                continue
            lines = by_room.get(room["id"], [])
            busy = [night for night in stay if any(line.occupies(night) for line in lines)]
            if not busy:
                result["available"].append(room)
            elif len(busy) == len(stay):
                result["booked"].append(room)
            else:
                result["partial"].append(room)
        return result

    def available_rooms(self, type_id: int, date_from: date, date_to: date) -> list[dict[str, Any]]:
        return self.classify(type_id, date_from, date_to)["available"]

    # --- customers -------------------------------------------------------------------------------

    def customer_by_email(self, email: str) -> dict[str, Any] | None:
        matches = [c for c in self.customers.values() if c["email"].lower() == email.strip().lower()]
        return min(matches, key=lambda c: c["id"]) if matches else None

    def add_customer(self, fields: dict[str, Any]) -> dict[str, Any]:
        customer_id = max(self.customers, default=0) + 1
        now = self.now()
        record = {
            **copy.deepcopy(self.customer_template),
            "id": customer_id,
            "secure_key": self._hex(32),
            "passwd": self._hex(32),
            "last_passwd_gen": now,
            "date_add": now,
            "date_upd": now,
            **fields,
        }
        record["id"] = customer_id
        self.customers[customer_id] = record
        return record

    # --- orders ----------------------------------------------------------------------------------

    def create_order(self, customer: dict[str, Any], *, state: int, source: str, remark: str | None) -> Order:
        order_id = max(self.orders, default=0) + 1
        now = self.now()
        order = Order(
            id=order_id,
            id_customer=customer["id"],
            reference=self._reference(),
            secure_key=customer["secure_key"],
            source=source,
            date_add=now,
            date_upd=now,
        )
        order.states.append((state, now))
        if remark:
            order.remarks.insert(0, remark)
        self.orders[order_id] = order
        return order

    def add_remark(self, order: Order, remark: str) -> None:
        if remark and remark not in order.remarks:
            order.remarks.insert(0, remark)

    def set_state(self, order: Order, state: int) -> None:
        order.states.append((state, self.now()))
        order.date_upd = self.now()
        if state in CANCELLED_STATES:
            for line in self.order_lines(order.id):
                line.is_cancelled = 1
                if state == STATE_REFUNDED:
                    line.is_refunded = 1

    def order_lines(self, order_id: int) -> list[RoomLine]:
        return sorted(
            (line for line in self.lines.values() if line.id_order == order_id), key=lambda line: line.id
        )

    def add_line(
        self,
        order: Order,
        type_id: int,
        room_id: int,
        date_from: date,
        date_to: date,
        adults: int,
        children: int,
        price_tax_excl: Decimal | None = None,
    ) -> RoomLine:
        existing = next(
            (line.id_order_detail for line in self.order_lines(order.id) if line.id_product == type_id), None
        )
        if existing is None:
            existing = self._next_order_detail
            self._next_order_detail += 1
        line = RoomLine(
            id=self._next_line,
            id_order=order.id,
            id_order_detail=existing,
            id_product=type_id,
            id_room=room_id,
            id_customer=order.id_customer,
            date_from=date_from,
            date_to=date_to,
            adults=adults,
            children=children,
            price_tax_excl=(
                price_tax_excl
                if price_tax_excl is not None
                else self.room_type_price(type_id) * len(nights(date_from, date_to))
            ),
            date_add=self.now(),
        )
        self._next_line += 1
        self.lines[line.id] = line
        order.date_upd = self.now()
        return line

    def remove_line(self, line: RoomLine) -> None:
        self.lines.pop(line.id, None)

    def order_totals(self, order_id: int) -> tuple[Decimal, Decimal]:
        lines = self.order_lines(order_id)
        excl = sum((line.price_tax_excl for line in lines), Decimal(0))
        tax = sum((line.tax for line in lines), Decimal(0))
        return excl, tax
