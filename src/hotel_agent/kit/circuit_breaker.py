"""A circuit breaker whose state lives in the shared StateBackend, so every replica sees the same circuit.

    CLOSED ──(N consecutive operational failures)──▶ OPEN ──(recovery timeout)──▶ HALF_OPEN
       ▲                                              ▲                              │
       └────────────── trial call succeeds ───────────┼──────────────────────────────┤
                                                      └──── trial call fails ────────┘

State is three keys under `cb:<name>:`:

- `failures`: consecutive operational failures (`incr`); deleted by any success.
- `opened_at`: when the circuit opened (epoch seconds from the injected clock). Absent means CLOSED;
  present and younger than the recovery timeout means OPEN; older means HALF_OPEN.
- `trial`: the HALF_OPEN trial permit, taken with `set_if_absent` and a TTL, so exactly one call across
  all replicas probes the service; the TTL frees the permit if its holder dies mid-call.

Only *operational* failures count: the caller says which exceptions those are (`is_failure`; by default
every exception but `CircuitOpenError`). A request error means the service answered, so it is healthy.
While OPEN, or HALF_OPEN with the permit taken, calls fail fast with `CircuitOpenError` without touching
the service; the caller translates it into its own domain's error (pms/resilient.py does).

If the state backend itself fails the breaker fails open (the call goes through, unguarded): losing Redis
must not take the PMS down with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from enum import IntEnum
from typing import TypeVar

import structlog

from hotel_agent.kit.clock import Clock, utc_now
from hotel_agent.kit.state.base import StateBackend

T = TypeVar("T")

log = structlog.get_logger(__name__)


class CircuitState(IntEnum):
    """Values are what the `pms_circuit_breaker_state` gauge exports."""

    CLOSED = 0
    OPEN = 1
    HALF_OPEN = 2

    @property
    def label(self) -> str:
        return self.name.lower()


class CircuitOpenError(Exception):
    """The circuit is open: the call was refused without reaching the service."""

    def __init__(self, name: str, retry_after: float) -> None:
        super().__init__(f"{name} is unavailable (circuit open); retry in {retry_after:.0f}s")
        self.name = name
        self.retry_after = retry_after


def _any_exception(exc: BaseException) -> bool:
    return isinstance(exc, Exception) and not isinstance(exc, CircuitOpenError)


TransitionListener = Callable[[CircuitState, CircuitState], None]
StateListener = Callable[[CircuitState], None]


class CircuitBreaker:
    """Guards calls to one dependency; share `name` across replicas to share the circuit."""

    def __init__(
        self,
        state: StateBackend,
        name: str,
        *,
        failure_threshold: int = 5,
        recovery_timeout: float = 30.0,
        trial_timeout: float = 30.0,
        clock: Clock = utc_now,
        is_failure: Callable[[BaseException], bool] = _any_exception,
        on_transition: TransitionListener | None = None,
        on_state: StateListener | None = None,
    ) -> None:
        if failure_threshold < 1:
            raise ValueError("failure_threshold must be at least 1")
        if recovery_timeout <= 0 or trial_timeout <= 0:
            raise ValueError("recovery_timeout and trial_timeout must be positive")
        self.name = name
        self.failure_threshold = failure_threshold
        self.recovery_timeout = recovery_timeout
        self.trial_timeout = trial_timeout
        self._state = state
        self._clock = clock
        self._is_failure = is_failure
        self._on_transition = on_transition
        self._on_state = on_state
        self._failures_key = f"cb:{name}:failures"
        self._opened_key = f"cb:{name}:opened_at"
        self._trial_key = f"cb:{name}:trial"

    def _now(self) -> float:
        return self._clock().timestamp()

    def _derive(self, opened_at: bytes | None) -> tuple[CircuitState, float]:
        """The state for a stored `opened_at`, and the seconds left before a trial is allowed."""
        if opened_at is None:
            return CircuitState.CLOSED, 0.0
        remaining = float(opened_at) + self.recovery_timeout - self._now()
        if remaining > 0:
            return CircuitState.OPEN, remaining
        return CircuitState.HALF_OPEN, 0.0

    async def current_state(self) -> CircuitState:
        """The circuit as every replica sees it now (HALF_OPEN once the recovery timeout has passed)."""
        state, _ = self._derive(await self._state.get(self._opened_key))
        self._observed(state)
        return state

    async def call(self, operation: Callable[[], Awaitable[T]]) -> T:
        """Run `operation` through the circuit, or raise CircuitOpenError without running it."""
        try:
            opened_at, failures = await self._state.get_many([self._opened_key, self._failures_key])
        except Exception:
            log.warning("circuit_breaker.state_unavailable", breaker=self.name, exc_info=True)
            return await operation()

        state, remaining = self._derive(opened_at)
        if state is CircuitState.OPEN:
            self._observed(state)
            raise CircuitOpenError(self.name, remaining)
        if state is CircuitState.HALF_OPEN:
            return await self._trial(operation)

        self._observed(CircuitState.CLOSED)
        try:
            result = await operation()
        except BaseException as exc:
            if self._is_failure(exc):
                await self._record_failure()
            elif failures is not None and isinstance(exc, Exception):
                await self._reset_failures()
            raise
        if failures is not None:
            await self._reset_failures()
        return result

    async def _trial(self, operation: Callable[[], Awaitable[T]]) -> T:
        token = uuid.uuid4().hex.encode()
        try:
            permitted = await self._state.set_if_absent(self._trial_key, token, ttl=self.trial_timeout)
        except Exception:
            log.warning("circuit_breaker.state_unavailable", breaker=self.name, exc_info=True)
            return await operation()
        if not permitted:
            self._observed(CircuitState.HALF_OPEN)
            # Another replica (or task) is probing; everyone else keeps failing fast until it reports.
            raise CircuitOpenError(self.name, self.trial_timeout)

        self._transition(CircuitState.OPEN, CircuitState.HALF_OPEN)
        try:
            result = await operation()
        except BaseException as exc:
            if self._is_failure(exc):
                await self._reopen()
            elif isinstance(exc, Exception):
                # The service answered (with a request error): it is reachable again.
                await self._close()
            else:
                # Cancelled mid-trial: hand the permit back so the next call can probe.
                await self._safe_delete(self._trial_key)
            raise
        await self._close()
        return result

    async def _record_failure(self) -> None:
        try:
            failures = await self._state.incr(self._failures_key)
            if failures >= self.failure_threshold and await self._state.set_if_absent(
                self._opened_key, repr(self._now()).encode()
            ):
                self._transition(CircuitState.CLOSED, CircuitState.OPEN)
        except Exception:
            log.warning("circuit_breaker.state_unavailable", breaker=self.name, exc_info=True)

    async def _reset_failures(self) -> None:
        await self._safe_delete(self._failures_key)

    async def _reopen(self) -> None:
        try:
            await self._state.set(self._opened_key, repr(self._now()).encode())
            await self._state.delete(self._trial_key)
        except Exception:
            log.warning("circuit_breaker.state_unavailable", breaker=self.name, exc_info=True)
        self._transition(CircuitState.HALF_OPEN, CircuitState.OPEN)

    async def _close(self) -> None:
        await self._safe_delete(self._opened_key, self._failures_key, self._trial_key)
        self._transition(CircuitState.HALF_OPEN, CircuitState.CLOSED)

    async def _safe_delete(self, *keys: str) -> None:
        try:
            await self._state.delete(*keys)
        except Exception:
            log.warning("circuit_breaker.state_unavailable", breaker=self.name, exc_info=True)

    async def reset(self) -> None:
        """Force the circuit closed (operator action and tests)."""
        await self._state.delete(self._opened_key, self._failures_key, self._trial_key)
        self._observed(CircuitState.CLOSED)

    def _transition(self, from_state: CircuitState, to_state: CircuitState) -> None:
        log.info(
            "circuit_breaker.transition",
            breaker=self.name,
            from_state=from_state.label,
            to_state=to_state.label,
        )
        if self._on_transition is not None:
            self._on_transition(from_state, to_state)
        self._observed(to_state)

    def _observed(self, state: CircuitState) -> None:
        if self._on_state is not None:
            self._on_state(state)
