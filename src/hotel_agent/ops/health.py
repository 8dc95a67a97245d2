"""Liveness (the process answers) and readiness (its dependencies answer; ops/readiness.py)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from hotel_agent.deps import LifecycleDep, ReadinessDep
from hotel_agent.ops.metrics import render_metrics

router = APIRouter(tags=["operations"])


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
async def ready(lifecycle: LifecycleDep, readiness: ReadinessDep) -> JSONResponse:
    """Database and Redis reachable, the queue worker up and its backlog moving (and the PMS when
    CHECK_PMS_IN_READINESS=true); 503 once stopping."""
    if lifecycle.draining:
        body = {"status": "shutting_down", "failing": ["shutdown"], "checks": {}}
        return JSONResponse(body, status_code=503)
    checks = await readiness.check()
    failing = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "unavailable" if failing else "ok", "failing": failing, "checks": checks}
    return JSONResponse(body, status_code=503 if failing else 200)


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    payload, content_type = render_metrics()
    return Response(payload, media_type=content_type)
