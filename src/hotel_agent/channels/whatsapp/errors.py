"""Errors of the WhatsApp channel.

Graph API errors are mapped at the client boundary (client.py) into this tree:

    WhatsAppError
    ├── WhatsAppOperationalError        retryable: Meta did not take the message, try again later
    │   ├── WhatsAppRateLimitedError    HTTP 429, 130429 (throughput), 131056 (pair rate), 4, 80007
    │   ├── WhatsAppServerError         HTTP 5xx, 1, 2, 131000, 131016
    │   ├── WhatsAppAuthError           HTTP 401/403, 190: a revoked token is an outage, not a bad message
    │   ├── WhatsAppConnectionError     no connection was made: nothing was sent
    │   └── WhatsAppAmbiguousError      the request went out and no answer came back: Meta may have it
    └── WhatsAppRequestError            permanent (other 4xx): recorded on the outbound message
        └── WhatsAppReengagementError   131047: outside the 24-hour window, only a template may be sent

Operational errors are retried (in the client with backoff, then by the job queue); request errors are
not. `WhatsAppAmbiguousError` is never retried blindly: see service/outbox.py.
"""

from __future__ import annotations

from hotel_agent.errors import HotelAgentError


class WhatsAppError(Exception):
    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        code: int | None = None,
        title: str | None = None,
        details: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.title = title
        self.details = details
        self.retry_after = retry_after


class WhatsAppOperationalError(WhatsAppError):
    pass


class WhatsAppRateLimitedError(WhatsAppOperationalError):
    pass


class WhatsAppServerError(WhatsAppOperationalError):
    pass


class WhatsAppAuthError(WhatsAppOperationalError):
    pass


class WhatsAppConnectionError(WhatsAppOperationalError):
    pass


class WhatsAppAmbiguousError(WhatsAppOperationalError):
    pass


class WhatsAppRequestError(WhatsAppError):
    pass


class WhatsAppReengagementError(WhatsAppRequestError):
    pass


class RetryLaterError(Exception):
    """Processing cannot finish now (lease held, send not settled, Meta unavailable): the job retries."""

    def __init__(self, reason: str, *, delay: float | None = None) -> None:
        super().__init__(reason)
        self.delay = delay


class SendUnsettledError(RetryLaterError):
    """An earlier attempt's send may have reached Meta; we wait for its status before sending again.

    Waiting is not a failure of the message: it does not use up an attempt.
    """


class LeaseLostError(RetryLaterError):
    """Another worker took over this guest (ours expired while we were paused): stop writing."""


class PayloadTooLargeError(HotelAgentError):
    status_code = 413


class WhatsAppDisabledError(HotelAgentError):
    """The channel is not configured (no WHATSAPP_APP_SECRET): nothing can be verified."""

    status_code = 401
