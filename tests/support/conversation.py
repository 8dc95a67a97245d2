"""A guest talking to the app over POST /api/v1/messages, and reading the turn's replies."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

NOW = "2027-01-10T12:00:00"  # a Sunday, hotel time (Europe/Lisbon)


Say = Callable[[str], Awaitable[dict[str, Any]]]


def conversation(client: httpx.AsyncClient, conversation_id: str | None = None) -> Say:
    """A guest: each call sends one message and returns the turn's JSON."""
    cid = conversation_id or f"test-{uuid.uuid4().hex[:10]}"
    counter = iter(range(10_000))

    async def say(text: str, **extra: Any) -> dict[str, Any]:
        body = {
            "conversation_id": cid,
            "text": text,
            "now": NOW,
            "message_id": f"{cid}-{next(counter)}",
            **extra,
        }
        response = await client.post("/api/v1/messages", json=body)
        assert response.status_code == 200, response.text
        return dict(response.json())

    return say


def texts(turn: dict[str, Any]) -> str:
    return "\n".join(reply["text"] for reply in turn["replies"])


def keys(turn: dict[str, Any]) -> list[str]:
    return [reply["key"] for reply in turn["replies"]]
