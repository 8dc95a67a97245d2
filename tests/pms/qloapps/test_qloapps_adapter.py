"""The QloApps adapter against the emulator: in-process (ASGI) and over a real loopback port."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest
from tools.qloapps_emulator import DEFAULT_API_KEY, Emulator
from typer.testing import CliRunner

from hotel_agent.config import Settings
from hotel_agent.pms.commands import pms_app, run_check
from hotel_agent.pms.errors import (
    BookingAlreadyCancelledError,
    BookingNotFoundError,
    InvalidPmsRequestError,
    NoAvailabilityError,
    PmsUnavailableError,
)
from hotel_agent.pms.qloapps import QloAppsAdapter, QloAppsAuthenticationError, build_qloapps_adapter
from hotel_agent.pms.schemas import (
    AvailabilityQuery,
    BookingChange,
    BookingRequest,
    BookingStatus,
    GuestDetails,
)
from tests.support.qloapps import BASE_URL, LoopbackEmulator

CHECKIN = date.today() + timedelta(days=40)
CHECKOUT = CHECKIN + timedelta(days=2)
GUEST = GuestDetails(name="Ana Sousa", email="ana@example.com", phone="+351 912 345 678")


def booking_request(**overrides: object) -> BookingRequest:
    values: dict[str, object] = {
        "checkin": CHECKIN,
        "checkout": CHECKOUT,
        "adults": 2,
        "room_type": "1",
        "guest": GUEST,
    }
    values.update(overrides)
    return BookingRequest.model_validate(values)


def query(**overrides: object) -> AvailabilityQuery:
    values: dict[str, object] = {"checkin": CHECKIN, "checkout": CHECKOUT, "adults": 2}
    values.update(overrides)
    return AvailabilityQuery.model_validate(values)


async def test_profile_and_room_types(adapter: QloAppsAdapter) -> None:
    profile = await adapter.get_hotel_profile()
    assert (profile.hotel_id, profile.name, profile.currency, profile.country) == (
        "1",
        "The Hotel Prime",
        "USD",
        "US",
    )
    assert profile.timezone == "UTC"
    room_types = await adapter.list_room_types()
    assert [(r.code, r.name_in("en")) for r in room_types] == [
        ("1", "General Rooms"),
        ("2", "Delux Rooms"),
        ("3", "Executive Rooms"),
        ("4", "Luxury Rooms"),
    ]
    assert room_types[0].descriptions["en"].startswith("Our General Rooms")


async def test_availability_goes_down_as_rooms_are_booked_and_back_on_cancel(adapter: QloAppsAdapter) -> None:
    before = await adapter.check_availability(query())
    assert {o.room_type: o.rooms_left for o in before.offers} == {"1": 5, "2": 5, "3": 5, "4": 5}
    assert before.offers[0].total == Decimal("2600.00")

    booking = await adapter.create_booking(booking_request())
    assert booking.status is BookingStatus.CONFIRMED
    # The booked price (from the booking answer) is the quote: 2 nights x (1000 + 250 auto-added) + 4%.
    assert booking.total == before.offers[0].total
    assert (booking.checkin, booking.checkout, booking.adults, booking.children) == (CHECKIN, CHECKOUT, 2, 0)
    assert (booking.guest_name, booking.guest_email) == ("Ana Sousa", "ana@example.com")

    during = await adapter.check_availability(query())
    assert {o.room_type: o.rooms_left for o in during.offers}["1"] == 4
    overlapping = await adapter.check_availability(
        query(checkin=CHECKIN + timedelta(days=1), checkout=CHECKOUT + timedelta(days=3))
    )
    assert {o.room_type: o.rooms_left for o in overlapping.offers}["1"] == 4

    fetched = await adapter.get_booking(booking.reference)
    assert fetched.model_dump(exclude={"updated_at"}) == booking.model_dump(exclude={"updated_at"})

    cancelled = await adapter.cancel_booking(booking.reference)
    assert cancelled.status is BookingStatus.CANCELLED
    assert (await adapter.get_booking(booking.reference)).status is BookingStatus.CANCELLED
    after = await adapter.check_availability(query())
    assert {o.room_type: o.rooms_left for o in after.offers}["1"] == 5
    with pytest.raises(BookingAlreadyCancelledError):
        await adapter.cancel_booking(booking.reference)
    with pytest.raises(BookingAlreadyCancelledError):
        await adapter.modify_booking(booking.reference, BookingChange(adults=1))


async def test_overbooking_is_no_availability(adapter: QloAppsAdapter) -> None:
    for _ in range(5):
        await adapter.create_booking(booking_request(room_type="2"))
    offers = (await adapter.check_availability(query())).offers
    assert "2" not in {offer.room_type for offer in offers}
    with pytest.raises(NoAvailabilityError):
        await adapter.create_booking(booking_request(room_type="2"))


async def test_modify_dates_and_room_type_reprices(adapter: QloAppsAdapter, emulator: Emulator) -> None:
    booking = await adapter.create_booking(booking_request())
    moved = await adapter.modify_booking(
        booking.reference,
        BookingChange(checkin=CHECKIN + timedelta(days=7), checkout=CHECKIN + timedelta(days=10)),
    )
    assert moved.reference == booking.reference
    assert (moved.checkin, moved.checkout) == (CHECKIN + timedelta(days=7), CHECKIN + timedelta(days=10))
    assert moved.total == Decimal("3900.00")  # 3 nights x (1000 + 250 auto-added services) + 4%
    upgraded = await adapter.modify_booking(booking.reference, BookingChange(room_type="4", adults=1))
    assert (upgraded.room_type, upgraded.adults, upgraded.total) == ("4", 1, Decimal("8580.00"))
    assert emulator.booking_count == 1
    # The old nights are free again.
    left = {o.room_type: o.rooms_left for o in (await adapter.check_availability(query())).offers}
    assert left["1"] == 5


async def test_modify_refusals(adapter: QloAppsAdapter) -> None:
    booking = await adapter.create_booking(booking_request())
    unchanged = await adapter.modify_booking(booking.reference, BookingChange())
    assert unchanged.model_dump(exclude={"updated_at"}) == booking.model_dump(exclude={"updated_at"})
    with pytest.raises(InvalidPmsRequestError, match="number of guests"):
        await adapter.modify_booking(booking.reference, BookingChange(adults=1))
    with pytest.raises(InvalidPmsRequestError, match="at most"):
        await adapter.modify_booking(booking.reference, BookingChange(room_type="3", adults=5))
    with pytest.raises(InvalidPmsRequestError):
        await adapter.modify_booking(booking.reference, BookingChange(checkout=CHECKIN))
    for _ in range(5):
        await adapter.create_booking(
            booking_request(
                room_type="3", checkin=CHECKIN + timedelta(days=20), checkout=CHECKIN + timedelta(days=21)
            )
        )
    with pytest.raises(NoAvailabilityError):
        await adapter.modify_booking(
            booking.reference,
            BookingChange(
                room_type="3", checkin=CHECKIN + timedelta(days=20), checkout=CHECKIN + timedelta(days=21)
            ),
        )


async def test_validation_the_pms_does_not_do(adapter: QloAppsAdapter) -> None:
    with pytest.raises(InvalidPmsRequestError, match="past"):
        await adapter.create_booking(
            booking_request(
                checkin=date.today() - timedelta(days=3), checkout=date.today() - timedelta(days=1)
            )
        )
    with pytest.raises(InvalidPmsRequestError, match="at most"):
        await adapter.create_booking(booking_request(adults=3))
    with pytest.raises(InvalidPmsRequestError, match="Unknown room type"):
        await adapter.create_booking(booking_request(room_type="suite"))
    with pytest.raises(InvalidPmsRequestError):
        await adapter.create_booking(booking_request(room_type="7"))


async def test_party_filter_and_room_type_filter(adapter: QloAppsAdapter) -> None:
    assert (await adapter.check_availability(query(adults=3))).offers == []
    only = await adapter.check_availability(query(room_type="3"))
    assert [offer.room_type for offer in only.offers] == ["3"]


async def test_lookups_by_reference_forms(adapter: QloAppsAdapter, emulator: Emulator) -> None:
    booking = await adapter.create_booking(booking_request())
    order_reference = emulator.store.orders[1].reference
    for reference in (booking.reference, "qa1", "1", order_reference, order_reference.lower()):
        assert (await adapter.get_booking(reference)).reference == "QA-1"
    for reference in ("QA-99", "ZZZZZZZZZ", "not a reference"):
        with pytest.raises(BookingNotFoundError):
            await adapter.get_booking(reference)


async def test_retried_create_with_the_same_key_books_once(
    adapter: QloAppsAdapter, emulator: Emulator
) -> None:
    request = booking_request(idempotency_key="wamid.HBgLMzUxOTEyMzQ1Njc4FQIAEhgg", notes="Late arrival")
    first = await adapter.create_booking(request)
    second = await adapter.create_booking(request)
    assert second.reference == first.reference
    assert emulator.booking_count == 1
    # Another key for the same guest and stay is another booking.
    third = await adapter.create_booking(booking_request(idempotency_key="other"))
    assert third.reference != first.reference
    remarks = emulator.booking_document(emulator.store.orders[1])["booking"]["associations"]["remarks"]
    assert remarks[0].startswith("Late arrival\n[hotel-agent:")


async def test_customers_find_and_create(adapter: QloAppsAdapter) -> None:
    assert await adapter.find_customer("pub@qloapps.com") == 1
    assert await adapter.find_customer("nobody@example.com") is None
    with pytest.raises(InvalidPmsRequestError, match="phone"):
        await adapter.create_customer(GuestDetails(name="Zoë 2 O'Brien", email="zoe@example.com"))
    created = await adapter.create_customer(
        GuestDetails(name="Zoë 2 O'Brien", email="zoe@example.com", phone="+44 7911 123456")
    )
    assert await adapter.find_customer("zoe@example.com") == created


async def test_operational_and_auth_failures(emulator_http: httpx.AsyncClient, emulator: Emulator) -> None:
    bad_key = QloAppsAdapter(emulator_http, base_url=BASE_URL, api_key="WRONG" * 6, hotel_id=1)
    with pytest.raises(QloAppsAuthenticationError):
        await bad_key.ping()
    adapter = QloAppsAdapter(emulator_http, base_url=BASE_URL, api_key=DEFAULT_API_KEY, hotel_id=1)
    await adapter.ping()
    emulator.set_faults(down=True)
    with pytest.raises(PmsUnavailableError, match="502"):
        await adapter.check_availability(query())
    emulator.set_faults(down=False, error_rate=1.0, status=429)
    with pytest.raises(PmsUnavailableError):
        await adapter.get_hotel_profile()
    emulator.set_faults(error_rate=0.0)
    missing_hotel = QloAppsAdapter(emulator_http, base_url=BASE_URL, api_key=DEFAULT_API_KEY, hotel_id=999)
    with pytest.raises(InvalidPmsRequestError, match="PMS_HOTEL_ID"):
        await missing_hotel.get_hotel_profile()


async def test_dispatcher_urls_without_rewriting(emulator_http: httpx.AsyncClient) -> None:
    adapter = QloAppsAdapter(
        emulator_http, base_url=f"{BASE_URL}/webservice/dispatcher.php", api_key=DEFAULT_API_KEY, hotel_id=1
    )
    assert len((await adapter.check_availability(query())).offers) == 4


async def test_run_check_reports_every_step(adapter: QloAppsAdapter, emulator: Emulator) -> None:
    steps = await run_check(adapter)
    assert [(s.name, s.ok) for s in steps] == [
        ("authentication", True),
        ("hotel", True),
        ("room types", True),
        ("availability", True),
    ]
    emulator.set_faults(down=True)
    failed = await run_check(adapter)
    assert [(s.name, s.ok) for s in failed] == [("authentication", False)]


# --- over a real loopback port ----------------------------------------------------------------------


def loopback_adapter(server: LoopbackEmulator, timeout: float) -> QloAppsAdapter:
    client = httpx.AsyncClient(timeout=httpx.Timeout(timeout), limits=httpx.Limits(max_connections=10))
    return QloAppsAdapter(client, base_url=server.url, api_key=DEFAULT_API_KEY, hotel_id=1, owns_client=True)


async def test_timeouts_are_operational(loopback: LoopbackEmulator) -> None:
    adapter = loopback_adapter(loopback, timeout=0.3)
    try:
        assert len((await adapter.check_availability(query())).offers) == 4
        loopback.emulator.set_faults(timeout=True, hang_seconds=2)
        with pytest.raises(PmsUnavailableError, match="timed out"):
            await adapter.check_availability(query())
    finally:
        loopback.emulator.set_faults(timeout=False)
        await adapter.close()


async def test_connection_refused_is_operational() -> None:
    with LoopbackEmulator() as server:
        url = server.url
    client = httpx.AsyncClient(timeout=httpx.Timeout(1.0))
    adapter = QloAppsAdapter(client, base_url=url, api_key=DEFAULT_API_KEY, hotel_id=1, owns_client=True)
    try:
        with pytest.raises(PmsUnavailableError, match="unreachable"):
            await adapter.ping()
    finally:
        await adapter.close()


async def test_commit_then_timeout_then_retry_leaves_one_booking(loopback: LoopbackEmulator) -> None:
    """QloApps commits the booking but its answer never arrives; the retry finds it, no second booking."""
    adapter = loopback_adapter(loopback, timeout=0.5)
    request = booking_request(idempotency_key="wamid.retry-after-timeout")
    try:
        loopback.emulator.set_faults(hang_after_commit=1, hang_seconds=2)
        with pytest.raises(PmsUnavailableError, match="timed out"):
            await adapter.create_booking(request)
        assert loopback.emulator.booking_count == 1  # committed on the PMS side

        retried = await adapter.create_booking(request)
        assert retried.reference == "QA-1"
        assert retried.total == Decimal("2600.00")
        assert loopback.emulator.booking_count == 1
    finally:
        await adapter.close()


def test_cli_check_against_a_live_emulator(
    loopback: LoopbackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PMS_HOTEL_ID", "1")
    runner = CliRunner()
    result = runner.invoke(pms_app, ["check", "--base-url", loopback.url, "--api-key", DEFAULT_API_KEY])
    assert result.exit_code == 0, result.output
    assert "The Hotel Prime" in result.output
    assert "PMS check passed." in result.output

    bad = runner.invoke(pms_app, ["check", "--base-url", loopback.url, "--api-key", "WRONG" * 7])
    assert bad.exit_code == 1
    assert "✗ authentication" in bad.output

    unset = runner.invoke(
        pms_app, ["check", "--base-url", loopback.url, "--api-key", DEFAULT_API_KEY, "--hotel-id", "prime"]
    )
    assert unset.exit_code == 2


def test_build_from_settings_owns_its_client() -> None:
    settings = Settings(pms_base_url="http://127.0.0.1:9", pms_api_key=DEFAULT_API_KEY, pms_hotel_id="1")
    adapter = build_qloapps_adapter(settings)
    assert adapter.hotel_id == 1
    assert adapter._owns_client
