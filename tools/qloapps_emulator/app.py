"""A wire-level QloApps 1.6.1 webservice (ASGI, Starlette), built from the recorded exchanges.

Same URLs (`/api/...` and `/webservice/dispatcher.php?url=...`), auth (Basic with the key as user, or
`ws_key`), output switches (`output_format`/`io_format=JSON`, `Output-Format` header), headers
(`PSWS-Version`, `Content-Sha1`...), status codes and quirks (empty-body 404, POST bookings answering
200, `adult` vs `adults`, validation errors as 400 with code 404, XML-only inputs...).

Admin switches, outside `/api`:

    GET/POST/DELETE /__emulator__/faults   {"latency_ms", "latency_max_ms", "error_rate", "status", "timeout",
                                            "down", "hang_after_commit", "hang_seconds",
                                            "shop_domain"}

`latency_max_ms` above `latency_ms` draws each request's added latency uniformly from that range (a
real QloApps answers in 50-150 ms, not in a fixed time); `error_rate` is the share of requests answered
with `status` (and no body) before any work is done.

`shop_domain` ("host[:port]") makes the emulator behave like a QloApps whose shop domain is set: a
request whose Host header is not exactly that domain gets a 302 to the same path on it, as a live
QloApps 1.6.1 does (issue 11).
    POST /__emulator__/reset               back to the demo data, faults cleared
    GET  /__emulator__/state               counts of bookings, customers and requests served
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import random
import re
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tools.qloapps_emulator import render
from tools.qloapps_emulator.store import (
    CURRENCY,
    DATA,
    HOTEL_ID,
    STATE_AWAITING_PAYMENT,
    STATE_CANCELED,
    STATE_PARTIAL_PAYMENT,
    STATE_PAYMENT_ACCEPTED,
    STATE_REFUNDED,
    TAX_RATE,
    Order,
    Store,
    load,
    money6,
    nights,
    number,
)
from tools.qloapps_emulator.store import template as store_template

DEFAULT_API_KEY = "EMULATORKEY0EMULATORKEY0EMULATOR"
PSWS_VERSION = "1.6.1.23"
DATE_RE = re.compile(
    r"^([0-9]{4})-((?:0?[0-9])|(?:1[0-2]))-((?:0?[0-9])|(?:[1-2][0-9])|(?:3[01]))"
    r"( [0-9]{2}:[0-9]{2}:[0-9]{2})?$"
)
QLO_METHODS = ["getRoomTypes", "getRoomRates", "updRoomRateAvail"]
FIELD_LISTS: dict[str, list[str]] = load("field_lists.json")
RESOURCES: list[str] = load("api_root.json")
DYNAMIC_FIELDS = {
    "room_types": {"id_hotel", "adults", "children", "id_default_image", "position_in_category", "type"}
}


class WsError(Exception):
    """An error the webservice renders in its envelope. `hashed`: hotel_ari renders its errors as
    ordinary output, so they carry a Content-Sha1 like a success (fixtures 37-46)."""

    def __init__(self, status: int, code: int, message: str, *, hashed: bool = False) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.hashed = status, code, message, hashed


class RawResponse(Response):
    """Sent as is, without the webservice headers (PHP died before writing them: fixture 49)."""


@dataclass
class Faults:
    latency_ms: int = 0
    latency_max_ms: int = 0  # > latency_ms: uniform in [latency_ms, latency_max_ms]
    error_rate: float = 0.0
    status: int = 500
    timeout: bool = False
    down: bool = False
    hang_after_commit: int = 0  # next N booking writes commit, then hang for hang_seconds
    hang_seconds: float = 30.0
    shop_domain: str = ""  # when set, any other Host header is redirected there (302)


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def closest(word: str, candidates: list[str]) -> str:
    """PHP's loop keeps the last of the equally close candidates."""
    best, best_distance = candidates[0], None
    for candidate in candidates:
        distance = levenshtein(word, candidate)
        if best_distance is None or distance <= best_distance:
            best, best_distance = candidate, distance
    return best


def php_xml(text: str) -> Any:
    """json_decode(json_encode(simplexml_load_string(text)->children()), true)."""
    root = ET.fromstring(text)  # noqa: S314 - test tool parsing its own clients' requests

    def value(element: ET.Element) -> Any:
        children = list(element)
        if not children:
            text_value = element.text or ""
            return text_value if text_value.strip() else {}
        result: dict[str, Any] = {}
        for child in children:
            child_value = value(child)
            if child.tag in result:
                if not isinstance(result[child.tag], list) or child.tag not in _repeated:
                    result[child.tag] = [result[child.tag]]
                    _repeated.add(child.tag)
                result[child.tag].append(child_value)
            else:
                result[child.tag] = child_value
        return result

    _repeated: set[str] = set()
    return value(root)


def _shape(value: Any, item: str) -> list[Any]:
    """The three shapes QloApps accepts for a list: {item: [..]}, {item: {..}}, [..]."""
    if isinstance(value, dict):
        inner = value.get(item)
        if isinstance(inner, list):
            return inner
        if isinstance(inner, dict):
            return [inner]
        return []
    if isinstance(value, list):
        return value
    return []


def is_date(value: Any) -> bool:
    if not isinstance(value, str | int) or not DATE_RE.match(str(value)):
        return False
    try:
        date.fromisoformat(str(value)[:10])
    except ValueError:
        return False
    return True


PHONE_NUMBER_RE = re.compile(r"^[+0-9. ()/-]*$")


def php_empty(value: Any) -> bool:
    """`!$value || empty(trim($value))` for a decoded JSON/XML value: missing, "", "0", 0, [], {}."""
    if value is None or isinstance(value, dict | list):
        return not value
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value == 0
    text = str(value)
    return text in ("", "0") or not text.strip()


def is_phone_number(value: str) -> bool:
    """PrestaShop's Validate::isPhoneNumber."""
    return bool(PHONE_NUMBER_RE.match(value))


def _price(value: Any) -> Decimal | None:
    """A price override as PHP reads it (Tools::ps_round to 6 places); None when absent or unreadable."""
    if value is None or isinstance(value, dict | list) or str(value).strip() == "":
        return None
    try:
        return Decimal(str(value).strip()).quantize(Decimal("0.000001"))
    except ArithmeticError:
        return None


