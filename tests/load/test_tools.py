"""What the load test needs from the loopback fakes: a QloApps sized not to sell out, with a latency range
and an error rate; a Graph API whose accepted messages can be read incrementally by one long-poll."""

from __future__ import annotations

import asyncio
import base64
import time
from datetime import date, timedelta

import httpx
from tools.fake_graph_api.app import FakeGraphApi
from tools.fake_graph_api.app import create_app as create_graph
from tools.qloapps_emulator import DEFAULT_API_KEY, Emulator, create_app

from hotel_agent.pms.qloapps import QloAppsAdapter
from hotel_agent.pms.schemas import AvailabilityQuery

AUTH = {"Authorization": "Basic " + base64.b64encode(f"{DEFAULT_API_KEY}:".encode()).decode()}


async def test_a_sized_emulator_has_that_many_rooms_per_type_and_books_them() -> None:
    emulator = Emulator(rooms_per_type=40)
    rooms = emulator.store.rooms
    assert len(rooms) == 160
    assert len({room["id"] for room in rooms}) == 160
    assert len({room["room_num"] for room in rooms}) == 160
    assert {len(emulator.store.rooms_of(t)) for t in (1, 2, 3, 4)} == {40}
    links = {
        link["id_product"]: link["associations"]["hotel_rooms"] for link in emulator.store.hotel_room_types
    }
    assert {len(ids) for ids in links.values()} == {40}
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(emulator)))
    adapter = QloAppsAdapter(
        client, base_url="http://qlo", api_key=DEFAULT_API_KEY, hotel_id=1, owns_client=True
    )
    checkin = date.today() + timedelta(days=30)
    try:
        result = await adapter.check_availability(
            AvailabilityQuery(checkin=checkin, checkout=checkin + timedelta(days=2), adults=2)
        )
    finally:
        await adapter.close()
    assert [offer.rooms_left for offer in result.offers] == [40, 40, 40, 40]
    emulator.reset()
    assert len(emulator.store.rooms) == 160  # the size survives a reset


async def test_latency_is_drawn_from_the_range_and_the_error_rate_answers_500() -> None:
    emulator = Emulator()
    emulator.set_faults(latency_ms=20, latency_max_ms=60)
    transport = httpx.ASGITransport(app=create_app(emulator))
    async with httpx.AsyncClient(transport=transport, base_url="http://qlo") as client:
        took = []
        for _ in range(12):
            started = time.perf_counter()
            response = await client.get("/api/hotels", params={"output_format": "JSON"}, headers=AUTH)
            took.append(time.perf_counter() - started)
            assert response.status_code == 200
        assert min(took) >= 0.02
        assert max(took) - min(took) > 0.005  # a range, not a fixed delay
        emulator.set_faults(latency_ms=0, latency_max_ms=0, error_rate=0.5)
        statuses = [
            (await client.get("/api/hotels", params={"output_format": "JSON"}, headers=AUTH)).status_code
            for _ in range(60)
        ]
    assert 10 < statuses.count(500) < 50
    assert set(statuses) == {200, 500}


async def test_messages_after_n_long_polls_until_a_new_one_is_accepted() -> None:
    fake = FakeGraphApi()
    transport = httpx.ASGITransport(app=create_graph(fake))
    send = {"messaging_product": "whatsapp", "to": "34600000001", "type": "text", "text": {"body": "hi"}}
    headers = {"Authorization": "Bearer dev-whatsapp-access-token"}
    async with httpx.AsyncClient(transport=transport, base_url="http://graph") as client:
        assert (await client.post("/v21.0/1/messages", json=send, headers=headers)).status_code == 200
        first = (await client.get("/__fake__/messages", params={"after": 0})).json()
        assert [m["index"] for m in first] == [0]
        assert (await client.get("/__fake__/messages", params={"after": 1})).json() == []

        async def later() -> None:
            await asyncio.sleep(0.2)
            await client.post("/v21.0/1/messages", json={**send, "to": "34600000002"}, headers=headers)

        task = asyncio.create_task(later())
        started = time.perf_counter()
        batch = (await client.get("/__fake__/messages", params={"after": 1, "wait": 5})).json()
        await task
        assert 0.15 < time.perf_counter() - started < 4
        assert [(m["index"], m["to"]) for m in batch] == [(1, "34600000002")]
        bad = await client.get("/__fake__/messages", params={"after": "x"})
        assert bad.status_code == 400
