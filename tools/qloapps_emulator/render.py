"""QloApps output formats: the JSON and XML shapes, byte layouts and envelopes seen in the recording."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<qloapps xmlns:xlink="http://www.w3.org/1999/xlink">\n'
XML_TAIL = "</qloapps>\n"

# Multilingual fields: plain strings in JSON (one language), <language> elements in XML.
MULTILINGUAL = {
    "hotels": {"policies", "hotel_name", "description", "short_description"},
    "room_types": {
        "meta_description",
        "meta_keywords",
        "meta_title",
        "link_rewrite",
        "name",
        "description",
        "description_short",
        "available_now",
        "available_later",
    },
    "order_states": {"name", "template"},
}
# Singular node names of the standard resources we serve.
SINGULAR = {
    "hotels": "hotel",
    "room_types": "room_type",
    "hotel_room_types": "hotel_room_type",
    "hotel_rooms": "room",
    "currencies": "currency",
    "order_states": "order_state",
    "orders": "order",
    "order_histories": "order_history",
    "room_bookings": "booking",
    "customers": "customer",
    "countries": "country",
    "configurations": "configuration",
}
JSON_PLURAL = {"hotel_rooms": "rooms", "room_bookings": "bookings"}


def to_json(value: Any) -> str:
    # PHP's json_encode escapes "/" as "\/"; the recorded bodies keep that.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/")


def cdata(value: Any) -> str:
    if value is None or value is False or value == "":
        return ""
    if value is True:
        value = 1
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def errors_json(errors: Iterable[tuple[int, str]]) -> str:
    return to_json({"errors": [{"code": code, "message": message} for code, message in errors]})


def errors_xml(errors: Iterable[tuple[int, str]]) -> str:
    body = "".join(
        f"<error>\n<code>{cdata(code)}</code>\n<message>{cdata(message)}</message>\n</error>\n"
        for code, message in errors
    )
    return f"{XML_HEAD}<errors>\n{body}</errors>\n{XML_TAIL}"


# --- standard resources -------------------------------------------------------------------------------


def list_json(
    resource: str, records: Sequence[Mapping[str, Any]], fields: Sequence[str] | None, *, full: bool = False
) -> str:
    """Ids only by default; `full` records for `display=full`; chosen `fields` for `display=[...]`."""
    if not records:
        return "[]"
    key = JSON_PLURAL.get(resource, resource)
    if fields is None and not full:
        return to_json({key: [{"id": record["id"]} for record in records]})
    return to_json({key: [project(record, fields) for record in records]})


def project(record: Mapping[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """`display=full` (None) keeps everything; `display=[a,b]` keeps those keys, in record order."""
    if fields is None:
        return dict(record)
    wanted = set(fields)
    return {key: value for key, value in record.items() if key in wanted}


def _xml_field(resource: str, key: str, value: Any, base: str, indent: str = "\t") -> str:
    if key in MULTILINGUAL.get(resource, set()):
        return (
            f'{indent}<{key}><language id="1" xlink:href="{base}/api/languages/1">'
            f"{cdata(value) or '<![CDATA[]]>'}"
            f"</language></{key}>\n"
        )
    return f"{indent}<{key}>{cdata(value)}</{key}>\n"


# XML lists every association, empty ones included (JSON leaves those out), in this order; the
# hotel's room types come out with the plural as their node name (fixture 13).
XML_ASSOCIATIONS = {
    "hotels": ["room_types", "images", "hotel_features", "hotel_refund_rules"],
    "room_types": [
        "advance_payments",
        "categories",
        "images",
        "room_type_features",
        "tags",
        "hotel_rooms",
        "feature_prices",
        "extra_demands",
        "services",
    ],
}
XML_NODE_NAMES = {("hotels", "room_types"): "room_types"}


def _xml_associations(resource: str, associations: Mapping[str, Any], base: str) -> str:
    parts = ["<associations>\n"]
    names = XML_ASSOCIATIONS.get(resource) or list(associations)
    for name in names:
        items = associations.get(name) or []
        node = XML_NODE_NAMES.get((resource, name)) or (
            name[:-3] + "y" if name.endswith("ies") else name.rstrip("s")
        )
        if not items:
            parts.append(f'<{name} nodeType="{node}" api="{name}"/>\n')
            continue
        parts.append(f'<{name} nodeType="{node}" api="{name}">\n')
        for item in items:
            href = f"{base}/api/{name}/{item.get('id')}"
            parts.append(f'\t<{node} xlink:href="{href}">\n')
            for key, value in item.items():
                parts.append(f"\t<{key}>{cdata(value)}</{key}>\n")
            parts.append(f"\t</{node}>\n")
        parts.append(f"</{name}>\n")
    parts.append("</associations>\n")
    return "".join(parts)


def record_xml(resource: str, record: Mapping[str, Any], base: str) -> str:
    node = SINGULAR.get(resource, resource.rstrip("s"))
    body = "".join(
        _xml_field(resource, key, value, base) for key, value in record.items() if key != "associations"
    )
    if isinstance(record.get("associations"), dict):
        body += _xml_associations(resource, record["associations"], base)
    return f"<{node}>\n{body}</{node}>\n"


def single_xml(resource: str, record: Mapping[str, Any], base: str) -> str:
    return XML_HEAD + record_xml(resource, record, base) + XML_TAIL


def list_xml(
    resource: str,
    records: Sequence[Mapping[str, Any]],
    fields: Sequence[str] | None,
    base: str,
    *,
    full: bool = False,
) -> str:
    node = SINGULAR.get(resource, resource.rstrip("s"))
    if fields is None and not full:
        items = "".join(
            f'<{node} id="{record["id"]}" xlink:href="{base}/api/{resource}/{record["id"]}"/>\n'
            for record in records
        )
    else:
        items = "".join(record_xml(resource, project(record, fields), base) for record in records)
    return f"{XML_HEAD}<{resource}>\n{items}</{resource}>\n{XML_TAIL}"


# --- bookings -------------------------------------------------------------------------------------------

_BOOKING_LISTS = {
    "room_types": "room_type",
    "rooms": "room",
    "facilities": "facility",
    "services": "service",
    "cart_rules": "cart_rule",
    "remarks": "remark",
}


def _booking_xml_value(key: str, value: Any) -> str:
    if isinstance(value, dict):
        return f"<{key}>" + "".join(_booking_xml_value(k, v) for k, v in value.items()) + f"</{key}>"
    if isinstance(value, list):
        if not value:
            return f"<{key}>{cdata(0)}</{key}>\n"
        item = _BOOKING_LISTS.get(key, key)
        return f"<{key}>" + "".join(_booking_xml_value(item, entry) for entry in value) + f"</{key}>"
    return f"<{key}>{cdata(value if value != 0 else '0')}</{key}>\n"


def booking_xml(document: Mapping[str, Any]) -> str:
    """The bookings resource's own XML layout (fixtures 58, 61, 92): no indentation, CDATA leaves."""
    return XML_HEAD + _booking_xml_value("booking", document["booking"]) + XML_TAIL


