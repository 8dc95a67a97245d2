"""Sign-in limits that slow a guesser down without letting anyone lock a member of staff out.

- Per (user, address): LOGIN_MAX_FAILURES attempts without a success, then one attempt per delay, the
  delay doubling with every further attempt up to LOGIN_BACKOFF_MAX_SECONDS. Another address (the
  operator at home, the office) is not affected, and there is no account lock at all.
- Per address, across users: past LOGIN_ADDRESS_MAX_FAILURES failures in the window the address may
  only sign in users who signed in from it before (a hotel's shared office IP keeps working for its
  staff while a password sprayer behind it is stopped).
- Attempts are reserved before the password is checked, under a per-(user, address) lock of the state
  backend shared by every process (Redis, or the in-process one), so concurrent guesses cannot slip
  past the limit while the argon2 checks of the first ones run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hotel_agent.config import Settings
from hotel_agent.errors import TooManyRequestsError
from hotel_agent.kit.state import StateBackend


@dataclass(frozen=True)
class LoginAttempt:
    """A reserved attempt; report a right password with `LoginThrottle.succeeded`."""

    username: str
    address: str
    counts_for_address: bool = True

    @property
    def pair_key(self) -> str:
        return f"login:pair:{self.address}:{self.username}"

    @property
    def wait_key(self) -> str:
        return f"login:wait:{self.address}:{self.username}"

    @property
    def address_key(self) -> str:
        return f"login:addr:{self.address}"

    @property
    def known_key(self) -> str:
        return f"login:known:{self.address}:{self.username}"


class LoginThrottle:
    def __init__(self, state: StateBackend, settings: Settings) -> None:
        self._state = state
        self._settings = settings

    def _delay(self, attempt_number: int) -> float:
        """The wait after attempt `attempt_number` (the limit's own attempt waits the base delay)."""
        settings = self._settings
        excess = max(0, attempt_number - settings.login_max_failures)
        delay = settings.login_backoff_base_seconds * 2 ** min(excess, 32)
        return float(min(delay, settings.login_backoff_max_seconds))

    async def _refuse(self, key: str, fallback: float) -> TooManyRequestsError:
        left = await self._state.ttl(key)
        return TooManyRequestsError(
            "too many failed sign-ins for this user from this address; try again later",
            retry_after=max(1, math.ceil(left if left is not None else fallback)),
        )

    async def reserve(self, username: str, address: str) -> LoginAttempt:
        """Take an attempt, or raise TooManyRequestsError (429 with Retry-After) without checking."""
        # The decision is a few state calls: serialised per (user, address) by a lock of the shared
        # backend, so concurrent requests decide one after the other (the argon2 check runs outside).
        lock = self._state.lock(f"login:{address}:{username}", timeout=5.0, blocking_timeout=5.0)
        if not await lock.acquire():
            raise TooManyRequestsError("too many sign-ins at once for this user; try again", retry_after=1)
        try:
            return await self._decide(username, address)
        finally:
            await lock.release()

    async def _decide(self, username: str, address: str) -> LoginAttempt:
        settings = self._settings
        window = settings.login_window_seconds
        known = await self._state.get(LoginAttempt(username, address).known_key) is not None
        attempt = LoginAttempt(username=username, address=address, counts_for_address=not known)
        if await self._state.get(attempt.wait_key) is not None:
            raise await self._refuse(attempt.wait_key, settings.login_backoff_base_seconds)
        if attempt.counts_for_address:
            from_address = await self._state.incr(attempt.address_key, ttl=window)
            if from_address > settings.login_address_max_failures:
                left = await self._state.ttl(attempt.address_key)
                raise TooManyRequestsError(
                    "too many failed sign-ins from this address; staff who signed in from it before "
                    "may still sign in",
                    retry_after=max(1, math.ceil(left if left is not None else window)),
                )
        number = await self._state.incr(attempt.pair_key, ttl=window)
        if number >= settings.login_max_failures:
            # From the limit on, each attempt makes the next one wait, longer every time; set before
            # the password is checked, so the requests queued behind this one are refused.
            await self._state.set(attempt.wait_key, b"1", ttl=self._delay(number))
        return attempt

    async def succeeded(self, attempt: LoginAttempt) -> None:
        """The password was right: the pair starts afresh and the address knows this user."""
        await self._state.delete(attempt.pair_key, attempt.wait_key)
        if attempt.counts_for_address:
            await self._state.incr(attempt.address_key, -1)
        days = self._settings.login_known_address_days
        await self._state.set(attempt.known_key, b"1", ttl=days * 86400)
