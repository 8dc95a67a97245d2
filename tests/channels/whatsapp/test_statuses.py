"""Status webhooks: a monotonic status machine per outbound message, whatever the order of arrival."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from tools.fake_graph_api.server import RunningFake

from hotel_agent.channels.whatsapp.repository import WhatsAppRepository
from hotel_agent.channels.whatsapp.service.statuses import apply_known_events, callback_data
from hotel_agent.channels.whatsapp.simulation import message_payload, new_wamid, status_payload
from hotel_agent.db import session_scope
from hotel_agent.models import WhatsAppOutboundMessage
from tests.support.app import running_app
from tests.support.whatsapp import PHONE_NUMBER_ID, new_guest, post_webhook, wa_settings


@pytest.fixture
async def client(database_url: str, fake: RunningFake) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(wa_settings(database_url, fake.url, queue_in_process_worker=False)) as client:
        yield client


async def outbound_row(
    client: httpx.AsyncClient, *, wamid: str | None, state: str = "accepted"
) -> tuple[int, str]:
    """An inbound message and one reply to it, as processing would have left them."""
    guest = new_guest()
    message = message_payload(wa_id=guest, text="hola")
    await post_webhook(client, messages=[message])
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with session_scope(sessionmaker) as session:
        row = WhatsAppOutboundMessage(
            inbound_wamid=message["id"],
            position=0,
            phone_number_id=PHONE_NUMBER_ID,
            wa_id=guest,
            reply_key="greeting.welcome",
            language="es",
            reply={"key": "greeting.welcome", "language": "es", "text": "¡Hola!"},
            send_state=state,
            send_attempts=1,
            wamid=wamid,
            sending_since=datetime.now(UTC),
            delivery_rank=0,
        )
        session.add(row)
        await session.flush()
        return row.id, guest


async def reload(client: httpx.AsyncClient, outbound_id: int) -> WhatsAppOutboundMessage:
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        return (
            await session.execute(
                select(WhatsAppOutboundMessage).where(WhatsAppOutboundMessage.id == outbound_id)
            )
        ).scalar_one()


async def deliver(client: httpx.AsyncClient, *statuses: dict[str, Any]) -> httpx.Response:
    response = await post_webhook(client, statuses=list(statuses))
    assert response.status_code == 200
    return response


async def test_read_before_delivered_and_sent_ends_read(client: httpx.AsyncClient) -> None:
    wamid = new_wamid()
    outbound_id, guest = await outbound_row(client, wamid=wamid)
    await deliver(client, status_payload(wamid, "read", guest, timestamp=1_750_000_030))
    await deliver(client, status_payload(wamid, "delivered", guest, timestamp=1_750_000_020))
    await deliver(client, status_payload(wamid, "sent", guest, timestamp=1_750_000_010))
    row = await reload(client, outbound_id)
    assert row.delivery_status == "read"
    assert row.delivery_status_at == datetime.fromtimestamp(1_750_000_030, UTC)


async def test_delivered_after_failed_wins_and_failed_after_delivered_is_ignored(
    client: httpx.AsyncClient,
) -> None:
    first, second = new_wamid(), new_wamid()
    first_id, guest = await outbound_row(client, wamid=first)
    await deliver(
        client,
        status_payload(first, "sent", guest),
        status_payload(first, "failed", guest, error_code=131026),
    )
    row = await reload(client, first_id)
    assert (row.delivery_status, row.error_code) == ("failed", 131026)
    await deliver(client, status_payload(first, "delivered", guest))
    assert (await reload(client, first_id)).delivery_status == "delivered"

    second_id, guest = await outbound_row(client, wamid=second)
    await deliver(client, status_payload(second, "delivered", guest))
    await deliver(client, status_payload(second, "failed", guest, error_code=131026))
    row = await reload(client, second_id)
    assert (row.delivery_status, row.error_code) == ("delivered", None)


async def test_a_repeated_status_is_a_duplicate(client: httpx.AsyncClient) -> None:
    wamid = new_wamid()
    _, guest = await outbound_row(client, wamid=wamid)
    first = await deliver(client, status_payload(wamid, "delivered", guest))
    again = await deliver(
        client, status_payload(wamid, "delivered", guest), status_payload(wamid, "delivered", guest)
    )
    assert first.json()["statuses_stored"] == 1
    assert again.json() == {
        "messages_stored": 0,
        "duplicates": 2,
        "statuses_stored": 0,
        "ignored": 0,
        "rejected": 0,
    }


async def test_statuses_that_arrive_before_the_wamid_is_recorded_are_applied_later(
    client: httpx.AsyncClient,
) -> None:
    wamid = new_wamid()
    outbound_id, guest = await outbound_row(client, wamid=None, state="sending")
    await deliver(client, status_payload(wamid, "delivered", guest))
    assert (await reload(client, outbound_id)).delivery_status is None
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with session_scope(sessionmaker) as session:
        repo = WhatsAppRepository(session)
        await repo.update_outbound(outbound_id, send_state="accepted", wamid=wamid)
        await apply_known_events(repo, wamid)
    assert (await reload(client, outbound_id)).delivery_status == "delivered"


async def test_the_callback_data_identifies_a_send_whose_answer_was_lost(client: httpx.AsyncClient) -> None:
    """A worker died after Meta took the message: the `sent` status tells us its wamid."""
    wamid = new_wamid()
    outbound_id, guest = await outbound_row(client, wamid=None, state="sending")
    await deliver(client, status_payload(wamid, "sent", guest, callback_data=callback_data(outbound_id)))
    row = await reload(client, outbound_id)
    assert (row.send_state, row.wamid, row.delivery_status) == ("accepted", wamid, "sent")
