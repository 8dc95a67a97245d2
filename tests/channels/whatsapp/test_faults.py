"""Fault tests of the deployed shape: `serve --workers 2` + a queue worker on PostgreSQL and Redis, the
fake Graph API counting replies, Meta-like traffic (uniquely numbered signed messages, redelivered until
acknowledged). Redis cut through a TCP proxy then restored; the test database's connections terminated
once a second for 15 s; a web worker SIGKILLed. For each: what /health/ready said during the fault,
recovery without a restart, and every acknowledged message answered exactly once (0 lost, 0 twice).

The figures of each run are printed (`-s`) and appended to FAULT_REPORT when set.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from tools.fake_graph_api.server import running_fake

from tests.support.cluster import Cluster, cluster_env, fresh_database
from tests.support.faults import ReadinessWatch, TcpProxy, Traffic
from tests.support.services import REDIS_URL, require_postgres, require_redis
from tests.support.whatsapp import APP_SECRET

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def redis_proxy() -> Iterator[TcpProxy]:
    require_redis()
    host, port = REDIS_URL.removeprefix("redis://").split("/")[0].split(":")
    proxy = TcpProxy(host, int(port)).start()
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, redis_proxy: TcpProxy) -> Iterator[Cluster]:
    require_postgres()
    logs = tmp_path_factory.mktemp("faults")
    with fresh_database() as database_url, running_fake() as fake:
        env = cluster_env(database_url, fake.url, logs)
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_proxy.port}/0"
        cluster = Cluster(database_url=database_url, fake=fake, env=env, logs=logs)
        try:
            cluster.start_web(within=240)
            fake.fake.config.webhook_url = f"{cluster.base_url}/webhooks/whatsapp"
            fake.fake.config.app_secret = APP_SECRET
            cluster.start_worker()
            yield cluster
        finally:
            cluster.stop()


async def _ledger(cluster: Cluster, wamids: list[str]) -> dict[str, list[tuple[int, str]]]:
    """inbound wamid -> [(outbound id, state)] and inbound statuses."""
    engine = create_async_engine(cluster.database_url)
    try:
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT i.wamid, i.status, o.id FROM whatsapp_inbound_messages i "
                        "LEFT JOIN whatsapp_outbound_messages o ON o.inbound_wamid = i.wamid "
                        "WHERE i.wamid = ANY(:wamids)"
                    ),
                    {"wamids": wamids},
                )
            ).all()
    finally:
        await engine.dispose()
    ledger: dict[str, list[tuple[int, str]]] = {}
    for wamid, status, outbound_id in rows:
        ledger.setdefault(wamid, [])
        if outbound_id is not None:
            ledger[wamid].append((int(outbound_id), status))
    return ledger


def settle(cluster: Cluster, traffic: Traffic, since: float, within: float = 90.0) -> dict[str, Any]:
    """Wait until every acknowledged message is answered; the figures of the run."""
    wamids = list(traffic.acknowledged)
    deadline = time.monotonic() + within
    while True:
        ledger = asyncio.run(_ledger(cluster, wamids))
        sends: dict[str, int] = {}
        for message in list(cluster.fake.fake.messages):
            callback = message.get("callback_data") or ""
            sends[callback] = sends.get(callback, 0) + 1
        answered = [
            w for w in wamids if ledger.get(w) and all(sends.get(f"ha-outbox:{o}") for o, _ in ledger[w])
        ]
        if len(answered) == len(wamids) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    duplicates = sum(
        count - 1
        for w in wamids
        for o, _ in ledger.get(w, [])
        if (count := sends.get(f"ha-outbox:{o}", 0)) > 1
    )
    stored_once = all(len({o for o, _ in ledger.get(w, [])}) >= 1 for w in answered)
    return {
        "sent": traffic.sent,
        "acknowledged": len(wamids),
        "redelivered_after_non_2xx": traffic.refused_deliveries,
        "never_acknowledged": len(traffic.unacknowledged),
        "answered": len(answered),
        "duplicates": duplicates,
        "lost": len(wamids) - len(answered),
        "all_answered_after_s": round(time.monotonic() - since, 1),
        "stored_once": stored_once,
    }


def record(name: str, figures: dict[str, Any]) -> None:
    line = json.dumps({"fault": name, **figures})
    print(line)
    report = os.environ.get("FAULT_REPORT")
    if report:
        with Path(report).open("a") as handle:
            handle.write(line + "\n")


def run_with_fault(
    cluster: Cluster, fault: Any, *, guests: int = 4, rounds: int = 20, every: float = 1.0
) -> tuple[Traffic, float]:
    """Traffic for rounds*every seconds on a thread while `fault()` runs here; returns when both end."""
    traffic = Traffic(cluster.base_url)
    from tests.support.whatsapp import new_guest

    numbers = [new_guest() for _ in range(guests)]
    sender = threading.Thread(target=traffic.deliver, args=(numbers, rounds, every), daemon=True)
    sender.start()
    fault_ended = fault()
    sender.join(timeout=rounds * every + 120)
    assert not sender.is_alive(), "the traffic did not finish"
    return traffic, fault_ended


def assert_exactly_once(figures: dict[str, Any]) -> None:
    assert figures["never_acknowledged"] == 0, figures
    assert figures["acknowledged"] == figures["sent"], figures
    assert figures["lost"] == 0, figures
    assert figures["duplicates"] == 0, figures


def test_redis_unreachable_then_back(cluster: Cluster, redis_proxy: TcpProxy) -> None:
    with ReadinessWatch(cluster.base_url) as watch:

        def fault() -> float:
            time.sleep(3)
            cut_at = time.monotonic()
            redis_proxy.cut()
            time.sleep(10)
            redis_proxy.restore()
            restored = time.monotonic()
            record_window.update(start=cut_at + 2, end=restored)
            return restored

        record_window: dict[str, float] = {}
        traffic, restored = run_with_fault(cluster, fault, rounds=18)
        figures = settle(cluster, traffic, restored)
        time.sleep(1)
    failing = watch.failing_during(record_window["start"], record_window["end"])
    figures["readiness_failing_during_fault"] = sorted(failing)
    figures["ready_again_after_s"] = watch.ready_again_after(restored)
    record("redis_unreachable_10s", figures)
    assert "redis" in failing, watch.seen
    assert figures["ready_again_after_s"] is not None
    assert figures["ready_again_after_s"] < 30
    assert_exactly_once(figures)


async def _terminate_backends(database_url: str) -> int:
    engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            result = await connection.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'"
                )
            )
            return int(result.scalar_one())
    finally:
        await engine.dispose()


def test_postgres_connections_terminated_every_second_for_15_seconds(cluster: Cluster) -> None:
    terminated: list[int] = []
    with ReadinessWatch(cluster.base_url) as watch:

        def fault() -> float:
            time.sleep(2)
            end = time.monotonic() + 15
            while time.monotonic() < end:
                terminated.append(asyncio.run(_terminate_backends(cluster.database_url)))
                time.sleep(1)
            return time.monotonic()

        traffic, ended = run_with_fault(cluster, fault, rounds=22)
        figures = settle(cluster, traffic, ended)
        time.sleep(1)
    figures["backends_terminated"] = sum(terminated)
    figures["readiness_statuses_during_fault"] = sorted(
        {status for at, status, _ in watch.seen if ended - 15 <= at <= ended}
    )
    figures["readiness_failing_during_fault"] = sorted(watch.failing_during(ended - 15, ended))
    figures["ready_again_after_s"] = watch.ready_again_after(ended)
    record("postgres_terminated_1hz_15s", figures)
    assert sum(terminated) >= 15
    assert figures["ready_again_after_s"] is not None
    assert figures["ready_again_after_s"] < 30
    assert cluster.web is not None
    assert cluster.web.poll() is None, "the web server died"
    assert all(worker.poll() is None for worker in cluster.workers), "the queue worker process died"
    assert_exactly_once(figures)


def _web_children(cluster: Cluster) -> list[int]:
    assert cluster.web is not None
    children = Path(f"/proc/{cluster.web.pid}/task/{cluster.web.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def test_a_web_worker_sigkilled(cluster: Cluster) -> None:
    before = _web_children(cluster)
    assert len(before) >= 2, before
    killed: dict[str, float] = {}
    with ReadinessWatch(cluster.base_url) as watch:

        def fault() -> float:
            time.sleep(3)
            os.kill(before[0], signal.SIGKILL)
            killed["at"] = time.monotonic()
            deadline = time.monotonic() + 60
            while True:
                now = [pid for pid in _web_children(cluster) if pid != before[0]]
                if len(now) >= 2:
                    killed["respawned_after_s"] = round(time.monotonic() - killed["at"], 1)
                    break
                assert time.monotonic() < deadline, "the killed worker was not replaced"
                time.sleep(0.1)
            return killed["at"]

        traffic, at = run_with_fault(cluster, fault, rounds=15)
        figures = settle(cluster, traffic, at)
    figures["respawned_after_s"] = killed["respawned_after_s"]
    figures["readiness_statuses_seen"] = sorted({status for _, status, _ in watch.seen})
    record("web_worker_sigkill", figures)
    assert_exactly_once(figures)
