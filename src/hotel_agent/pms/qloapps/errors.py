"""QloApps failures mapped onto the PMS port's errors, at the boundary.

    PmsError
    ├── PmsRequestError                       permanent, not counted by the circuit breaker
    │   ├── BookingNotFoundError              404 with an empty body on bookings/orders;
    │   │                                     400 "Booking not found." on PUT
    │   ├── NoAvailabilityError               400 "Requested room(s) not available[.]"
    │   ├── GuestPhoneRejectedError           400 "Please provide a valid phone number."
    │   ├── InvalidPmsRequestError            any other 4xx with an `errors[]` envelope (QloApps puts
    │   │                                     its internal code in `code`: 404 for every bookings
    │   │                                     validation error, 85 for hotel_ari, 41 missing field...);
    │   │                                     500 code 127 (our XML did not parse); 404 elsewhere
    │   └── BookingAlreadyCancelledError      raised by the adapter itself (order state 4/5)
    └── PmsUnavailableError                   operational, retryable, counted by the breaker:
        ├── QloAppsAuthenticationError        401/403: the key is wrong, inactive or lacks a permission
        ├── QloAppsRedirectError              any 3xx: PMS_BASE_URL is not the shop's own URL (QloApps
        │                                     redirects every request whose Host is not exactly its
        │                                     shop domain); never followed
        └── (plain)                           timeouts, connection failures, 408, 429, other 5xx,
                                              a 2xx body that is neither JSON nor XML

A bad key and a redirect are operational on purpose: nothing the guest says can fix them, every call
fails the same way, and the breaker should stop hammering the PMS until an operator fixes the setting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from hotel_agent.pms.errors import (
    BookingNotFoundError,
    GuestPhoneRejectedError,
    InvalidPmsRequestError,
    NoAvailabilityError,
    PmsError,
    PmsUnavailableError,
)

NotFoundFactory = Callable[[str], PmsError]

XML_PARSE_ERROR_CODE = 127


class QloAppsAuthenticationError(PmsUnavailableError):
    """The webservice key was refused (401) or lacks the permission for this call."""


class QloAppsRedirectError(PmsUnavailableError):
    """QloApps answered with a redirect: the configured base URL is not the shop's own URL."""


def redirect_error(status: int, requested: str, location: str | None, *, what: str) -> QloAppsRedirectError:
    """A clear configuration error for a 3xx: which URL was asked, where QloApps points, what to set."""
    asked = httpx.URL(requested)
    if location:
        target = asked.join(location)
        hint = (
            f"it points to {target.scheme}://{target.netloc.decode()}; set PMS_BASE_URL to "
            f"{target.scheme}://{target.netloc.decode()} (QloApps redirects any request whose Host is "
            "not exactly its shop domain, and the webservice must be called on that domain)"
        )
    else:
        hint = "set PMS_BASE_URL to the shop's own URL (its domain exactly as configured in QloApps)"
    return QloAppsRedirectError(
        f"QloApps answered {what} with HTTP {status}, a redirect, for "
        f"{asked.scheme}://{asked.netloc.decode()}: {hint}. Redirects are not followed.",
        status=status,
        location=location or "",
    )


def error_messages(document: Any) -> list[tuple[int | None, str]]:
    """`[(code, message)]` from a JSON or decoded-XML `errors` envelope; empty when there is none."""
    if not isinstance(document, dict):
        return []
    errors = document.get("errors")
    if isinstance(errors, dict):  # decoded XML holding a single <error>
        errors = [errors.get("error", errors)]
    if not isinstance(errors, list):
        return []
    result: list[tuple[int | None, str]] = []
    for error in errors:
        if not isinstance(error, dict):
            continue
        raw_code = error.get("code")
        try:
            code = int(raw_code) if raw_code not in (None, "") else None
        except (TypeError, ValueError):
            code = None
        result.append((code, str(error.get("message", "")).strip()))
    return result


def _not_found_default(what: str) -> PmsError:
    return InvalidPmsRequestError(f"QloApps has no {what}")


def error_for_status(
    status: int,
    document: Any,
    *,
    what: str,
    empty_body: bool,
    not_found: NotFoundFactory | None = None,
) -> PmsError:
    """The port error for a non-2xx QloApps answer; `document` is the decoded body (or None)."""
    messages = error_messages(document)
    detail = "; ".join(message for _, message in messages) or f"HTTP {status}"
    codes = [code for code, _ in messages]
    extra: dict[str, Any] = {"status": status, "codes": codes}

    if status in (401, 403):
        return QloAppsAuthenticationError(
            f"QloApps refused the webservice key ({detail}); check PMS_API_KEY and its permissions",
            **extra,
        )
    if status == 404 and empty_body:
        return (not_found or _not_found_default)(what)
    if status in (408, 429) or status >= 500:
        if status == 500 and XML_PARSE_ERROR_CODE in codes:
            return InvalidPmsRequestError(f"QloApps could not parse the request: {detail}", **extra)
        return PmsUnavailableError(f"QloApps failed ({detail})", **extra)

    lowered = detail.lower()
    if "not available" in lowered:
        return NoAvailabilityError(detail, **extra)
    if "booking not found" in lowered:
        return BookingNotFoundError(detail, **extra)
    if "valid phone number" in lowered:
        return GuestPhoneRejectedError(f"QloApps refused the guest's phone number: {detail}", **extra)
    return InvalidPmsRequestError(f"QloApps rejected the request for {what}: {detail}", **extra)
