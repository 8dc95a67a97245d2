"""ResilientPmsAdapter: cache hits and invalidation, idempotent creates, metrics, and the plan's Test 5
(circuit breaker) against the QloApps emulator, on both state backends."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from prometheus_client import REGISTRY
from tools.qloapps_emulator import DEFAULT_API_KEY, Emulator

from hotel_agent.config import Settings
from hotel_agent.kit.circuit_breaker import CircuitBreaker, CircuitState
from hotel_agent.kit.clock import FixedClock
from hotel_agent.kit.state import MemoryStateBackend, RedisStateBackend, StateBackend
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.errors import NoAvailabilityError, PmsCircuitOpenError, PmsUnavailableError
from hotel_agent.pms.metrics import record_circuit_state, record_circuit_transition
from hotel_agent.pms.qloapps import QloAppsAdapter
from hotel_agent.pms.resilient import ResilientPmsAdapter, build_resilient_pms, is_pms_outage
from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    AvailabilityResult,
    Booking,
    BookingChange,
    BookingRequest,
    BookingStatus,
    GuestDetails,
    HotelProfile,
    RoomTypeInfo,
)
from tests.support.qloapps import BASE_URL

CHECKIN = date.today() + timedelta(days=30)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def stay(offset: int, nights: int = 2) -> tuple[date, date]:
    return CHECKIN + timedelta(days=offset), CHECKIN + timedelta(days=offset + nights)


def query(offset: int = 0, nights: int = 2, adults: int = 2) -> AvailabilityQuery:
    checkin, checkout = stay(offset, nights)
    return AvailabilityQuery(checkin=checkin, checkout=checkout, adults=adults)


def request(offset: int = 0, nights: int = 2, key: str | None = None) -> BookingRequest:
    checkin, checkout = stay(offset, nights)
    return BookingRequest(
        checkin=checkin,
        checkout=checkout,
        adults=2,
        room_type="1",
        guest=GuestDetails(name="Ana Sousa", email="ana@example.com", phone="+351912345678"),
        idempotency_key=key,
    )


class CountingPms(PmsAdapter):
    """A fake PMS that counts calls; bookings are kept so modify/cancel return real stays."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.bookings: dict[str, Booking] = {}
        self.no_availability = False
        self.delay = 0.0

    async def get_hotel_profile(self) -> HotelProfile:
        self.calls["profile"] += 1
        blank = dict.fromkeys(("address", "city", "country", "phone", "email"), "")
        return HotelProfile.model_validate(
            {
                **blank,
                "hotel_id": "1",
                "name": "Fake",
                "timezone": "UTC",
                "currency": "EUR",
                "checkin_time": "14:00",
                "checkout_time": "11:00",
                "default_language": "en",
                "languages": ["en"],
            }
        )

    async def list_room_types(self) -> list[RoomTypeInfo]:
        self.calls["room_types"] += 1
        return [
            RoomTypeInfo(
                code="1", category="x", names={"en": "X"}, max_adults=2, max_children=0, max_guests=2
            )
        ]

    async def check_availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        self.calls["availability"] += 1
        await asyncio.sleep(self.delay)
        return AvailabilityResult(query=query, offers=[], currency="EUR")

    async def create_booking(self, request: BookingRequest) -> Booking:
        self.calls["create"] += 1
        if self.no_availability:
            raise NoAvailabilityError("full")
        reference = f"F-{len(self.bookings) + 1}"
        booking = Booking(
            reference=reference,
            status=BookingStatus.CONFIRMED,
            room_type=request.room_type,
            checkin=request.checkin,
            checkout=request.checkout,
            adults=request.adults,
            children=0,
            guest_name=request.guest.name,
            guest_email=str(request.guest.email),
            total=Decimal(1),
            currency="EUR",
        )
        self.bookings[reference] = booking
        return booking

    async def get_booking(self, reference: str) -> Booking:
        self.calls["get"] += 1
        return self.bookings[reference]

    async def modify_booking(self, reference: str, change: BookingChange) -> Booking:
        self.calls["modify"] += 1
        booking = self.bookings[reference].model_copy(update=change.model_dump(exclude_none=True))
        self.bookings[reference] = booking
        return booking

    async def cancel_booking(self, reference: str) -> Booking:
        self.calls["cancel"] += 1
        booking = self.bookings[reference].model_copy(update={"status": BookingStatus.CANCELLED})
        self.bookings[reference] = booking
        return booking

    async def ping(self) -> None:
        self.calls["ping"] += 1


