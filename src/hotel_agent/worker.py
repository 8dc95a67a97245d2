"""`hotel-agent worker`: a queue worker process, wired like the web app's lifespan but without HTTP.

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

log = structlog.get_logger("hotel_agent.worker")


def worker(
    concurrency: Annotated[
        int | None, typer.Option(help="Jobs at once (default QUEUE_WORKER_CONCURRENCY).", min=1)
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve this process's Prometheus metrics on this port.")
    ] = None,
) -> None:
    """Process queued jobs (guest messages) until stopped."""
    from hotel_agent.channels.whatsapp.wiring import start_whatsapp
    from hotel_agent.conversation.wiring import build_conversation
    from hotel_agent.message_templates.runtime import TemplateRuntime
    from hotel_agent.ops.heap import freeze_startup_heap
    from hotel_agent.ops.logging import configure_logging
    from hotel_agent.resources import build_resources

    settings = get_settings()
    settings.check_secrets()

    async def run() -> None:
        configure_logging(settings)
        if metrics_port:
            from prometheus_client import start_http_server

            start_http_server(metrics_port, addr=settings.host)
        resources = await build_resources(settings)
        templates = await TemplateRuntime.start(settings, resources)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        try:
            conversation = await build_conversation(settings, resources, templates=templates)
            channel = await start_whatsapp(
                settings, resources, conversation, run_worker=True, concurrency=concurrency
            )
            if settings.gc_freeze_after_start:
                freeze_startup_heap()
            log.info("worker.started", database=resources.engine.dialect.name, state=resources.state.name)
            try:
                await stop.wait()
            finally:
                await channel.close()
        finally:
            await templates.close()
            await resources.close()
            log.info("worker.stopped")

    asyncio.run(run())
