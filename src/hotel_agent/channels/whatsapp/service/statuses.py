"""The delivery status machine of an outbound message: it only moves forward.

Meta's status webhooks arrive out of order and incomplete: `read` can come without `delivered`,
`delivered` after `read`, and on multi-device `delivered` after `failed`. Each status has a rank and a
message only takes a status that ranks above its current one, in one conditional UPDATE, so any order of
arrival, any duplicate and any concurrency end in the same state. `failed` ranks above `sent` but below
`delivered`: a message delivered to one of the guest's devices was delivered.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from hotel_agent.channels.whatsapp.repository import WhatsAppRepository

STATUS_RANKS = {"sent": 10, "failed": 15, "delivered": 20, "read": 30, "played": 40}
CALLBACK_PREFIX = "ha-outbox:"


def callback_data(outbound_id: int) -> str:
    return f"{CALLBACK_PREFIX}{outbound_id}"


def outbound_id_from_callback(value: str | None) -> int | None:
    if not value or not value.startswith(CALLBACK_PREFIX):
        return None
    number = value.removeprefix(CALLBACK_PREFIX)
    return int(number) if number.isdigit() else None


async def apply_status_events(repo: WhatsAppRepository, events: Sequence[dict[str, Any]]) -> list[int]:
    """Apply new status events to their outbound messages; the ids of messages that failed with 131047."""
    reengage: list[int] = []
    for event in events:
        rank = STATUS_RANKS.get(event["status"])
        if rank is None:
            continue
        errors = (event.get("payload") or {}).get("errors") or [{}]
        first = errors[0] if isinstance(errors, list) and errors else {}
        failed = event["status"] == "failed"
        advance = partial(
            repo.advance_delivery_status,
            wamid=event["wamid"],
            status=event["status"],
            rank=rank,
            at=event["occurred_at"],
            error_code=event.get("error_code"),
            error_title=(first.get("title") or None) if failed else None,
            error_detail=((first.get("error_data") or {}).get("details") or first.get("message"))
            if failed
            else None,
        )
        outbound_id = await advance()
        if outbound_id is None:
            # Not known by this wamid: maybe a send whose answer a crash lost; our callback data says.
            lost = outbound_id_from_callback(event.get("callback_data"))
            if lost is not None and await repo.adopt_wamid(lost, event["wamid"], event["occurred_at"]):
                outbound_id = await advance()
        if outbound_id is not None and failed and event.get("error_code") == 131047:
            reengage.append(outbound_id)
    return reengage


async def apply_known_events(repo: WhatsAppRepository, wamid: str) -> list[int]:
    """Statuses that arrived before we recorded the wamid (Meta can be faster than our commit)."""
    events = await repo.status_events_for(wamid)
    rows = [
        {
            "wamid": event.wamid,
            "status": event.status,
            "occurred_at": event.occurred_at,
            "error_code": event.error_code,
            "callback_data": event.callback_data,
            "payload": event.payload,
        }
        for event in sorted(events, key=lambda event: STATUS_RANKS.get(event.status, 0))
    ]
    return await apply_status_events(repo, rows)
