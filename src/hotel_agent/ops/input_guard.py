"""Input the database cannot store is refused at the edge, naming the field: NUL characters anywhere in a
path, query or body value (PostgreSQL text cannot hold U+0000), and NaN/Infinity, which Python's JSON
reader accepts but no JSON column or response can carry.

One app-level dependency, so routes added later are covered without remembering it. Routes that must
accept such input (the signed WhatsApp webhook, which keeps a malformed item for an operator) are
exempted by path and clean it themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError

NUL = "\x00"
NUL_MESSAGE = "must not contain NUL (U+0000) characters"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_paths(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    if isinstance(value, str):
        if NUL in value:
            yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if NUL in str(key):
                yield (*path, str(key).replace(NUL, "\\u0000"))
            yield from _nul_paths(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, (*path, index))


def _error(
    loc: tuple[str | int, ...], kind: str = "string_nul", message: str = NUL_MESSAGE
) -> dict[str, Any]:
    return {"type": kind, "loc": loc, "msg": message, "input": None}


async def _body_errors(request: Request) -> list[dict[str, Any]]:
    route = request.scope.get("route")
    if getattr(route, "body_field", None) is None:
        return []  # the route reads no body: nothing of it reaches the database
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(_FORM_TYPES):
        form = await request.form()
        return [
            _error(("body", key))
            for key, value in form.multi_items()
            if isinstance(value, str) and NUL in value
        ]
    body = await request.body()  # cached: FastAPI has read it already
    lowered = body.lower()
    if b"\\u0000" not in lowered and b"nan" not in lowered and b"infinity" not in lowered:
        return []
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError:
        if b"nan" in lowered or b"infinity" in lowered:
            # Valid for Python's reader, which FastAPI used; not JSON, and unstorable.
            return [_error(("body",), "json_invalid", "NaN and Infinity are not JSON numbers")]
        return []
    return [_error(("body", *path)) for path in _nul_paths(parsed, ())]


def refuse_unstorable_input(exempt_paths: frozenset[str]) -> Callable[[Request], Awaitable[None]]:
    """The app-level dependency: 422 naming each path, query or body field that holds a NUL."""

    async def guard(request: Request) -> None:
        if request.url.path in exempt_paths:
            return
        errors = [_error(("path", name)) for name, value in request.path_params.items() if NUL in str(value)]
        errors += [
            _error(("query", name)) for name, value in request.query_params.multi_items() if NUL in value
        ]
        errors += await _body_errors(request)
        if errors:
            raise RequestValidationError(errors)

    return guard
