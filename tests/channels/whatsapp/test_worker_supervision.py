"""The queue worker is supervised: killed connections crash it, it comes back, readiness says so meanwhile."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from tools.fake_graph_api.server import RunningFake

from hotel_agent.channels.whatsapp.simulation import message_payload
from hotel_agent.queue_supervisor import Backlog, QueueUnhealthy, WorkerSupervisor
from tests.support.app import running_app
from tests.support.whatsapp import new_guest, post_webhook, sent_to, wa_settings, wait_until


def restarts(reason: str) -> float:
    return REGISTRY.get_sample_value("hotel_agent_queue_worker_restarts_total", {"reason": reason}) or 0.0


async def terminate_queue_connections(engine: Any) -> int:
    """pg_terminate_backend on every other connection to the test database (app, intake and queue)."""
    async with engine.connect() as connection:
        result = await connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'"
            )
        )
        await connection.commit()
        return int(result.scalar_one())


async def test_a_worker_crashed_by_terminated_connections_is_restarted_and_answers(
    whatsapp_postgres_url: str, fake: RunningFake
) -> None:
    settings = wa_settings(
        whatsapp_postgres_url,
        fake.url,
        queue_restart_backoff_seconds=1.5,
        queue_restart_backoff_max_seconds=3.0,
    )
    async with running_app(settings) as client:
        queue = client.app.state.components.whatsapp.queue  # type: ignore[attr-defined]
        supervisor = queue.supervisor
        assert supervisor is not None
        await wait_until(lambda: asyncio.sleep(0, supervisor.up))
        engine = client.app.state.components.resources.engine  # type: ignore[attr-defined]
        before = restarts("crashed") + restarts("stopped")
        # Terminate every connection, once every 0.2 s, until the worker has noticed and gone down.
        deadline = time.monotonic() + 20
        seen_down: dict[str, Any] | None = None
        while time.monotonic() < deadline and seen_down is None:
            await terminate_queue_connections(engine)
            await asyncio.sleep(0.2)
            if not supervisor.up:
                seen_down = (await client.get("/health/ready")).json()
        if seen_down is not None:
            # It went down (usually within a second): readiness named it, and it is restarted.
            assert "queue" in seen_down["failing"]
            assert "queue worker down" in seen_down["checks"]["queue"]["error"]
            await wait_until(lambda: asyncio.sleep(0, supervisor.up), within=20)
            assert restarts("crashed") + restarts("stopped") > before
        # Up without a restart of the process, and it answers a guest.
        guest = new_guest()
        response = await post_webhook(client, messages=[message_payload(wa_id=guest, text="hola")])
        assert response.status_code == 200
        await wait_until(lambda: asyncio.sleep(0, sent_to(fake, guest)), within=30)
        ready = await wait_until(
            lambda: _ready(client),
            within=20,
        )
        assert ready["checks"]["queue"]["ok"] is True


async def _ready(client: Any) -> dict[str, Any] | None:
    response = await client.get("/health/ready")
    return response.json() if response.status_code == 200 else None  # type: ignore[no-any-return]


async def test_a_wedged_worker_is_restarted() -> None:
    """A worker that runs but leaves a runnable job waiting past QUEUE_WEDGED_SECONDS is restarted."""
    started: list[float] = []

    async def hang() -> None:
        started.append(time.monotonic())
        await asyncio.Event().wait()

    async def backlog() -> Backlog:
        return Backlog(runnable=1, oldest_wait_seconds=10.0)

    supervisor = WorkerSupervisor(
        hang,
        concurrency=2,
        backlog=backlog,
        wedged_seconds=0.3,
        backoff_seconds=0.05,
        backoff_max_seconds=0.1,
        check_seconds=0.05,
    )
    before = restarts("wedged")
    task = asyncio.create_task(supervisor.run())
    try:
        await wait_until(lambda: asyncio.sleep(0, len(started) >= 3), within=5)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert restarts("wedged") - before >= 2
    assert supervisor.last_reason == "wedged"
    assert "runnable job waited 10s" in (supervisor.last_error or "")


async def test_restarts_back_off_and_health_names_the_error() -> None:
    starts: list[float] = []

    async def crash() -> None:
        starts.append(time.monotonic())
        raise ConnectionError("server closed the connection unexpectedly")

    async def backlog() -> Backlog:
        return Backlog(runnable=0, oldest_wait_seconds=0.0)

    supervisor = WorkerSupervisor(
        crash,
        concurrency=1,
        backlog=backlog,
        wedged_seconds=60,
        backoff_seconds=0.05,
        backoff_max_seconds=0.4,
    )
    task = asyncio.create_task(supervisor.run())
    try:
        await wait_until(lambda: asyncio.sleep(0, len(starts) >= 5), within=5)
        with pytest.raises(QueueUnhealthy, match="server closed the connection"):
            supervisor.health()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert gaps[0] < gaps[2]  # 0.05, 0.1, 0.2, 0.4: doubling
    assert max(gaps) < 1.0  # capped at the maximum


async def test_stopping_asks_for_a_graceful_stop_even_when_a_cancellation_is_swallowed() -> None:
    """A library await that eats the cancellation must not leave the worker running past a stop."""
    stop_requested = asyncio.Event()
    swallowed: list[bool] = []

    async def worker_that_swallows_one_cancellation() -> None:
        # Like procrastinate's worker: it ends when asked to stop; a cancellation seen during its
        # start-up was swallowed, and it went on waiting for the stop request.
        try:
            await stop_requested.wait()
        except asyncio.CancelledError:
            swallowed.append(True)
            await stop_requested.wait()

    async def backlog() -> Backlog:
        return Backlog(runnable=0, oldest_wait_seconds=0.0)

    supervisor = WorkerSupervisor(
        worker_that_swallows_one_cancellation,
        request_stop=stop_requested.set,
        stop_timeout_seconds=5.0,
        concurrency=1,
        backlog=backlog,
        wedged_seconds=60,
        backoff_seconds=0.05,
        backoff_max_seconds=0.1,
    )
    task = asyncio.create_task(supervisor.run())
    await wait_until(lambda: asyncio.sleep(0, supervisor.up), within=5)
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.wait({task}, timeout=5)
    assert task.done()
    assert stop_requested.is_set()
    assert not swallowed  # the graceful request came first; no cancellation was needed


async def test_an_app_stopped_just_after_it_started_does_not_wait_for_its_queue_worker(
    whatsapp_postgres_url: str, fake: RunningFake
) -> None:
    """Stopping during the worker's start-up used to hang until the 15 s stop limit (on PostgreSQL)."""
    settings = wa_settings(whatsapp_postgres_url, fake.url, queue_shutdown_graceful_seconds=10.0)
    for _ in range(3):
        async with running_app(settings) as client:
            assert (await client.get("/health/live")).status_code == 200
            stopping = time.monotonic()
        assert time.monotonic() - stopping < settings.queue_shutdown_graceful_seconds
