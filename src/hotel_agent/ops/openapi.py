"""The OpenAPI document states every status a route can answer, with the body it really has.

Routes document the statuses they own (`errors.error_responses(404, 409)`); the statuses that follow
from a route's shape are added here, for every route including those added later:

- a body: 400 (not JSON), 413 (too large), 422 (a field is invalid);
- parameters: 422;
- a bearer token (every /admin route): 401 and 403;
- every route: 503 (the database or Redis unreachable).

FastAPI's own 422 entry (`HTTPValidationError`, whose `detail` is an array) is replaced by the envelope
the error handlers really send (`ErrorOut`, `detail` a string, `errors` the array).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from hotel_agent.errors import STATUS_DESCRIPTIONS, ErrorOut

_REF = "#/components/schemas/"
_FASTAPI_VALIDATION_REF = _REF + "HTTPValidationError"
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options", "trace"})


def _error_response(status: int) -> dict[str, Any]:
    return {
        "description": STATUS_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": _REF + "ErrorOut"}}},
    }


def _statuses_for(operation: dict[str, Any]) -> set[int]:
    statuses = {503}
    if operation.get("requestBody"):
        statuses |= {400, 413, 422}
    if operation.get("parameters"):
        statuses.add(422)
    if operation.get("security"):
        statuses |= {401, 403}
    return statuses


def _uses_fastapi_validation_error(response: dict[str, Any]) -> bool:
    content = response.get("content", {}).get("application/json", {})
    return bool(content.get("schema", {}).get("$ref") == _FASTAPI_VALIDATION_REF)


def document_error_responses(schema: dict[str, Any]) -> None:
    """Add the shape-given statuses to every operation of `schema` (in place)."""
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in _METHODS:
                continue
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                # An error of a text/plain route (the webhook handshake) is still the JSON envelope.
                content = response.get("content", {})
                if status[:1] in "45" and content and "application/json" not in content:
                    response["content"] = {"application/json": {"schema": {"$ref": _REF + "ErrorOut"}}}
            for status in sorted(_statuses_for(operation)):
                existing = responses.get(str(status))
                if existing is None or _uses_fastapi_validation_error(existing):
                    responses[str(status)] = _error_response(status)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template=_REF + "{model}", mode="serialization")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorOut"] = error_schema
    referenced = str(schema.get("paths"))
    for unused in ("HTTPValidationError", "ValidationError"):
        if _REF + unused not in referenced and unused in components:
            # FastAPI's validation shapes, now referenced by no route.
            del components[unused]


def install_openapi(app: FastAPI) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            document_error_responses(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
