"""A whole guest conversation through the signed WhatsApp webhook (fake Graph API on loopback), in each
of en/es/pt, while an experiment on the greeting runs: the guest reads their variant's wording, and the
booking at the end counts once as that variant's conversion, also when the job that made it is retried."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tools.fake_graph_api.server import RunningFake

from hotel_agent.channels.whatsapp.service.processing import MessageProcessor
from hotel_agent.channels.whatsapp.simulation import message_payload
from hotel_agent.experiments.hashing import assign
from hotel_agent.models import AbTestOutcome, Booking, ExperimentExposure, WhatsAppInboundMessage
from tests.support.app import running_app
from tests.support.experiments import headers
from tests.support.whatsapp import PHONE_NUMBER_ID, new_guest, post_webhook, sent_to, wa_settings, wait_until
from tests.support.whatsapp_fixtures import (  # noqa: F401 - fixtures: this module's own databases
    database_url,
    fake,
    fake_server,
    whatsapp_postgres_url,
    whatsapp_sqlite_url,
)

VARIANT_TEXTS = {
    "en": "Hi there, lovely to hear from you! {{ hotel_name }} here. When would you like to stay?",
    "es": "¡Hola, qué alegría saber de usted! Le escribe {{ hotel_name }}. ¿Cuándo quiere alojarse?",
    "pt": "Olá, que bom ter notícias suas! Aqui é o {{ hotel_name }}. Quando gostaria de ficar?",
}
MARKER = {
    "en": "lovely to hear from you",
    "es": "qué alegría saber de usted",
    "pt": "que bom ter notícias suas",
}
SCRIPT = {
    "en": (
        "Hello",
        "I'd like to book a double room from {a} to {b} March for 2 adults",
        "John Smith, {email}",
    ),
    "es": (
        "Hola",
        "Quiero reservar una habitación doble del {a} al {b} de marzo para 2 adultos",
        "Juan Pérez, {email}",
    ),
    "pt": (
        "Olá",
        "Quero reservar um quarto duplo de {a} a {b} de março para 2 adultos",
        "João Silva, {email}",
    ),
}


@pytest.fixture
async def client(database_url: str, fake: RunningFake) -> AsyncIterator[httpx.AsyncClient]:  # noqa: F811
    async with running_app(wa_settings(database_url, fake.url)) as client:
        yield client


async def query(client: httpx.AsyncClient, statement: Any) -> list[Any]:
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        return list((await session.execute(statement)).scalars())


async def send(client: httpx.AsyncClient, message: dict[str, Any]) -> None:
    response = await post_webhook(client, messages=[message])
    assert response.status_code == 200, response.text

    async def done() -> bool:
        rows = await query(
            client, select(WhatsAppInboundMessage.status).where(WhatsAppInboundMessage.wamid == message["id"])
        )
        return rows == ["done"]

    await wait_until(done, within=60)


@pytest.mark.parametrize("language", ["en", "es", "pt"])
async def test_the_guest_reads_their_variant_and_the_booking_counts_once(
    client: httpx.AsyncClient,
    fake: RunningFake,  # noqa: F811 - the fixture imported above
    language: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    editor = await headers(client)
    key = f"wa-greeting-{uuid.uuid4().hex[:8]}"
    body = {
        "key": key,
        "name": "Warmer greeting",
        "template_key": "greeting.welcome",
        "variants": [
            {"name": "control", "weight": 0.5},
            {"name": "variant_a", "weight": 0.5, "texts": VARIANT_TEXTS},
        ],
    }
    assert (await client.post("/admin/experiments", json=body, headers=editor)).status_code == 201
    assert (await client.post(f"/admin/experiments/{key}/start", headers=editor)).status_code == 200
    try:
        # A guest the hash puts in variant_a (the test then shows the variant's wording, not the default).
        guest = next(
            g
            for g in (new_guest() for _ in range(200))
            if assign(key, f"wa:{PHONE_NUMBER_ID}:{g}", [0.5, 0.5]) == 1
        )
        hello, request, details = SCRIPT[language]
        day = 3 + int(uuid.uuid4().int % 20)
        now = int(time.time())
        await send(client, message_payload(wa_id=guest, text=hello, timestamp=now))
        greeting = json.dumps(sent_to(fake, guest)[-1], ensure_ascii=False)
        assert MARKER[language] in greeting, greeting

        await send(
            client, message_payload(wa_id=guest, text=request.format(a=day, b=day + 2), timestamp=now + 1)
        )
        await send(
            client,
            message_payload(
                wa_id=guest, kind="list_reply", text="Double", choice_id="room:double", timestamp=now + 2
            ),
        )
        await send(
            client,
            message_payload(
                wa_id=guest, text=details.format(email=f"g{guest}@example.com"), timestamp=now + 3
            ),
        )

        # The confirmation's job fails once after the engine booked (as a crash before the outbox would):
        # the retry runs the turn again from the snapshot; the booking and its conversion count once.
        confirm = message_payload(
            wa_id=guest, kind="button_reply", text="Yes", choice_id="yes", timestamp=now + 4
        )
        original = MessageProcessor._store_replies
        failed: list[str] = []

        async def failing_once(self: MessageProcessor, view: Any, replies: Any, fence: Any) -> None:
            if view.wamid == confirm["id"] and not failed:
                failed.append(view.wamid)
                raise RuntimeError("injected: the worker died before storing the replies")
            await original(self, view, replies, fence)

        monkeypatch.setattr(MessageProcessor, "_store_replies", failing_once)
        await send(client, confirm)
        assert failed == [confirm["id"]]
        confirmed = json.dumps(sent_to(fake, guest)[-1], ensure_ascii=False)
        assert "HA-" in confirmed, confirmed

        bookings = await query(client, select(Booking).where(Booking.idempotency_key.contains(confirm["id"])))
        assert len(bookings) == 1
        experiment_id = (await client.get(f"/admin/experiments/{key}", headers=editor)).json()
        exposures = await query(
            client, select(ExperimentExposure).where(ExperimentExposure.guest_id.contains(guest))
        )
        assert [(e.variant, e.language, e.fell_back) for e in exposures] == [("variant_a", language, False)]
        outcomes = await query(client, select(AbTestOutcome).where(AbTestOutcome.guest_id.contains(guest)))
        assert [(o.variant, o.outcome) for o in outcomes] == [("variant_a", "conversion")]
        assert outcomes[0].details["reference"] == bookings[0].reference
        results = (await client.get(f"/admin/experiments/{key}/results", headers=editor)).json()
        arms = {arm["variant"]: arm for arm in results["arms"]}
        assert (arms["variant_a"]["exposures"], arms["variant_a"]["conversions"]) == (1, 1)
        assert experiment_id["status"] == "running"
    finally:
        await client.post(f"/admin/experiments/{key}/stop", headers=editor)
