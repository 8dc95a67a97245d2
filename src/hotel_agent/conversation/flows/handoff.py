"""Human handoff: flag the conversation for staff, tell the guest what happens next, then stay silent."""

from __future__ import annotations

from typing import Protocol

from hotel_agent.conversation.context import Turn
from hotel_agent.conversation.state import Stage


class HandoffRecorder(Protocol):
    async def open_handoff(
        self, conversation_id: str, language: str, reason: str, last_message: str
    ) -> None: ...


class StaffInbox(HandoffRecorder, Protocol):
    """Where the engine hands conversations to staff: the real queue (staff_queue.py), or the simulator's."""

    async def note_message(self, conversation_id: str, text: str) -> None: ...


async def hand_over(turn: Turn, recorder: HandoffRecorder, reason: str) -> None:
    state = turn.state
    state.handoff = True
    state.stage = Stage.HANDOFF
    await recorder.open_handoff(state.conversation_id, state.language, reason, turn.message.text)
    turn.replies.say("handoff.started", hotel_name=turn.hotel.name, phone=turn.hotel.phone)
