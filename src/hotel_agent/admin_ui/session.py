"""The admin UI's sessions: a random token in an HttpOnly cookie names a record in the state backend.

Server-side, so signing out ends the session on every replica at once (Redis when configured) and a
stolen cookie dies with it; the record holds the operator's name and the session's CSRF token, and
expires `ADMIN_SESSION_TTL_SECONDS` after sign-in. The role is not kept here: every request reads the
account (deps.py), so a role change or a disabled account takes effect on the next click.

The state backend stores only a hash of the token, so a dump of Redis gives no usable cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson

from hotel_agent.config import Environment, Settings
from hotel_agent.kit.state import StateBackend

SESSION_COOKIE = "ha_admin_ui"
# Sign-in happens before there is a session: its form is protected by a double-submit cookie.
LOGIN_CSRF_COOKIE = "ha_admin_ui_login"
COOKIE_PATH = "/admin/ui"


@dataclass(frozen=True, slots=True)
class UiSession:
    username: str
    csrf_token: str
    created_at: datetime


def new_token() -> str:
    return secrets.token_urlsafe(32)


def tokens_match(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def _key(token: str) -> str:
    return "admin-ui-session:" + hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, state: StateBackend, ttl_seconds: int) -> None:
        self._state = state
        self._ttl = ttl_seconds

    async def create(self, username: str) -> tuple[str, UiSession]:
        """A new session for `username`: (the cookie's token, the session)."""
        token = new_token()
        session = UiSession(username=username, csrf_token=new_token(), created_at=datetime.now(UTC))
        payload = {
            "username": session.username,
            "csrf": session.csrf_token,
            "created_at": session.created_at.isoformat(),
        }
        await self._state.set(_key(token), orjson.dumps(payload), ttl=self._ttl)
        return token, session

    async def load(self, token: str | None) -> UiSession | None:
        if not token or len(token) > 128:
            return None
        raw = await self._state.get(_key(token))
        if raw is None:
            return None
        data = orjson.loads(raw)
        return UiSession(
            username=str(data["username"]),
            csrf_token=str(data["csrf"]),
            created_at=datetime.fromisoformat(data["created_at"]),
        )

    async def end(self, token: str | None) -> None:
        if token:
            await self._state.delete(_key(token))


def cookie_secure(settings: Settings) -> bool:
    """Secure cookies everywhere but development (which serves plain http on loopback)."""
    return settings.environment is not Environment.DEVELOPMENT
