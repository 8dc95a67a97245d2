"""Conversation state, stored through the state backend with a TTL so any replica can continue it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum

import orjson
from pydantic import BaseModel, Field

from hotel_agent.kit.state import StateBackend, StateWrite
from hotel_agent.pms.schemas import BookingChange


class Stage(StrEnum):
    IDLE = "idle"
    AWAITING_DATES = "awaiting_dates"
    AWAITING_ROOM_CHOICE = "awaiting_room_choice"
    AWAITING_GUEST_DETAILS = "awaiting_guest_details"
    AWAITING_BOOKING_CONFIRMATION = "awaiting_booking_confirmation"
    AWAITING_REFERENCE = "awaiting_reference"
    AWAITING_CANCEL_CONFIRMATION = "awaiting_cancel_confirmation"
    AWAITING_MODIFICATION = "awaiting_modification"
    AWAITING_MODIFY_CONFIRMATION = "awaiting_modify_confirmation"
    HANDOFF = "handoff"


class Goal(StrEnum):
    """What the guest is trying to get done; decides where a bare reference or date goes."""

    NONE = "none"
    AVAILABILITY = "availability"
    BOOKING = "booking"
    STATUS = "status"
    CANCEL = "cancel"
    MODIFY = "modify"


class StaySlots(BaseModel):
    checkin: date | None = None
    checkout: date | None = None
    adults: int | None = None
    children: int | None = None
    room_type: str | None = None
    # Ages of the children the guest told us about (one per child, in the order said); may be shorter.
    child_ages: list[int] = Field(default_factory=list)
    # What we assumed rather than heard, so the reply can say so ("for 1 night", "for 2 adults").
    assumed_nights: bool = False
    assumed_adults: bool = False


class GuestSlots(BaseModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    # The guest typed a number we could not use, or would rather not give one: a PMS that books without
    # a phone is not held up by asking again.
    phone_skipped: bool = False


class Offer(BaseModel):
    """A room type we showed the guest, numbered as shown."""

    index: int
    room_type: str
    names: dict[str, str]
    total: Decimal
    per_night: Decimal
    nights: int
    currency: str
    rooms_left: int


class ConversationState(BaseModel):
    conversation_id: str
    language: str
    stage: Stage = Stage.IDLE
    goal: Goal = Goal.NONE
    stay: StaySlots = Field(default_factory=StaySlots)
    guest: GuestSlots = Field(default_factory=GuestSlots)
    offers: list[Offer] = Field(default_factory=list)
    selected_room_type: str | None = None
    # A room type the guest asked about ("how much is the suite?"), awaiting a yes.
    proposed_room_type: str | None = None
    # Booking references this conversation made or talked about; the last one is "my booking".
    booking_refs: list[str] = Field(default_factory=list)
    active_ref: str | None = None
    # A modification waiting for the guest's yes (or, while it does not fit, a draft being completed).
    pending_change: BookingChange | None = None
    handoff: bool = False
    clarifications: int = 0
    turns: int = 0
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def remember_reference(self, reference: str) -> None:
        if reference in self.booking_refs:
            self.booking_refs.remove(reference)
        self.booking_refs.append(reference)
        self.booking_refs = self.booking_refs[-10:]
        self.active_ref = reference

    def reset_flow(self) -> None:
        """Back to idle, keeping what we know about the guest and their stay."""
        self.stage = Stage.IDLE
        self.goal = Goal.NONE
        self.pending_change = None


class ConversationStore:
    """JSON documents under `{namespace}:{id}`, expiring `ttl` seconds after the last message.

    Guests' conversations are in the `conversation` namespace; the admin simulator keeps its own
    (`simulator-conversation`), so no id a guest or channel can send reaches a simulated conversation.
    """

    def __init__(self, state: StateBackend, ttl_seconds: int, *, namespace: str = "conversation") -> None:
        self._state = state
        self._ttl = ttl_seconds
        self._namespace = namespace

    def _key(self, conversation_id: str) -> str:
        return f"{self._namespace}:{conversation_id}"

    async def load(self, conversation_id: str) -> ConversationState | None:
        raw = await self._state.get(self._key(conversation_id))
        return None if raw is None else ConversationState.model_validate_json(raw)

    async def load_with(
        self, conversation_id: str, keys: Sequence[str]
    ) -> tuple[ConversationState | None, dict[str, bytes | None]]:
        """The conversation and other keys of the guest's turn (A/B assignments), in one round trip."""
        if not keys:
            return await self.load(conversation_id), {}
        raw, *values = await self._state.get_many([self._key(conversation_id), *keys])
        state = None if raw is None else ConversationState.model_validate_json(raw)
        return state, dict(zip(keys, values, strict=True))

    async def save(self, conversation: ConversationState, also: Sequence[StateWrite] = ()) -> None:
        """Store the conversation; `also`: the turn's other writes, sent in the same round trip."""
        conversation.updated_at = datetime.now(UTC)
        payload = orjson.dumps(conversation.model_dump(mode="json"))
        key = self._key(conversation.conversation_id)
        if not also:
            await self._state.set(key, payload, ttl=self._ttl)
            return
        await self._state.write_many([StateWrite(key, payload, float(self._ttl)), *also])

    async def delete(self, conversation_id: str) -> None:
        await self._state.delete(self._key(conversation_id))

    async def export(self, conversation_id: str) -> bytes | None:
        """The stored document as it is, for a caller that may have to put it back with `restore`."""
        return await self._state.get(self._key(conversation_id))

    async def restore(self, conversation_id: str, document: bytes | None) -> None:
        """Put back what `export` returned (None: the conversation did not exist then)."""
        if document is None:
            await self._state.delete(self._key(conversation_id))
        else:
            await self._state.set(self._key(conversation_id), document, ttl=self._ttl)

    def lock(self, conversation_id: str, timeout: float = 30.0, wait: float = 35.0):  # type: ignore[no-untyped-def]
        """Messages of one conversation are handled one at a time, across replicas."""
        return self._state.lock(self._key(conversation_id), timeout=timeout, blocking_timeout=wait)
