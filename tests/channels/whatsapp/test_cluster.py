"""The channel as deployed: web server with 2 processes, 2 queue workers, PostgreSQL, Redis, fake Graph API.

Concurrent duplicate deliveries, per-guest order across workers, kill -9 at every step of a booking
confirmation (exactly-once replies, one booking), the asynchronous 131047, and dead letters via the CLI.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from tools.fake_graph_api.server import RunningFake, running_fake

from hotel_agent.channels.whatsapp.security import sign
from hotel_agent.channels.whatsapp.simulation import message_payload, new_wamid, signed_request, webhook
from hotel_agent.models import Booking, WhatsAppInboundMessage, WhatsAppOutboundMessage
from tests.support.cluster import ROOT, Cluster, cluster_env, fresh_database
from tests.support.services import require_postgres, require_redis
from tests.support.whatsapp import APP_SECRET, PHONE_NUMBER_ID, new_guest

pytestmark = pytest.mark.slow

# The confirmation ("yes") of five guests' bookings, each killing its worker at a different step.
KILL_POINTS = ["after_claim", "after_engine", "after_outbox", "before_send", "after_send"]
KILLED = {point: new_wamid() for point in KILL_POINTS}
TEMPLATES = {"*": {"name": "reply_followup", "languages": {"en": "en_US", "es": "es", "pt": "pt_BR"}}}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    require_postgres()
    require_redis()
    logs = tmp_path_factory.mktemp("cluster")
    with fresh_database() as database_url, running_fake() as fake:
        failpoints = [f"whatsapp.{point}@{wamid}" for point, wamid in KILLED.items()]
        env = cluster_env(database_url, fake.url, logs, failpoints=failpoints, whatsapp_templates=TEMPLATES)
        cluster = Cluster(database_url=database_url, fake=fake, env=env, logs=logs)
        try:
            cluster.start_web()
            fake.fake.config.webhook_url = f"{cluster.base_url}/webhooks/whatsapp"
            fake.fake.config.app_secret = APP_SECRET
            cluster.start_worker()
            cluster.start_worker()
            cluster.keep_workers(2)
            yield cluster
        finally:
            cluster.stop()


async def post(cluster: Cluster, *messages: dict[str, Any]) -> httpx.Response:
    body, headers = signed_request(webhook(PHONE_NUMBER_ID, messages=list(messages)), APP_SECRET)
    async with httpx.AsyncClient(base_url=cluster.base_url, timeout=10) as client:
        response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def query(cluster: Cluster, statement: Any) -> list[Any]:
    engine = create_async_engine(cluster.database_url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(statement)).all())
    finally:
        await engine.dispose()


async def wait_done(cluster: Cluster, wamids: list[str], within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while True:
        rows = await query(
            cluster,
            select(WhatsAppInboundMessage.wamid, WhatsAppInboundMessage.status).where(
                WhatsAppInboundMessage.wamid.in_(wamids)
            ),
        )
        statuses = dict(rows)
        if len(statuses) == len(wamids) and all(status == "done" for status in statuses.values()):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not done in {within}s: {statuses}")
        await asyncio.sleep(0.1)


async def replies_of(cluster: Cluster, wamid: str) -> list[Any]:
    return await query(
        cluster,
        select(
            WhatsAppOutboundMessage.id,
            WhatsAppOutboundMessage.reply_key,
            WhatsAppOutboundMessage.send_state,
            WhatsAppOutboundMessage.kind,
        )
        .where(WhatsAppOutboundMessage.inbound_wamid == wamid)
        .order_by(WhatsAppOutboundMessage.position),
    )


def sends_for(fake: RunningFake, outbound_id: int) -> list[dict[str, Any]]:
    return [m for m in list(fake.fake.messages) if m["callback_data"] == f"ha-outbox:{outbound_id}"]


async def test_the_same_webhook_delivered_five_times_concurrently_is_stored_and_answered_once(
    cluster: Cluster,
) -> None:
    guest = new_guest()
    message = message_payload(wa_id=guest, text="hello, what time is check-in?")
    body, headers = signed_request(webhook(PHONE_NUMBER_ID, messages=[message]), APP_SECRET)
    assert headers["X-Hub-Signature-256"] == sign(body, APP_SECRET)

    async def deliver() -> httpx.Response:
        # One connection each: the kernel spreads them over both web processes.
        async with httpx.AsyncClient(base_url=cluster.base_url, timeout=10) as client:
            return await client.post("/webhooks/whatsapp", content=body, headers=headers)

    responses = await asyncio.gather(*(deliver() for _ in range(5)))
    assert [response.status_code for response in responses] == [200] * 5
    assert sum(response.json()["messages_stored"] for response in responses) == 1
    assert sum(response.json()["duplicates"] for response in responses) == 4
    await wait_done(cluster, [message["id"]])
    await asyncio.sleep(1.0)  # room for a second (wrong) reply to show up
    [count] = await query(
        cluster,
        select(func.count()).select_from(WhatsAppInboundMessage).where(WhatsAppInboundMessage.wa_id == guest),
    )
    assert count[0] == 1
    replies = await replies_of(cluster, message["id"])
    assert len(replies) == 1
    assert len([m for m in cluster.fake.fake.messages if m["to"] == guest]) == 1


async def test_one_guests_messages_go_one_at_a_time_and_in_order_across_two_workers(cluster: Cluster) -> None:
    guests = [new_guest() for _ in range(6)]
    start = int(time.time())
    sent: dict[str, list[str]] = {guest: [] for guest in guests}
    texts = ["hello", "what time is check-in?", "do you have parking?", "is breakfast included?", "thanks"]
    for step, text in enumerate(texts):
        batch = []
        for guest in guests:
            message = message_payload(wa_id=guest, text=text, timestamp=start + step)
            sent[guest].append(message["id"])
            batch.append(post(cluster, message))
        await asyncio.gather(*batch)
    await wait_done(cluster, [wamid for wamids in sent.values() for wamid in wamids])

    outbound_to_inbound = {
        row[0]: row[1]
        for row in await query(
            cluster, select(WhatsAppOutboundMessage.id, WhatsAppOutboundMessage.inbound_wamid)
        )
    }
    for guest, wamids in sent.items():
        accepted = [m for m in list(cluster.fake.fake.messages) if m["to"] == guest]
        answered = [outbound_to_inbound[int(m["callback_data"].split(":")[1])] for m in accepted]
        order = [wamids.index(wamid) for wamid in answered]
        assert order == sorted(order), f"replies out of order for {guest}: {order}"
        assert set(answered) == set(wamids)
    # Both workers took part (the jobs are spread, the order still holds).
    assert sum("whatsapp.message.done" in log for log in cluster.worker_logs()) >= 2


async def booking_flow_until_summary(cluster: Cluster, guest: str, day: int) -> None:
    steps = [
        message_payload(
            wa_id=guest, text=f"I'd like to book a double room from {day} to {day + 2} March for 2 adults"
        ),
        message_payload(wa_id=guest, kind="list_reply", text="Double Room", choice_id="room:double"),
        message_payload(wa_id=guest, text=f"John Smith, john.{guest}@example.com"),
    ]
    for offset, message in enumerate(steps):
        message["timestamp"] = str(int(time.time()) + offset)
        await post(cluster, message)
        await wait_done(cluster, [message["id"]])


async def test_a_worker_killed_at_any_step_answers_once_and_books_once(cluster: Cluster) -> None:
    guests = {point: new_guest() for point in KILL_POINTS}
    await asyncio.gather(
        *(booking_flow_until_summary(cluster, guest, 3 + 3 * n) for n, guest in enumerate(guests.values()))
    )
    deaths_before = len(cluster.deaths)
    confirmations = [
        message_payload(
            wa_id=guests[point],
            kind="button_reply",
            text="Yes",
            choice_id="yes",
            wamid=KILLED[point],
            timestamp=int(time.time()) + 10,
        )
        for point in KILL_POINTS
    ]
    await asyncio.gather(*(post(cluster, message) for message in confirmations))
    await wait_done(cluster, list(KILLED.values()), within=90)

    # Two failpoints of jobs claimed by one worker can fire together and cost one death between them;
    # `attempts >= 2` below proves that every point killed its job's worker.
    assert 1 <= len(cluster.deaths) - deaths_before <= len(KILL_POINTS), cluster.deaths
    assert all(code == -9 for code in cluster.deaths[deaths_before:])
    for point, wamid in KILLED.items():
        replies = await replies_of(cluster, wamid)
        assert [key for _, key, _, _ in replies] == ["booking.confirmed"], (point, replies)
        for outbound_id, _, state, _ in replies:
            assert state == "accepted", point
            assert len(sends_for(cluster.fake, outbound_id)) == 1, f"{point}: sent more or less than once"
        [[bookings]] = await query(
            cluster,
            select(func.count()).select_from(Booking).where(Booking.idempotency_key.contains(wamid)),
        )
        assert bookings == 1, point
        [[attempts]] = await query(
            cluster, select(WhatsAppInboundMessage.attempts).where(WhatsAppInboundMessage.wamid == wamid)
        )
        assert attempts >= 2, point  # the kill cost an attempt (others died with other workers)


async def test_a_worker_killed_while_the_graph_api_holds_its_send_does_not_send_twice(
    cluster: Cluster,
) -> None:
    guest = new_guest()
    message = message_payload(wa_id=guest, text="what time is check-out?")
    cluster.fake.fake.config.hang_seconds = 5.0
    try:
        await post(cluster, message)
        deadline = time.monotonic() + 30
        while not [m for m in list(cluster.fake.fake.messages) if m["to"] == guest]:
            assert time.monotonic() < deadline, "the send never reached the fake"
            await asyncio.sleep(0.02)
        deaths_before = len(cluster.deaths)
        cluster.kill_workers()  # kill -9 while the request is in flight: the worker never sees the wamid
    finally:
        cluster.fake.fake.config.hang_seconds = 0.0
    await wait_done(cluster, [message["id"]], within=60)
    assert len(cluster.deaths) > deaths_before
    [(outbound_id, _, state, _)] = await replies_of(cluster, message["id"])
    assert state == "accepted"
    assert len(sends_for(cluster.fake, outbound_id)) == 1


async def test_a_late_131047_status_sends_the_reply_again_as_a_template(cluster: Cluster) -> None:
    guest = new_guest()
    cluster.fake.fake.config.closed_windows = {guest}
    cluster.fake.fake.config.reengagement = "async"
    message = message_payload(wa_id=guest, text="what time is check-in?")
    await post(cluster, message)
    await wait_done(cluster, [message["id"]])
    deadline = time.monotonic() + 90
    while True:
        [(_, _, state, kind)] = await replies_of(cluster, message["id"])
        if kind == "template" and state == "accepted":
            break
        assert time.monotonic() < deadline, (state, kind)
        await asyncio.sleep(0.1)
    kinds = [m["type"] for m in list(cluster.fake.fake.messages) if m["to"] == guest]
    assert kinds == ["text", "template"]


def cli(cluster: Cluster, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "hotel_agent", "whatsapp", *args],
        env=cluster.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


async def test_dead_letters_are_listed_and_replayed_from_the_command_line(cluster: Cluster) -> None:
    cluster.fake.fake.faults.extend([{"status": 500, "code": 131000}] * 10)
    guest = new_guest()
    message = message_payload(wa_id=guest, text="do you have a gym?")
    await post(cluster, message)
    deadline = time.monotonic() + 60
    while True:
        [[status]] = await query(
            cluster,
            select(WhatsAppInboundMessage.status).where(WhatsAppInboundMessage.wamid == message["id"]),
        )
        if status == "dead":
            break
        assert time.monotonic() < deadline, status
        await asyncio.sleep(0.1)
    listing = await asyncio.to_thread(cli, cluster, "dead-letters", "list")
    assert message["id"] in listing
    assert guest not in listing  # the guest's number is masked
    replayed = await asyncio.to_thread(cli, cluster, "dead-letters", "replay", "--all")
    assert "enqueued" in replayed
    await wait_done(cluster, [message["id"]])
    [(outbound_id, _, state, _)] = await replies_of(cluster, message["id"])
    assert state == "accepted"
    assert len(sends_for(cluster.fake, outbound_id)) == 1
    assert "no dead letters" in await asyncio.to_thread(cli, cluster, "dead-letters", "list")
