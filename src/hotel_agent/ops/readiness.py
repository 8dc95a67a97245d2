"""What /health/ready checks: every dependency concurrently, each bounded; built once per process.

The composition root (components.py) builds one `ReadinessChecker` from its parts; the route only asks it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from hotel_agent.kit.state import StateBackend

CHECK_TIMEOUT_SECONDS = 2.0
PMS_CHECK_CACHE_SECONDS = 5.0

Check = Callable[[], Awaitable[None]]


async def _timed(check: Check) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return {"ok": False, "error": f"timed out after {CHECK_TIMEOUT_SECONDS:.0f}s"}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


class ReadinessChecker:
    """The database, the state backend, the queue worker (when there is one) and, optionally, the PMS.

    `queue`: the queue's health check (queue_supervisor.py: a worker is up and the backlog moving).
    `pms`: the PMS ping, checked only when CHECK_PMS_IN_READINESS=true; its result is cached briefly to
    spare a remote PMS.
    """

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        state: StateBackend,
        queue: Check | None = None,
        pms: Check | None = None,
    ) -> None:
        self._engine = engine
        self._state = state
        self._queue = queue
        self._pms_ping = pms
        self._pms_result: tuple[float, dict[str, Any]] | None = None

    async def _database(self) -> None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def _pms(self, ping: Check) -> dict[str, Any]:
        now = time.monotonic()
        if self._pms_result is not None and now - self._pms_result[0] < PMS_CHECK_CACHE_SECONDS:
            return self._pms_result[1]
        result = await _timed(ping)
        self._pms_result = (now, result)
        return result

    async def check(self) -> dict[str, dict[str, Any]]:
        names = ["database", "redis" if self._state.name == "redis" else "state"]
        checks: list[Awaitable[dict[str, Any]]] = [_timed(self._database), _timed(self._state.ping)]
        if self._queue is not None:
            names.append("queue")
            checks.append(_timed(self._queue))
        if self._pms_ping is not None:
            names.append("pms")
            checks.append(self._pms(self._pms_ping))
        return dict(zip(names, await asyncio.gather(*checks), strict=True))
