"""The conversation engine: one guest message in, the bot's replies out.

Each turn runs under the conversation's lock (so messages of one conversation are handled one at a time,
in order, across replicas), loads the state, understands the message, lets the current stage claim it
(a yes to a summary, a room number, a reference...) and otherwise routes by intent, then saves the state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import structlog

from hotel_agent.conversation import frame, metrics
from hotel_agent.conversation.attachments import attachment_reply_key
from hotel_agent.conversation.context import Turn
from hotel_agent.conversation.flows import availability, existing_booking, handoff, info, new_booking
from hotel_agent.conversation.flows.handoff import StaffInbox
from hotel_agent.conversation.replies import ReplyBuilder
from hotel_agent.conversation.schemas import InboundMessage, TurnResult
from hotel_agent.conversation.state import ConversationState, ConversationStore, Goal, Stage
from hotel_agent.conversation.stay import mentions_stay
from hotel_agent.experiments.runtime import TurnExperimentSource
from hotel_agent.kit.clock import Clock, utc_now
from hotel_agent.kit.state import StateWrite
from hotel_agent.message_templates import TemplateRenderer
from hotel_agent.nlu.choices import asks_to_see, wants_cancel
from hotel_agent.nlu.schemas import Entities, ParseResult
from hotel_agent.nlu.service import NluService
from hotel_agent.nlu.topics import detect_topic
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.errors import PmsUnavailableError
from hotel_agent.pms.schemas import HotelProfile, RoomTypeInfo

log = structlog.get_logger(__name__)

# Below this the intent is a guess: ask rather than act.
CLARIFY_BELOW = 0.45
# A confident intent that is clearly something else leaves a pending question behind.
OVERRIDE_AT = 0.8
ESCAPE_INTENTS = frozenset(
    {"human_handoff", "cancel_reservation", "booking_status", "modify_reservation", "hotel_info", "goodbye"}
)
PROFILE_TTL_SECONDS = 60.0


class ConversationEngine:
    def __init__(
        self,
        *,
        nlu: NluService,
        templates: TemplateRenderer,
        pms: PmsAdapter,
        store: ConversationStore,
        handoffs: StaffInbox,
        default_language: str = "en",
        clock: Clock = utc_now,
        on_conversion: Callable[[str], None] | None = None,
        experiments: TurnExperimentSource | None = None,
        metered: bool = True,
    ) -> None:
        self._nlu = nlu
        self._templates = templates
        self._pms = pms
        self._store = store
        self._handoffs = handoffs
        self._default_language = default_language
        self._clock = clock
        # Told the conversation id when a booking is made (template usage stats, experiments).
        self._on_conversion = on_conversion
        # A/B tests of reply wording; plugged in by the composition root once they are running.
        self.experiments = experiments
        # False for the admin simulator: its turns are not guests' and must not move the dashboards.
        self._metered = metered
        self._profile: tuple[float, HotelProfile, list[RoomTypeInfo]] | None = None

    async def _hotel(self) -> tuple[HotelProfile, list[RoomTypeInfo]]:
        """Static hotel data, kept briefly in process (the PMS adapter has its own shared cache)."""
        now = time.monotonic()
        if self._profile is None or now - self._profile[0] > PROFILE_TTL_SECONDS:
            profile = await self._pms.get_hotel_profile()
            room_types = await self._pms.list_room_types()
            self._profile = (now, profile, room_types)
        return self._profile[1], self._profile[2]

    async def handle(self, message: InboundMessage) -> TurnResult:
        started = time.perf_counter()
        async with self._store.lock(message.conversation_id):
            if message.attachment is not None and not (message.text or message.choice_id):
                result = await self._handle_attachment(message)
            else:
                result = await self._handle_locked(message)
        if self._metered:
            metrics.record_turn(message, result, low_confidence_below=CLARIFY_BELOW)
            metrics.TURN_DURATION.observe(time.perf_counter() - started)
        return result

    async def _handle_locked(self, message: InboundMessage) -> TurnResult:
        # The guest's A/B assignments come with the conversation, in its one round trip.
        sticky_keys = self.experiments.sticky_keys(message.conversation_id) if self.experiments else []
        state, sticky = await self._store.load_with(message.conversation_id, sticky_keys)
        if state is None:
            state = ConversationState(
                conversation_id=message.conversation_id, language=self._default_language
            )
            fresh = True
            if self._metered:
                metrics.record_conversation_started(message.channel)
        else:
            fresh = False
        state.turns += 1
        try:
            hotel, room_types = await self._hotel()
        except PmsUnavailableError:
            return await self._pms_down(message, state, fresh)
        zone = ZoneInfo(hotel.timezone)
        instant = message.now or self._clock()
        # A naive instant (tests, CLI --now) is read as the hotel's local time.
        now = instant.astimezone(zone) if instant.tzinfo else instant.replace(tzinfo=zone)
        parsed = self._understand(message, state, fresh, now)
        state.language = parsed.language
        # The guest of a conversation: for WhatsApp its id is the guest's number per business number.
        experiments = (
            await self.experiments.begin_turn(state.conversation_id, state.language, sticky)
            if self.experiments is not None
            else None
        )
        replies = ReplyBuilder(self._templates, state.conversation_id, state.language, experiments)
        turn = Turn(
            message=message,
            parsed=parsed,
            state=state,
            replies=replies,
            pms=self._pms,
            hotel=hotel,
            room_types=room_types,
            now=now,
            on_conversion=self._on_conversion,
            experiments=experiments,
            reread=self._rereader(message, parsed.language, zone),
        )
        if state.handoff:
            await self._handoffs.note_message(state.conversation_id, message.text)
        else:
            await self._dispatch(turn)
        sticky_writes: list[StateWrite] = []
        if self.experiments is not None:
            # Before the state is saved: a failed outcome write fails the turn, and its retry (same
            # message id, idempotent booking) records it. First assignments and exposures are stored
            # with the conversation, in its one round trip.
            sticky_writes = await self.experiments.end_turn(experiments)
        await self._store.save(state, also=sticky_writes)
        log.info(
            "conversation.turn",
            conversation_id=state.conversation_id,
            language=state.language,
            intent=parsed.intent,
            confidence=round(parsed.confidence, 3),
            stage=state.stage.value,
            replies=[reply.key for reply in replies.replies],
        )
        return TurnResult(
            conversation_id=state.conversation_id,
            language=state.language,
            intent=parsed.intent,
            confidence=parsed.confidence,
            stage=state.stage.value,
            replies=replies.replies,
            handoff=state.handoff,
        )

    async def _handle_attachment(self, message: InboundMessage) -> TurnResult:
        """Something we can't read: say so in the guest's language; while staff handle it, only note it."""
        state = await self._store.load(message.conversation_id)
        language = state.language if state is not None else self._default_language
        replies = ReplyBuilder(self._templates, message.conversation_id, language)
        handoff = state is not None and state.handoff
        if handoff:
            await self._handoffs.note_message(message.conversation_id, f"<{message.attachment}>")
        else:
            replies.say(attachment_reply_key(message.attachment or "other"))
        log.info(
            "conversation.attachment",
            conversation_id=message.conversation_id,
            attachment=message.attachment,
            handoff=handoff,
        )
        return TurnResult(
            conversation_id=message.conversation_id,
            language=language,
            intent=None,
            confidence=None,
            stage=state.stage.value if state is not None else Stage.IDLE.value,
            replies=replies.replies,
            handoff=handoff,
        )

    def _understand(
        self, message: InboundMessage, state: ConversationState, fresh: bool, now: datetime
    ) -> ParseResult:
        text = message.text or message.choice_id or ""
        parsed = self._nlu.parse(
            text, now=now, lang=message.language, previous_language=None if fresh else state.language
        )
        if message.choice_id in {"yes", "no"}:
            parsed = parsed.model_copy(
                update={"intent": "affirm" if message.choice_id == "yes" else "deny", "confidence": 1.0}
            )
        return parsed

    def _rereader(self, message: InboundMessage, language: str, zone: ZoneInfo) -> Callable[[date], Entities]:
        text = message.text or ""

        def reread(today: date) -> Entities:
            anchor = datetime.combine(today, datetime.min.time().replace(hour=12), tzinfo=zone)
            return self._nlu.extractor.extract(text, language, anchor)

        return reread

    async def _pms_down(self, message: InboundMessage, state: ConversationState, fresh: bool) -> TurnResult:
        # The hotel profile is out of reach, but the guest's language is not: answer in it.
        if message.text:
            state.language = self._nlu.language_detector.detect(
                message.text, None if fresh else state.language
            )
        replies = ReplyBuilder(self._templates, state.conversation_id, state.language)
        replies.say("errors.pms_unavailable")
        await self._store.save(state)
        return TurnResult(
            conversation_id=state.conversation_id,
            language=state.language,
            intent=None,
            confidence=None,
            stage=state.stage.value,
            replies=replies.replies,
            handoff=state.handoff,
        )

    async def _dispatch(self, turn: Turn) -> None:
        state = turn.state
        if await self._by_stage(turn):
            state.clarifications = 0
            return
        await self._by_intent(turn)

    @staticmethod
    def _corrects_search(turn: Turn) -> bool:
        """New dates or party while choosing: "actually we are 4" reads as modify, but corrects the search."""
        entities = turn.parsed.entities
        if not mentions_stay(entities) or entities.booking_ref:
            return False
        # "nos vamos el 23" read as a goodbye at 0.45 is a correction, not a goodbye.
        return (
            turn.intent not in ESCAPE_INTENTS
            or turn.intent == "modify_reservation"
            or turn.parsed.confidence < OVERRIDE_AT
        )

    def _escapes(self, turn: Turn) -> bool:
        """A confident, different request while we wait for an answer to our question.

        "can we make it 3 nights" mid-booking reads as modify_reservation but corrects this booking.
        """
        if turn.intent == "modify_reservation" and self._corrects_search(turn):
            return False
        return turn.intent in ESCAPE_INTENTS and turn.parsed.confidence >= OVERRIDE_AT

    async def _by_stage(self, turn: Turn) -> bool:
        stage = turn.state.stage
        entities = turn.parsed.entities
        if stage is Stage.AWAITING_BOOKING_CONFIRMATION:
            return not self._escapes(turn) and await new_booking.handle_confirmation(turn)
        if stage is Stage.AWAITING_CANCEL_CONFIRMATION:
            # "yes, cancel it" / "sí, cancélala" / "pode cancelar" answer the question, not restart it.
            if existing_booking.confirms_cancel(turn):
                return await existing_booking.handle_cancel_confirmation(turn)
            return not self._escapes(turn) and await existing_booking.handle_cancel_confirmation(turn)
        if stage is Stage.AWAITING_MODIFY_CONFIRMATION:
            if existing_booking.confirms_modify(turn):
                return await existing_booking.handle_modify_confirmation(turn)
            return not self._escapes(turn) and await existing_booking.handle_modify_confirmation(turn)
        if stage is Stage.AWAITING_GUEST_DETAILS:
            if self._escapes(turn) and not (entities.email or entities.name):
                return False
            if await new_booking.collect_guest_details(turn):
                return True
            if self._corrects_search(turn) or entities.room_type:
                await new_booking.start(turn)
                return True
            if turn.intent in {"make_reservation", "affirm"} or turn.parsed.confidence < CLARIFY_BELOW:
                new_booking.ask_guest_details_again(turn)
                return True
            return False
        if stage is Stage.AWAITING_ROOM_CHOICE:
            if await new_booking.choose_room(turn):
                return True
            if self._corrects_search(turn):
                await availability.search(turn, goal=turn.state.goal)
                return True
            if turn.intent == "affirm":
                turn.replies.say("booking.which_room", count=len(turn.state.offers))
                return True
            return False
        if stage is Stage.AWAITING_REFERENCE:
            return await existing_booking.reference_given(turn)
        if stage is Stage.AWAITING_DATES:
            if frame.take_guest_details(turn) and not mentions_stay(entities):
                # Details before dates are kept in the frame; the dates are still what we need.
                turn.replies.say("availability.ask_dates", goal=turn.state.goal.value)
                return True
            if self._corrects_search(turn):
                goal = turn.state.goal if turn.state.goal is not Goal.NONE else Goal.AVAILABILITY
                await availability.search(turn, goal=goal)
                return True
            return False
        if stage is Stage.AWAITING_MODIFICATION:
            return not self._escapes(turn) and await existing_booking.changes_given(turn)
        return False

    async def _by_intent(self, turn: Turn) -> None:
        state = turn.state
        intent = turn.intent
        entities = turn.parsed.entities
        if (
            entities.booking_ref
            and intent == "modify_reservation"
            and not mentions_stay(entities)
            and asks_to_see(turn.message.text)
        ):
            intent = "booking_status"  # "me puedes mirar la HA-X otra vez?"
        if entities.booking_ref and intent not in {
            "cancel_reservation",
            "modify_reservation",
            "human_handoff",
        }:
            # A reference with a cancel verb, or with new dates/party ("can we leave on the 5th?",
            # "our daughter (5) is coming, can you add her?"), is that request, not a lookup.
            if wants_cancel(turn.message.text):
                intent = "cancel_reservation"
            elif mentions_stay(entities) or frame.extra_nights(turn.message.text) is not None:
                intent = "modify_reservation"
            else:
                intent = "booking_status"
        elif turn.parsed.confidence < CLARIFY_BELOW and intent not in {"affirm", "deny"}:
            if mentions_stay(entities):
                intent = "check_availability"
            else:
                await self._clarify(turn)
                return
        state.clarifications = 0
        if intent == "modify_reservation" and not state.booking_refs and self._corrects_search(turn):
            # "we arrive next friday" with no booking to change is a stay being planned.
            intent = "make_reservation" if state.goal is Goal.BOOKING else "check_availability"
        if intent == "price_inquiry" and not mentions_stay(entities) and detect_topic(turn.message.text):
            intent = "hotel_info"  # "how much is breakfast?" is about the hotel, not room rates
        if intent == "hotel_info" and entities.checkin is not None:
            # "tienen la suite del doce al catorce de mayo?": availability; "...têm berço?" answered too.
            await availability.search(turn)
            if detect_topic(turn.message.text) is not None:
                info.answer(turn)
            return
        if (
            intent == "cancel_reservation"
            and not entities.booking_ref
            and (detect_topic(turn.message.text) == "cancellation")
        ):
            intent = "hotel_info"  # "can i cancel for free if plans change?" asks the policy
        if intent in {"check_availability", "price_inquiry"}:
            await availability.search(turn)
            info.answer_side_questions(turn)
        elif intent == "make_reservation":
            await new_booking.start(turn)
            info.answer_side_questions(turn)
        elif intent == "booking_status":
            await existing_booking.start(turn, Goal.STATUS)
        elif intent == "cancel_reservation":
            await existing_booking.start(turn, Goal.CANCEL)
        elif intent == "modify_reservation":
            await existing_booking.start(turn, Goal.MODIFY)
        elif intent == "hotel_info":
            info.answer(turn)
        elif intent == "human_handoff":
            await handoff.hand_over(turn, self._handoffs, "guest_request")
        elif intent == "greeting":
            if mentions_stay(entities):
                await availability.search(turn)
            else:
                turn.replies.say("greeting.welcome", hotel_name=turn.hotel.name, returning=state.turns > 1)
        elif intent == "thanks":
            turn.replies.say("thanks.reply", reference=state.active_ref)
        elif intent == "goodbye":
            state.reset_flow()
            turn.replies.say("goodbye.reply", hotel_name=turn.hotel.name)
        elif intent in {"affirm", "deny"}:
            await self._clarify(turn)
        else:
            turn.replies.say("fallback.out_of_scope", hotel_name=turn.hotel.name)

    async def _clarify(self, turn: Turn) -> None:
        state = turn.state
        state.clarifications += 1
        if self._metered:
            metrics.CLARIFICATIONS.inc()
        turn.replies.say("fallback.clarify", offer_handoff=state.clarifications >= 2)
