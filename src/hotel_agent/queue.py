"""The job queue: procrastinate, on PostgreSQL when the app runs on PostgreSQL, in process on SQLite.

Why procrastinate (measured in docs/whatsapp.md): jobs live in the PostgreSQL we already run (no broker to
operate, and `hotel-agent migrate` installs its schema), a per-key `lock` runs one guest's jobs one at a
time across every worker, a `queueing_lock` keeps one waiting job per guest, LISTEN/NOTIFY wakes a worker
within milliseconds, and workers heartbeat so the jobs of a dead one can be retried.

The embedded default (SQLite, no Redis) uses procrastinate's in-memory connector with a worker inside the
web process. It is not durable, and does not need to be: the rows our services write are the source of
truth, and every process runs a sweep (`JobQueue.start_maintenance`) that re-enqueues work a lost job left
behind. Each domain declares its tasks through a `register(app)` function (`channels/whatsapp/tasks.py`);
the runtime they need is handed to the worker as `additional_context`, so nothing connects at import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import procrastinate
import structlog
from procrastinate import exceptions as queue_exceptions
from procrastinate import testing
from procrastinate.worker import Worker
from sqlalchemy import String, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.config import Settings
from hotel_agent.kit.clock import utc_now
from hotel_agent.queue_supervisor import OLDEST_RUNNABLE, Backlog, QueueUnhealthy, WorkerSupervisor

log = structlog.get_logger(__name__)

QUEUE_SCHEMA = "procrastinate"
Sweep = Callable[[], Awaitable[None]]
# migrations/versions/*_queue_transactional_enqueue.py: insert jobs, skipping taken queueing locks.
DEFER_IN_TRANSACTION = text(
    "SELECT procrastinate.hotel_agent_defer_jobs(:task_name, :locks, :queueing_locks, "
    "CAST(:args AS text[])::jsonb[])"
).bindparams(
    bindparam("locks", type_=ARRAY(String)),
    bindparam("queueing_locks", type_=ARRAY(String)),
    bindparam("args", type_=ARRAY(String)),
)
# Jobs a worker could take now (as procrastinate_fetch_job_v2 chooses them: due, no job of their lock
# running), the oldest one's wait since it was deferred or came due, and the workers with a heartbeat.
RUNNABLE_BACKLOG = """
SELECT count(*) AS runnable,
       COALESCE(EXTRACT(EPOCH FROM now() - min(GREATEST(
           COALESCE(jobs.scheduled_at, '-infinity'::timestamptz),
           COALESCE(deferred.at, now())))), 0)::float AS oldest_wait,
       (SELECT count(*) FROM procrastinate_workers
         WHERE last_heartbeat > now() - make_interval(secs => %(stalled)s::float8)) AS live_workers
FROM procrastinate_jobs AS jobs
LEFT JOIN LATERAL (
    SELECT max(events.at) AS at FROM procrastinate_events AS events
    WHERE events.job_id = jobs.id AND events.type IN ('deferred', 'deferred_for_retry')
) AS deferred ON true
WHERE jobs.status = 'todo'
  AND (jobs.scheduled_at IS NULL OR jobs.scheduled_at <= now())
  AND NOT EXISTS (
      SELECT 1 FROM procrastinate_jobs AS other
      WHERE jobs.lock IS NOT NULL AND other.lock = jobs.lock AND other.status = 'doing')