def as_date(value: Any) -> date:
    return date.fromisoformat(str(value)[:10])


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return default


class Emulator:
    """State, faults and request log of one emulated QloApps; the ASGI app reads it from app.state."""

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        clock: Callable[[], datetime] = datetime.now,
        seed: int = 1,
        rooms_per_type: int = 0,
    ) -> None:
        self.api_key = api_key
        self.store = Store(clock=clock, seed=seed, rooms_per_type=rooms_per_type)
        self.faults = Faults()
        self.requests: Counter[str] = Counter()
        self._random = random.Random(seed)

    def reset(self) -> None:
        self.store.reset()
        self.faults = Faults()
        self.requests.clear()

    def set_faults(self, **changes: Any) -> Faults:
        known = {f.name for f in fields(Faults)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault switches: {sorted(unknown)}")
        for name, value in changes.items():
            setattr(self.faults, name, type(getattr(self.faults, name))(value))
        return self.faults

    @property
    def booking_count(self) -> int:
        return len(self.store.orders)

    # --- HTTP entry ------------------------------------------------------------------------------

    async def handle(self, request: Request, resource_path: str) -> Response:
        self.requests[f"{request.method} {resource_path.split('/')[0] or '/'}"] += 1
        faults = self.faults
        host = request.headers.get("host", "")
        if faults.shop_domain and host != faults.shop_domain:
            # PrestaShop sends every request for another host to its canonical shop URL.
            target = request.url.replace(netloc=faults.shop_domain)
            return Response(b"", status_code=302, headers={"Location": str(target)})
        if faults.down:
            return Response(
                "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
                "</center><hr><center>nginx/1.22.1</center></body></html>\n",
                status_code=502,
                media_type="text/html",
            )
        if faults.timeout:
            await asyncio.sleep(faults.hang_seconds)
        if faults.latency_max_ms > faults.latency_ms:
            await asyncio.sleep(self._random.uniform(faults.latency_ms, faults.latency_max_ms) / 1000)
        elif faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.error_rate and self._random.random() < faults.error_rate:
            headers = {"Retry-After": "1"} if faults.status == 429 else {}
            return Response(b"", status_code=faults.status, headers=headers)

        started = time.perf_counter()
        json_output = "JSON" in (
            request.query_params.get("output_format", "").upper(),
            request.query_params.get("io_format", "").upper(),
            request.headers.get("output-format", "").upper(),
        )
        key = self._key(request)
        if key is None:
            return Response(
                "401 Unauthorized",
                status_code=401,
                media_type="text/html; charset=utf-8",
                headers={
                    "WWW-Authenticate": 'Basic realm="Welcome to PrestaShop Webservice, please enter the '
                    'authentication key as the login. No password required."'
                },
            )
        if key != self.api_key:
            response = self._error(
                WsError(401, 20, "Authentification key is not active"),
                json_output,
                extra=[(21, "No permission for this authentication key")],
            )
            response.headers["WWW-Authenticate"] = (
                'Basic realm="Welcome to QloApps Webservice, please enter the authentication key as the '
                'login. No password required."'
            )
            return self._decorate(response, started, sha=False)

        body = (await request.body()).decode("utf-8", errors="replace")
        base = str(request.base_url).rstrip("/")
        hashed = False
        try:
            response = await self._dispatch(request, resource_path, body, json_output, base)
        except WsError as error:
            response = self._error(error, json_output)
            hashed = error.hashed
        if isinstance(response, RawResponse):
            return response
        response = self._decorate(response, started, sha=hashed or 200 <= response.status_code < 300)
        if request.method == "HEAD":
            response.body = b""
        return response

    def _key(self, request: Request) -> str | None:
        authorization = request.headers.get("authorization", "")
        if authorization.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
            except ValueError:
                return ""
            return decoded.split(":", 1)[0]
        return request.query_params.get("ws_key")

    def _decorate(self, response: Response, started: float, *, sha: bool) -> Response:
        response.headers["Access-Time"] = str(int(time.time()))
        response.headers["X-Powered-By"] = "PrestaShop Webservice"
        response.headers["PSWS-Version"] = PSWS_VERSION
        response.headers["Execution-Time"] = f"{time.perf_counter() - started:.3f}"
        if sha and response.body:
            response.headers["Content-Sha1"] = hashlib.sha1(response.body).hexdigest()  # noqa: S324 - wire format
        return response

    def _error(
        self, error: WsError, json_output: bool, extra: list[tuple[int, str]] | None = None
    ) -> Response:
        errors = [(error.code, error.message), *(extra or [])]
        if json_output:
            return Response(
                render.errors_json(errors), status_code=error.status, media_type="application/json"
            )
        return Response(
            render.errors_xml(errors), status_code=error.status, media_type="text/xml;charset=utf-8"
        )

    def _ok(self, body: str, json_output: bool, status: int = 200) -> Response:
        media = "application/json" if json_output else "text/xml;charset=utf-8"
        return Response(body, status_code=status, media_type=media)

    # --- routing ---------------------------------------------------------------------------------

    async def _dispatch(
        self, request: Request, path: str, body: str, json_output: bool, base: str
    ) -> Response:
        segments = [segment for segment in path.split("/") if segment]
        method = request.method
        params = request.query_params
        if not segments:
            if json_output:
                return self._ok(render.to_json(RESOURCES), True)
            return self._ok((DATA / "api_root.xml").read_text().replace("{base}", base), False)
        resource = segments[0]
        item = segments[1] if len(segments) > 1 else None
        if resource not in RESOURCES:
            raise WsError(
                400,
                27,
                f'Resource of type "{resource}" does not exists. '
                f'Did you mean: "{closest(resource, RESOURCES)}"? '
                "The full list is: " + ", ".join(f'"{name}"' for name in RESOURCES),
            )
        if resource == "hotel_ari":
            return self._hotel_ari(method, params, body, json_output, base)
        if resource == "qlo":
            return self._qlo(item, params)
        if resource == "bookings":
            return await self._bookings(method, item, params, body, json_output, base)
        if resource == "customers" and method == "POST":
            return self._create_customer(body, json_output, base)
        if method not in ("GET", "HEAD"):
            raise WsError(405, 23, f"Method {method} is not valid")
        return self._standard(resource, item, params, json_output, base)

    # --- standard resources ----------------------------------------------------------------------

    def _records(self, resource: str) -> list[dict[str, Any]]:
        store = self.store
        if resource == "hotels":
            return [store.hotel]
        if resource == "room_types":
            return list(store.room_types.values())
        if resource == "hotel_room_types":
            return store.hotel_room_types
        if resource == "hotel_rooms":
            return store.rooms
        if resource == "currencies":
            return store.currencies
        if resource == "order_states":
            return store.order_states
        if resource == "customers":
            return list(store.customers.values())
        if resource == "orders":
            return [self._order_record(order) for order in store.orders.values()]
        if resource == "order_histories":
            histories = []
            for order in store.orders.values():
                for state, added in order.states:
                    histories.append(
                        {
                            "id": len(histories) + 1,
                            "id_employee": 0,
                            "id_order_state": state,
                            "id_order": order.id,
                            "date_add": added,
                        }
                    )
            return histories
        if resource == "room_bookings":
            return [
                self._room_booking_record(line) for line in sorted(store.lines.values(), key=lambda x: x.id)
            ]
        if resource == "countries":
            return [
                {
                    "id": 21,
                    "id_zone": 2,
                    "id_currency": 0,
                    "call_prefix": 1,
                    "iso_code": "US",
                    "active": 1,
                    "contains_states": 1,
                    "need_identification_number": 0,
                    "need_zip_code": 1,
                    "zip_code_format": "NNNNN",
                    "display_tax_label": 1,
                    "name": "United States",
                }
            ]
        if resource == "configurations":
            return [
                {
                    "id": 1,
                    "value": "UTC",
                    "name": "PS_TIMEZONE",
                    "id_shop_group": None,
                    "id_shop": None,
                    "date_add": "2026-11-25 10:42:35",
                    "date_upd": "2026-11-25 10:42:35",
                }
            ]
        return []

    def _standard(
        self, resource: str, item: str | None, params: Any, json_output: bool, base: str
    ) -> Response:
        records = self._records(resource)
        if item is not None:
            record = next((r for r in records if str(r.get("id")) == item), None)
            if record is None:
                return Response(b"", status_code=404)
            node = render.SINGULAR.get(resource, resource.rstrip("s"))
            if json_output:
                return self._ok(render.to_json({node: record}), True)
            return self._ok(render.single_xml(resource, record, base), False)

        schema = params.get("schema")
        if schema in ("blank", "synopsis") and (DATA / f"schema_{resource}_{schema}.xml").exists():
            return self._ok((DATA / f"schema_{resource}_{schema}.xml").read_text(), False)
        fields = None
        display = params.get("display")
        sample = records[0] if records else {}
        displayable = FIELD_LISTS.get(f"{resource}_display") or [k for k in sample if k != "associations"]
        if display == "full":
            fields = None
            full = True
        elif display:
            full = False
            fields = [field.strip() for field in display.strip("[]").split(",") if field.strip()]
            for field in fields:
                if field not in displayable:
                    raise WsError(
                        400,
                        35,
                        f'Unable to display this field "{field}". However, these are available: '
                        + ", ".join(displayable),
                    )
        else:
            full = False

        multilingual = render.MULTILINGUAL.get(resource, set())
        filterable = FIELD_LISTS.get(f"{resource}_filter") or [
            k for k in sample if k != "associations" and k not in multilingual
        ]
        for key, raw in params.items():
            match = re.fullmatch(r"filter\[(\w+)\]", key)
            if not match:
                continue
            field = match.group(1)
            if field in DYNAMIC_FIELDS.get(resource, set()):
                raise WsError(
                    400,
                    34,
                    f'The field "{field}" is dynamic. '
                    "It is not possible to filter GET query with this field.",
                )
            if field not in filterable and field != "id":
                raise WsError(
                    400,
                    32,
                    f'This filter does not exist. Did you mean: "{closest(field, filterable)}"? '
                    "The full list is: " + ", ".join(f'"{name}"' for name in filterable),
                )
            records = [record for record in records if _matches(record.get(field), raw)]

        sort = params.get("sort")
        if sort:
            match = re.fullmatch(r"\[?(\w+)_(ASC|DESC)\]?", sort)
            if match:
                records = sorted(
                    records,
                    key=lambda r: str(r.get(match.group(1))).zfill(20),
                    reverse=match.group(2) == "DESC",
                )
        limit = params.get("limit")
        if limit:
            parts = [int(part) for part in limit.split(",") if part.strip().isdigit()]
            offset, count = (
                (parts[0], parts[1]) if len(parts) == 2 else (0, parts[0] if parts else len(records))
            )
            records = records[offset : offset + count]

        if json_output:
            return self._ok(render.list_json(resource, records, fields, full=full), True)
        return self._ok(render.list_xml(resource, records, fields, base, full=full), False)

    def _order_record(self, order: Order) -> dict[str, Any]:
        template = store_template("order_template.json")["order"]
        excl, tax = self.store.order_totals(order.id)
        incl = excl + tax
        record = dict(template)
        record.update(
            id=order.id,
            id_cart=order.id,
            id_customer=order.id_customer,
            current_state=order.current_state,
            date_add=order.date_add,
            date_upd=order.date_upd,
            secure_key=order.secure_key,
            total_paid=money6(incl),
            total_paid_tax_incl=money6(incl),
            total_paid_tax_excl=money6(excl),
            total_products=money6(excl),
            total_products_wt=money6(incl),
            source=order.source,
            reference=order.reference,
            advance_paid_amount=money6(incl),
            associations={"bookings": [{"id": line.id} for line in self.store.order_lines(order.id)]},
        )
        return record

    def _room_booking_record(self, line: Any) -> dict[str, Any]:
        template = dict(store_template("room_booking_template.json")["bookings"][0])
        room = self.store.room(line.id_room) or {}
        incl = line.price_tax_excl + line.tax
        template.update(
            id=line.id,
            id_product=line.id_product,
            id_hotel=HOTEL_ID,
            id_order=line.id_order,
            id_order_detail=line.id_order_detail,
            id_cart=line.id_order,
            id_room=line.id_room,
            id_customer=line.id_customer,
            id_status=1,
            date_from=f"{line.date_from.isoformat()} 00:00:00",
            date_to=f"{line.date_to.isoformat()} 00:00:00",
            total_price_tax_excl=money6(line.price_tax_excl),
            total_price_tax_incl=money6(incl),
            total_paid_amount=money6(incl),
            is_refunded=line.is_refunded,
            is_cancelled=line.is_cancelled,
            room_num=room.get("room_num", ""),
            room_type_name=self.store.room_type_name(line.id_product),
            adults=line.adults,
            children=line.children,
            date_add=line.date_add,
            date_upd=line.date_add,
        )
        return template

    # --- customers -------------------------------------------------------------------------------

    def _create_customer(self, body: str, json_output: bool, base: str) -> Response:
        if body.startswith("xml="):
            body = body[4:]
        try:
            parsed = php_xml(body)
        except ET.ParseError:
            raise WsError(
                500,
                127,
                "XML error : String could not be parsed as XML\n"
                f"XML length : {len(body)}\nOriginal XML : {body}",
            ) from None
        fields_in = parsed.get("customer") if isinstance(parsed, dict) else None
        fields_in = fields_in if isinstance(fields_in, dict) else {}
        for required in ("passwd", "phone", "lastname", "firstname", "email"):
            if not isinstance(fields_in.get(required), str) or not fields_in[required].strip():
                raise WsError(400, 41, f'parameter "{required}" required')
        record = self.store.add_customer(
            {
                "firstname": fields_in["firstname"],
                "lastname": fields_in["lastname"],
                "email": fields_in["email"],
                "phone": fields_in["phone"],
                "id_default_group": _int(fields_in.get("id_default_group"), 3) or 3,
                "active": _int(fields_in.get("active"), 1),
            }
        )
        created = dict(store_template("customer_created_template.json")["customer"])
        created.update(
            id=str(record["id"]),
            last_passwd_gen=record["last_passwd_gen"],
            secure_key=record["secure_key"],
            passwd=record["passwd"],
            phone=record["phone"],
            lastname=record["lastname"],
            firstname=record["firstname"],
            email=record["email"],
            active=str(record["active"]),
            date_add=record["date_add"],
            date_upd=record["date_upd"],
        )
        if json_output:
            return self._ok(render.to_json({"customer": created}), True, status=201)
        return self._ok(render.single_xml("customers", record, base), False, status=201)

    # --- hotel_ari -------------------------------------------------------------------------------

    def _hotel_ari(self, method: str, params: Any, body: str, json_output: bool, base: str) -> Response:
        if method in ("GET", "HEAD"):
            if params.get("schema") == "synopsis":
                return self._ok((DATA / "schema_hotel_ari_synopsis.xml").read_text(), False)
            raise WsError(405, 23, hashed=True, message=f"Method {method} is not valid")
        if method != "POST":
            raise WsError(405, 23, hashed=True, message=f"Method {method} is not valid")
        if not body.strip():
            raise WsError(
                400, 85, hashed=True, message="Validation error: ARI search parameters are missing."
            )
        try:
            parsed = php_xml(body[4:] if body.startswith("xml=") else body)
        except ET.ParseError:
            raise WsError(
                400, 85, hashed=True, message="Validation error: Invalid ARI search parameters found."
            ) from None
        search = parsed.get("hotel_ari") if isinstance(parsed, dict) else None
        if not isinstance(search, dict):
            raise WsError(
                400, 85, hashed=True, message="Validation error: Invalid ARI search parameters found."
            )
        for required in ("id_hotel", "date_from", "date_to"):
            if not isinstance(search.get(required), str) or not search[required].strip():
                raise WsError(400, 41, hashed=True, message=f'parameter "{required}" required')
        for name in ("date_from", "date_to"):
            if not is_date(search[name]):
                raise WsError(
                    400, 85, hashed=True, message=f'Validation error: "The {name} field is invalid."'
                )
        date_from, date_to = as_date(search["date_from"]), as_date(search["date_to"])
        if date_to <= date_from:
            raise WsError(
                400, 85, hashed=True, message='Validation error: "Date to" must be after "date from"'
            )
        associations = search.get("associations") if isinstance(search.get("associations"), dict) else {}
        occupancies = _shape(associations.get("room_occupancies", {}), "room_occupancy")
        for index, occupancy in enumerate(occupancies, 1):
            occupancy = occupancy if isinstance(occupancy, dict) else {}
            if _int(occupancy.get("adults"), 0) < 1:
                raise WsError(
                    400,
                    85,
                    hashed=True,
                    message=f"Validation error: Invalid value for number of adults for Room-{index} occupancy"
                    "(value must be greater than 0).",
                )
            if _int(occupancy.get("children"), -1) < 0:
                raise WsError(
                    400,
                    85,
                    hashed=True,
                    message="Validation error: Invalid value for number of children for "
                    f"Room-{index} occupancy(value must be 0 or greater).",
                )
        multiplier = max(1, len(occupancies))
        flags = [
            flag
            for flag in ("available", "booked", "partial_available", "unavailable")
            if str(search.get(f"get_{flag}_rooms", "")).strip() == "1"
        ]
        room_type_filter = _int(search.get("id_room_type")) or None
        hotel_id = str(search["id_hotel"]).strip()
        date_wise = str(search.get("date_wise_breakdown", "")).strip() == "1"

        if date_wise:
            results = [
                self._ari(
                    hotel_id,
                    night,
                    night.fromordinal(night.toordinal() + 1),
                    room_type_filter,
                    flags,
                    multiplier,
                    date_wise=True,
                )
                for night in nights(date_from, date_to)
            ]
            if json_output:
                return self._ok(render.to_json({"hotel_aris": results}), True)
            return self._ok(render.ari_date_wise_xml(results, base), False)
        result = self._ari(hotel_id, date_from, date_to, room_type_filter, flags, multiplier, date_wise=False)
        if json_output:
            return self._ok(render.to_json({"hotel_ari": result}), True)
        return self._ok(render.ari_xml(result, base), False)

    def _ari(
        self,
        hotel_id: str,
        date_from: date,
        date_to: date,
        room_type_filter: int | None,
        flags: list[str],
        multiplier: int,
        *,
        date_wise: bool,
    ) -> dict[str, Any]:
        store = self.store
        result: dict[str, Any] = {
            "id_hotel": hotel_id,
            "date_from": date_from.isoformat(),
            "date_to": date_to.isoformat(),
            "currency": CURRENCY,
        }
        if _int(hotel_id) != HOTEL_ID:
            return result
        type_ids = [t for t in sorted(store.room_types) if room_type_filter in (None, t)]
        counts = {"available": 0, "booked": 0, "partial": 0, "unavailable": 0}
        room_types = []
        stay_nights = len(nights(date_from, date_to))
        for type_id in type_ids:
            classified = store.classify(type_id, date_from, date_to)
            for category, rooms in classified.items():
                counts[category] += len(rooms)
            if not classified["available"] and (not flags or flags == ["available"]):
                continue
            per_night = store.quote_per_night(type_id)
            with_tax = per_night * (1 + TAX_RATE)
            rooms_json: dict[str, Any] = {}
            wanted = flags or ["available"]
            order = [
                ("unavailable", "unavailable"),
                ("booked", "booked"),
                ("available", "available"),
                ("partial_available", "partially_available"),
            ]
            for flag, key in order:
                if flag not in wanted:
                    continue
                category = "partial" if flag == "partial_available" else flag
                entries = {}
                for room in classified[category]:
                    entries[str(room["id"])] = self._ari_room(
                        room, category, date_from, date_to, brief=date_wise
                    )
                rooms_json[key] = entries or []
            room_types.append(
                {
                    "id_room_type": type_id,
                    "base_price": number(per_night),
                    "base_price_with_tax": number(with_tax),
                    "total_price": number(per_night * stay_nights * multiplier),
                    "total_price_with_tax": number(with_tax * stay_nights * multiplier),
                    "name": store.room_type_name(type_id),
                    "rooms": rooms_json,
                }
            )
        total_rooms = sum(len(store.rooms_of(t)) for t in type_ids)
        result["total_rooms"] = total_rooms
        if not date_wise:
            result["total_available_rooms"] = counts["available"]
            if "unavailable" in flags:
                result["total_unavailable_rooms"] = counts["unavailable"]
            if "partial_available" in flags:
                result["total_partial_available_rooms"] = counts["partial"]
            if "booked" in flags:
                result["total_booked_rooms"] = counts["booked"]
        if room_types or flags:
            result["room_types"] = room_types
        if date_wise:
            result["total_available_rooms"] = counts["available"]
        return result

    def _ari_room(
        self, room: dict[str, Any], category: str, date_from: date, date_to: date, *, brief: bool
    ) -> dict[str, Any]:
        if brief:
            return {"id_room": room["id"], "room_num": room["room_num"]}
        if category == "booked" or category == "partial":
            detail = [
                {
                    "id_htl_booking": line.id,
                    "date_from": f"{line.date_from.isoformat()} 00:00:00",
                    "date_to": f"{line.date_to.isoformat()} 00:00:00",
                    "id_customer": line.id_customer,
                    "booking_type": 1,
                    "booking_status": 1,
                    "comment": "",
                }
                for line in self.store.booked_nights(room["id"], date_from, date_to)
            ]
            return {
                "id_product": room["id_product"],
                "id_room": room["id"],
                "id_hotel": room["id_hotel"],
                "room_num": room["room_num"],
                "detail": detail,
            }
        link = self.store.room_type_link(room["id_product"]) or {}
        return {
            "id_room": room["id"],
            "id_product": room["id_product"],
            "id_hotel": room["id_hotel"],
            "room_num": room["room_num"],
            "room_comment": room.get("comment", ""),
            "max_adult": link.get("max_adults", 2),
            "max_children": link.get("max_children", 2),
            "max_occupancy": link.get("max_guests", 4),
        }

    # --- qlo helpers -----------------------------------------------------------------------------

    def _qlo(self, method_name: str | None, params: Any) -> Response:
        if method_name not in QLO_METHODS:
            raise WsError(
                400,
                48,
                f'Method with name "{method_name}" does not exist in Qlo Library,. Did you mean: '
                f'"{closest(method_name or "", QLO_METHODS)}"? The full list is: '
                + ", ".join(f'"{name}"' for name in QLO_METHODS),
            )
        if params.get("outputformat", "").lower() == "json":
            return RawResponse(b"", status_code=200, media_type="application/json")
        if params.get("output_format", "").upper() == "JSON":
            return Response("[]", status_code=200, media_type="application/json")
        if not params.get("id_hotel"):
            raise WsError(400, 100, "You have to set 'id_hotel' parameter to get a result")
        store = self.store
        if method_name == "getRoomTypes":
            items = "".join(
                f"<room_type>\n<name>{render.cdata(store.room_type_name(t))}</name>\n<id>{render.cdata(t)}</id>\n"
                f"<status>{render.cdata(store.room_types[t]['active'])}</status>\n</room_type>\n"
                for t in sorted(store.room_types)
            )
            return self._ok(f"{render.XML_HEAD}<room_types>\n{items}</room_types>\n{render.XML_TAIL}", False)
        today = self.store.clock().date()
        date_from = as_date(params["date_from"]) if is_date(params.get("date_from", "")) else today
        date_to = (
            as_date(params["date_to"])
            if is_date(params.get("date_to", ""))
            else date.fromordinal(today.toordinal() + 1)
        )
        only = _int(params.get("id_room_type")) or None
        lists = []
        for night in nights(date_from, date_to):
            types = ""
            for t in sorted(store.room_types):
                if only not in (None, t):
                    continue
                per_night = store.quote_per_night(t)
                available = len(store.available_rooms(t, night, date.fromordinal(night.toordinal() + 1)))
                types += (
                    f"<room_type>\n<id>{render.cdata(t)}</id>\n<rate>\n"
                    f"<tax_inc>{render.cdata(number(per_night * (1 + TAX_RATE)))}</tax_inc>\n"
                    f"<tax_exc>{render.cdata(number(per_night))}</tax_exc>\n</rate>\n"
                    f"<available_rooms>{render.cdata(available)}</available_rooms>\n</room_type>\n"
                )
            lists.append(
                f"<rate_list>\n<date>{render.cdata(night.isoformat())}</date>\n<room_types>\n{types}</room_types>\n</rate_list>\n"
            )
        return self._ok(
            f"{render.XML_HEAD}<getRoomRatesApi>\n{''.join(lists)}</getRoomRatesApi>\n{render.XML_TAIL}",
            False,
        )

    # --- bookings --------------------------------------------------------------------------------

    async def _bookings(
        self, method: str, item: str | None, params: Any, body: str, json_output: bool, base: str
    ) -> Response:
        store = self.store
        if method in ("GET", "HEAD"):
            if item is not None:
                order = store.orders.get(_int(item))
                if order is None:
                    return Response(b"", status_code=404)
                return self._booking_response(order, json_output)
            schema = params.get("schema")
            if schema in ("blank", "synopsis"):
                if json_output:
                    return self._ok((DATA / "schema_bookings_blank.json").read_text(), True)
                return self._ok((DATA / f"schema_bookings_{schema}.xml").read_text(), False)
            ids = sorted(store.orders)
            if json_output:
                return self._ok(render.to_json({"bookings": [{"id": i} for i in ids]}) if ids else "[]", True)
            return self._ok(render.bookings_list_xml(ids, base), False)
        if method == "DELETE":
            raise WsError(405, 101, "Method DELETE is not allowed for the resource bookings")
        if method not in ("POST", "PUT"):
            raise WsError(405, 23, f"Method {method} is not valid")

        data = self._booking_input(body)
        order = self._create_booking(data) if method == "POST" else self._update_booking(data)
        if self.faults.hang_after_commit > 0:
            self.faults.hang_after_commit -= 1
            await asyncio.sleep(self.faults.hang_seconds)
        return self._booking_response(order, json_output)

    def _booking_input(self, body: str) -> dict[str, Any]:
        """getRequestParams + formatRequestData: JSON or XML, associations merged, lists normalised."""
        data: Any = None
        try:
            decoded = json.loads(body) if body.strip() else None
        except ValueError:
            decoded = None
        if decoded:
            if not isinstance(decoded, dict) or "booking" not in decoded:
                raise WsError(500, 127, "Invalid request.")
            data = decoded["booking"]
        else:
            text = body[4:] if body.startswith("xml=") else body
            try:
                parsed = php_xml(text) if text.strip() else None
            except ET.ParseError:
                parsed = None
            data = parsed.get("booking") if isinstance(parsed, dict) else None
        if not isinstance(data, dict):
            data = {}
        associations = data.pop("associations", {}) if isinstance(data.get("associations"), dict) else {}
        data.update(associations)
        if "room_types" in data:
            merged: dict[str, dict[str, Any]] = {}
            for room_type in _shape(data["room_types"], "room_type"):
                if not isinstance(room_type, dict):
                    continue
                key = "_".join(
                    str(room_type.get(name)) for name in ("id_room_type", "checkin_date", "checkout_date")
                )
                if key not in merged:
                    merged[key] = dict(room_type)
                else:
                    merged[key]["number_of_rooms"] = _int(merged[key].get("number_of_rooms")) + _int(
                        room_type.get("number_of_rooms")
                    )
                if "rooms" in room_type:
                    merged[key]["rooms"] = [
                        room for room in _shape(room_type["rooms"], "room") if isinstance(room, dict)
                    ]
            data["room_types"] = list(merged.values())
        return data

    def _validate_room_type(self, room_type: dict[str, Any]) -> str | None:
        if "id_room_type" not in room_type:
            return "Id room type is missing"
        if not is_date(room_type.get("checkin_date")):
            return "Invalid check in date in the request"
        if not is_date(room_type.get("checkout_date")):
            return "Invalid check out date in the request"
        if "number_of_rooms" not in room_type:
            return "number of rooms is missing"
        if _int(room_type.get("id_room_type")) not in self.store.room_types:
            return "Invalid room type in the request"
        rooms = room_type.get("rooms") or []
        if rooms and len(rooms) != _int(room_type.get("number_of_rooms")):
            return "Room count does not matches with the number of rooms"
        if as_date(room_type["checkin_date"]) > as_date(room_type["checkout_date"]):
            return "Invalid check in and check out dates in the request"
        return None

    def _check_available(self, room_types: list[dict[str, Any]], *, message: str) -> None:
        for room_type in room_types:
            problem = self._validate_room_type(room_type)
            if problem:
                raise WsError(400, 404, problem)
            available = self.store.available_rooms(
                _int(room_type["id_room_type"]),
                as_date(room_type["checkin_date"]),
                as_date(room_type["checkout_date"]),
            )
            available_ids = {room["id"] for room in available}
            if not available or len(available) < _int(room_type.get("number_of_rooms")):
                raise WsError(400, 404, message)
            for room in room_type.get("rooms") or []:
                if "id_room" in room and _int(room.get("id_room")) not in available_ids:
                    raise WsError(400, 404, message)

    def _create_booking(self, data: dict[str, Any]) -> Order:
        store = self.store
        customer_detail = (
            data.get("customer_detail") if isinstance(data.get("customer_detail"), dict) else None
        )
        if "id" in data:
            raise WsError(400, 404, "id is forbidden when adding a new resource")
        if data.get("currency") != CURRENCY:
            raise WsError(400, 404, "Please provide valid currency.")
        if not customer_detail:
            raise WsError(400, 404, "Customer details not found.")
        if _int(data.get("id_property")) != HOTEL_ID:
            raise WsError(400, 404, "Please provide a valid id_property.")
        if (
            _int(customer_detail.get("id_customer"))
            and _int(customer_detail.get("id_customer")) not in store.customers
        ):
            raise WsError(400, 404, "Please provide a valid id_customer.")
        for key, label in (
            ("firstname", "first name"),
            ("lastname", "last name"),
            ("email", "email"),
            ("phone", "phone number"),
        ):
            # `!$value || empty(trim($value))` in validatePostRequest: PHP also takes "0" for empty,
            # which is why the placeholder phone "0" is refused by a real QloApps.
            if php_empty(customer_detail.get(key)):
                raise WsError(400, 404, f"Please provide a valid {label}.")
        address_keys = ("address", "city", "country_code", "state_code", "zip")
        if any(key in customer_detail for key in address_keys):
            for key, message in (
                ("address", "Address is required."),
                ("city", "City is required."),
                ("country_code", "Country code is required."),
            ):
                if not customer_detail.get(key):
                    raise WsError(400, 404, message)
            if str(customer_detail["country_code"]).upper() != "US":
                raise WsError(400, 404, "Invalid country code.")
            if not customer_detail.get("state_code"):
                raise WsError(400, 404, "State code is required for the given country.")
            if not customer_detail.get("zip"):
                raise WsError(400, 404, "Zip code is required.")
        room_types = data.get("room_types") or []
        if not room_types:
            raise WsError(400, 404, "Requested room(s) not available.")
        self._check_available(room_types, message="Requested room(s) not available.")
        payment = data.get("payment_detail") if isinstance(data.get("payment_detail"), dict) else {}
        if "payment_type" in payment and payment["payment_type"] not in ("online", "remote", "pay at hotel"):
            raise WsError(400, 404, "Invalid payment type.")
        booking_status = _int(data.get("booking_status"), 1) if "booking_status" in data else 1
        if "booking_status" in data and not 1 <= booking_status <= 4:
            raise WsError(400, 404, "Invalid booking status.")
        payment_status = _int(data.get("payment_status"), 3) if "payment_status" in data else None
        if payment_status is not None and not 1 <= payment_status <= 3:
            raise WsError(400, 404, "Invalid payment status.")

        customer = store.customer_by_email(str(customer_detail["email"]))
        phone = str(customer_detail["phone"]).strip()
        if customer is None:
            customer = store.add_customer(
                {
                    "firstname": str(customer_detail["firstname"]),
                    "lastname": str(customer_detail["lastname"]),
                    "email": str(customer_detail["email"]),
                    "phone": phone if is_phone_number(phone) else "",
                }
            )
        elif is_phone_number(phone):
            # processCustomer: the phone is stored only when Validate::isPhoneNumber accepts it.
            customer["phone"] = phone
        state = {
            1: {1: STATE_PAYMENT_ACCEPTED, 2: STATE_PARTIAL_PAYMENT}.get(
                payment_status or 3, STATE_AWAITING_PAYMENT
            ),
            2: STATE_PAYMENT_ACCEPTED,
            3: STATE_CANCELED,
            4: STATE_REFUNDED,
        }[booking_status]
        remark = data.get("remark") if isinstance(data.get("remark"), str) else None
        order = store.create_order(
            customer,
            state=STATE_AWAITING_PAYMENT,
            source=str(data.get("source") or "webservice"),
            remark=remark,
        )
        self._add_lines(order, room_types)
        if state != STATE_AWAITING_PAYMENT:
            store.set_state(order, state)
        return order

    def _add_lines(self, order: Order, room_types: list[dict[str, Any]]) -> None:
        store = self.store
        for room_type in room_types:
            type_id = _int(room_type["id_room_type"])
            date_from, date_to = as_date(room_type["checkin_date"]), as_date(room_type["checkout_date"])
            link = store.room_type_link(type_id) or {}
            free = [room["id"] for room in store.available_rooms(type_id, date_from, date_to)]
            requested = room_type.get("rooms") or []
            count = _int(room_type.get("number_of_rooms")) or len(requested)
            for index in range(count):
                room = requested[index] if index < len(requested) else None
                if room is not None and "id_room" in room:
                    room_id = _int(room["id_room"])
                else:
                    room_id = next(
                        r
                        for r in free
                        if r not in {_int(x.get("id_room")) for x in requested if "id_room" in x}
                    )
                if room_id in free:
                    free.remove(room_id)
                if room is None:
                    # No room breakdown at all: the room type's default occupancy (fixture 78).
                    adults, children = link.get("adults", 2), link.get("children", 2)
                else:
                    adults = _int(room.get("adult")) or link.get("adults", 2)
                    children = (
                        _int(room.get("child"))
                        if "child" in room
                        else len(_shape(room.get("child_ages", []), "child_age"))
                    )
                price = _price(room.get("unit_price_without_tax")) if room is not None else None
                store.add_line(order, type_id, room_id, date_from, date_to, adults, children, price)

    def _update_booking(self, data: dict[str, Any]) -> Order:
        store = self.store
        order_id = _int(data.get("id"))
        if not order_id:
            raise WsError(400, 404, "id is required with PUT requests.")
        order = store.orders.get(order_id)
        if order is None:
            raise WsError(400, 404, "Booking not found.")
        if "booking_status" in data and not 0 <= _int(data["booking_status"], -1) <= 4:
            raise WsError(400, 404, "Invalid booking status.")
        room_types = data.get("room_types") or []
        if not room_types:
            raise WsError(400, 404, "Rooms not found in the request.")
        customer_detail = data.get("customer_detail") if isinstance(data.get("customer_detail"), dict) else {}
        if "id_customer" in customer_detail and _int(customer_detail["id_customer"]) not in store.customers:
            raise WsError(400, 404, "Invalid ID customer.")
        if _int(data.get("id_property")) != HOTEL_ID:
            raise WsError(400, 404, "Please provide a valid id_property.")
        email = str(customer_detail.get("email") or "")
        if "@" not in email or store.customer_by_email(email) is None:
            raise WsError(400, 404, "Customer not found.")
        if "booking_status" in data and not 1 <= _int(data["booking_status"]) <= 4:
            raise WsError(400, 404, "Invalid booking status.")
        for room_type in room_types:
            problem = self._validate_room_type(room_type)
            if problem:
                raise WsError(400, 404, problem)
            for room in room_type.get("rooms") or []:
                if "id_room" in room:
                    known = store.room(_int(room["id_room"]))
                    if known is None or known["id_product"] != _int(room_type["id_room_type"]):
                        raise WsError(400, 404, "Invalid Id room.")

        # Match existing lines by room type and dates; unmatched requests are added, the rest removed.
        wanted = {
            (_int(rt["id_room_type"]), as_date(rt["checkin_date"]), as_date(rt["checkout_date"])): dict(rt)
            for rt in room_types
        }
        to_remove = []
        for line in store.order_lines(order.id):
            key = (line.id_product, line.date_from, line.date_to)
            entry = wanted.get(key)
            if entry is not None and _int(entry.get("number_of_rooms")) > 0:
                entry["number_of_rooms"] = _int(entry["number_of_rooms"]) - 1
                if entry.get("rooms"):
                    entry["rooms"] = entry["rooms"][1:]
                if entry["number_of_rooms"] == 0:
                    del wanted[key]
            else:
                to_remove.append(line)
        to_add = [entry for entry in wanted.values() if _int(entry.get("number_of_rooms")) > 0]
        if to_add:
            self._check_available(to_add, message="Requested room(s) not available")
        if "booking_status" in data:
            status = _int(data["booking_status"])
            state = {
                1: STATE_AWAITING_PAYMENT,
                2: STATE_PAYMENT_ACCEPTED,
                3: STATE_CANCELED,
                4: STATE_REFUNDED,
            }[status]
            store.set_state(order, state)
        if isinstance(data.get("remark"), str) and data["remark"].strip():
            store.add_remark(order, data["remark"])
        if to_add:
            self._add_lines(order, to_add)
        for line in to_remove:
            store.remove_line(line)
        order.date_upd = store.now()
        return order

    def booking_document(self, order: Order) -> dict[str, Any]:
        store = self.store
        customer = store.customers[order.id_customer]
        groups: dict[tuple[int, date, date], list[Any]] = {}
        for line in store.order_lines(order.id):
            groups.setdefault((line.id_product, line.date_from, line.date_to), []).append(line)
        excl, tax = store.order_totals(order.id)
        room_types = []
        for (type_id, date_from, date_to), lines in groups.items():
            room_types.append(
                {
                    "id_room_type": type_id,
                    "checkin_date": f"{date_from.isoformat()} 00:00:00",
                    "checkout_date": f"{date_to.isoformat()} 00:00:00",
                    "total_tax": number(sum((line.tax for line in lines), Decimal(0))),
                    "number_of_rooms": len(lines),
                    "name": store.room_type_name(type_id),
                    "rooms": [
                        {
                            "id_room": line.id_room,
                            "id_hotel_booking": line.id,
                            "adults": line.adults,
                            "child": line.children,
                            "unit_price_without_tax": number(line.price_tax_excl),
                            "total_tax": number(line.tax),
                        }
                        for line in lines
                    ],
                }
            )
        return {
            "booking": {
                "id": order.id,
                "id_property": HOTEL_ID,
                "currency": CURRENCY,
                "source": order.source,
                "booking_date": order.date_add,
                "id_language": 1,
                "associations": {
                    "customer_detail": {
                        "id_customer": customer["id"],
                        "firstname": customer["firstname"],
                        "lastname": customer["lastname"],
                        "email": customer["email"],
                        "phone": customer["phone"],
                    },
                    "price_details": {
                        "total_paid": 0,
                        "total_price_without_tax": number(excl),
                        "total_tax": number(tax),
                    },
                    "cart_rules": [],
                    "remarks": list(order.remarks),
                    "room_types": room_types,
                },
            }
        }

    def _booking_response(self, order: Order, json_output: bool) -> Response:
        document = self.booking_document(order)
        if json_output:
            return self._ok(render.to_json(document), True)
        return self._ok(render.booking_xml(document), False)


def create_app(emulator: Emulator | None = None) -> Starlette:
    """The ASGI app; `app.state.emulator` is the Emulator (tests drive faults and read state there)."""
    emulator = emulator or Emulator()

    async def api(request: Request) -> Response:
        return await emulator.handle(request, request.path_params.get("path", ""))

    async def dispatcher(request: Request) -> Response:
        return await emulator.handle(request, request.query_params.get("url", ""))

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            try:
                emulator.set_faults(**(await request.json()))
            except (ValueError, TypeError) as exc:
                return JSONResponse({"error": str(exc)}, status_code=400)
        elif request.method == "DELETE":
            emulator.faults = Faults()
        return JSONResponse(asdict(emulator.faults))

    async def reset(request: Request) -> Response:
        emulator.reset()
        return JSONResponse({"reset": True})

    async def state(request: Request) -> Response:
        return JSONResponse(
            {
                "bookings": emulator.booking_count,
                "customers": len(emulator.store.customers),
                "requests": dict(emulator.requests),
                "faults": asdict(emulator.faults),
            }
        )

    methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]
    app = Starlette(
        routes=[
            Route("/api", api, methods=methods),
            Route("/api/{path:path}", api, methods=methods),
            Route("/webservice/dispatcher.php", dispatcher, methods=methods),
            Route("/__emulator__/faults", faults, methods=["GET", "POST", "DELETE"]),
            Route("/__emulator__/reset", reset, methods=["POST"]),
            Route("/__emulator__/state", state, methods=["GET"]),
        ]
    )
    app.state.emulator = emulator
    return app


def _matches(value: Any, raw: str) -> bool:
    """PrestaShop filters: `[a|b]` any of, `[a,b]` interval, otherwise exact."""
    text = "" if value is None else str(value)
    if raw.startswith("[") and raw.endswith("]"):
        inner = raw[1:-1]
        if "," in inner and "|" not in inner:
            low, high = inner.split(",", 1)
            return low <= text <= high
        return any(text.lower() == option.lower() for option in inner.split("|"))
    return text == raw
