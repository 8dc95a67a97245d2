"""A simulated conversation: its transcript and settings, and one turn through the simulator's engine.

The transcript (every turn: what the operator typed or tapped, the bot's replies with their buttons or
list, what a real turn would have recorded) is kept in the state backend under
`simulator:transcript:<id>`, with the conversations' TTL, and belongs to the operator who started it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.conversation.engine import ConversationEngine
from hotel_agent.conversation.schemas import InboundMessage, Reply
from hotel_agent.conversation.simulator.options import CURRENT, ForcedVariant, TurnOptions
from hotel_agent.conversation.state import ConversationStore
from hotel_agent.errors import NotFoundError, UnprocessableError
from hotel_agent.experiments.repository import ExperimentRepository
from hotel_agent.experiments.runtime import RunningExperiment
from hotel_agent.kit.state import StateBackend
from hotel_agent.message_templates.db_source import entry_for
from hotel_agent.message_templates.repository import TemplateVersionRepository
from hotel_agent.message_templates.schemas import TemplateEntry

TRANSCRIPT_PREFIX = "simulator:transcript:"
MAX_TURNS = 60
TRYABLE_EXPERIMENTS = ("draft", "running", "paused")


class SimulationSettings(BaseModel):
    # None: detected from what is typed, as for a guest.
    language: str | None = Field(default=None, max_length=16)
    # A template version's row id (a draft, or any version not live) rendered in place of its key's text.
    draft_version_id: int | None = None
    experiment: str | None = Field(default=None, max_length=64)
    variant: str | None = Field(default=None, max_length=32)


class SimulatedTurn(BaseModel):
    guest: str
    replies: list[Reply]
    language: str
    intent: str | None
    stage: str
    handoff: bool
    notes: list[str] = Field(default_factory=list)
    draft_shown: bool = False


class Transcript(BaseModel):
    id: str
    owner: str
    settings: SimulationSettings = Field(default_factory=SimulationSettings)
    turns: list[SimulatedTurn] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class DraftChoice:
    version_id: int
    template_id: int
    key: str
    language: str
    version: int
    note: str | None
    created_by: str


@dataclass(frozen=True, slots=True)
class VariantChoice:
    experiment: str
    name: str
    status: str
    template_key: str
    variant: str


class Simulator:
    def __init__(
        self,
        *,
        engine: ConversationEngine,
        store: ConversationStore,
        state: StateBackend,
        sessionmaker: async_sessionmaker[AsyncSession],
        ttl_seconds: float,
        pms_name: str,
    ) -> None:
        self.engine = engine
        self._store = store
        self._state = state
        self._sessionmaker = sessionmaker
        self._ttl = ttl_seconds
        # Named on the page: where availability and prices come from.
        self.pms_name = pms_name

    async def load(self, owner: str, simulation_id: str) -> Transcript | None:
        """The operator's simulation, or None (expired, reset, or someone else's)."""
        if not simulation_id or len(simulation_id) > 64:
            return None
        raw = await self._state.get(TRANSCRIPT_PREFIX + simulation_id)
        if raw is None:
            return None
        transcript = Transcript.model_validate_json(raw)
        return transcript if transcript.owner == owner else None

    async def send(
        self,
        owner: str,
        simulation_id: str | None,
        settings: SimulationSettings,
        *,
        text: str = "",
        choice_id: str | None = None,
    ) -> Transcript:
        """One guest message (typed, or a tapped button/list row) through the simulator's engine."""
        if not text.strip() and not choice_id:
            raise UnprocessableError("type a message or tap one of the bot's options")
        transcript = await self.load(owner, simulation_id) if simulation_id else None
        if transcript is None:
            transcript = Transcript(id=secrets.token_urlsafe(12), owner=owner)
        options = TurnOptions(
            draft=await self._draft(settings.draft_version_id), forced=await self._forced(settings)
        )
        transcript.settings = settings
        shown = text
        if choice_id:
            shown = next(
                (
                    option.title
                    for turn in transcript.turns[-1:]
                    for reply in turn.replies
                    for option in reply.options
                    if option.id == choice_id
                ),
                choice_id,
            )
        token = CURRENT.set(options)
        try:
            result = await self.engine.handle(
                InboundMessage(
                    conversation_id=transcript.id,
                    text=text if not choice_id else "",
                    choice_id=choice_id,
                    message_id=f"simulator:{transcript.id}:{len(transcript.turns) + 1}",
                    channel="simulator",
                    language=settings.language,
                )
            )
        finally:
            CURRENT.reset(token)
        transcript.turns.append(
            SimulatedTurn(
                guest=shown,
                replies=result.replies,
                language=result.language,
                intent=result.intent,
                stage=result.stage,
                handoff=result.handoff,
                notes=options.notes,
                draft_shown=options.draft_shown,
            )
        )
        transcript.turns = transcript.turns[-MAX_TURNS:]
        await self._state.set(
            TRANSCRIPT_PREFIX + transcript.id, transcript.model_dump_json().encode(), ttl=self._ttl
        )
        return transcript

    async def reset(self, owner: str, simulation_id: str) -> None:
        """Forget the simulated conversation (the bot starts afresh); its sandbox bookings expire alone."""
        transcript = await self.load(owner, simulation_id)
        if transcript is None:
            return
        await self._store.delete(transcript.id)
        await self._state.delete(TRANSCRIPT_PREFIX + transcript.id)

    # What can be tried

    async def drafts(self, limit: int = 50) -> list[DraftChoice]:
        async with self._sessionmaker() as session:
            rows = await TemplateVersionRepository.from_session(session).latest_drafts(limit)
        return [DraftChoice(v.id, t.id, t.key, t.language, v.version, v.note, v.created_by) for t, v in rows]

    async def variants(self) -> list[VariantChoice]:
        async with self._sessionmaker() as session:
            experiments = await ExperimentRepository.from_session(session).list_all()
        return [
            VariantChoice(e.key, e.name, e.status, e.template_key, str(v["name"]))
            for e in experiments
            if e.status in TRYABLE_EXPERIMENTS
            for v in e.variants
        ]

    async def draft_choice(self, version_id: int) -> DraftChoice:
        async with self._sessionmaker() as session:
            found = await TemplateVersionRepository.from_session(session).with_template(version_id)
        if found is None:
            raise NotFoundError(f"no template version {version_id}")
        t, v = found
        return DraftChoice(v.id, t.id, t.key, t.language, v.version, v.note, v.created_by)

    async def version_id_of(self, template_id: int, version: int) -> int:
        """The row id of a template's numbered version (the history page links by number)."""
        async with self._sessionmaker() as session:
            found = await TemplateVersionRepository.from_session(session).get(template_id, version)
        if found is None:
            raise NotFoundError(f"template {template_id} has no version {version}")
        return found.id

    async def _draft(self, version_id: int | None) -> TemplateEntry | None:
        if version_id is None:
            return None
        async with self._sessionmaker() as session:
            found = await TemplateVersionRepository.from_session(session).with_template(version_id)
        if found is None:
            raise NotFoundError(f"no template version {version_id}")
        template, version = found
        if version.variant is not None:
            raise UnprocessableError("an experiment's variant text is tried by forcing its variant")
        return entry_for(template, version)

    async def _forced(self, settings: SimulationSettings) -> ForcedVariant | None:
        if not settings.experiment or not settings.variant:
            return None
        async with self._sessionmaker() as session:
            experiment = await ExperimentRepository.from_session(session).get_by_key(settings.experiment)
        if experiment is None or experiment.status not in TRYABLE_EXPERIMENTS:
            raise NotFoundError(f"no draft, running or paused experiment {settings.experiment!r}")
        names = [str(v["name"]) for v in experiment.variants]
        if settings.variant not in names:
            raise UnprocessableError(
                f"experiment {experiment.key!r} has no variant {settings.variant!r}; "
                f"one of {', '.join(names)}"
            )
        return ForcedVariant(RunningExperiment.of(experiment), settings.variant)