"""


def split_job(job: Mapping[str, Any]) -> tuple[str, str, dict[str, Any]]:
    """A job description {"lock", optional "queueing_lock", **arguments} as (lock, queueing lock, arguments).

    The queueing lock defaults to the lock: one waiting job per key.
    """
    arguments = dict(job)
    lock = arguments.pop("lock")
    return lock, arguments.pop("queueing_lock", None) or lock, arguments


class EmbeddedConnector(testing.InMemoryConnector):
    """procrastinate's in-memory connector, for one process on SQLite.

    It keeps an event list per job even after the job is deleted; dropping it with the job keeps a
    long-running embedded instance from growing.
    """

    async def finish_job_run(self, job_id: int, status: str, delete_job: bool) -> None:
        await super().finish_job_run(job_id, status, delete_job)
        if delete_job:
            self.events.pop(job_id, None)


def queue_conninfo(database_url: str) -> str:
    """The libpq connection string for an SQLAlchemy PostgreSQL URL (asyncpg's `ssl` -> libpq `sslmode`)."""
    url = make_url(database_url).set(drivername="postgresql")
    query = dict(url.query)
    if "ssl" in query and "sslmode" not in query:
        query["sslmode"] = query.pop("ssl")
    return url.set(query=query).render_as_string(hide_password=False)


def worker_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class JobQueue:
    """One procrastinate app per process, opened and closed by whoever owns the process (lifespan, CLI)."""

    def __init__(self, settings: Settings, registrars: Iterable[Callable[[procrastinate.App], None]]) -> None:
        self.settings = settings
        self.durable = not settings.is_sqlite
        connector: Any
        if self.durable:
            connector = procrastinate.PsycopgConnector(
                conninfo=queue_conninfo(settings.database_url),
                kwargs={"options": f"-c search_path={QUEUE_SCHEMA}"},
                # 0: opening does not wait for a connection, so the app starts (and reports the
                # database in /health/ready) while PostgreSQL is down.
                min_size=0,
                max_size=max(4, settings.queue_worker_concurrency + 2),
            )
        else:
            connector = EmbeddedConnector()
        self.app = procrastinate.App(connector=connector)
        # procrastinate logs every retry with its traceback at INFO; our own events say it shorter.
        logging.getLogger("procrastinate").setLevel(logging.WARNING)
        for register in registrars:
            register(self.app)
        self._worker: asyncio.Task[None] | None = None
        self.supervisor: WorkerSupervisor | None = None
        self._maintenance: asyncio.Task[None] | None = None

    async def open(self) -> None:
        await self.app.open_async()

    async def close(self) -> None:
        await self.stop()
        await self.app.close_async()

    async def defer(
        self, task_name: str, *, lock: str, queueing_lock: str | None = None, **kwargs: Any
    ) -> bool:
        """Enqueue a job; False when a job with the same queueing lock (default: the lock) is waiting."""
        task = self.app.tasks[task_name]
        try:
            await task.configure(lock=lock, queueing_lock=queueing_lock or lock).defer_async(**kwargs)
        except queue_exceptions.AlreadyEnqueued:
            return False
        return True

    async def defer_many(self, task_name: str, jobs: list[dict[str, Any]]) -> int:
        """Enqueue several jobs in one round trip; those whose queueing lock is taken are skipped."""
        task = self.app.tasks[task_name]
        deferrers = []
        for job in jobs:
            lock, queueing_lock, arguments = split_job(job)
            deferrers.append((task.configure(lock=lock, queueing_lock=queueing_lock), lock, arguments))
        try:
            await self.app.job_manager.batch_defer_jobs_async(
                [deferrer.make_new_job(**arguments) for deferrer, _, arguments in deferrers]
            )
            return len(deferrers)
        except (queue_exceptions.AlreadyEnqueued, queue_exceptions.UniqueViolation):
            # One guest already has a job waiting: the batch is refused whole; go one by one.
            deferred = 0
            for _, lock, arguments in deferrers:
                deferred += await self.defer(task_name, lock=lock, **arguments)
            return deferred

    async def defer_in_transaction(
        self, session: AsyncSession, task_name: str, jobs: Sequence[Mapping[str, Any]]
    ) -> int:
        """Enqueue from the caller's PostgreSQL transaction: the jobs commit (and wake a worker) with it.

        Jobs whose queueing lock (default: the lock) already has a waiting job are skipped, without
        aborting the transaction. The number inserted. Only for the durable queue: the embedded one
        lives in process memory, where nothing can join a database transaction.
        """
        if not self.durable:
            raise RuntimeError("the embedded queue cannot join a database transaction")
        if task_name not in self.app.tasks:
            raise KeyError(f"unknown task {task_name!r}")
        if not jobs:
            return 0
        locks, queueing_locks, arguments = [], [], []
        for job in jobs:
            lock, queueing_lock, values = split_job(job)
            locks.append(lock)
            queueing_locks.append(queueing_lock)
            arguments.append(json.dumps(values))
        result = await session.execute(
            DEFER_IN_TRANSACTION,
            {"task_name": task_name, "locks": locks, "queueing_locks": queueing_locks, "args": arguments},
        )
        return int(result.scalar_one())

    def start_worker(self, context: dict[str, Any], *, concurrency: int | None = None) -> None:
        """Run a supervised worker in this process's event loop until `stop` (in-process and CLI workers).

        The supervisor (queue_supervisor.py) restarts it with backoff whenever it crashes, stops or wedges.
        """
        if self._worker is not None:
            return
        settings = self.settings
        concurrency = concurrency or settings.queue_worker_concurrency
        supervisor: WorkerSupervisor

        current: list[Worker] = []

        async def run_worker() -> None:
            # Built here rather than through app.run_worker_async so that stopping can ask this worker
            # for procrastinate's graceful stop; a cancellation alone was seen to be swallowed during
            # the worker's start-up, leaving it waiting for ever (and the process's exit for 15 s).
            self.app.perform_import_paths()  # type: ignore[no-untyped-call]
            worker = Worker(
                app=self.app,
                concurrency=concurrency,
                name=worker_identity(),
                additional_context=context,
                install_signal_handlers=False,
                delete_jobs="successful",
                listen_notify=self.durable,
                # NOTIFY wakes a worker for new jobs, not for delayed follow-ups coming due: poll for those.
                # On SQLite nothing notifies: a short poll keeps the embedded latency low.
                fetch_job_polling_interval=1.0 if self.durable else 0.05,
                update_heartbeat_interval=settings.queue_heartbeat_seconds,
                stalled_worker_timeout=settings.queue_stalled_seconds,
                shutdown_graceful_timeout=settings.queue_shutdown_graceful_seconds,
                worker_middleware=[supervisor.track],
            )
            current[:] = [worker]
            try:
                await worker.run()  # type: ignore[no-untyped-call]
            finally:
                current.clear()

        def request_stop() -> None:
            for worker in current:
                worker.stop()  # type: ignore[no-untyped-call]

        supervisor = WorkerSupervisor(
            run_worker,
            request_stop=request_stop,
            stop_timeout_seconds=settings.queue_shutdown_graceful_seconds + 2,
            concurrency=concurrency,
            backlog=self.backlog,
            wedged_seconds=settings.queue_wedged_seconds,
            backoff_seconds=settings.queue_restart_backoff_seconds,
            backoff_max_seconds=settings.queue_restart_backoff_max_seconds,
            check_seconds=min(5.0, settings.queue_wedged_seconds / 4),
        )
        self.supervisor = supervisor
        self._worker = asyncio.create_task(supervisor.run(), name="queue-worker-supervisor")
        self._worker.add_done_callback(_log_worker_end)

    async def backlog(self) -> Backlog:
        """The jobs a worker could run now, the oldest one's wait, and (PostgreSQL) the live workers."""
        if self.durable:
            row = await self.app.connector.execute_query_one_async(
                RUNNABLE_BACKLOG, stalled=self.settings.queue_stalled_seconds
            )
            backlog = Backlog(int(row["runnable"]), float(row["oldest_wait"]), int(row["live_workers"]))
        else:
            backlog = self._embedded_backlog()
        OLDEST_RUNNABLE.set(backlog.oldest_wait_seconds)
        return backlog

    def _embedded_backlog(self) -> Backlog:
        connector = self.app.connector
        assert isinstance(connector, EmbeddedConnector)
        now = utc_now()
        running = {job["lock"] for job in connector.jobs.values() if job["status"] == "doing"}
        waits = []
        for job in connector.jobs.values():
            if job["status"] != "todo" or (job["lock"] is not None and job["lock"] in running):
                continue
            due = job["scheduled_at"]
            if due is not None and due > now:
                continue
            deferred = [
                e["at"] for e in connector.events.get(job["id"], []) if e["type"].startswith("deferred")
            ]
            since = max([*deferred, *([due] if due is not None else [])], default=now)
            waits.append((now - since).total_seconds())
        return Backlog(len(waits), max(waits, default=0.0))

    async def health(self) -> None:
        """For /health/ready: raise QueueUnhealthy when the worker is down or the backlog is not moving."""
        if self.supervisor is not None:
            self.supervisor.health()
        backlog = await self.backlog()
        limit = self.settings.queue_wedged_seconds
        if backlog.runnable and backlog.oldest_wait_seconds > limit:
            workers = "" if backlog.live_workers is None else f"; workers alive: {backlog.live_workers}"
            raise QueueUnhealthy(
                f"backlog not moving: {backlog.runnable} runnable jobs, the oldest waiting "
                f"{backlog.oldest_wait_seconds:.0f}s (QUEUE_WEDGED_SECONDS={limit:g}){workers}"
            )
        if backlog.runnable and backlog.live_workers == 0 and self.supervisor is None:
            raise QueueUnhealthy(
                f"no queue worker alive (no heartbeat in {self.settings.queue_stalled_seconds:g}s) "
                f"and {backlog.runnable} runnable jobs"
            )

    def start_maintenance(self, sweeps: list[Sweep]) -> None:
        """Periodically retry the jobs of dead workers and run each sweep (re-enqueue stuck work)."""
        if self._maintenance is None:
            self._maintenance = asyncio.create_task(self._maintain(sweeps), name="queue-maintenance")

    async def _maintain(self, sweeps: list[Sweep]) -> None:
        while True:
            try:
                if self._worker is not None:
                    await self.retry_stalled_jobs()
                await self.backlog()
                for sweep in sweeps:
                    await sweep()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("queue.maintenance_failed", exc_info=True)
            await asyncio.sleep(self.settings.queue_sweep_seconds)

    async def retry_stalled_jobs(self) -> int:
        """Jobs held by a worker whose heartbeat stopped (killed, frozen) go back to the queue."""
        manager = self.app.job_manager
        stalled = await manager.get_stalled_jobs(seconds_since_heartbeat=self.settings.queue_stalled_seconds)
        retried = 0
        for job in stalled:
            try:
                await manager.retry_job(job)
                retried += 1
            except queue_exceptions.ConnectorException:
                # Another process retried it first, or a newer job for the same guest is already
                # waiting (queueing lock): that one will do the work, so this one is closed.
                with contextlib.suppress(queue_exceptions.ConnectorException):
                    if job.id is not None:
                        await manager.finish_job_by_id_async(
                            job.id, status=procrastinate.jobs.Status.FAILED, delete_job=False
                        )
        if retried:
            log.warning("queue.stalled_jobs_retried", count=retried)
        return retried

    async def stop(self) -> None:
        # Bounded: a job stuck past procrastinate's graceful timeout must not hang the process's exit.
        # Its row stays "doing" and the stalled-job sweep of a live worker retries it.
        limit = self.settings.queue_shutdown_graceful_seconds + 5
        for task in (self._maintenance, self._worker):
            if task is not None and not task.done():
                task.cancel()
                _, pending = await asyncio.wait({task}, timeout=limit)
                if pending:
                    log.error("queue.stop_timed_out", task=task.get_name(), after_s=limit)
                elif not task.cancelled() and task.exception() is not None:
                    log.warning("queue.stopped_with_error", task=task.get_name(), error=str(task.exception()))
        self._maintenance = None
        self._worker = None
        self.supervisor = None

    async def wait(self) -> None:
        """Until the worker stops (the CLI worker's main loop)."""
        if self._worker is not None:
            await self._worker


def _log_worker_end(task: asyncio.Task[None]) -> None:
    # The supervisor restarts crashed workers; only a bug in the supervisor itself ends up here.
    if not task.cancelled() and task.exception() is not None:
        log.error("queue.supervisor_crashed", exc_info=task.exception())
