"""Errors of the admin UI itself; app.py turns them into a redirect or an error page."""

from __future__ import annotations

from hotel_agent.errors import ForbiddenError, HotelAgentError


class SignInRequiredError(HotelAgentError):
    """No valid session: the page redirects to sign-in (and back to `next` after it)."""

    status_code = 401

    def __init__(self, next_path: str) -> None:
        super().__init__("sign in to continue")
        self.next_path = next_path


class CsrfError(ForbiddenError):
    """A form arrived without the session's token: a cross-site request, or a page older than the session."""
