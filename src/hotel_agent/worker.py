"""`hotel-agent worker`: a queue worker process, built by the same composition root as the web app.

Run as many as the load needs, on any machine that reaches the database (and Redis): each guest's
messages still go one at a time and in order. SIGTERM/SIGINT stop it gracefully (running jobs get
10 seconds); a worker that dies instead has its jobs retried once its heartbeat is QUEUE_STALLED_SECONDS
old.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Annotated

import structlog
import typer

from hotel_agent.config import get_settings

log = structlog.get_logger(__name__)


def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Jobs at once (default QUEUE_WORKER_CONCURRENCY).", min=1)
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve this process's Prometheus metrics on this port.")
    ] = None,
) -> None:
    """Process queued jobs (guest messages) until stopped."""
    from hotel_agent.components import Role, start_components
    from hotel_agent.ops.logging import configure_logging

    settings = get_settings()

    async def run() -> None:
        configure_logging(settings)
        if metrics_port:
            from prometheus_client import start_http_server

            start_http_server(metrics_port, addr=settings.host)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        async with start_components(settings, role=Role.WORKER, worker_concurrency=concurrency) as components:
            resources = components.resources
            log.info("worker.started", database=resources.engine.dialect.name, state=resources.state.name)
            await stop.wait()
        log.info("worker.stopped")

    asyncio.run(run())
