"""Job-queue candidates on this machine: enqueue cost and enqueue-to-start latency (docs/whatsapp.md).

procrastinate (PostgreSQL, LISTEN/NOTIFY) as the project uses it, against arq (Redis). Run with
`uv run --with arq python benchmarks/compare_queues.py` (arq is not a project dependency).
Each: 500 sequential enqueues (mean and p99 µs), then 200 jobs enqueued 20 ms apart into a running worker
(p50/p95 ms from enqueue to the job starting).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _server import percentile  # noqa: E402
from tests.support.cluster import fresh_database  # noqa: E402
from tests.support.services import REDIS_URL  # noqa: E402

ENQUEUES = 500
PICKUPS = 200


def report(name: str, enqueue_us: list[float], pickup_ms: list[float]) -> None:
    print(
        f"{name:14s} enqueue mean {statistics.mean(enqueue_us):7.0f} µs  "
        f"p99 {percentile(enqueue_us, 99):7.0f} µs   "
        f"enqueue->start p50 {percentile(pickup_ms, 50):6.1f} ms  p95 {percentile(pickup_ms, 95):6.1f} ms"
    )


async def procrastinate_run(database_url: str) -> None:
    import procrastinate

    from hotel_agent.config import Settings
    from hotel_agent.queue import JobQueue

    started: dict[str, float] = {}

    def register(app: procrastinate.App) -> None:
        @app.task(name="bench.noop")
        async def noop(key: str) -> None:
            started[key] = time.perf_counter()

    queue = JobQueue(Settings(database_url=database_url, queue_worker_concurrency=8), [register])
    await queue.open()
    enqueue_us = []
    for number in range(ENQUEUES):
        begin = time.perf_counter()
        await queue.defer("bench.noop", lock=f"warm-{number}", key=f"warm-{number}")
        enqueue_us.append((time.perf_counter() - begin) * 1e6)
    queue.start_worker({})
    await asyncio.sleep(3)
    sent: dict[str, float] = {}
    for _ in range(PICKUPS):
        key = f"k-{uuid.uuid4().hex}"
        sent[key] = time.perf_counter()
        await queue.defer("bench.noop", lock=key, key=key)
        await asyncio.sleep(0.02)
    await asyncio.sleep(2)
    await queue.close()
    report("procrastinate", enqueue_us, [(started[k] - t) * 1000 for k, t in sent.items() if k in started])


async def arq_run() -> None:
    from arq import create_pool
    from arq.connections import RedisSettings
    from arq.worker import Worker, func

    started: dict[str, float] = {}

    async def noop(_ctx: dict[str, object], key: str) -> None:
        started[key] = time.perf_counter()

    settings = RedisSettings.from_dsn(REDIS_URL)
    queue_name = f"bench:{uuid.uuid4().hex[:6]}"
    pool = await create_pool(settings, default_queue_name=queue_name)
    enqueue_us = []
    for _ in range(ENQUEUES):
        begin = time.perf_counter()
        await pool.enqueue_job("noop", f"warm-{uuid.uuid4().hex}")
        enqueue_us.append((time.perf_counter() - begin) * 1e6)
    worker = Worker(
        functions=[func(noop, name="noop")],
        redis_pool=pool,
        queue_name=queue_name,
        burst=False,
        poll_delay=0.05,
        max_jobs=8,
        handle_signals=False,
    )
    task = asyncio.create_task(worker.async_run())
    for _ in range(200):  # let it drain the warm-up jobs
        await asyncio.sleep(0.1)
        if len(started) >= ENQUEUES:
            break
    sent: dict[str, float] = {}
    for _ in range(PICKUPS):
        key = f"k-{uuid.uuid4().hex}"
        sent[key] = time.perf_counter()
        await pool.enqueue_job("noop", key)
        await asyncio.sleep(0.02)
    await asyncio.sleep(2)
    task.cancel()
    await worker.close()
    report("arq (Redis)", enqueue_us, [(started[k] - t) * 1000 for k, t in sent.items() if k in started])


def main() -> None:
    with fresh_database() as database_url:
        asyncio.run(procrastinate_run(database_url))
    try:
        import arq  # noqa: F401
    except ImportError:
        print("arq not installed: run with `uv run --with arq python benchmarks/compare_queues.py`")
        return
    asyncio.run(arq_run())


if __name__ == "__main__":
    main()
