"""QloApps XML, both ways.

Out: the request bodies that must be XML (`hotel_ari` searches and every standard resource such as
`customers`), built from plain dicts in the element order QloApps documents.

In: `decode_xml` turns any QloApps XML response into the nested dict/list shape the same request returns
with `output_format=JSON`, so one set of mapping functions reads both:

- a leaf element becomes its text (CDATA included); numbers stay strings, as in some JSON fields;
- `<name><language id="1">x</language></name>` becomes `"x"` (one language) or `[{"id", "value"}]`;
- a plural element holding its singulars (`<remarks><remark>`, `<room_types><room_type>`) becomes a list;
- repeated children that carry an `id` attribute (`<available><room id="1">`) become a dict keyed by id,
  like the JSON room maps; an `id` attribute on a list item is kept as its `"id"`.

The XML comes from the hotel's own authenticated PMS; the standard-library parser (expat >= 2.4 limits
entity amplification and never resolves external entities) is enough for it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'


def singular(tag: str) -> str:
    """`room_occupancies` -> `room_occupancy`, `groups` -> `group`."""
    if tag.endswith("ies"):
        return tag[:-3] + "y"
    if tag.endswith("s"):
        return tag[:-1]
    return tag


def _is_plural_of(parent: str, child: str) -> bool:
    return parent in (child + "s", child + "es") or (child.endswith("y") and parent == child[:-1] + "ies")


def _append(parent: ET.Element, tag: str, value: Any) -> None:
    if value is None:
        return
    element = ET.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for key, child in value.items():
            _append(element, str(key), child)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        item_tag = singular(tag)
        for item in value:
            _append(element, item_tag, item)
    elif isinstance(value, bool):
        element.text = "1" if value else "0"
    else:
        element.text = str(value)


def encode_xml(resource: str, fields: Mapping[str, Any]) -> str:
    """`<qloapps><resource>...</resource></qloapps>`; lists repeat the singular of their key."""
    root = ET.Element("qloapps")
    _append(root, resource, fields)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode")


def decode_xml(text: str | bytes) -> Any:
    """The JSON-shaped value of a QloApps XML document (the children of `<qloapps>`)."""
    root = ET.fromstring(text)  # noqa: S314 - see module docstring
    return _children_as_dict(list(root))


def _text(element: ET.Element) -> str:
    text = element.text or ""
    return "" if not text.strip() else text


def _value(element: ET.Element) -> Any:
    children = list(element)
    if not children:
        return _text(element)
    tags = [child.tag for child in children]
    if all(tag == "language" for tag in tags):
        if len(children) == 1:
            return _text(children[0])
        return [{"id": child.get("id", ""), "value": _text(child)} for child in children]
    if len(set(tags)) == 1:
        if _is_plural_of(element.tag, tags[0]):
            return [_item(child) for child in children]
        if all("id" in child.attrib for child in children):
            return {child.attrib["id"]: _value(child) for child in children}
    return _children_as_dict(children)


def _item(element: ET.Element) -> Any:
    value = _value(element)
    identifier = element.get("id")
    if identifier is None:
        return value
    if value == "":
        return {"id": identifier}
    if isinstance(value, dict) and "id" not in value:
        return {"id": identifier, **value}
    return value


def _children_as_dict(children: list[ET.Element]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for child in children:
        value = _item(child)
        if child.tag in result:
            existing = result[child.tag]
            if isinstance(existing, list) and getattr(existing, "_repeated", False):
                existing.append(value)
            else:
                repeated = _RepeatedList([existing, value])
                result[child.tag] = repeated
        else:
            result[child.tag] = value
    return result


class _RepeatedList(list[Any]):
    """Marks a list built from repeated sibling tags, so a third sibling extends it."""

    _repeated = True


def resource_permissions(text: str | bytes) -> dict[str, set[str]]:
    """From the XML API root (`GET /api/`): resource -> the HTTP methods this key may use."""
    root = ET.fromstring(text)  # noqa: S314 - see module docstring
    api = root.find("api")
    if api is None:
        return {}
    methods = ("get", "put", "post", "delete", "head")
    return {
        element.tag: {method.upper() for method in methods if element.get(method) == "true"}
        for element in api
    }