@pytest.fixture
def fake() -> CountingPms:
    return CountingPms()


@pytest.fixture
def resilient(fake: CountingPms, state: StateBackend) -> ResilientPmsAdapter:
    return ResilientPmsAdapter(fake, state, namespace=f"fake:{uuid.uuid4().hex[:8]}")


async def test_availability_is_cached_per_dates_and_party(
    resilient: ResilientPmsAdapter, fake: CountingPms
) -> None:
    hits = sample("pms_cache_hits_total", kind="availability")
    misses = sample("pms_cache_misses_total", kind="availability")
    await resilient.check_availability(query())
    await resilient.check_availability(query())
    assert fake.calls["availability"] == 1
    await resilient.check_availability(query(adults=1))
    await resilient.check_availability(query(offset=1))
    assert fake.calls["availability"] == 3
    assert sample("pms_cache_hits_total", kind="availability") - hits == 1
    assert sample("pms_cache_misses_total", kind="availability") - misses == 3


async def test_profile_and_room_types_are_cached(resilient: ResilientPmsAdapter, fake: CountingPms) -> None:
    for _ in range(3):
        assert (await resilient.get_hotel_profile()).name == "Fake"
        assert len(await resilient.list_room_types()) == 1
    assert (fake.calls["profile"], fake.calls["room_types"]) == (1, 1)


async def test_a_booking_invalidates_overlapping_dates_only(
    resilient: ResilientPmsAdapter, fake: CountingPms
) -> None:
    await resilient.check_availability(query(offset=0))  # nights 0, 1
    await resilient.check_availability(query(offset=1))  # nights 1, 2
    await resilient.check_availability(query(offset=5))  # nights 5, 6
    assert fake.calls["availability"] == 3

    await resilient.create_booking(request(offset=2, nights=1))  # night 2
    await resilient.check_availability(query(offset=0))
    await resilient.check_availability(query(offset=5))
    assert fake.calls["availability"] == 3, "stays not touching night 2 stay cached"
    await resilient.check_availability(query(offset=1))
    assert fake.calls["availability"] == 4


async def test_modify_invalidates_old_and_new_stays_cancel_invalidates(
    resilient: ResilientPmsAdapter, fake: CountingPms
) -> None:
    booking = await resilient.create_booking(request(offset=0))
    await resilient.check_availability(query(offset=0))
    await resilient.check_availability(query(offset=10))
    await resilient.check_availability(query(offset=20))
    assert fake.calls["availability"] == 3
    checkin, checkout = stay(10)
    await resilient.modify_booking(booking.reference, BookingChange(checkin=checkin, checkout=checkout))
    await resilient.check_availability(query(offset=0))
    await resilient.check_availability(query(offset=10))
    await resilient.check_availability(query(offset=20))
    assert fake.calls["availability"] == 5
    await resilient.cancel_booking(booking.reference)
    await resilient.check_availability(query(offset=10))
    await resilient.check_availability(query(offset=20))
    assert fake.calls["availability"] == 6


async def test_writes_are_never_served_from_cache(resilient: ResilientPmsAdapter, fake: CountingPms) -> None:
    first = await resilient.create_booking(request())
    second = await resilient.create_booking(request())
    assert first.reference != second.reference
    await resilient.get_booking(first.reference)
    await resilient.get_booking(first.reference)
    assert (fake.calls["create"], fake.calls["get"]) == (2, 2)


async def test_no_availability_on_create_invalidates_the_stale_stay(
    resilient: ResilientPmsAdapter, fake: CountingPms
) -> None:
    await resilient.check_availability(query())
    fake.no_availability = True
    with pytest.raises(NoAvailabilityError):
        await resilient.create_booking(request())
    await resilient.check_availability(query())
    assert fake.calls["availability"] == 2


async def test_same_idempotency_key_returns_the_first_booking(
    resilient: ResilientPmsAdapter, fake: CountingPms
) -> None:
    results = await asyncio.gather(*(resilient.create_booking(request(key="wamid.1")) for _ in range(5)))
    assert {booking.reference for booking in results} == {"F-1"}
    assert fake.calls["create"] == 1


