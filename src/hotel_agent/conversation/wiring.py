"""Build the conversation engine and what it needs from the app's resources."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import structlog

from hotel_agent.config import Settings
from hotel_agent.conversation.engine import ConversationEngine
from hotel_agent.conversation.metered_pms import MeteredPms
from hotel_agent.conversation.staff_queue import StaffQueue
from hotel_agent.conversation.state import ConversationStore
from hotel_agent.message_templates import TemplateRenderer, YamlTemplateSource
from hotel_agent.nlu.schemas import RoomTypeVocabulary
from hotel_agent.nlu.service import NluService
from hotel_agent.pms.errors import PmsUnavailableError
from hotel_agent.resources import Resources

if TYPE_CHECKING:
    from hotel_agent.message_templates.runtime import TemplateRuntime

log = structlog.get_logger(__name__)


@dataclass
class ConversationComponents:
    nlu: NluService
    templates: TemplateRenderer
    store: ConversationStore
    handoffs: StaffQueue
    engine: ConversationEngine


async def room_type_vocabulary(resources: Resources) -> list[RoomTypeVocabulary] | None:
    """The hotel's own room types, so guests can name them; None (built-in synonyms) if the PMS is down."""
    try:
        room_types = await resources.pms.list_room_types()
    except PmsUnavailableError:
        log.warning("conversation.room_types_unavailable")
        return None
    return [
        RoomTypeVocabulary(
            code=room_type.code,
            category=room_type.category,
            names={language: [name] for language, name in room_type.names.items()},
        )
        for room_type in room_types
    ]


async def build_conversation(
    settings: Settings,
    resources: Resources,
    *,
    nlu: NluService | None = None,
    templates: TemplateRuntime | None = None,
) -> ConversationComponents:
    """`templates`: render from the database (the app); without it, from the YAML catalog (tests, dev)."""
    timezone, currency, default_language = "Europe/Lisbon", "EUR", settings.languages[0]
    try:
        profile = await resources.pms.get_hotel_profile()
        timezone, currency, default_language = profile.timezone, profile.currency, profile.default_language
    except PmsUnavailableError:
        log.warning("conversation.hotel_profile_unavailable")
    if nlu is None:
        nlu = NluService.build(
            languages=settings.languages,
            room_types=await room_type_vocabulary(resources),
            timezone=timezone,
            model_dir=settings.nlu_model_dir,
        )
        nlu.warm_up()
    if templates is not None:
        service = templates.build_service(
            default_language=default_language, currency=currency, timezone=timezone
        )
        # A database text that does not compile is logged; its earlier versions stand in at render time.
        service.warm_up(strict=False)
    else:
        service = TemplateRenderer(
            YamlTemplateSource(), default_language=default_language, currency=currency, timezone=timezone
        )
        service.warm_up()
    store = ConversationStore(resources.state, settings.conversation_ttl_seconds)
    handoffs = StaffQueue(resources.sessionmaker, resources.write_sessionmaker, store)
    engine = ConversationEngine(
        nlu=nlu,
        templates=service,
        pms=MeteredPms(resources.pms),
        store=store,
        handoffs=handoffs,
        default_language=default_language,
        on_conversion=templates.on_conversion if templates is not None else None,
    )
    return ConversationComponents(nlu=nlu, templates=service, store=store, handoffs=handoffs, engine=engine)
