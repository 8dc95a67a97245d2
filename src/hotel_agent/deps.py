"""FastAPI dependencies: the only way a route reaches the process's parts (the composition root's).

The lifespan stores one `Components` (components.py) on the app; everything below reads it from there.
All `async def`: FastAPI runs a plain `def` dependency in a thread pool, a hop per request for a lookup.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.channels.whatsapp.service.staff_replies import StaffReplies
from hotel_agent.channels.whatsapp.wiring import WhatsAppChannel
from hotel_agent.components import Components
from hotel_agent.config import Settings
from hotel_agent.conversation.engine import ConversationEngine
from hotel_agent.conversation.simulator.service import Simulator
from hotel_agent.conversation.staff_queue import StaffQueue
from hotel_agent.conversation.wiring import ConversationComponents
from hotel_agent.db import session_scope
from hotel_agent.errors import ServiceUnavailableError
from hotel_agent.experiments.runtime import ExperimentRuntime
from hotel_agent.kit.state import StateBackend
from hotel_agent.message_templates.runtime import TemplateRuntime
from hotel_agent.nlu.service import NluService
from hotel_agent.ops.lifecycle import Lifecycle
from hotel_agent.ops.readiness import ReadinessChecker
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.resources import Resources


async def get_components(request: Request) -> Components:
    components: Components = request.app.state.components
    return components


ComponentsDep = Annotated[Components, Depends(get_components)]


async def get_resources(components: ComponentsDep) -> Resources:
    return components.resources


ResourcesDep = Annotated[Resources, Depends(get_resources)]


async def get_settings_dep(components: ComponentsDep) -> Settings:
    return components.settings


async def get_state(resources: ResourcesDep) -> StateBackend:
    return resources.state


async def get_pms(resources: ResourcesDep) -> PmsAdapter:
    return resources.pms


async def get_conversation(components: ComponentsDep) -> ConversationComponents:
    return components.conversation


ConversationDep = Annotated[ConversationComponents, Depends(get_conversation)]


async def get_engine(conversation: ConversationDep) -> ConversationEngine:
    return conversation.engine


async def get_handoffs(conversation: ConversationDep) -> StaffQueue:
    return conversation.handoffs


async def get_nlu_service(conversation: ConversationDep) -> NluService:
    """The service the composition root built and warmed."""
    return conversation.nlu


async def get_template_runtime(components: ComponentsDep) -> TemplateRuntime:
    if components.templates is None:
        raise ServiceUnavailableError(
            "the template database was unreachable when this process started; restart it once it answers"
        )
    return components.templates


async def get_experiments(components: ComponentsDep) -> ExperimentRuntime:
    return components.experiments


async def get_simulator(components: ComponentsDep) -> Simulator:
    if components.simulator is None:
        raise ServiceUnavailableError("this process does not run the admin simulator")
    return components.simulator


async def get_channel(components: ComponentsDep) -> WhatsAppChannel:
    if components.whatsapp is None:
        raise ServiceUnavailableError("this process does not run the WhatsApp channel")
    return components.whatsapp


async def get_staff_replies(channel: Annotated[WhatsAppChannel, Depends(get_channel)]) -> StaffReplies:
    return channel.staff_replies


async def get_readiness(components: ComponentsDep) -> ReadinessChecker:
    return components.readiness


async def get_lifecycle(components: ComponentsDep) -> Lifecycle:
    return components.lifecycle


_READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request, resources: ResourcesDep) -> AsyncIterator[AsyncSession]:
    """The request's transaction: committed when the handler succeeds, rolled back when it raises.

    The commit happens before the response is sent, so a commit failure reaches the client as an error.
    A request that may write (POST, PUT, ...) takes SQLite's write lock when it begins: a deferred
    transaction that reads and then writes fails at once with "database is locked" when another
    connection wrote meanwhile (a login's UPDATE beside a template-usage flush). PostgreSQL is unaffected.
    """
    sessionmaker = (
        resources.sessionmaker if request.method in _READ_ONLY_METHODS else resources.write_sessionmaker
    )
    async with session_scope(sessionmaker) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StateDep = Annotated[StateBackend, Depends(get_state)]
PmsDep = Annotated[PmsAdapter, Depends(get_pms)]
EngineDep = Annotated[ConversationEngine, Depends(get_engine)]
HandoffsDep = Annotated[StaffQueue, Depends(get_handoffs)]
NluServiceDep = Annotated[NluService, Depends(get_nlu_service)]
TemplateRuntimeDep = Annotated[TemplateRuntime, Depends(get_template_runtime)]
ExperimentsDep = Annotated[ExperimentRuntime, Depends(get_experiments)]
SimulatorDep = Annotated[Simulator, Depends(get_simulator)]
ChannelDep = Annotated[WhatsAppChannel, Depends(get_channel)]
StaffRepliesDep = Annotated[StaffReplies, Depends(get_staff_replies)]
ReadinessDep = Annotated[ReadinessChecker, Depends(get_readiness)]
LifecycleDep = Annotated[Lifecycle, Depends(get_lifecycle)]
# scope="function": the commit runs when the handler returns, before the response is sent.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
