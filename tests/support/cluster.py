"""A real deployment in miniature: `hotel-agent serve --workers 2` and `hotel-agent worker` processes on a
fresh PostgreSQL database and Redis, sending to the fake Graph API, which posts status webhooks back."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from tools.fake_graph_api.server import RunningFake

from hotel_agent.migrations import upgrade
from tests.support.app import seed_demo_database
from tests.support.services import POSTGRES_ADMIN_URL, REDIS_URL, free_port

ROOT = Path(__file__).resolve().parents[2]


def _admin(statement: str) -> None:
    async def run() -> None:
        engine = create_async_engine(make_url(POSTGRES_ADMIN_URL), isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.execute(text(statement))
        await engine.dispose()

    asyncio.run(run())


@contextmanager
def fresh_database() -> Iterator[str]:
    name = f"ha_wa_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _admin(f'CREATE DATABASE "{name}"')
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        asyncio.run(seed_demo_database(url))
        yield url
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Cluster:
    database_url: str
    fake: RunningFake
    env: dict[str, str]
    logs: Path
    base_url: str = ""
    web: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    deaths: list[int] = field(default_factory=list)
    _watch: threading.Event = field(default_factory=threading.Event)

    def start_web(self, within: float = 90.0) -> None:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}"
        env = {**self.env, "QUEUE_IN_PROCESS_WORKER": "false"}
        log = (self.logs / "web.log").open("ab")
        self.web = subprocess.Popen(
            [sys.executable, "-m", "hotel_agent", "serve", "--port", str(port), "--workers", "2"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + within
        while True:
            try:
                if httpx.get(f"{self.base_url}/health/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.web.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"web server did not start: see {self.logs / 'web.log'}")
            time.sleep(0.2)

    def start_worker(self, *, wait: bool = True) -> subprocess.Popen[bytes]:
        number = len(self.workers) + len(self.deaths)
        log_path = self.logs / f"worker-{number}.log"
        log = log_path.open("ab")
        worker = subprocess.Popen(
            [sys.executable, "-m", "hotel_agent", "worker", "--concurrency", "4"],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=log,
        )
        deadline = time.monotonic() + 90
        while wait and b"worker.started" not in log_path.read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start: see {log_path}")
            time.sleep(0.1)
        self.workers.append(worker)
        return worker

    def keep_workers(self, count: int) -> None:
        """Restart any worker that died (a failpoint's kill -9), keeping `count` alive."""

        def watch() -> None:
            while not self._watch.is_set():
                for worker in list(self.workers):
                    if worker.poll() is not None:
                        self.workers.remove(worker)
                        self.deaths.append(worker.returncode)
                while len(self.workers) < count and not self._watch.is_set():
                    self.start_worker(wait=False)
                time.sleep(0.1)

        threading.Thread(target=watch, name="worker-keeper", daemon=True).start()

    def kill_workers(self) -> None:
        for worker in list(self.workers):
            worker.send_signal(signal.SIGKILL)

    def worker_logs(self) -> list[str]:
        return [path.read_text(errors="replace") for path in sorted(self.logs.glob("worker-*.log"))]

    def stop(self) -> None:
        self._watch.set()
        time.sleep(0.2)
        for process in [*self.workers, *([self.web] if self.web else [])]:
            if process.poll() is None:
                process.terminate()
        for process in [*self.workers, *([self.web] if self.web else [])]:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def cluster_env(database_url: str, fake_url: str, logs: Path, **extra: Any) -> dict[str, str]:
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "REDIS_KEY_PREFIX": f"test:{uuid.uuid4().hex}:",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "NLU_MODEL_DIR": str(ROOT / "var" / "models"),
        "WHATSAPP_API_BASE_URL": fake_url,
        "WHATSAPP_SEND_RETRIES": "0",
        # Generous: a worker killed while it runs 4 jobs costs each of them an attempt.
        "WHATSAPP_MAX_ATTEMPTS": "10",
        "WHATSAPP_RETRY_BASE_SECONDS": "0.2",
        "WHATSAPP_RETRY_MAX_SECONDS": "1",
        "WHATSAPP_RECONCILE_SECONDS": "3",
        "QUEUE_HEARTBEAT_SECONDS": "0.5",
        "QUEUE_STALLED_SECONDS": "3",
        "QUEUE_SWEEP_SECONDS": "0.5",
        "FAILPOINTS_DIR": str(logs),
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    for key, value in extra.items():
        env[key.upper()] = value if isinstance(value, str) else json.dumps(value)
    return env