def bookings_list_xml(ids: Sequence[int], base: str) -> str:
    items = "".join(f'<booking xlink:href="{base}/api/bookings/{i}" id="{i}"/>\n' for i in ids)
    return f"{XML_HEAD}<bookings>\n{items}</bookings>\n{XML_TAIL}"


# --- hotel_ari ----------------------------------------------------------------------------------------


def _ari_xml_rooms(rooms: Mapping[str, Any]) -> str:
    parts = ["<rooms>\n"]
    for category, entries in rooms.items():
        if not entries:
            parts.append(f"<{category}>\n</{category}>\n")
            continue
        parts.append(f"<{category}>\n")
        for room_id, room in entries.items():
            parts.append(
                f'<room id="{room_id}">\n<id_room>{cdata(room["id_room"])}</id_room>\n'
                f"<room_number>{cdata(room['room_num'])}</room_number>\n</room>\n"
            )
        parts.append(f"</{category}>\n")
    parts.append("</rooms>\n")
    return "".join(parts)


def _ari_xml_body(search: Mapping[str, Any], base: str) -> str:
    parts = []
    for key, value in search.items():
        if key == "id_hotel":
            parts.append(f'<id_hotel xlink:href="{base}/api/hotels/{value}">{cdata(value)}</id_hotel>\n')
        elif key == "room_types":
            parts.append("<room_types>\n")
            for room_type in value:
                type_id = room_type["id_room_type"]
                href = f"{base}/api/room_types/{type_id}"
                parts.append(f'<room_type id="{type_id}" xlink:href="{href}">\n')
                parts.append(f'<id_room_type xlink:href="{href}">{cdata(type_id)}</id_room_type>\n')
                for field in ("base_price", "base_price_with_tax", "total_price", "total_price_with_tax"):
                    parts.append(f"<{field}>{cdata(room_type[field])}</{field}>\n")
                parts.append(
                    f'<name><language id="1" xlink:href="{base}/api/languages/1">{cdata(room_type["name"])}'
                    "</language></name>\n"
                )
                parts.append(_ari_xml_rooms(room_type["rooms"]))
                parts.append("</room_type>\n")
            parts.append("</room_types>\n")
        else:
            parts.append(f"<{key}>{cdata(value)}</{key}>\n")
    return "".join(parts)


def ari_xml(search: Mapping[str, Any], base: str) -> str:
    return f"{XML_HEAD}<hotel_ari>\n{_ari_xml_body(search, base)}</hotel_ari>\n{XML_TAIL}"


def ari_date_wise_xml(searches: Sequence[Mapping[str, Any]], base: str) -> str:
    def ordered(search: Mapping[str, Any]) -> dict[str, Any]:
        # XML puts total_available_rooms before room_types (JSON after): fixture 36 vs 35.
        head = {k: v for k, v in search.items() if k not in ("room_types", "total_available_rooms")}
        head["total_available_rooms"] = search.get("total_available_rooms")
        head["room_types"] = search.get("room_types", [])
        return head

    body = "".join(
        f"<hotel_ari>\n{_ari_xml_body(ordered(search), base)}</hotel_ari>\n" for search in searches
    )
    return f"{XML_HEAD}<hotel_aris>\n{body}</hotel_aris>\n{XML_TAIL}"
