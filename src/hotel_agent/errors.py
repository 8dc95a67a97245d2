"""Domain errors carry their HTTP status; one handler (app.py) renders them as {"error", "detail"}.

They are plain exceptions, not HTTPException, so services and queue workers raise the same classes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class HotelAgentError(Exception):
    """Base of every expected failure. `status_code` is what an HTTP client sees."""

    status_code: int = 500

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra

    @property
    def error(self) -> str:
        return type(self).__name__.removesuffix("Error") or "Error"


class NotFoundError(HotelAgentError):
    status_code = 404


class ConflictError(HotelAgentError):
    status_code = 409


class BadRequestError(HotelAgentError):
    status_code = 400


class UnprocessableError(HotelAgentError):
    status_code = 422


class UnauthorizedError(HotelAgentError):
    status_code = 401


class ForbiddenError(HotelAgentError):
    status_code = 403


class TooManyRequestsError(HotelAgentError):
    status_code = 429


class ServiceUnavailableError(HotelAgentError):
    status_code = 503


# OpenAPI entry for routes that answer 503 when Redis (the shared state backend) is unreachable.
STATE_BACKEND_UNAVAILABLE_RESPONSE: dict[str, Any] = {"description": "Redis is unreachable"}


class FieldErrorOut(BaseModel):
    field: str = Field(description="Where: body.<name>, query.<name>, path.<name> or header.<name>.")
    message: str
    type: str = Field(description="pydantic's error type, or `string_nul` for a NUL character.")


class ErrorOut(BaseModel):
    """Every error response: the error's name and a sentence for a person (`detail`, always a string).

    A 400/422 from request validation lists each field in `errors`; some errors add fields of their own
    (`retry_after` on 429, `problems` on an invalid template, `request_id` on 500).
    """

    model_config = ConfigDict(extra="allow")

    error: str = Field(examples=["NotFound"])
    detail: str = Field(examples=["no template with id 12"])
    errors: list[FieldErrorOut] = Field(
        default_factory=list, description="Request validation: one entry per invalid field."
    )


# What each status means wherever it is answered; a route adds its own wording for the statuses it owns.
STATUS_DESCRIPTIONS: dict[int, str] = {
    400: "the body is not valid JSON",
    401: "missing, invalid or expired bearer token",
    403: "the operator's role does not allow this",
    404: "not found",
    405: "method not allowed (the Allow header lists the methods)",
    409: "conflicts with the current state",
    413: "the body is too large",
    422: "a parameter or a field of the body is invalid (errors names each)",
    429: "too many requests; retry after Retry-After seconds",
    503: "a dependency (the database or Redis) is unreachable, or this part is not running; retry later",
}


def error_responses(*statuses: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for a route's error statuses, each with the error envelope's schema.

    `error_responses(404, 409)` uses the shared wording; `error_responses(s404="no such template")`
    gives a route's own (the keyword is `s` and the status).
    """
    wording = {int(key.removeprefix("s")): text for key, text in described.items()}
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, *wording}):
        responses[status] = {
            "model": ErrorOut,
            "description": wording.get(status, STATUS_DESCRIPTIONS.get(status, "error")),
        }
    return responses


class ConfigurationError(Exception):
    """The service cannot start with this configuration; the message says which variable to fix."""