async def test_concurrent_identical_misses_share_one_call(
    resilient: ResilientPmsAdapter, fake: CountingPms
) -> None:
    fake.delay = 0.05
    await asyncio.gather(*(resilient.check_availability(query()) for _ in range(20)))
    assert fake.calls["availability"] == 1


async def test_a_broken_state_backend_degrades_to_direct_calls(fake: CountingPms) -> None:
    broken = RedisStateBackend.from_url("redis://127.0.0.1:1/0", prefix="nowhere:")
    resilient = ResilientPmsAdapter(fake, broken, namespace="broken")
    try:
        await resilient.check_availability(query())
        await resilient.check_availability(query())
        assert fake.calls["availability"] == 2
        assert (await resilient.create_booking(request(key="k"))).reference == "F-1"
    finally:
        await broken.close()


async def test_metrics_count_calls_and_errors(resilient: ResilientPmsAdapter, fake: CountingPms) -> None:
    ok = sample("pms_requests_total", operation="create_booking", outcome="success")
    rejected = sample("pms_requests_total", operation="create_booking", outcome="request_error")
    kind = sample("pms_errors_total", operation="create_booking", kind="no_availability")
    durations = sample("pms_request_duration_seconds_count", operation="create_booking")
    await resilient.create_booking(request())
    fake.no_availability = True
    with pytest.raises(NoAvailabilityError):
        await resilient.create_booking(request())
    assert sample("pms_requests_total", operation="create_booking", outcome="success") - ok == 1
    assert sample("pms_requests_total", operation="create_booking", outcome="request_error") - rejected == 1
    assert sample("pms_errors_total", operation="create_booking", kind="no_availability") - kind == 1
    assert sample("pms_request_duration_seconds_count", operation="create_booking") - durations == 2


# --- the plan's Test 5, at the adapter level ------------------------------------------------------


class GaugeProbe(PmsAdapter):
    """Delegates to the real adapter and notes the breaker gauge at the moment the PMS is called."""

    name = "qloapps"

    def __init__(self, inner: QloAppsAdapter) -> None:
        self.inner = inner
        self.gauge_during_calls: list[float] = []

    def _note(self) -> None:
        self.gauge_during_calls.append(sample("pms_circuit_breaker_state"))

    async def get_hotel_profile(self) -> HotelProfile:
        return await self.inner.get_hotel_profile()

    async def list_room_types(self) -> list[RoomTypeInfo]:
        return await self.inner.list_room_types()

    async def check_availability(self, query: AvailabilityQuery) -> AvailabilityResult:
        self._note()
        return await self.inner.check_availability(query)

    async def create_booking(self, request: BookingRequest) -> Booking:
        return await self.inner.create_booking(request)

    async def get_booking(self, reference: str) -> Booking:
        return await self.inner.get_booking(reference)

    async def modify_booking(self, reference: str, change: BookingChange) -> Booking:
        return await self.inner.modify_booking(reference, change)

    async def cancel_booking(self, reference: str) -> Booking:
        return await self.inner.cancel_booking(reference)

    async def ping(self) -> None:
        await self.inner.ping()


