"""The local stack a load run measures: 2 web + 2 worker processes on PostgreSQL and Redis.

- a fresh PostgreSQL database, migrated and seeded, its demo hotel sized (`ROOMS_PER_TYPE` rooms of each
  type) so that a run never sells out: a sold-out hotel answers "nothing free" from cache and stops
  booking, which flatters every number (docs/load-testing.md);
- a Redis key prefix of its own on the machine's Redis (deleted afterwards);
- the fake Graph API (tools/fake_graph_api) in its own process: it accepts the replies, keeps them for the
  load test to read, and posts the `sent`/`delivered` status webhooks back, as Meta does;
- with `pms="qloapps"`, the QloApps emulator (tools/qloapps_emulator) in its own process, with a latency
  drawn from 50-150 ms per call and an optional error rate, sized the same way;
- `hotel-agent serve --workers 2` (two web processes, one /metrics) and two `hotel-agent worker`
  processes, each with its own metrics port.

Every process gets a free loopback port; logs go to the run's folder.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.support.cluster import fresh_database
from tests.support.services import REDIS_URL, free_port

ROOT = Path(__file__).resolve().parents[2]
ROOMS_PER_TYPE = 150
APP_SECRET = "dev-whatsapp-app-secret"
EMULATOR_KEY = "EMULATORKEY0EMULATORKEY0EMULATOR"


@dataclass
class Stack:
    base_url: str
    graph_url: str
    metrics: dict[str, str]
    database_url: str
    pids: dict[str, int] = field(default_factory=dict)


@dataclass
class StackOptions:
    pms: str = "local"  # local | qloapps
    pms_latency_ms: tuple[int, int] = (50, 150)
    pms_error_rate: float = 0.0
    web_workers: int = 2
    queue_workers: int = 2
    worker_concurrency: int = 8


def say(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("ab")
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=handle, stderr=handle)


def _wait_http(
    url: str, process: subprocess.Popen[bytes], what: str, log: Path, seconds: float = 600
) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start: see {log}")
        time.sleep(0.2)


def _wait_started(
    metrics_url: str, process: subprocess.Popen[bytes], log: Path, seconds: float = 600
) -> None:
    """A worker serves /metrics before its components are up; the pool gauge appears once they are."""
    deadline = time.monotonic() + seconds
    while True:
        with contextlib.suppress(httpx.TransportError):
            if "hotel_agent_db_pool_size " in httpx.get(metrics_url, timeout=2).text:
                return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker did not start: see {log}")
        time.sleep(0.2)


def _size_inventory(database_url: str, rooms: int) -> None:
    async def run() -> None:
        engine = create_async_engine(database_url)
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE room_types SET room_count = :rooms"), {"rooms": rooms})
        await engine.dispose()

    asyncio.run(run())


def _drop_redis_prefix(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(os.environ.get("TEST_REDIS_URL", REDIS_URL))
    try:
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    finally:
        client.close()


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def local_stack(options: StackOptions, logs: Path) -> Iterator[Stack]:
    logs.mkdir(parents=True, exist_ok=True)
    python = sys.executable
    prefix = f"load:{uuid.uuid4().hex[:8]}:"
    processes: list[subprocess.Popen[bytes]] = []
    say("creating, migrating and seeding a PostgreSQL database")
    with fresh_database() as database_url:
        try:
            _size_inventory(database_url, ROOMS_PER_TYPE)
            web_port, graph_port = free_port(), free_port()
            base_url = f"http://127.0.0.1:{web_port}"
            graph_url = f"http://127.0.0.1:{graph_port}"
            tools_env = {**os.environ, "PYTHONPATH": str(ROOT)}
            graph = _start(
                [python, "-m", "tools.fake_graph_api", "--port", str(graph_port),
                 "--webhook-url", f"{base_url}/webhooks/whatsapp", "--app-secret", APP_SECRET],
                tools_env,
                logs / "fake-graph-api.log",
            )  # fmt: skip
            processes.append(graph)
            env = {
                **os.environ,
                "ENVIRONMENT": "development",
                "DATABASE_URL": database_url,
                "REDIS_URL": os.environ.get("TEST_REDIS_URL", REDIS_URL),
                "REDIS_KEY_PREFIX": prefix,
                "LOG_LEVEL": "WARNING",
                "LOG_FORMAT": "json",
                "NLU_MODEL_DIR": str(ROOT / "var" / "models"),
                "WHATSAPP_API_BASE_URL": graph_url,
                "QUEUE_IN_PROCESS_WORKER": "false",
                # Gauges (queue lag, pool, memory) every 2 s rather than 10: a run is minutes long.
                "QUEUE_SWEEP_SECONDS": "2",
            }
            env.pop("PROMETHEUS_MULTIPROC_DIR", None)
            if options.pms == "qloapps":
                emulator_port = free_port()
                low, high = options.pms_latency_ms
                emulator = _start(
                    [python, "-m", "tools.qloapps_emulator", "--port", str(emulator_port),
                     "--latency-ms", str(low), "--latency-max-ms", str(high),
                     "--error-rate", str(options.pms_error_rate), "--rooms-per-type", str(ROOMS_PER_TYPE)],
                    tools_env,
                    logs / "qloapps-emulator.log",
                )  # fmt: skip
                processes.append(emulator)
                _wait_http(f"http://127.0.0.1:{emulator_port}/__emulator__/state", emulator, "emulator", logs)
                env.update(
                    PMS_TYPE="qloapps",
                    PMS_BASE_URL=f"http://127.0.0.1:{emulator_port}",
                    PMS_API_KEY=EMULATOR_KEY,
                    PMS_HOTEL_ID="1",
                )
            _wait_http(f"{graph_url}/__fake__/messages?after=0", graph, "fake Graph API", logs)
            web = _start(
                [python, "-m", "hotel_agent", "serve", "--port", str(web_port),
                 "--workers", str(options.web_workers)],
                env,
                logs / "web.log",
            )  # fmt: skip
            processes.append(web)
            metrics = {"web": f"{base_url}/metrics"}
            pids = {"web": web.pid, "fake-graph-api": graph.pid}
            for number in range(options.queue_workers):
                port = free_port()
                worker = _start(
                    [python, "-m", "hotel_agent", "worker", "--metrics-port", str(port),
                     "--concurrency", str(options.worker_concurrency)],
                    env,
                    logs / f"worker-{number}.log",
                )  # fmt: skip
                processes.append(worker)
                metrics[f"worker-{number}"] = f"http://127.0.0.1:{port}/metrics"
                pids[f"worker-{number}"] = worker.pid
            say(
                f"waiting for the web server ({options.web_workers} processes) "
                f"and {options.queue_workers} workers"
            )
            _wait_http(f"{base_url}/health/ready", web, "web server", logs / "web.log")
            for number in range(options.queue_workers):
                process = processes[-options.queue_workers + number]
                _wait_started(metrics[f"worker-{number}"], process, logs / f"worker-{number}.log")
            say(f"stack ready: {base_url} (logs in {logs})")
            yield Stack(base_url, graph_url, metrics, database_url, pids)
        finally:
            _stop(list(reversed(processes)))
            _drop_redis_prefix(prefix)
