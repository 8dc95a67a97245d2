"""On PostgreSQL a message and its job commit together (one transaction), or neither does."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text
from tools.fake_graph_api.server import RunningFake

from hotel_agent.channels.whatsapp.simulation import message_payload, signed_request, webhook
from tests.support.app import running_app
from tests.support.whatsapp import PHONE_NUMBER_ID, new_guest, post_webhook, wa_settings

LOCK = "whatsapp:{pnid}:{guest}"


@pytest.fixture
async def client(whatsapp_postgres_url: str, fake: RunningFake) -> AsyncIterator[httpx.AsyncClient]:
    """No queue worker, so the jobs the intake queued stay where a test can see them."""
    settings = wa_settings(whatsapp_postgres_url, fake.url, queue_in_process_worker=False)
    async with running_app(settings) as client:
        yield client


async def query(client: httpx.AsyncClient, sql: str, **params: str) -> list[tuple[object, ...]]:
    engine = client.app.state.components.resources.engine  # type: ignore[attr-defined]
    async with engine.begin() as connection:
        return [tuple(row) for row in (await connection.execute(text(sql), params)).all()]


async def execute(client: httpx.AsyncClient, sql: str) -> None:
    engine = client.app.state.components.resources.engine  # type: ignore[attr-defined]
    async with engine.begin() as connection:
        await connection.execute(text(sql))


async def todo_jobs(client: httpx.AsyncClient, guest: str) -> list[tuple[object, ...]]:
    return await query(
        client,
        "SELECT task_name, queueing_lock, args FROM procrastinate.procrastinate_jobs "
        "WHERE lock = :lock AND status = 'todo'",
        lock=LOCK.format(pnid=PHONE_NUMBER_ID, guest=guest),
    )


async def test_a_stored_message_has_its_guest_job_waiting(client: httpx.AsyncClient) -> None:
    guest = new_guest()
    response = await post_webhook(client, messages=[message_payload(wa_id=guest, text="hola")])
    assert response.json()["messages_stored"] == 1
    jobs = await todo_jobs(client, guest)
    assert jobs == [
        (
            "whatsapp.process_guest",
            LOCK.format(pnid=PHONE_NUMBER_ID, guest=guest),
            {"phone_number_id": PHONE_NUMBER_ID, "wa_id": guest},
        )
    ]
    # The insert trigger of procrastinate ran (it needs the queue schema on its search_path).
    events = await query(
        client,
        "SELECT e.type::text FROM procrastinate.procrastinate_events e "
        "JOIN procrastinate.procrastinate_jobs j ON j.id = e.job_id WHERE j.lock = :lock",
        lock=LOCK.format(pnid=PHONE_NUMBER_ID, guest=guest),
    )
    assert events == [("deferred",)]


async def test_a_second_message_joins_the_waiting_job_and_is_still_stored(client: httpx.AsyncClient) -> None:
    guest = new_guest()
    await post_webhook(client, messages=[message_payload(wa_id=guest, text="hola")])
    second = await post_webhook(client, messages=[message_payload(wa_id=guest, text="somos 2")])
    assert second.status_code == 200
    assert second.json()["messages_stored"] == 1
    assert len(await todo_jobs(client, guest)) == 1  # the waiting job will read both messages


async def test_when_the_job_cannot_be_queued_the_message_is_not_stored_and_meta_retries(
    client: httpx.AsyncClient,
) -> None:
    guest = new_guest()
    await execute(
        client,
        "ALTER FUNCTION procrastinate.hotel_agent_defer_jobs("
        "character varying, character varying[], character varying[], jsonb[], character varying) "
        "RENAME TO hotel_agent_defer_jobs_gone",
    )
    try:
        failed = await post_webhook(client, messages=[message_payload(wa_id=guest, text="hola")])
    finally:
        await execute(
            client,
            "ALTER FUNCTION procrastinate.hotel_agent_defer_jobs_gone("
            "character varying, character varying[], character varying[], jsonb[], character varying) "
            "RENAME TO hotel_agent_defer_jobs",
        )
    assert failed.status_code == 500  # not acknowledged: Meta delivers it again
    stored = await query(client, "SELECT count(*) FROM whatsapp_inbound_messages WHERE wa_id = :g", g=guest)
    assert stored == [(0,)]
    assert await todo_jobs(client, guest) == []
    retried = await post_webhook(client, messages=[message_payload(wa_id=guest, text="hola")])
    assert retried.json()["messages_stored"] == 1
    assert len(await todo_jobs(client, guest)) == 1


async def test_a_connection_postgresql_dropped_is_replaced_without_failing_the_delivery(
    client: httpx.AsyncClient,
) -> None:
    """The message path's pool has no pre-ping: a write on a dead connection is retried once."""
    guest = new_guest()
    await post_webhook(client, messages=[message_payload(wa_id=guest, text="hola")])  # pool warm
    await execute(
        client,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    response = await post_webhook(client, messages=[message_payload(wa_id=guest, text="somos 2")])
    assert response.status_code == 200
    assert response.json()["messages_stored"] == 1
    stored = await query(client, "SELECT count(*) FROM whatsapp_inbound_messages WHERE wa_id = :g", g=guest)
    assert stored == [(2,)]


async def test_a_delivery_the_database_refuses_fails_alone_not_its_whole_batch(
    client: httpx.AsyncClient,
) -> None:
    """Concurrent deliveries share one write; when it fails, each is written again on its own."""
    await execute(
        client,
        "CREATE FUNCTION test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.text = 'poison' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$",
    )
    await execute(
        client,
        "CREATE TRIGGER test_refuse_poison BEFORE INSERT ON whatsapp_inbound_messages "
        "FOR EACH ROW EXECUTE FUNCTION test_refuse_poison()",
    )
    intake = client.app.state.components.whatsapp.intake  # type: ignore[attr-defined]
    guests = [new_guest() for _ in range(3)]
    bodies = [
        signed_request(webhook(PHONE_NUMBER_ID, messages=[message_payload(wa_id=guest, text=text)]), "x")[0]
        for guest, text in zip(guests, ["hola", "poison", "olá"], strict=True)
    ]
    try:
        # Gathered, the three join the writer's queue before it runs: one batch, deterministically.
        results = await asyncio.gather(
            *(intake.receive(body, datetime.now(UTC)) for body in bodies), return_exceptions=True
        )
    finally:
        await execute(client, "DROP TRIGGER test_refuse_poison ON whatsapp_inbound_messages")
        await execute(client, "DROP FUNCTION test_refuse_poison()")
    assert isinstance(results[1], Exception)
    assert [result.messages_stored for result in (results[0], results[2])] == [1, 1]  # type: ignore[union-attr]
    for guest, expected in zip(guests, [1, 0, 1], strict=True):
        stored = await query(
            client, "SELECT count(*) FROM whatsapp_inbound_messages WHERE wa_id = :g", g=guest
        )
        assert stored == [(expected,)]
        assert len(await todo_jobs(client, guest)) == expected
