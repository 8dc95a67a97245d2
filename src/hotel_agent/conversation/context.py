"""Everything a flow needs for one turn: the guest's message understood, the state, the PMS, replies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from hotel_agent.conversation.replies import ReplyBuilder
from hotel_agent.conversation.schemas import InboundMessage
from hotel_agent.conversation.state import ConversationState
from hotel_agent.experiments.runtime import TurnExperiments
from hotel_agent.nlu.schemas import Entities, ParseResult
from hotel_agent.pms.base import PmsAdapter
from hotel_agent.pms.schemas import HotelProfile, RoomTypeInfo


@dataclass
class Turn:
    message: InboundMessage
    parsed: ParseResult
    state: ConversationState
    replies: ReplyBuilder
    pms: PmsAdapter
    hotel: HotelProfile
    room_types: list[RoomTypeInfo]
    now: datetime  # in the hotel's time zone
    on_conversion: Callable[[str], None] | None = None
    # The guest's A/B assignments this turn (None outside running experiments): outcomes go here.
    experiments: TurnExperiments | None = None
    # The message's entities read again as if today were the given day (frame.stay_entities).
    reread: Callable[[date], Entities] | None = None

    @property
    def today(self) -> date:
        return self.now.date()

    @property
    def intent(self) -> str:
        return self.parsed.intent

    @property
    def language(self) -> str:
        return self.state.language

    def room_name(self, code: str) -> str:
        for room_type in self.room_types:
            if room_type.code == code:
                return room_type.name_in(self.language)
        for offer in self.state.offers:
            if offer.room_type == code:
                return offer.names.get(self.language) or offer.names.get("en") or code
        return code

    def converted(self, reference: str | None = None) -> None:
        """A booking was made: the template versions this conversation was shown count as converted,
        and the experiments the guest was exposed to count a conversion."""
        if self.on_conversion is not None:
            self.on_conversion(self.state.conversation_id)
        if self.experiments is not None:
            self.experiments.outcome("conversion", reference)

    def cancelled(self, reference: str | None = None) -> None:
        """A booking was cancelled: a guard-rail outcome of the experiments the guest was exposed to."""
        if self.experiments is not None:
            self.experiments.outcome("cancellation", reference)

    def idempotency_key(self, action: str) -> str:
        """Derived from the inbound message id, so a retried message never repeats a PMS write."""
        base = self.message.message_id or f"{self.state.conversation_id}:turn-{self.state.turns}"
        return f"{base}:{action}"
