"""Build the simulator beside the guests' conversation (the composition root calls this)."""

from __future__ import annotations

from hotel_agent.config import Settings
from hotel_agent.conversation.engine import ConversationEngine
from hotel_agent.conversation.simulator.renderer import DraftRenderer
from hotel_agent.conversation.simulator.sandbox_parts import SandboxStaffInbox, SimulatedExperiments
from hotel_agent.conversation.simulator.sandbox_pms import SandboxPms
from hotel_agent.conversation.simulator.service import Simulator
from hotel_agent.conversation.state import ConversationStore
from hotel_agent.conversation.wiring import ConversationComponents
from hotel_agent.experiments.runtime import ExperimentRuntime
from hotel_agent.resources import Resources

NAMESPACE = "simulator-conversation"


def build_simulator(
    settings: Settings,
    resources: Resources,
    conversation: ConversationComponents,
    experiments: ExperimentRuntime,
) -> Simulator:
    """The guests' NLU, flows and live template source; the sandbox's PMS, state, inbox and experiments.

    Its renderer compiles texts on first use (no warm-up: start-up does not pay for a page few open).
    """
    live = conversation.templates
    renderer = DraftRenderer(
        live.source,
        default_language=live.default_language,
        currency=live.currency,
        timezone=live.timezone,
        metered=False,
    )
    ttl = settings.conversation_ttl_seconds
    store = ConversationStore(resources.state, ttl, namespace=NAMESPACE)
    pms = SandboxPms(resources.pms, resources.state, ttl)
    engine = ConversationEngine(
        nlu=conversation.nlu,
        templates=renderer,
        pms=pms,
        store=store,
        handoffs=SandboxStaffInbox(),
        default_language=live.default_language,
        experiments=SimulatedExperiments(experiments),
        metered=False,
    )
    return Simulator(
        engine=engine,
        store=store,
        state=resources.state,
        sessionmaker=resources.sessionmaker,
        ttl_seconds=ttl,
        pms_name=resources.pms.name,
    )
