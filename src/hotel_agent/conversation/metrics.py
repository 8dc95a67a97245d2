"""Conversation metrics: the NLU-quality and business signals a hotel manager reads (docs/metrics.md).

Every label set is bounded: channels, languages and goals are closed sets, intents come from the NLU's
fixed label set, handoff reasons from the code, currencies from the hotel profile (one per hotel).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from prometheus_client import Counter, Histogram

if TYPE_CHECKING:
    from hotel_agent.conversation.schemas import InboundMessage, TurnResult

TURNS = Counter("hotel_agent_conversation_turns_total", "Guest messages handled, by intent.", ["intent"])
# The canary's business signal (ops/deploy/analysis.py): the share of turns the bot did not understand.
CLARIFICATIONS = Counter(
    "hotel_agent_conversation_clarifications_total", "Guest messages answered with a request to rephrase."
)
TURN_DURATION = Histogram(
    "hotel_agent_conversation_turn_seconds",
    "Time to handle one guest message, lock to saved state.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
CONVERSATIONS_STARTED = Counter(
    "hotel_agent_conversations_started_total",
    "Conversations started (first message of a conversation, or first after its state expired).",
    ["channel"],
)
GUEST_MESSAGES = Counter(
    "hotel_agent_guest_messages_total",
    "Guest messages handled by the conversation engine, by detected language and channel.",
    ["language", "channel"],
)
GOALS_COMPLETED = Counter(
    "hotel_agent_goals_completed_total",
    "Guest requests the bot completed on its own (offers shown, booked, status, cancel, modify, info).",
    ["goal"],
)
NLU_FALLBACKS = Counter(
    "hotel_agent_nlu_fallbacks_total",
    "Turns answered with a clarifying question (clarify) or an out-of-scope answer (out_of_scope).",
    ["kind"],
)
LOW_CONFIDENCE = Counter(
    "hotel_agent_nlu_low_confidence_total",
    "Turns whose best intent scored below the engine's clarification threshold, by that intent.",
    ["intent"],
)
HANDOFFS_REQUESTED = Counter(
    "hotel_agent_handoffs_requested_total",
    "Conversations handed to staff (a new open handoff), by reason.",
    ["reason"],
)
HANDOFF_WAIT = Histogram(
    "hotel_agent_handoff_wait_seconds",
    "From a handoff being opened to staff releasing the conversation back to the bot.",
    buckets=(30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400),
)
BOT_BOOKINGS = Counter(
    "hotel_agent_bot_bookings_total",
    "Bookings created, modified or cancelled through the bot, by action and hotel currency.",
    ["action", "currency"],
)
BOT_BOOKING_VALUE = Counter(
    "hotel_agent_bot_booking_value_total",
    "Value of those bookings in the hotel currency (created: total; modified: new total; cancelled: "
    "total of the cancelled booking).",
    ["action", "currency"],
)

CHANNELS = ("api", "whatsapp", "cli")
GOALS = ("availability", "booking", "status", "cancel", "modify", "info")
FALLBACK_KINDS = ("clarify", "out_of_scope")
BOOKING_ACTIONS = ("created", "modified", "cancelled")
# The reply that means the guest's request was done, by goal (tests check these keys exist).
GOAL_REPLIES: dict[str, str] = {
    "availability.success": "availability",
    "availability.requested_type_available": "availability",
    "booking.confirmed": "booking",
    "status.details": "status",
    "cancel.done": "cancel",
    "modify.done": "modify",
    "info.checkin_checkout": "info",
    "info.address": "info",
    "info.contact": "info",
    "info.amenities": "info",
    "info.policy": "info",
    "info.general": "info",
    "info.amenity_available": "info",
    "info.amenity_missing": "info",
}
FALLBACK_REPLIES: dict[str, str] = {"fallback.clarify": "clarify", "fallback.out_of_scope": "out_of_scope"}

# Known label values start at zero, so rate() and ratios have a series before the first event.
for _channel in CHANNELS:
    CONVERSATIONS_STARTED.labels(_channel)
for _goal in GOALS:
    GOALS_COMPLETED.labels(_goal)
for _kind in FALLBACK_KINDS:
    NLU_FALLBACKS.labels(_kind)
HANDOFFS_REQUESTED.labels("guest_request")


def record_turn(message: InboundMessage, result: TurnResult, *, low_confidence_below: float) -> None:
    """Count one handled guest message from what the engine answered."""
    TURNS.labels(result.intent or "none").inc()
    GUEST_MESSAGES.labels(result.language, message.channel).inc()
    if result.confidence is not None and result.intent and result.confidence < low_confidence_below:
        LOW_CONFIDENCE.labels(result.intent).inc()
    for goal in _distinct(GOAL_REPLIES.get(reply.key) for reply in result.replies):
        GOALS_COMPLETED.labels(goal).inc()
    for kind in _distinct(FALLBACK_REPLIES.get(reply.key) for reply in result.replies):
        NLU_FALLBACKS.labels(kind).inc()


def record_conversation_started(channel: str) -> None:
    CONVERSATIONS_STARTED.labels(channel).inc()


def record_booking(action: str, total: Decimal, currency: str) -> None:
    BOT_BOOKINGS.labels(action, currency).inc()
    BOT_BOOKING_VALUE.labels(action, currency).inc(float(total))


def record_handoff_wait(opened_at: datetime, released_at: datetime | None) -> None:
    if released_at is None:
        return
    # SQLite hands back naive datetimes (stored as UTC).
    opened = opened_at if opened_at.tzinfo else opened_at.replace(tzinfo=UTC)
    released = released_at if released_at.tzinfo else released_at.replace(tzinfo=UTC)
    HANDOFF_WAIT.observe(max(0.0, (released - opened).total_seconds()))


def _distinct(values: Iterable[str | None]) -> list[str]:
    return sorted({value for value in values if value is not None})
