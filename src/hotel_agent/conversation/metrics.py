"""Conversation metrics."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

TURNS = Counter("hotel_agent_conversation_turns_total", "Guest messages handled, by intent.", ["intent"])
TURN_DURATION = Histogram(
    "hotel_agent_conversation_turn_seconds",
    "Time to handle one guest message, lock to saved state.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
