"""Process-level gauges sampled periodically in every web and worker process (docs/metrics.md).

DB pool connections in use, Redis reachability and memory, and resident memory; and shared state that a
gauge mirrors (the PMS circuit breaker), refreshed even in a process that no longer calls the PMS, so its
gauge does not keep saying "open" after another process closed the circuit. In multiprocess mode (`serve
--workers N`) each gauge is combined over the live processes of one target: pool and memory are summed,
Redis is the minimum (0 as soon as one process cannot reach it). `close()` marks the process dead so its
samples stop counting.
"""

from __future__ import annotations

import asyncio
import os
import resource
from collections.abc import Awaitable, Callable
from pathlib import Path

import structlog
from prometheus_client import Gauge, multiprocess
from sqlalchemy.ext.asyncio import AsyncEngine

from hotel_agent.kit.state import StateBackend

log = structlog.get_logger(__name__)

DB_POOL_IN_USE = Gauge(
    "hotel_agent_db_pool_in_use",
    "Database connections checked out of the application pool (summed over the target's processes).",
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "hotel_agent_db_pool_size",
    "Configured database pool size (summed over the target's processes; 0 when unpooled, e.g. SQLite).",
    multiprocess_mode="livesum",
)
REDIS_UP = Gauge(
    "hotel_agent_redis_up",
    "1 when the shared state backend (Redis) answered the last ping, 0 when not (minimum over processes).",
    multiprocess_mode="livemin",
)
PROCESS_MEMORY = Gauge(
    "hotel_agent_process_resident_memory_bytes",
    "Resident memory of the target's processes (summed over them).",
    multiprocess_mode="livesum",
)
REDIS_MEMORY = Gauge(
    "hotel_agent_redis_used_memory_bytes",
    "Memory the Redis server uses (INFO used_memory; the whole server, every app on it; max over processes).",
    multiprocess_mode="livemax",
)
PING_TIMEOUT_SECONDS = 2.0
_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_memory_bytes() -> int:
    """This process's resident set size (from /proc on Linux, else the peak RSS)."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        return int(statm.read_text().split()[1]) * _PAGE_SIZE
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class RuntimeSampler:
    """A maintenance sweep: never raises, so the sweeps after it still run."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        state: StateBackend,
        refresh: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._engine = engine
        self._state = state
        # Reads shared state whose gauge is set as a side effect (the breaker's `current_state`).
        self._refresh = refresh

    async def sample(self) -> None:
        pool = self._engine.pool
        checked_out = getattr(pool, "checkedout", None)
        size = getattr(pool, "size", None)
        DB_POOL_IN_USE.set(checked_out() if callable(checked_out) else 0)
        DB_POOL_SIZE.set(size() if callable(size) else 0)
        PROCESS_MEMORY.set(resident_memory_bytes())
        if self._state.name == "redis":
            try:
                await asyncio.wait_for(self._state.ping(), timeout=PING_TIMEOUT_SECONDS)
            except Exception as exc:
                log.warning("redis.ping_failed", error=type(exc).__name__)
                REDIS_UP.set(0)
            else:
                REDIS_UP.set(1)
                try:
                    used = await asyncio.wait_for(self._state.memory_used_bytes(), PING_TIMEOUT_SECONDS)
                except Exception as exc:
                    log.warning("redis.info_failed", error=type(exc).__name__)
                else:
                    if used is not None:
                        REDIS_MEMORY.set(used)
        if self._refresh is not None:
            try:
                await asyncio.wait_for(self._refresh(), timeout=PING_TIMEOUT_SECONDS)
            except Exception as exc:
                log.warning("metrics.refresh_failed", error=type(exc).__name__)

    def close(self) -> None:
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
