"""Circuit breaker, shared cache and metrics around any PmsAdapter.

    conversation ──▶ ResilientPmsAdapter ──▶ CircuitBreaker (state in the StateBackend) ──▶ adapter
                          │
                          └── StateBackend cache (Redis across replicas, memory when alone)

Reads:
- `check_availability` is cached for `availability_ttl` (60 s) under the hotel, dates, party and room
  type, plus a digest of one *generation counter per night* of the stay. An adapter whose answers do not
  depend on the party (`party_independent_availability = True`, e.g. QloApps) is asked once per stay
  and the answer is narrowed to each party and room type here, so those share one entry. A booking, change or
  cancellation made through us bumps the counters of the nights it touches (old and new stay), so
  every cached answer overlapping those nights stops being found at once, on every replica, while
  answers for other dates stay warm. A `NoAvailabilityError` on create bumps them too (the cache was
  behind a booking made elsewhere).
- `get_hotel_profile` and `list_room_types` are cached for `profile_ttl` (1 h).
- Concurrent identical misses in one process share a single PMS call.
- `get_booking` is never cached (a guest asking for their status wants the PMS's answer), and neither
  are create, modify or cancel.

Writes: `create_booking` with an idempotency key runs under a lock on that key in the StateBackend and
remembers the key's booking reference for `idempotency_ttl`, so a retry (another replica, a redelivered
job) gets the same booking back; the adapter's own reconciliation covers the case where the PMS
committed but we never heard back.

Failures: only operational errors (`PmsUnavailableError`) count towards opening the circuit; while it
is open calls fail fast with `PmsCircuitOpenError` (a `PmsUnavailableError`, translated here from the
kit's `CircuitOpenError`). A failing StateBackend
degrades to uncached, unguarded calls rather than taking the PMS down with it.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any, TypeVar

import structlog
from pydantic import TypeAdapter, ValidationError

from hotel_agent.config import Settings
from hotel_agent.kit.circuit_breaker import CircuitBreaker, CircuitOpenError, CircuitState
from hotel_agent.kit.state.base import StateBackend
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.errors import (
    InvalidPmsRequestError,
    NoAvailabilityError,
    PmsCircuitOpenError,
    PmsUnavailableError,
)
from hotel_agent.pms.metrics import (
    record_cache,
    record_call,
    record_circuit_state,
    record_circuit_transition,
)
from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    AvailabilityResult,
    Booking,
    BookingChange,
    BookingRequest,
    HotelProfile,
    RoomTypeInfo,
)

T = TypeVar("T")

log = structlog.get_logger(__name__)

_PROFILE = TypeAdapter(HotelProfile)
_ROOM_TYPES = TypeAdapter(list[RoomTypeInfo])
_AVAILABILITY = TypeAdapter(AvailabilityResult)


def _digest(text: str, length: int = 32) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def _nights(checkin: date, checkout: date) -> list[date]:
    return [checkin + timedelta(days=offset) for offset in range((checkout - checkin).days)]


class ResilientPmsAdapter(PmsAdapter):
    """Wraps `inner`; `namespace` (e.g. `qloapps:1`) keeps each hotel's cache and circuit apart."""

    def __init__(
        self,
        inner: PmsAdapter,
        state: StateBackend,
        *,
        namespace: str,
        breaker: CircuitBreaker | None = None,
        availability_ttl: float = 60.0,
        profile_ttl: float = 3600.0,
        idempotency_ttl: float = 24 * 3600.0,
        lock_timeout: float = 60.0,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.requires_guest_phone = inner.requires_guest_phone
        self._state = state
        self._ns = f"pms:{namespace}"
        self.breaker = breaker or CircuitBreaker(
            state,
            self._ns,
            is_failure=is_pms_outage,
            on_transition=record_circuit_transition,
            on_state=record_circuit_state,
        )
        self._availability_ttl = availability_ttl
        self._profile_ttl = profile_ttl
        # Generation counters must outlive every cache entry that folded them in.
        self._generation_ttl = max(24 * 3600.0, 10 * availability_ttl)
        self._idempotency_ttl = idempotency_ttl
        self._lock_timeout = lock_timeout
        self._inflight: dict[str, asyncio.Future[Any]] = {}

    async def circuit_state(self) -> CircuitState:
        return await self.breaker.current_state()

    # --- reads ---------------------------------------------------------------------------------------

    async def get_hotel_profile(self) -> HotelProfile:
        return await self._cached(
            "profile",
            f"{self._ns}:profile",
            self._profile_ttl,
            _PROFILE,
            lambda: self._call("get_hotel_profile", self.inner.get_hotel_profile),
        )

    async def list_room_types(self) -> list[RoomTypeInfo]:
        return await self._cached(
            "room_types",
            f"{self._ns}:room_types",
            self._profile_ttl,
            _ROOM_TYPES,
            lambda: self._call("list_room_types", self.inner.list_room_types),
        )

    async def check_availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        if not getattr(self.inner, "party_independent_availability", False):
            return await self._availability(query)
        # The PMS's answer does not depend on the party or a room-type restriction (QloApps only
        # filters by capacity on our side, and prices rooms, not guests): one cached answer per stay
        # serves every party, narrowed here exactly as the adapter would have narrowed it.
        if query.room_type is not None and query.room_type not in {
            info.code for info in await self.list_room_types()
        }:
            raise InvalidPmsRequestError(f"Unknown room type {query.room_type!r}")
        broad = await self._availability(
            AvailabilityQuery(checkin=query.checkin, checkout=query.checkout, adults=1, children=0)
        )
        offers = [
            offer
            for offer in broad.offers
            if (query.room_type is None or offer.room_type == query.room_type)
            and query.adults <= offer.max_adults
            and query.children <= offer.max_children
            and query.adults + query.children <= offer.max_guests
        ]
        return AvailabilityResult(query=query, offers=offers, currency=broad.currency)

    async def _availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        def fetch() -> Awaitable[AvailabilityResult]:
            return self._call("check_availability", lambda: self.inner.check_availability(query))

        try:
            generations = await self._state.get_many(
                [self._generation_key(night) for night in _nights(query.checkin, query.checkout)]
            )
        except Exception:
            log.warning("pms.cache.unavailable", exc_info=True)
            return await fetch()
        folded = _digest(",".join(g.decode() if g else "0" for g in generations), 16)
        key = (
            f"{self._ns}:avail:{query.checkin.isoformat()}:{query.checkout.isoformat()}:"
            f"{query.adults}:{query.children}:{query.room_type or '*'}:{folded}"
        )
        return await self._cached("availability", key, self._availability_ttl, _AVAILABILITY, fetch)

    async def get_booking(self, reference: str) -> Booking:
        return await self._call("get_booking", lambda: self.inner.get_booking(reference))

    # --- writes --------------------------------------------------------------------------------------

    async def create_booking(self, request: BookingRequest) -> Booking:
        if not request.idempotency_key:
            return await self._create(request)
        digest = _digest(request.idempotency_key)
        record_key = f"{self._ns}:idem:{digest}"
        lock = self._state.lock(
            f"{self._ns}:idem:{digest}", timeout=self._lock_timeout, blocking_timeout=self._lock_timeout
        )
        try:
            acquired = await lock.acquire()
        except Exception:
            log.warning("pms.idempotency.lock_unavailable", exc_info=True)
            return await self._create(request)
        if not acquired:
            raise PmsUnavailableError("Another attempt at this booking is still running; retry shortly")
        try:
            reference = await self._safe_get(record_key)
            if reference is not None:
                return await self.get_booking(reference.decode())
            booking = await self._create(request)
            await self._safe_set(record_key, booking.reference.encode(), self._idempotency_ttl)
            return booking
        finally:
            await lock.release()

    async def _create(self, request: BookingRequest) -> Booking:
        try:
            booking = await self._call("create_booking", lambda: self.inner.create_booking(request))
        except NoAvailabilityError:
            await self._invalidate((request.checkin, request.checkout))
            raise
        await self._invalidate((booking.checkin, booking.checkout))
        return booking

    async def modify_booking(self, reference: str, change: BookingChange) -> Booking:
        before = await self.get_booking(reference)
        try:
            booking = await self._call("modify_booking", lambda: self.inner.modify_booking(reference, change))
        except NoAvailabilityError:
            if change.checkin or change.checkout:
                await self._invalidate((change.checkin or before.checkin, change.checkout or before.checkout))
            raise
        await self._invalidate((before.checkin, before.checkout), (booking.checkin, booking.checkout))
        return booking

    async def cancel_booking(self, reference: str) -> Booking:
        booking = await self._call("cancel_booking", lambda: self.inner.cancel_booking(reference))
        await self._invalidate((booking.checkin, booking.checkout))
        return booking

    async def ping(self) -> None:
        await self._call("ping", self.inner.ping)

    async def close(self) -> None:
        await self.inner.close()

    # --- machinery -----------------------------------------------------------------------------------

    async def _call(self, operation: str, run: Callable[[], Awaitable[T]]) -> T:
        """One PMS call through the breaker, counted and timed."""
        started: float | None = None

        async def timed() -> T:
            nonlocal started
            started = time.perf_counter()
            return await run()

        try:
            try:
                result = await self.breaker.call(timed)
            except CircuitOpenError as refused:
                raise PmsCircuitOpenError(str(refused), retry_after=refused.retry_after) from refused
        except Exception as exc:
            record_call(operation, exc, None if started is None else time.perf_counter() - started)
            raise
        record_call(operation, None, None if started is None else time.perf_counter() - started)
        return result

    async def _cached(
        self,
        kind: str,
        key: str,
        ttl: float,
        codec: TypeAdapter[T],
        fetch: Callable[[], Awaitable[T]],
    ) -> T:
        raw = await self._safe_get(key)
        if raw is not None:
            try:
                value = codec.validate_json(raw)
            except ValidationError:
                log.warning("pms.cache.unreadable", key=key)
            else:
                record_cache(kind, hit=True)
                return value

        leader = self._inflight.get(key)
        if leader is not None:
            try:
                value = await asyncio.shield(leader)
            except asyncio.CancelledError:
                task = asyncio.current_task()
                if task is not None and task.cancelling():
                    raise
                # The call we were sharing was cancelled, not us: ask the PMS ourselves.
            else:
                record_cache(kind, hit=True)
                return value

        record_cache(kind, hit=False)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        # Waiters read the outcome; without any, a failure must not be reported as never retrieved.
        future.add_done_callback(lambda done: done.cancelled() or done.exception())
        self._inflight[key] = future
        try:
            value = await fetch()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            raise
        else:
            future.set_result(value)
        finally:
            if self._inflight.get(key) is future:
                del self._inflight[key]
        await self._safe_set(key, codec.dump_json(value), ttl)
        return value

    def _generation_key(self, night: date) -> str:
        return f"{self._ns}:gen:{night.isoformat()}"

    async def _invalidate(self, *stays: tuple[date, date]) -> None:
        """Bump the generation of every night of these stays: overlapping cached answers are gone."""
        nights = sorted({night for checkin, checkout in stays for night in _nights(checkin, checkout)})
        try:
            await asyncio.gather(
                *(self._state.incr(self._generation_key(night), ttl=self._generation_ttl) for night in nights)
            )
        except Exception:
            log.warning("pms.cache.invalidation_failed", exc_info=True)

    async def _safe_get(self, key: str) -> bytes | None:
        try:
            return await self._state.get(key)
        except Exception:
            log.warning("pms.cache.unavailable", exc_info=True)
            return None

    async def _safe_set(self, key: str, value: bytes, ttl: float) -> None:
        try:
            await self._state.set(key, value, ttl=ttl)
        except Exception:
            log.warning("pms.cache.unavailable", exc_info=True)


def is_pms_outage(exc: BaseException) -> bool:
    """What opens the PMS circuit: operational failures only (a request error means the PMS answered)."""
    return isinstance(exc, PmsUnavailableError)


def build_resilient_pms(inner: PmsAdapter, state: StateBackend, settings: Settings) -> ResilientPmsAdapter:
    """The wrapper configured from Settings (breaker and cache knobs, namespace per hotel)."""
    namespace = f"{inner.name}:{settings.pms_hotel_id}"
    breaker = CircuitBreaker(
        state,
        f"pms:{namespace}",
        failure_threshold=settings.pms_breaker_failure_threshold,
        recovery_timeout=settings.pms_breaker_recovery_seconds,
        # The permit must outlive the trial call itself, which may take the whole PMS timeout.
        trial_timeout=max(2 * settings.pms_timeout_seconds, 5.0),
        is_failure=is_pms_outage,
        on_transition=record_circuit_transition,
        on_state=record_circuit_state,
    )
    return ResilientPmsAdapter(
        inner,
        state,
        namespace=namespace,
        breaker=breaker,
        availability_ttl=settings.pms_cache_availability_ttl_seconds,
        profile_ttl=settings.pms_cache_profile_ttl_seconds,
        lock_timeout=max(4 * settings.pms_timeout_seconds, 10.0),
    )
