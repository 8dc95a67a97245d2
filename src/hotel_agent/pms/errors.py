"""Typed PMS errors. Adapters map vendor failures onto these at the boundary.

PmsError
├── PmsRequestError          permanent: the request itself is wrong for the PMS (not retried, not
│   ├── BookingNotFoundError     counted by the circuit breaker)
│   ├── NoAvailabilityError
│   ├── InvalidPmsRequestError
│   │   └── GuestPhoneRejectedError  the PMS refused the guest's phone number (ask for another)
│   └── BookingAlreadyCancelledError
└── PmsUnavailableError      operational: timeout, connection failure, 5xx, 429
    └── PmsCircuitOpenError      the circuit breaker refused the call without reaching the PMS
"""

from __future__ import annotations

from hotel_agent.errors import (
    ConflictError,
    HotelAgentError,
    NotFoundError,
    ServiceUnavailableError,
    UnprocessableError,
)


class PmsError(HotelAgentError):
    """Anything that went wrong talking to the PMS."""


class PmsRequestError(PmsError):
    """The PMS understood us and said no; retrying the same request will not help."""


class BookingNotFoundError(PmsRequestError, NotFoundError):
    status_code = 404


class NoAvailabilityError(PmsRequestError, ConflictError):
    status_code = 409


class InvalidPmsRequestError(PmsRequestError, UnprocessableError):
    status_code = 422


class GuestPhoneRejectedError(InvalidPmsRequestError):
    """The PMS refused the guest's phone number: the dialogue should ask the guest for another one."""


class BookingAlreadyCancelledError(PmsRequestError, ConflictError):
    status_code = 409


class PmsUnavailableError(PmsError, ServiceUnavailableError):
    """Operational failure: the PMS could not be reached or failed; safe to retry later."""

    status_code = 503


class PmsCircuitOpenError(PmsUnavailableError):
    """The circuit breaker is open: the call was refused without reaching the PMS (pms/resilient.py)."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, retry_after=retry_after)
        self.retry_after = retry_after
