"""What a live QloApps 1.6.1 refuses and the recording did not show (issue 11), held by the emulator.

The exchanges in `derived/` are written from the contract's rules (API.md and the QloApps source it was
read from; each file's `note` says which), in the recorded fixtures' shape. The emulator must answer
each one as QloApps does, and the adapter must map the answers to the port's errors.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tools.qloapps_emulator import DEFAULT_API_KEY, Emulator, create_app
from typer.testing import CliRunner

from hotel_agent.pms.commands import pms_app
from hotel_agent.pms.errors import GuestPhoneRejectedError, InvalidPmsRequestError, PmsUnavailableError
from hotel_agent.pms.qloapps import QloAppsAdapter, QloAppsRedirectError
from hotel_agent.pms.qloapps.client import check_response
from hotel_agent.pms.schemas import BookingRequest, GuestDetails
from tests.support.qloapps import BASE_URL, RECORDED_AT, LoopbackEmulator

DERIVED = sorted((Path(__file__).parent / "derived").glob("D*.json"))
VOLATILE = {"booking_date", "date_add", "date_upd"}


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _strip(item) for key, item in value.items() if key not in VOLATILE}
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


def _send(emulator: Emulator, exchange: dict[str, Any]) -> httpx.Response:
    import asyncio
    import base64

    request = exchange["request"]
    headers = {k: v for k, v in request["headers"].items() if k != "Authorization"}
    headers["Authorization"] = "Basic " + base64.b64encode(f"{DEFAULT_API_KEY}:".encode()).decode()

    async def run() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(emulator))
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            return await client.request(
                request["method"],
                request["path"],
                params=request["query"],
                headers=headers,
                content=request["body"].encode() if request["body"] is not None else None,
            )

    return asyncio.run(run())


def test_the_derived_exchanges_exist() -> None:
    assert len(DERIVED) >= 6


@pytest.mark.parametrize("path", DERIVED, ids=lambda path: path.stem)
def test_emulator_answers_the_derived_exchanges_as_qloapps(path: Path) -> None:
    exchange = json.loads(path.read_text())
    emulator = Emulator(clock=lambda: RECORDED_AT)
    if exchange.get("shop_domain"):
        emulator.set_faults(shop_domain=exchange["shop_domain"])
    response = _send(emulator, exchange)
    expected = exchange["response"]
    assert response.status_code == expected["status"]
    for header in ("Content-Type", "PSWS-Version", "Location"):
        assert response.headers.get(header) == expected["headers"].get(header)
    if expected["body"]:
        assert _strip(response.json()) == _strip(json.loads(expected["body"]))
    else:
        assert response.content == b""
    if expected["status"] == 400:
        assert emulator.booking_count == 0  # refused before anything was booked


def test_phone_refusal_maps_to_a_permanent_phone_error() -> None:
    exchange = json.loads((DERIVED[0]).read_text())
    response = httpx.Response(
        exchange["response"]["status"],
        headers=exchange["response"]["headers"],
        content=exchange["response"]["body"].encode(),
        request=httpx.Request("POST", f"{BASE_URL}/api/bookings"),
    )
    with pytest.raises(GuestPhoneRejectedError, match="phone number") as caught:
        check_response(response, what="POST bookings")
    assert not isinstance(caught.value, PmsUnavailableError)  # permanent: the breaker does not count it


def _request(phone: str | None) -> BookingRequest:
    checkin = date.today() + timedelta(days=30)
    return BookingRequest(
        checkin=checkin,
        checkout=checkin + timedelta(days=2),
        adults=2,
        room_type="1",
        guest=GuestDetails(name="Ana Sousa", email="ana.sousa@example.com", phone=phone),
    )


async def test_adapter_sends_the_guests_phone_and_never_a_placeholder(
    adapter: QloAppsAdapter, emulator: Emulator
) -> None:
    with pytest.raises(InvalidPmsRequestError, match="phone"):
        await adapter.create_booking(_request(None))
    assert emulator.booking_count == 0
    assert emulator.requests["POST bookings"] == 0  # refused before asking QloApps

    booking = await adapter.create_booking(_request("+351 912 345 678"))
    assert booking.guest_phone == "+351912345678"
    customer = emulator.store.customer_by_email("ana.sousa@example.com")
    assert customer is not None
    assert customer["phone"] == "+351912345678"


def test_phone_numbers_are_validated_and_normalised_to_e164() -> None:
    assert GuestDetails(name="A", email="a@example.com", phone="0034 612 345 678").phone == "+34612345678"
    assert GuestDetails(name="A", email="a@example.com", phone=" ").phone is None
    for bad in ("0", "912345678", "+1 555 0100", "call me"):
        with pytest.raises(ValueError, match="phone"):
            GuestDetails(name="A", email="a@example.com", phone=bad)


async def test_a_redirect_is_a_configuration_error_and_is_never_followed(emulator: Emulator) -> None:
    emulator.set_faults(shop_domain="shop.example.com")
    transport = httpx.ASGITransport(app=create_app(emulator))
    # Even a client that follows redirects by default must not: the key would go to the other host.
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL, follow_redirects=True) as client:
        adapter = QloAppsAdapter(client, base_url=BASE_URL, api_key=DEFAULT_API_KEY, hotel_id=1)
        with pytest.raises(QloAppsRedirectError) as caught:
            await adapter.get_hotel_profile()
    message = caught.value.detail
    assert "HTTP 302" in message
    assert "set PMS_BASE_URL to http://shop.example.com" in message
    assert "127.0.0.1:8089" in message  # what was configured
    assert sum(emulator.requests.values()) == 1  # one request, not followed
    assert isinstance(caught.value, PmsUnavailableError)  # operational: the breaker stops hammering


def test_pms_check_names_the_redirect_and_the_base_url_to_set(
    loopback: LoopbackEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PMS_HOTEL_ID", "1")
    loopback.emulator.set_faults(shop_domain="hotel.example.com")
    runner = CliRunner()
    result = runner.invoke(pms_app, ["check", "--base-url", loopback.url, "--api-key", DEFAULT_API_KEY])
    assert result.exit_code == 1, result.output
    assert "✗ base URL" in result.output
    assert "redirect" in result.output
    assert "set PMS_BASE_URL to http://hotel.example.com" in result.output
    assert "PMS check failed." in result.output

    loopback.emulator.set_faults(shop_domain=f"127.0.0.1:{loopback.port}")  # now the URL is the shop's
    passed = runner.invoke(pms_app, ["check", "--base-url", loopback.url, "--api-key", DEFAULT_API_KEY])
    assert passed.exit_code == 0, passed.output
