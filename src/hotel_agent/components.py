"""The composition root: the one place that builds the product from settings, and closes it.

    async with start_components(settings, role=Role.WEB) as components:
        ...  # serve, work or chat

The web app's lifespan (app.py), `hotel-agent worker` (worker.py) and `hotel-agent chat`
(conversation/commands.py) all start here, so they cannot drift apart. The steps, in order:

    1. secrets      `Settings.check_secrets()`, once, before anything connects
    2. upstreams    one httpx client per upstream with its configured timeouts and limits
                    (QloApps when PMS_TYPE=qloapps; the Graph API when the role runs the channel)
    3. resources    database engine, state backend (Redis or in process), the PMS adapter
    4. templates    the template runtime (database source, sync, usage); if the database is down the
                    process still starts and answers from the shipped catalog (readiness says why)
    5. conversation NLU, template renderer, conversation store, staff queue, engine
    6. experiments  the running A/B tests (sticky assignment, exposures, outcomes), plugged into the
                    engine: after the conversation they observe, before the channels that serve it
       simulator    (web) a second engine over the same NLU, flows and live texts for the admin panel's
                    simulator, with a sandbox PMS, its own state namespace and nothing recorded
                    (conversation/simulator)
    7. channels     WhatsApp: intake, queue (its worker when the role runs one), outbox, sweeps
    8. readiness    one checker for /health/ready over the parts above

Every step that opens something registers its close on one `AsyncExitStack` the moment it succeeds:
when a later step fails, what was already opened is closed in reverse order and the error propagates;
on a normal stop everything is closed in reverse order, bounded by `CLOSE_TIMEOUT_SECONDS`, and a failing
close is logged, never raised past the caller. Routes reach the parts through `hotel_agent.deps` only.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import httpx
import structlog
from sqlalchemy.exc import SQLAlchemyError

from hotel_agent.channels.whatsapp.client import build_http_client as build_graph_http_client
from hotel_agent.channels.whatsapp.wiring import WhatsAppChannel, start_whatsapp
from hotel_agent.config import PmsType, Settings
from hotel_agent.conversation.simulator.service import Simulator
from hotel_agent.conversation.simulator.wiring import build_simulator
from hotel_agent.conversation.wiring import ConversationComponents, build_conversation
from hotel_agent.experiments.runtime import ExperimentRuntime
from hotel_agent.message_templates.runtime import TemplateRuntime
from hotel_agent.nlu.service import NluService
from hotel_agent.ops.heap import freeze_startup_heap
from hotel_agent.ops.lifecycle import Lifecycle
from hotel_agent.ops.readiness import ReadinessChecker
from hotel_agent.pms.qloapps.client import build_http_client as build_qloapps_http_client
from hotel_agent.pms.resilient import ResilientPmsAdapter
from hotel_agent.resources import Resources, build_resources

log = structlog.get_logger(__name__)

# Longer than the queue's bounded stop (graceful timeout + 5 s at the default 10 s).
CLOSE_TIMEOUT_SECONDS = 20.0


class Role(enum.Enum):
    """What the process is for; it decides which parts are built."""

    WEB = "web"  # HTTP API + WhatsApp intake; a queue worker in process when QUEUE_IN_PROCESS_WORKER
    WORKER = "worker"  # a queue worker, no HTTP
    CHAT = "chat"  # the terminal conversation: no channel, no queue


@dataclass(frozen=True)
class Components:
    """Everything one process runs, built once by `start_components`."""

    role: Role
    settings: Settings
    resources: Resources
    # None when the database was unreachable at start-up: replies come from the shipped catalog.
    templates: TemplateRuntime | None
    conversation: ConversationComponents
    experiments: ExperimentRuntime
    # The admin panel's simulator; None outside Role.WEB.
    simulator: Simulator | None
    # None for Role.CHAT.
    whatsapp: WhatsAppChannel | None
    readiness: ReadinessChecker
    # Whether this process is draining (web processes served by uvicorn; ops/lifecycle.py).
    lifecycle: Lifecycle


def _closing(stack: AsyncExitStack, step: str, close: Callable[[], Awaitable[object]]) -> None:
    """Register `close` for `step`; each step is logged as it closes, so a stuck one is named."""

    async def run() -> None:
        log.debug("components.closing", step=step)
        await close()

    stack.push_async_callback(run)


async def _close_bounded(stack: AsyncExitStack) -> None:
    """Close in reverse order within CLOSE_TIMEOUT_SECONDS; a close that hangs or fails is logged."""
    closing = asyncio.ensure_future(stack.aclose())
    done, _ = await asyncio.wait({closing}, timeout=CLOSE_TIMEOUT_SECONDS)
    if not done:
        log.error("components.close_timed_out", after_s=CLOSE_TIMEOUT_SECONDS)
        return
    error = closing.exception()
    if error is not None:
        log.error("components.close_failed", error=repr(error))


def _pms_http_client(settings: Settings) -> httpx.AsyncClient | None:
    if settings.pms_type is PmsType.QLOAPPS:
        return build_qloapps_http_client(settings.pms_timeout_seconds)
    return None


async def _start_templates(settings: Settings, resources: Resources) -> TemplateRuntime | None:
    try:
        return await TemplateRuntime.start(
            settings,
            sessionmaker=resources.sessionmaker,
            write_sessionmaker=resources.write_sessionmaker,
            state=resources.state,
        )
    except (OSError, SQLAlchemyError) as exc:
        # The database is down at start-up: answer guests from the shipped catalog and let
        # /health/ready report the database, instead of refusing to start at all.
        log.error("templates.database_unavailable", error=type(exc).__name__)
        return None


@asynccontextmanager
async def start_components(
    settings: Settings,
    *,
    role: Role,
    nlu: NluService | None = None,
    lifecycle: Lifecycle | None = None,
    worker_concurrency: int | None = None,
) -> AsyncIterator[Components]:
    """Build every part for `role` in order; close them in reverse order when the block ends.

    `nlu`: an already loaded model (tests share one between apps); `lifecycle`: the web process's drain
    state, installed by the lifespan; `worker_concurrency`: jobs at once for Role.WORKER.
    """
    settings.check_secrets()
    stack = AsyncExitStack()
    try:
        pms_http = _pms_http_client(settings)
        if pms_http is not None:
            _closing(stack, "pms_http", pms_http.aclose)
        resources = await build_resources(settings, pms_http=pms_http)
        _closing(stack, "resources", resources.close)
        templates = await _start_templates(settings, resources)
        if templates is not None:
            _closing(stack, "templates", templates.close)
        conversation = await build_conversation(settings, resources, nlu=nlu, templates=templates)
        experiments = await ExperimentRuntime.start(
            settings,
            sessionmaker=resources.sessionmaker,
            write_sessionmaker=resources.write_sessionmaker,
            state=resources.state,
        )
        _closing(stack, "experiments", experiments.close)
        conversation.engine.experiments = experiments
        simulator = (
            build_simulator(settings, resources, conversation, experiments) if role is Role.WEB else None
        )
        whatsapp: WhatsAppChannel | None = None
        if role is not Role.CHAT:
            graph_http = build_graph_http_client(settings.whatsapp_timeout_seconds)
            _closing(stack, "graph_http", graph_http.aclose)
            whatsapp = await start_whatsapp(
                settings,
                resources.engine,
                resources.state,
                conversation,
                http=graph_http,
                run_worker=role is Role.WORKER or settings.queue_in_process_worker,
                concurrency=worker_concurrency,
                # Keeps pms_circuit_breaker_state true in a process that has stopped calling the PMS.
                refresh_metrics=(
                    resources.pms.circuit_state if isinstance(resources.pms, ResilientPmsAdapter) else None
                ),
            )
            _closing(stack, "whatsapp", whatsapp.close)
        readiness = ReadinessChecker(
            engine=resources.engine,
            state=resources.state,
            queue=whatsapp.queue.health if whatsapp is not None else None,
            pms=resources.pms.ping if settings.check_pms_in_readiness else None,
        )
        components = Components(
            role=role,
            settings=settings,
            resources=resources,
            templates=templates,
            conversation=conversation,
            experiments=experiments,
            simulator=simulator,
            whatsapp=whatsapp,
            readiness=readiness,
            lifecycle=lifecycle or Lifecycle(settings.shutdown_drain_seconds),
        )
    except BaseException:
        log.warning("components.start_failed", role=role.value)
        await _close_bounded(stack)
        raise
    if settings.gc_freeze_after_start:
        freeze_startup_heap()
    try:
        yield components
    finally:
        await _close_bounded(stack)