async def test_plan_test_5_circuit_breaker_against_the_emulator(
    state: StateBackend, emulator: Emulator, emulator_http: httpx.AsyncClient
) -> None:
    """QloApps down -> 5 failures -> OPEN -> fail fast without calling -> QloApps back -> after the
    recovery timeout HALF_OPEN -> one trial -> CLOSED; the state gauge follows every step."""
    clock = FixedClock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))
    namespace = f"qloapps:{uuid.uuid4().hex[:8]}"
    probe = GaugeProbe(QloAppsAdapter(emulator_http, base_url=BASE_URL, api_key=DEFAULT_API_KEY, hotel_id=1))
    breaker = CircuitBreaker(
        state,
        f"pms:{namespace}",
        failure_threshold=5,
        recovery_timeout=30,
        clock=clock,
        is_failure=is_pms_outage,
        on_transition=record_circuit_transition,
        on_state=record_circuit_state,
    )
    pms = ResilientPmsAdapter(probe, state, namespace=namespace, breaker=breaker, availability_ttl=0.001)
    opened = sample("pms_circuit_breaker_transitions_total", from_state="closed", to_state="open")
    half = sample("pms_circuit_breaker_transitions_total", from_state="open", to_state="half_open")
    closed = sample("pms_circuit_breaker_transitions_total", from_state="half_open", to_state="closed")
    refused = sample("pms_requests_total", operation="check_availability", outcome="circuit_open")

    assert len((await pms.check_availability(query())).offers) == 4
    assert sample("pms_circuit_breaker_state") == 0

    emulator.set_faults(down=True)  # "stop QloApps"
    for attempt in range(5):
        with pytest.raises(PmsUnavailableError) as failure:
            await pms.check_availability(query(offset=attempt + 1))
        assert not isinstance(failure.value, PmsCircuitOpenError)
    assert await pms.circuit_state() is CircuitState.OPEN
    assert sample("pms_circuit_breaker_state") == 1
    assert sample("pms_circuit_breaker_transitions_total", from_state="closed", to_state="open") - opened == 1

    served = sum(emulator.requests.values())
    with pytest.raises(PmsCircuitOpenError) as fast_failure:
        await pms.check_availability(query(offset=9))
    # The kit's refusal, translated into the port's operational error (a 503 with Retry-After).
    assert isinstance(fast_failure.value, PmsUnavailableError)
    assert fast_failure.value.retry_after == pytest.approx(30)
    assert fast_failure.value.extra == {"retry_after": fast_failure.value.retry_after}
    assert sum(emulator.requests.values()) == served, "an open circuit must not call QloApps"
    assert sample("pms_requests_total", operation="check_availability", outcome="circuit_open") - refused == 1

    emulator.set_faults(down=False)  # "restart QloApps"
    clock.advance(seconds=29)
    with pytest.raises(PmsCircuitOpenError):
        await pms.check_availability(query(offset=9))
    clock.advance(seconds=1)
    assert await pms.circuit_state() is CircuitState.HALF_OPEN
    assert sample("pms_circuit_breaker_state") == 2

    calls_before_trial = len(probe.gauge_during_calls)
    assert len((await pms.check_availability(query(offset=9))).offers) == 4  # the one trial
    assert probe.gauge_during_calls[calls_before_trial:] == [2.0], "the trial runs while HALF_OPEN"
    assert await pms.circuit_state() is CircuitState.CLOSED
    assert sample("pms_circuit_breaker_state") == 0
    assert (
        sample("pms_circuit_breaker_transitions_total", from_state="open", to_state="half_open") - half == 1
    )
    assert (
        sample("pms_circuit_breaker_transitions_total", from_state="half_open", to_state="closed") - closed
        == 1
    )
    await pms.check_availability(query(offset=10))
    await pms.check_availability(query(offset=11))
    assert await pms.circuit_state() is CircuitState.CLOSED


async def test_request_errors_never_open_the_circuit(
    state: StateBackend, emulator_http: httpx.AsyncClient
) -> None:
    inner = QloAppsAdapter(emulator_http, base_url=BASE_URL, api_key=DEFAULT_API_KEY, hotel_id=1)
    pms = ResilientPmsAdapter(inner, state, namespace=f"qloapps:{uuid.uuid4().hex[:8]}")
    for _ in range(5):  # the five rooms of type 1
        await pms.create_booking(request(offset=3))
    for _ in range(8):
        with pytest.raises(NoAvailabilityError):
            await pms.create_booking(request(offset=3))
    assert await pms.circuit_state() is CircuitState.CLOSED


async def test_built_from_settings(fake: CountingPms) -> None:
    settings = Settings(
        pms_hotel_id="1",
        pms_breaker_failure_threshold=3,
        pms_breaker_recovery_seconds=12,
        pms_cache_availability_ttl_seconds=5,
    )
    pms = build_resilient_pms(fake, MemoryStateBackend(), settings)
    assert (pms.breaker.name, pms.breaker.failure_threshold, pms.breaker.recovery_timeout) == (
        "pms:fake:1",
        3,
        12,
    )
    await pms.check_availability(query())
    await pms.check_availability(query())
    assert fake.calls["availability"] == 1
