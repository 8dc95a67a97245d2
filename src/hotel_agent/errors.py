"""Domain errors carry their HTTP status; one handler (app.py) renders them as {"error", "detail"}.

They are plain exceptions, not HTTPException, so services and queue workers raise the same classes.
"""

from __future__ import annotations

from typing import Any


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
STATE_BACKEND_UNAVAILABLE_RESPONSE: dict[str, str] = {"description": "Redis is unreachable"}


class ConfigurationError(Exception):
    """The service cannot start with this configuration; the message says which variable to fix."""
