"""Supervision of the queue worker: a worker that crashes, stops or wedges is restarted with backoff.

procrastinate's worker ends when its database connection goes (a `ConnectorException` after
`pg_terminate_backend`, a failed heartbeat or notification listener stops it "gracefully"); left alone,
the process keeps acknowledging webhooks that nobody processes. `WorkerSupervisor.run` owns the worker
task: whenever it ends without being asked to, it is started again after a delay that doubles from
`QUEUE_RESTART_BACKOFF_SECONDS` up to `QUEUE_RESTART_BACKOFF_MAX_SECONDS` (reset once a worker has stayed
up for a minute). A worker that is up, has room for a job, and yet leaves a runnable job waiting longer
than `QUEUE_WEDGED_SECONDS` is wedged: it is cancelled and restarted the same way.

What it exposes (docs/whatsapp.md, "Queue worker supervision"):
- `hotel_agent_queue_worker_up` (1 while this process's worker runs, 0 while it waits to restart),
- `hotel_agent_queue_worker_restarts_total{reason}` (crashed, stopped, wedged),
- `hotel_agent_queue_worker_last_progress_timestamp_seconds` (when a job last finished, or the worker
  started),
- `hotel_agent_queue_oldest_runnable_seconds` (how long the oldest job any worker could run has waited),
and `/health/ready`'s "queue" check (ops/health.py), which fails while the worker is down or the backlog
is not moving.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

import structlog
from prometheus_client import Counter, Gauge

log = structlog.get_logger(__name__)

HEALTHY_AFTER_SECONDS = 60.0
STOP_REQUEST_INTERVAL_SECONDS = 0.25

WORKER_UP = Gauge(
    "hotel_agent_queue_worker_up",
    "1 while this process's queue worker runs, 0 while it is down and waiting to be restarted.",
    multiprocess_mode="liveall",
)
WORKER_RESTARTS = Counter(
    "hotel_agent_queue_worker_restarts_total",
    "Queue worker restarts by the supervisor, by reason (crashed, stopped, wedged).",
    ["reason"],
)
WORKER_LAST_PROGRESS = Gauge(
    "hotel_agent_queue_worker_last_progress_timestamp_seconds",
    "Unix time this process's queue worker last finished a job (or started).",
    multiprocess_mode="max",
)
OLDEST_RUNNABLE = Gauge(
    "hotel_agent_queue_oldest_runnable_seconds",
    "How long the oldest job that a worker could run now has been waiting (0 when none).",
    multiprocess_mode="max",
)


@dataclass(frozen=True)
class Backlog:
    """Jobs a worker could take now (due, their lock free) and how long the oldest has waited."""

    runnable: int
    oldest_wait_seconds: float
    live_workers: int | None = None


class QueueUnhealthy(Exception):
    """What /health/ready reports for the queue: the worker is down or the backlog is not moving."""


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]


class WorkerSupervisor:
    """Runs `run_worker()` until cancelled, restarting it whenever it ends or wedges."""

    def __init__(
        self,
        run_worker: Callable[[], Coroutine[Any, Any, None]],
        *,
        request_stop: Callable[[], None] | None = None,
        stop_timeout_seconds: float = 10.0,
        concurrency: int,
        backlog: Callable[[], Awaitable[Backlog]],
        wedged_seconds: float,
        backoff_seconds: float,
        backoff_max_seconds: float,
        check_seconds: float = 5.0,
        healthy_after_seconds: float = HEALTHY_AFTER_SECONDS,
    ) -> None:
        self._run_worker = run_worker
        self._request_stop = request_stop
        self.stop_timeout_seconds = stop_timeout_seconds
        self._backlog = backlog
        self.concurrency = concurrency
        self.wedged_seconds = wedged_seconds
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.check_seconds = check_seconds
        self.healthy_after_seconds = healthy_after_seconds
        self.up = False
        self.restarts = 0
        self.running_jobs = 0
        self.last_error: str | None = None
        self.last_reason: str | None = None
        self.down_since: float | None = time.monotonic()
        self._up_since = 0.0

    async def track(self, call_next: Callable[[], Awaitable[Any]], *_: Any) -> Any:
        """procrastinate worker middleware: counts running jobs and records progress when one ends."""
        self.running_jobs += 1
        try:
            return await call_next()
        finally:
            self.running_jobs -= 1
            WORKER_LAST_PROGRESS.set(time.time())

    def health(self) -> None:
        """Raise QueueUnhealthy while the worker is down (crashed or wedged, waiting to restart)."""
        if not self.up:
            down_for = time.monotonic() - (self.down_since or time.monotonic())
            cause = f" after it {self.last_reason}" if self.last_reason else ""
            error = f" ({self.last_error})" if self.last_error else ""
            raise QueueUnhealthy(
                f"queue worker down for {down_for:.0f}s{cause}{error}; restarts so far: {self.restarts}"
            )

    async def run(self) -> None:
        delay = self.backoff_seconds
        while True:
            started = time.monotonic()
            reason = await self._run_once()
            self.up = False
            self.down_since = time.monotonic()
            WORKER_UP.set(0)
            self.last_reason = reason
            self.restarts += 1
            WORKER_RESTARTS.labels(reason).inc()
            if time.monotonic() - started >= self.healthy_after_seconds:
                delay = self.backoff_seconds
            log.error(
                "queue.worker_crashed",
                reason=reason,
                error=self.last_error,
                restart_in_s=round(delay, 2),
                restarts=self.restarts,
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff_max_seconds)
            log.warning("queue.worker_restarting", restarts=self.restarts)

    async def _run_once(self) -> str:
        """Run one worker until it ends (crashed, stopped) or the watchdog finds it wedged."""
        self.up = True
        self.down_since = None
        self._up_since = time.monotonic()
        WORKER_UP.set(1)
        WORKER_LAST_PROGRESS.set(time.time())
        worker: asyncio.Task[None] = asyncio.create_task(self._run_worker(), name="queue-worker")
        watchdog = asyncio.create_task(self._watch(), name="queue-worker-watchdog")
        try:
            done, _ = await asyncio.wait({worker, watchdog}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            # Stopping: the worker gets procrastinate's graceful shutdown.
            watchdog.cancel()
            await self._stop(worker)
            await asyncio.gather(worker, watchdog, return_exceptions=True)
            WORKER_UP.set(0)
            self.up = False
            raise
        if worker in done:
            watchdog.cancel()
            await asyncio.gather(watchdog, return_exceptions=True)
            exc = None if worker.cancelled() else worker.exception()
            self.last_error = describe(exc) if exc is not None else None
            return "crashed" if exc is not None else "stopped"
        self.last_error = watchdog.result()
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await worker
        return "wedged"

    async def _stop(self, worker: asyncio.Task[None]) -> None:
        """Ask the worker to stop gracefully (running jobs may finish), and cancel it only past the timeout.

        The request is repeated: one made before the worker's start-up reached its own reset of the stop
        flag would otherwise be lost. Without a way to ask (tests' plain coroutines), cancel at once.
        """
        if self._request_stop is not None:
            deadline = time.monotonic() + self.stop_timeout_seconds
            while not worker.done() and time.monotonic() < deadline:
                self._request_stop()
                await asyncio.wait({worker}, timeout=STOP_REQUEST_INTERVAL_SECONDS)
        if not worker.done():
            worker.cancel()
            await asyncio.wait({worker}, timeout=STOP_REQUEST_INTERVAL_SECONDS * 4)

    async def _watch(self) -> str:
        """Return (a description) once the worker is wedged: idle capacity, yet a runnable job waits."""
        while True:
            await asyncio.sleep(self.check_seconds)
            if time.monotonic() - self._up_since < self.wedged_seconds:
                continue
            if self.running_jobs >= self.concurrency:
                continue
            try:
                backlog = await self._backlog()
            except Exception as exc:
                # The database is away: the worker itself fails on it, and is restarted then.
                log.debug("queue.backlog_check_failed", error=describe(exc))
                continue
            if backlog.runnable and backlog.oldest_wait_seconds > self.wedged_seconds:
                return (
                    f"a runnable job waited {backlog.oldest_wait_seconds:.0f}s while the worker ran "
                    f"{self.running_jobs}/{self.concurrency} jobs"
                )
