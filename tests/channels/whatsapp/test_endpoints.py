"""The webhook: handshake, signature, size, malformed bodies, batches, duplicates (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson
import pytest
from sqlalchemy import func, select
from tools.fake_graph_api.server import RunningFake

from hotel_agent.channels.whatsapp.security import sign
from hotel_agent.channels.whatsapp.simulation import message_payload, new_wamid, signed_request, webhook
from hotel_agent.models import WhatsAppInboundMessage
from tests.support.app import running_app
from tests.support.whatsapp import APP_SECRET, PHONE_NUMBER_ID, new_guest, post_webhook, wa_settings


@pytest.fixture
async def client(database_url: str, fake: RunningFake) -> AsyncIterator[httpx.AsyncClient]:
    """The app with no queue worker: these tests look at what the webhook stores, not at processing."""
    settings = wa_settings(database_url, fake.url, queue_in_process_worker=False)
    async with running_app(settings) as client:
        yield client


async def count_inbound(client: httpx.AsyncClient, **filters: str) -> int:
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        statement = select(func.count()).select_from(WhatsAppInboundMessage)
        for column, value in filters.items():
            statement = statement.where(getattr(WhatsAppInboundMessage, column) == value)
        return int((await session.execute(statement)).scalar_one())


async def inbound(client: httpx.AsyncClient, wamid: str) -> WhatsAppInboundMessage:
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        row = await session.execute(
            select(WhatsAppInboundMessage).where(WhatsAppInboundMessage.wamid == wamid)
        )
        return row.scalar_one()


async def test_handshake_echoes_the_challenge_only_for_the_right_token(client: httpx.AsyncClient) -> None:
    ok = await client.get(
        "/webhooks/whatsapp",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "dev-whatsapp-verify-token",
            "hub.challenge": "8871",
        },
    )
    assert ok.status_code == 200
    assert ok.text == "8871"
    assert ok.headers["content-type"].startswith("text/plain")
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "dev-whatsapp-verify-token", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
    ):
        assert (await client.get("/webhooks/whatsapp", params=params)).status_code == 403


async def test_a_missing_or_wrong_signature_is_401_and_stores_nothing(client: httpx.AsyncClient) -> None:
    guest = new_guest()
    payload = webhook(PHONE_NUMBER_ID, messages=[message_payload(wa_id=guest, text="hola")])
    body = orjson.dumps(payload)
    attempts = [
        {"Content-Type": "application/json"},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": sign(body, "another-secret")},
        {"X-Hub-Signature-256": sign(body, APP_SECRET).removeprefix("sha256=")},
        # Signed over a re-serialisation of the same JSON: not the raw bytes, so not valid.
        {"X-Hub-Signature-256": sign(orjson.dumps(payload, option=orjson.OPT_INDENT_2), APP_SECRET)},
    ]
    for headers in attempts:
        response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
        assert response.status_code == 401, headers
        assert response.json()["error"] == "Unauthorized"
    assert await count_inbound(client, wa_id=guest) == 0
    metrics = (await client.get("/metrics")).text
    assert 'hotel_agent_whatsapp_signature_failures_total{reason="missing"}' in metrics
    assert 'hotel_agent_whatsapp_signature_failures_total{reason="mismatch"}' in metrics


async def test_malformed_json_is_400_and_stores_nothing(client: httpx.AsyncClient) -> None:
    # Valid JSON of the wrong shape is acknowledged and kept as a rejected item (test_rejected_items.py).
    for body in (b'{"object": "whatsapp_business_account", "entry": [', b"\xff\xfe{}", b"[" * 5000):
        headers = {"X-Hub-Signature-256": sign(body, APP_SECRET), "Content-Type": "application/json"}
        response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
        assert response.status_code == 400
        assert response.json()["error"] == "BadRequest"


async def test_an_oversized_body_is_413_and_stores_nothing(database_url: str, fake: RunningFake) -> None:
    settings = wa_settings(
        database_url, fake.url, queue_in_process_worker=False, whatsapp_max_body_bytes=4096
    )
    async with running_app(settings) as client:
        guest = new_guest()
        message = message_payload(wa_id=guest, text="x" * 5000)
        body, headers = signed_request(webhook(PHONE_NUMBER_ID, messages=[message]), APP_SECRET)
        response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
        assert response.status_code == 413
        assert await count_inbound(client, wa_id=guest) == 0
        # The rest of the API keeps its own limit; the webhook's may be larger (Meta sends up to 3 MB).
        assert settings.whatsapp_max_body_bytes < settings.max_request_body_bytes


async def test_every_entry_change_and_message_of_a_batch_is_stored(client: httpx.AsyncClient) -> None:
    first, second = new_guest(), new_guest()
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            webhook(PHONE_NUMBER_ID, messages=[message_payload(wa_id=first, text="a")])["entry"][0],
            {
                "id": "other-waba",
                "changes": [
                    webhook(PHONE_NUMBER_ID, messages=[message_payload(wa_id=second, text="b")])["entry"][0][
                        "changes"
                    ][0],
                    webhook(
                        PHONE_NUMBER_ID,
                        messages=[
                            message_payload(wa_id=second, text="c"),
                            message_payload(wa_id=first, kind="audio"),
                        ],
                    )["entry"][0]["changes"][0],
                    {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}},
                ],
            },
        ],
    }
    body, headers = signed_request(payload, APP_SECRET)
    response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
    assert response.status_code == 200
    assert response.json() == {
        "messages_stored": 4,
        "duplicates": 0,
        "statuses_stored": 0,
        "ignored": 1,
        "rejected": 0,
    }
    assert await count_inbound(client, wa_id=first) == 2
    assert await count_inbound(client, wa_id=second) == 2


async def test_a_redelivered_message_is_acknowledged_and_ignored(client: httpx.AsyncClient) -> None:
    guest = new_guest()
    message = message_payload(wa_id=guest, text="hola")
    assert (await post_webhook(client, messages=[message])).json()["messages_stored"] == 1
    again = await post_webhook(client, messages=[message, message])
    assert again.status_code == 200
    assert again.json()["messages_stored"] == 0
    assert again.json()["duplicates"] == 2
    assert await count_inbound(client, wa_id=guest) == 1
    assert "hotel_agent_whatsapp_duplicates_total" in (await client.get("/metrics")).text


async def test_messages_for_a_number_we_do_not_serve_are_acknowledged_not_stored(
    client: httpx.AsyncClient,
) -> None:
    guest = new_guest()
    response = await post_webhook(
        client, messages=[message_payload(wa_id=guest, text="hi")], phone_number_id="999999999"
    )
    assert response.status_code == 200
    assert response.json()["ignored"] == 1
    assert await count_inbound(client, wa_id=guest) == 0


@pytest.mark.parametrize(
    ("kind", "text", "choice", "expected_type", "expected_text", "expected_choice", "status"),
    [
        ("text", "tienen hab?", None, "text", "tienen hab?", None, "pending"),
        ("button_reply", "Sí", "yes", "interactive", "Sí", "yes", "pending"),
        ("list_reply", "Suite Junior", "room:suite", "interactive", "Suite Junior", "room:suite", "pending"),
        ("location", "Rossio", None, "location", "Rossio", None, "pending"),
        ("image", "our car", None, "image", "our car", None, "pending"),
        ("audio", "", None, "audio", None, None, "pending"),
        ("sticker", "", None, "sticker", None, None, "pending"),
        ("unsupported", "", None, "unsupported", None, None, "pending"),
        ("reaction", "👍", None, "reaction", None, None, "ignored"),
    ],
)
async def test_inbound_types_are_normalised(
    client: httpx.AsyncClient,
    kind: str,
    text: str,
    choice: str | None,
    expected_type: str,
    expected_text: str | None,
    expected_choice: str | None,
    status: str,
) -> None:
    guest = new_guest()
    quoted = new_wamid()
    message = message_payload(wa_id=guest, kind=kind, text=text, choice_id=choice, context_wamid=quoted)
    assert (await post_webhook(client, messages=[message])).status_code == 200
    row = await inbound(client, message["id"])
    assert (row.message_type, row.text, row.choice_id, row.status) == (
        expected_type,
        expected_text,
        expected_choice,
        status,
    )
    assert row.conversation_id == f"wa:{PHONE_NUMBER_ID}:{guest}"
    if kind != "reaction":
        assert row.context_wamid == quoted
    assert row.payload["id"] == message["id"]


async def test_a_nul_character_is_dropped_not_a_reason_to_refuse_the_message(
    client: httpx.AsyncClient,
) -> None:
    """PostgreSQL text cannot hold NUL: stored without it, rather than failing (and Meta retrying) forever."""
    guest = new_guest()
    message = message_payload(wa_id=guest, text="hola\u0000 mundo")
    response = await post_webhook(client, messages=[message])
    assert response.status_code == 200
    assert response.json()["messages_stored"] == 1
    assert (await inbound(client, message["id"])).text == "hola mundo"
