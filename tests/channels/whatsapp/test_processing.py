"""Processing through the queue (in-process worker) against the fake Graph API, on SQLite and PostgreSQL:
replies per message type, interactive messages, the 24-hour window and 131047, retries, dead letters."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tools.fake_graph_api.server import RunningFake

from hotel_agent.channels.whatsapp.repository import WhatsAppRepository
from hotel_agent.channels.whatsapp.simulation import message_payload
from hotel_agent.config import WhatsAppTemplateRef
from hotel_agent.db import session_scope
from hotel_agent.models import WhatsAppInboundMessage, WhatsAppOutboundMessage
from tests.support.app import running_app
from tests.support.whatsapp import new_guest, post_webhook, sent_to, wa_settings, wait_until

TEMPLATES = {
    "*": WhatsAppTemplateRef(
        name="reply_followup", languages={"en": "en_US", "es": "es", "pt": "pt_BR"}, body_parameters=["text"]
    )
}


@pytest.fixture
async def client(database_url: str, fake: RunningFake) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(wa_settings(database_url, fake.url, whatsapp_max_attempts=3)) as client:
        yield client


async def inbound(client: httpx.AsyncClient, wamid: str) -> WhatsAppInboundMessage:
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        statement = select(WhatsAppInboundMessage).where(WhatsAppInboundMessage.wamid == wamid)
        return (await session.execute(statement)).scalar_one()


async def outbox(client: httpx.AsyncClient, wamid: str) -> list[WhatsAppOutboundMessage]:
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        return await WhatsAppRepository(session).outbox_for(wamid)


async def settled(
    client: httpx.AsyncClient, message: dict[str, Any], status: str = "done"
) -> WhatsAppInboundMessage:
    async def check() -> WhatsAppInboundMessage | None:
        row = await inbound(client, message["id"])
        return row if row.status == status else None

    result: WhatsAppInboundMessage = await wait_until(check)
    return result


async def test_a_text_message_is_answered_with_an_interactive_list(
    client: httpx.AsyncClient, fake: RunningFake
) -> None:
    guest = new_guest()
    message = message_payload(wa_id=guest, text="hi, do you have a room this weekend for 2 adults?")
    await post_webhook(client, messages=[message])
    row = await settled(client, message)
    assert row.attempts == 1
    replies = await outbox(client, message["id"])
    assert [(reply.position, reply.send_state, reply.kind) for reply in replies] == [
        (0, "accepted", "interactive")
    ]
    [sent] = sent_to(fake, guest)
    body = sent["body"]
    assert body["type"] == "interactive"
    assert body["interactive"]["type"] == "list"
    assert len(body["interactive"]["action"]["sections"][0]["rows"]) <= 10
    assert body["biz_opaque_callback_data"] == f"ha-outbox:{replies[0].id}"
    assert replies[0].wamid == sent["wamid"]
    reads = [
        r
        for r in fake.fake.requests
        if r.get("outcome") == "read" and r["body"]["message_id"] == message["id"]
    ]
    assert len(reads) == 1
    metrics = (await client.get("/metrics")).text
    assert "hotel_agent_whatsapp_processing_seconds_count" in metrics
    assert 'hotel_agent_whatsapp_outbound_total{error_code="",result="accepted"}' in metrics


async def test_a_tapped_button_drives_the_conversation(client: httpx.AsyncClient, fake: RunningFake) -> None:
    guest = new_guest()
    first = message_payload(wa_id=guest, text="quero um quarto duplo de 3 a 5 de março para 2 adultos")
    await post_webhook(client, messages=[first])
    await settled(client, first)
    tap = message_payload(wa_id=guest, kind="list_reply", text="Quarto Duplo", choice_id="room:double")
    await post_webhook(client, messages=[tap])
    await settled(client, tap)
    [reply] = await outbox(client, tap["id"])
    assert reply.reply_key == "booking.ask_guest_details"
    assert reply.language == "pt"


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("audio", "whatsapp.voice_note"),
        ("image", "whatsapp.media_unsupported"),
        ("sticker", "whatsapp.media_unsupported"),
        ("location", "whatsapp.location_received"),
        ("unsupported", "whatsapp.unsupported"),
    ],
)
async def test_media_gets_a_polite_reply_in_the_guests_language(
    client: httpx.AsyncClient, fake: RunningFake, kind: str, key: str
) -> None:
    guest = new_guest()
    hello = message_payload(wa_id=guest, text="hola, ¿tienen aparcamiento?", timestamp=int(time.time()) - 5)
    media = message_payload(wa_id=guest, kind=kind)
    await post_webhook(client, messages=[hello, media])
    await settled(client, media)
    [reply] = await outbox(client, media["id"])
    assert (reply.reply_key, reply.language, reply.send_state) == (key, "es", "accepted")


async def test_media_while_staff_handle_the_conversation_is_noted_not_answered(
    client: httpx.AsyncClient, fake: RunningFake
) -> None:
    guest = new_guest()
    ask = message_payload(wa_id=guest, text="quiero hablar con una persona", timestamp=int(time.time()) - 5)
    photo = message_payload(wa_id=guest, kind="image")
    await post_webhook(client, messages=[ask, photo])
    await settled(client, photo)
    assert [row.reply_key for row in await outbox(client, ask["id"])] == ["handoff.started"]
    assert await outbox(client, photo["id"]) == []
    handoffs = client.app.state.components.conversation.handoffs  # type: ignore[attr-defined]
    [handoff] = [item for item in await handoffs.list_open() if item.conversation_id.endswith(guest)]
    assert handoff.last_message == "<image>"


async def test_a_reaction_is_stored_and_not_answered(client: httpx.AsyncClient, fake: RunningFake) -> None:
    guest = new_guest()
    reaction = message_payload(wa_id=guest, kind="reaction", text="❤️")
    await post_webhook(client, messages=[reaction])
    assert (await inbound(client, reaction["id"])).status == "ignored"
    assert await outbox(client, reaction["id"]) == []
    assert sent_to(fake, guest) == []


async def test_outside_the_window_without_a_template_nothing_is_sent(
    client: httpx.AsyncClient, fake: RunningFake
) -> None:
    guest = new_guest()
    old = message_payload(wa_id=guest, text="hello", timestamp=int(time.time()) - 25 * 3600)
    await post_webhook(client, messages=[old])
    await settled(client, old)
    [reply] = await outbox(client, old["id"])
    assert (reply.send_state, reply.error_title) == ("skipped", "outside_window")
    assert sent_to(fake, guest) == []


async def test_outside_the_window_the_configured_template_is_sent(
    database_url: str, fake: RunningFake
) -> None:
    settings = wa_settings(database_url, fake.url, whatsapp_templates=TEMPLATES)
    async with running_app(settings) as client:
        guest = new_guest()
        old = message_payload(wa_id=guest, text="hello there", timestamp=int(time.time()) - 25 * 3600)
        await post_webhook(client, messages=[old])
        await settled(client, old)
        [sent] = sent_to(fake, guest)
        template = sent["body"]["template"]
        assert sent["body"]["type"] == "template"
        assert (template["name"], template["language"]["code"]) == ("reply_followup", "en_US")
        parameter = template["components"][0]["parameters"][0]["text"]
        assert parameter
        assert "\n" not in parameter


async def test_a_synchronous_131047_is_retried_as_the_template(database_url: str, fake: RunningFake) -> None:
    settings = wa_settings(database_url, fake.url, whatsapp_templates=TEMPLATES)
    guest = new_guest()
    fake.fake.config.closed_windows = {guest}
    fake.fake.config.reengagement = "sync"
    async with running_app(settings) as client:
        message = message_payload(wa_id=guest, text="hello")
        await post_webhook(client, messages=[message])
        await settled(client, message)
        [reply] = await outbox(client, message["id"])
        assert (reply.send_state, reply.kind) == ("accepted", "template")
        outcomes = [
            r.get("code") or r.get("outcome")
            for r in fake.fake.requests
            if r.get("body", {}).get("to") == guest
        ]
        assert outcomes == [131047, "accepted"]


async def test_a_synchronous_131047_without_a_template_is_recorded(
    client: httpx.AsyncClient, fake: RunningFake
) -> None:
    guest = new_guest()
    fake.fake.config.closed_windows = {guest}
    fake.fake.config.reengagement = "sync"
    message = message_payload(wa_id=guest, text="hello")
    await post_webhook(client, messages=[message])
    await settled(client, message)
    [reply] = await outbox(client, message["id"])
    assert (reply.send_state, reply.error_code) == ("skipped", 131047)


async def test_429_130429_and_5xx_are_retried_with_backoff(
    client: httpx.AsyncClient, fake: RunningFake
) -> None:
    fake.fake.faults.extend(
        [
            {"status": 429, "code": 130429, "message": "Rate limit hit", "retry_after": 0.1},
            {"status": 503, "code": 131016, "message": "Service unavailable"},
            {"status": 500, "code": 1, "message": "API Unknown"},
        ]
    )
    guest = new_guest()
    message = message_payload(wa_id=guest, text="hello")
    await post_webhook(client, messages=[message])
    await settled(client, message)
    [reply] = await outbox(client, message["id"])
    assert reply.send_state == "accepted"
    assert len(sent_to(fake, guest)) == 1
    metrics = (await client.get("/metrics")).text
    assert 'hotel_agent_whatsapp_outbound_total{error_code="130429",result="retried"}' in metrics or (
        reply.send_attempts >= 1
    )


async def test_a_permanent_error_is_recorded_and_the_message_finishes(
    client: httpx.AsyncClient, fake: RunningFake
) -> None:
    fake.fake.faults.append({"status": 400, "code": 131026, "message": "Message undeliverable"})
    guest = new_guest()
    message = message_payload(wa_id=guest, text="hello")
    await post_webhook(client, messages=[message])
    await settled(client, message)
    [reply] = await outbox(client, message["id"])
    assert (reply.send_state, reply.error_code) == ("failed", 131026)
    assert 'error_code="131026",result="failed"' in (await client.get("/metrics")).text


async def test_repeated_failures_dead_letter_the_message_and_replay_sends_once(
    database_url: str, fake: RunningFake
) -> None:
    settings = wa_settings(database_url, fake.url, whatsapp_max_attempts=3, whatsapp_send_retries=0)
    async with running_app(settings) as client:
        await _dead_letter_and_replay(client, fake)


async def _dead_letter_and_replay(client: httpx.AsyncClient, fake: RunningFake) -> None:
    # Three attempts, each answered 500: the message is dead after its third attempt.
    fake.fake.faults.extend([{"status": 500, "code": 131000}] * 3)
    guest = new_guest()
    message = message_payload(wa_id=guest, text="hello")
    later = message_payload(wa_id=guest, text="thanks", timestamp=int(time.time()) + 1)
    await post_webhook(client, messages=[message, later])
    dead = await settled(client, message, status="dead")
    assert dead.attempts == 3
    assert "131000" in (dead.last_error or "")
    await settled(client, later)  # the guest's next message is not blocked behind a dead one
    assert fake.fake.faults == []

    channel = client.app.state.components.whatsapp  # type: ignore[attr-defined]
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with session_scope(sessionmaker) as session:
        guests = await WhatsAppRepository(session).revive_dead([dead.id])
    await channel.jobs.enqueue_guests(guests)
    await settled(client, message)
    [reply] = await outbox(client, message["id"])
    assert reply.send_state == "accepted"
    assert (
        len(
            [
                m
                for m in sent_to(fake, guest)
                if m["body"].get("biz_opaque_callback_data") == f"ha-outbox:{reply.id}"
            ]
        )
        == 1
    )
