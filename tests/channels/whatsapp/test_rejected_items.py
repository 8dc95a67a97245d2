"""Item-by-item intake: one malformed entry, change, message or status in a signed delivery is kept as a
rejected item (reason, raw) and counted; the delivery is acknowledged and its valid items stored once."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select
from tools.fake_graph_api.server import RunningFake
from typer.testing import CliRunner, Result

from hotel_agent.channels.whatsapp.commands import whatsapp_app
from hotel_agent.channels.whatsapp.security import sign
from hotel_agent.channels.whatsapp.simulation import message_payload, new_wamid, webhook
from hotel_agent.config import get_settings
from hotel_agent.models import WhatsAppInboundMessage, WhatsAppRejectedItem, WhatsAppStatusEvent
from tests.support.app import running_app
from tests.support.whatsapp import APP_SECRET, PHONE_NUMBER_ID, new_guest, wa_settings


@pytest.fixture
async def client(database_url: str, fake: RunningFake) -> AsyncIterator[httpx.AsyncClient]:
    settings = wa_settings(database_url, fake.url, queue_in_process_worker=False)
    async with running_app(settings) as client:
        yield client


async def post_raw(client: httpx.AsyncClient, payload: Any) -> httpx.Response:
    # json, not orjson: the tests send integers past 64 bits, which orjson refuses to encode.
    body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
    headers = {"X-Hub-Signature-256": sign(body, APP_SECRET), "Content-Type": "application/json"}
    return await client.post("/webhooks/whatsapp", content=body, headers=headers)


async def rows(client: httpx.AsyncClient, model: Any, *where: Any) -> list[Any]:
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        return list((await session.execute(select(model).where(*where))).scalars().all())


async def count(client: httpx.AsyncClient, model: Any, *where: Any) -> int:
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        return int(
            (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()
        )


async def test_malformed_messages_are_rejected_and_the_valid_ones_stored(client: httpx.AsyncClient) -> None:
    guest = new_guest()
    good = [message_payload(wa_id=guest, text=f"hola {i}") for i in range(2)]
    no_from = message_payload(wa_id=guest, text="x")
    del no_from["from"]
    no_timestamp = message_payload(wa_id=guest, text="y")
    del no_timestamp["timestamp"]
    text_as_string = message_payload(wa_id=guest, text="z")
    text_as_string["text"] = "just a string"
    latitude_as_string = message_payload(wa_id=guest, kind="location", text="here")
    latitude_as_string["location"]["latitude"] = "north"
    long_id = message_payload(wa_id=guest, text="w")
    long_id["id"] = "wamid." + "A" * 300
    bad = [no_from, no_timestamp, text_as_string, latitude_as_string, long_id]
    payload = webhook(PHONE_NUMBER_ID, messages=[good[0], *bad, good[1]])

    response = await post_raw(client, payload)

    assert response.status_code == 200
    assert response.json() == {
        "messages_stored": 2,
        "duplicates": 0,
        "statuses_stored": 0,
        "ignored": 0,
        "rejected": 5,
    }
    assert await count(client, WhatsAppInboundMessage, WhatsAppInboundMessage.wa_id == guest) == 2
    wamids = [message["id"] for message in bad[:4]]
    rejected = await rows(client, WhatsAppRejectedItem, WhatsAppRejectedItem.wamid.in_(wamids))
    by_wamid = {row.wamid: row for row in rejected}
    assert set(by_wamid) == set(wamids)
    assert "from: Field required" in by_wamid[no_from["id"]].reason
    assert "timestamp: Field required" in by_wamid[no_timestamp["id"]].reason
    assert by_wamid[text_as_string["id"]].reason.startswith("text:")
    assert "location.latitude" in by_wamid[latitude_as_string["id"]].reason
    assert by_wamid[no_from["id"]].location == "entry[0].changes[0].value.messages[1]"
    assert by_wamid[no_from["id"]].kind == "message"
    assert by_wamid[no_from["id"]].phone_number_id == PHONE_NUMBER_ID
    assert by_wamid[latitude_as_string["id"]].payload == latitude_as_string  # as it arrived
    # The reason names the field, never the value a guest wrote.
    assert "just a string" not in by_wamid[text_as_string["id"]].reason

    # Meta redelivers the same bytes: nothing stored twice, the rejected items kept once.
    again = await post_raw(client, payload)
    assert again.status_code == 200
    assert again.json()["duplicates"] == 2
    assert len(await rows(client, WhatsAppRejectedItem, WhatsAppRejectedItem.wamid.in_(wamids))) == 4

    metrics = (await client.get("/metrics")).text
    assert 'hotel_agent_whatsapp_rejected_items_total{kind="message"}' in metrics


async def test_a_malformed_entry_or_change_loses_only_itself(client: httpx.AsyncClient) -> None:
    first, second = new_guest(), new_guest()
    good_entry = webhook(PHONE_NUMBER_ID, messages=[message_payload(wa_id=first, text="a")])["entry"][0]
    good_change = webhook(PHONE_NUMBER_ID, messages=[message_payload(wa_id=second, text="b")])["entry"][0][
        "changes"
    ][0]
    marker = new_wamid()
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            good_entry,
            {"changes": [], "marker": marker},  # an entry without its id
            "not an entry",
            {
                "id": "waba",
                "changes": [{"value": {"marker": marker}}, good_change, {"field": "messages", "value": 7}],
            },
        ],
    }
    response = await post_raw(client, payload)
    assert response.status_code == 200
    assert response.json()["messages_stored"] == 2
    assert response.json()["rejected"] == 4
    assert await count(client, WhatsAppInboundMessage, WhatsAppInboundMessage.wa_id.in_([first, second])) == 2
    kinds = {(row.kind, row.location) for row in await rows(client, WhatsAppRejectedItem)}
    assert {
        ("entry", "entry[1]"),
        ("entry", "entry[2]"),
        ("change", "entry[3].changes[0]"),
        ("change", "entry[3].changes[2]"),
    } <= kinds


async def test_a_signed_body_that_is_not_a_whatsapp_payload_is_acknowledged_and_kept(
    client: httpx.AsyncClient,
) -> None:
    marker = new_wamid()
    for payload in (
        {"entry": "not a list", "marker": marker},
        [marker],
        {"object": "whatsapp_business_account", "entry": {"marker": marker}},
    ):
        response = await post_raw(client, payload)
        assert response.status_code == 200, payload
        assert response.json()["rejected"] == 1
    kept = [
        row
        for row in await rows(client, WhatsAppRejectedItem)
        if marker in orjson.dumps(row.payload).decode()
    ]
    assert {row.kind for row in kept} == {"delivery"}
    assert len(kept) == 3


async def test_database_limits_are_met_before_the_write(client: httpx.AsyncClient) -> None:
    """NUL in keys and values, integers past 64 bits, an error code past the column: stored, not a 500."""
    guest = new_guest()
    message = message_payload(wa_id=guest, text="hola\u0000")
    message["extra\u0000key"] = "value\u0000"
    message["huge"] = 2**80
    status_wamid = new_wamid()
    status = {
        "id": status_wamid,
        "status": "failed",
        "timestamp": "1700000000",
        "recipient_id": guest,
        "errors": [{"code": 2**40, "title": "x\u0000"}],
    }
    response = await post_raw(client, webhook(PHONE_NUMBER_ID, messages=[message], statuses=[status]))
    assert response.status_code == 200, response.text
    assert response.json()["messages_stored"] == 1
    assert response.json()["statuses_stored"] == 1
    [stored] = await rows(client, WhatsAppInboundMessage, WhatsAppInboundMessage.wa_id == guest)
    assert stored.text == "hola"
    assert stored.payload["extrakey"] == "value"
    assert stored.payload["huge"] == str(2**80)
    [event] = await rows(client, WhatsAppStatusEvent, WhatsAppStatusEvent.wamid == status_wamid)
    assert event.error_code is None
    assert event.payload["errors"][0]["code"] == 2**40  # kept in the payload, past the int column


async def test_malformed_statuses_are_rejected_beside_valid_messages(client: httpx.AsyncClient) -> None:
    guest = new_guest()
    message = message_payload(wa_id=guest, text="hola")
    bad_status = {"id": "", "status": "delivered", "timestamp": "1700000000"}
    response = await post_raw(client, webhook(PHONE_NUMBER_ID, messages=[message], statuses=[bad_status]))
    assert response.status_code == 200
    assert (response.json()["messages_stored"], response.json()["rejected"]) == (1, 1)


def test_rejected_items_are_listed_and_shown_from_the_command_line(
    whatsapp_sqlite_url: str, fake: RunningFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process (a subprocess spends most of its time importing); the queries ran on both backends above."""
    guest = new_guest()
    bad = message_payload(wa_id=guest, text="call me on +34 600 123 456")
    del bad["from"]

    async def deliver() -> None:
        settings = wa_settings(whatsapp_sqlite_url, fake.url, queue_in_process_worker=False)
        async with running_app(settings) as client:
            assert (await post_raw(client, webhook(PHONE_NUMBER_ID, messages=[bad]))).status_code == 200

    asyncio.run(deliver())
    monkeypatch.setenv("DATABASE_URL", whatsapp_sqlite_url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    def cli(*args: str, code: int = 0) -> Result:
        result = runner.invoke(whatsapp_app, ["rejected", *args])
        assert result.exit_code == code, result.output
        return result

    try:
        listing = [line for line in cli("list", "--limit", "500").stdout.splitlines() if bad["id"] in line]
        assert len(listing) == 1
        item_id, _, kind, location, wamid, reason = listing[0].split("\t")
        assert (kind, location, wamid) == ("message", "entry[0].changes[0].value.messages[0]", bad["id"])
        assert "from: Field required" in reason
        shown = cli("show", item_id).stdout
        assert "reason: from: Field required" in shown
        assert "600 123 456" not in shown  # masked by default
        assert "3456" in shown
        assert "+34 600 123 456" in cli("show", item_id, "--unmasked").stdout
        assert "no rejected item" in cli("show", str(2**62), code=1).stderr
    finally:
        get_settings.cache_clear()
