"""Liveness (the process answers) and readiness (its dependencies answer)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hotel_agent.deps import ResourcesDep
from hotel_agent.ops.metrics import render_metrics
from hotel_agent.resources import Resources

CHECK_TIMEOUT_SECONDS = 2.0
PMS_CHECK_CACHE_SECONDS = 5.0

router = APIRouter(tags=["operations"])


async def _timed(check: Callable[[], Awaitable[None]]) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), timeout=CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        return {"ok": False, "error": f"timed out after {CHECK_TIMEOUT_SECONDS:.0f}s"}
    except Exception as exc:
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"ok": True, "latency_ms": round((time.perf_counter() - started) * 1000, 2)}


class ReadinessChecker:
    """Checks every dependency concurrently; the PMS result is cached briefly to spare a remote PMS."""

    def __init__(self, resources: Resources) -> None:
        self._resources = resources
        self._pms_result: tuple[float, dict[str, Any]] | None = None

    async def _database(self) -> None:
        async with self._resources.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def _pms(self) -> dict[str, Any]:
        now = time.monotonic()
        if self._pms_result is not None and now - self._pms_result[0] < PMS_CHECK_CACHE_SECONDS:
            return self._pms_result[1]
        result = await _timed(self._resources.pms.ping)
        self._pms_result = (now, result)
        return result

    async def check(self) -> dict[str, dict[str, Any]]:
        names = ["database", "redis" if self._resources.state.name == "redis" else "state"]
        checks: list[Awaitable[dict[str, Any]]] = [_timed(self._database), _timed(self._resources.state.ping)]
        queue = self._resources.extras.get("queue")
        if queue is not None:
            # The queue worker is up and the backlog moving (queue_supervisor.py).
            names.append("queue")
            checks.append(_timed(queue.health))
        if self._resources.settings.check_pms_in_readiness:
            names.append("pms")
            checks.append(self._pms())
        return dict(zip(names, await asyncio.gather(*checks), strict=True))


@router.get("/health/live")
async def live() -> dict[str, str]:
    """The process is up and answering."""
    return {"status": "ok"}


@router.get(
    "/health/ready",
    responses={
        503: {"description": "a dependency is unreachable, the queue worker is down or stalled, or stopping"}
    },
)
async def ready(request: Request, resources: ResourcesDep) -> JSONResponse:
    """Database and Redis reachable, the queue worker up and its backlog moving (and the PMS when
    CHECK_PMS_IN_READINESS=true); 503 once stopping."""
    lifecycle = getattr(request.app.state, "lifecycle", None)
    if lifecycle is not None and lifecycle.draining:
        body = {"status": "shutting_down", "failing": ["shutdown"], "checks": {}}
        return JSONResponse(body, status_code=503)
    checker: ReadinessChecker = resources.extras.setdefault("readiness", ReadinessChecker(resources))
    checks = await checker.check()
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "unavailable" if failing else "ok", "failing": failing, "checks": checks}
    return JSONResponse(body, status_code=503 if failing else 200)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    payload, content_type = render_metrics()
    return Response(payload, media_type=content_type)
