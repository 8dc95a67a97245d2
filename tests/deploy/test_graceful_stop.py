"""SIGTERM during load: a web process drains (readiness 503 at once, requests still served), then stops
with its in-flight requests answered; a worker finishes its running jobs. No request fails, no message
is lost or answered twice.

The balancer in front is a stand-in that does what Kubernetes does with a readiness probe: it polls
/health/ready every 50 ms and sends only to instances that answered 200.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tools.fake_graph_api.server import RunningFake, running_fake

from hotel_agent.channels.whatsapp.simulation import message_payload, signed_request, webhook
from tests.support.cluster import cluster_env, fresh_database
from tests.support.load import WebhookLoad, replies_per_guest, summary, wait_answered
from tests.support.processes import start_web, start_worker, stop_all
from tests.support.services import require_postgres, require_redis
from tests.support.whatsapp import APP_SECRET, PHONE_NUMBER_ID, new_guest

pytestmark = pytest.mark.slow

DRAIN_SECONDS = 1.5


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[tuple[str, RunningFake]]:
    require_postgres()
    require_redis()
    with fresh_database() as database_url, running_fake() as fake:
        yield database_url, fake


async def test_sigterm_to_a_web_process_and_a_worker_during_load_fails_nothing(
    tmp_path: Path, deployment: tuple[str, RunningFake]
) -> None:
    database_url, fake = deployment
    env = cluster_env(database_url, fake.url, tmp_path, shutdown_drain_seconds=str(DRAIN_SECONDS))
    web_a, url_a = start_web(env, tmp_path, "web-a")
    web_b, url_b = start_web(env, tmp_path, "web-b")
    workers = [start_worker(env, tmp_path, "worker-1"), start_worker(env, tmp_path, "worker-2")]
    processes = [web_a, web_b, *workers]
    try:
        ready = {url_a: True, url_b: True}
        turn = itertools.count()
        load = WebhookLoad(total=300, concurrency=4, pace_seconds=0.03)
        finished = asyncio.Event()
        observed: dict[str, float] = {}
        drain_guest = new_guest()

        def pick() -> str:
            candidates = [url for url, ok in ready.items() if ok]
            return candidates[next(turn) % len(candidates)]

        async def balancer() -> None:
            async with httpx.AsyncClient(timeout=2) as client:
                while not finished.is_set():
                    for url in ready:
                        try:
                            ready[url] = (await client.get(f"{url}/health/ready")).status_code == 200
                        except httpx.TransportError:
                            ready[url] = False
                    await asyncio.sleep(0.05)

        async def chaos() -> None:
            await asyncio.sleep(0.8)
            web_a.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            async with httpx.AsyncClient(timeout=5) as client:
                # At once: readiness says 503 while the process still answers.
                while (await client.get(f"{url_a}/health/ready")).status_code != 503:
                    assert time.monotonic() - signalled < 2, "readiness did not turn 503 within 2 s"
                observed["ready_503_after"] = time.monotonic() - signalled
                # Still served during the drain: a guest's message sent straight to the draining one.
                message = message_payload(wa_id=drain_guest, text="hello, what time is check-in?")
                body, headers = signed_request(webhook(PHONE_NUMBER_ID, messages=[message]), APP_SECRET)
                response = await client.post(f"{url_a}/webhooks/whatsapp", content=body, headers=headers)
                assert response.status_code == 200, response.text
                load.sent[message["id"]] = drain_guest
            await asyncio.sleep(0.4)
            workers[0].send_signal(signal.SIGTERM)
            workers.append(await asyncio.to_thread(start_worker, env, tmp_path, "worker-3"))
            processes.append(workers[-1])

        async def drive() -> None:
            await load.run(pick)
            finished.set()

        await asyncio.gather(drive(), chaos(), balancer())

        assert await asyncio.to_thread(web_a.wait, 30) is not None
        assert await asyncio.to_thread(workers[0].wait, 30) == 0
        web_log = (tmp_path / "web-a.log").read_text()
        assert "app.draining" in web_log
        assert "app.stopped" in web_log
        assert "worker.stopped" in (tmp_path / "worker-1.log").read_text()

        statuses = await wait_answered(database_url, list(load.sent))
        await asyncio.sleep(1.0)  # room for a second (wrong) reply to show up
        replies = replies_per_guest(fake, list(load.sent.values()))
        result = summary(load, replies)
        print("graceful stop under load:", result, observed)
        assert load.failed == 0, load.failures[:5]
        assert result["requests"] == 300
        assert [wamid for wamid, status in statuses.items() if status != "done"] == []
        assert len(statuses) == len(load.sent)
        assert result["answered_once"] == len(load.sent), result
    finally:
        stop_all(processes)
