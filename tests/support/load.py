"""A bounded load of signed WhatsApp webhooks, one new guest per message, and the exactly-once check.

`WebhookLoad.run` sends `total` messages with `concurrency` senders to whichever target `pick()` names
(one URL: nginx; or a stand-in balancer that follows readiness) and records every answer. A request
fails when it gets anything but 200 or no answer at all; nothing is retried by the client. Given `until`,
it stops when that event is set (`total` is then the most it sends). `ConversationLoad` does the same
with multi-turn guest conversations on POST /api/v1/messages (each turn must come back with replies).
Both record which upstream answered (nginx's X-Upstream header) and when each failure happened.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from tools.fake_graph_api.server import RunningFake

from hotel_agent.channels.whatsapp.simulation import message_payload, signed_request, webhook
from hotel_agent.models import WhatsAppInboundMessage
from tests.support.whatsapp import APP_SECRET, PHONE_NUMBER_ID, new_guest

TEXTS = ["hello, what time is check-in?", "do you have parking?", "is breakfast included?"]


@dataclass
class WebhookLoad:
    total: int
    concurrency: int = 4
    pace_seconds: float = 0.02
    sent: dict[str, str] = field(default_factory=dict)  # wamid -> guest
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    failed_at: list[float] = field(default_factory=list)  # time.monotonic() of each failure
    upstreams: Counter[str] = field(default_factory=Counter)

    async def run(self, pick: Callable[[], str], until: asyncio.Event | None = None) -> None:
        counter = iter(range(self.total))

        async def sender() -> None:
            async with httpx.AsyncClient(timeout=15) as client:
                for number in counter:
                    if until is not None and until.is_set():
                        return
                    guest = new_guest()
                    message = message_payload(wa_id=guest, text=TEXTS[number % len(TEXTS)])
                    body, headers = signed_request(webhook(PHONE_NUMBER_ID, messages=[message]), APP_SECRET)
                    target = pick()
                    try:
                        response = await client.post(
                            f"{target}/webhooks/whatsapp", content=body, headers=headers
                        )
                    except httpx.TransportError as exc:
                        self.statuses["transport_error"] += 1
                        self.failures.append(f"{target}: {type(exc).__name__}: {exc}")
                        self.failed_at.append(time.monotonic())
                    else:
                        self.statuses[str(response.status_code)] += 1
                        self.upstreams[response.headers.get("x-upstream", target)] += 1
                        if response.status_code == 200:
                            self.sent[message["id"]] = guest
                        else:
                            self.failures.append(f"{target}: {response.status_code} {response.text[:200]}")
                            self.failed_at.append(time.monotonic())
                    await asyncio.sleep(self.pace_seconds)

        await asyncio.gather(*(sender() for _ in range(self.concurrency)))

    @property
    def failed(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "200")


CONVERSATION = ["hello", "what time is check-in?", "do you have parking?", "thank you"]


@dataclass
class ConversationLoad:
    """Guests talking to POST /api/v1/messages: each guest's turns in order, each answered with replies."""

    guests: int
    concurrency: int = 2
    pace_seconds: float = 0.02
    turns: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    failed_at: list[float] = field(default_factory=list)
    upstreams: Counter[str] = field(default_factory=Counter)

    async def run(self, base_url: str, until: asyncio.Event | None = None) -> None:
        counter = iter(range(self.guests))

        async def guest_loop() -> None:
            async with httpx.AsyncClient(base_url=base_url, timeout=15) as client:
                for _ in counter:
                    if until is not None and until.is_set():
                        return
                    conversation = f"guest-{new_guest()}"
                    for number, text in enumerate(CONVERSATION):
                        await self._turn(client, conversation, number, text)
                        await asyncio.sleep(self.pace_seconds)

        await asyncio.gather(*(guest_loop() for _ in range(self.concurrency)))

    async def _turn(self, client: httpx.AsyncClient, conversation: str, number: int, text: str) -> None:
        body = {"conversation_id": conversation, "text": text, "message_id": f"{conversation}-{number}"}
        try:
            response = await client.post("/api/v1/messages", json=body)
        except httpx.TransportError as exc:
            self.statuses["transport_error"] += 1
            self.failures.append(f"{conversation}: {type(exc).__name__}: {exc}")
            self.failed_at.append(time.monotonic())
            return
        self.statuses[str(response.status_code)] += 1
        self.upstreams[response.headers.get("x-upstream", "direct")] += 1
        if response.status_code != 200 or not response.json().get("replies"):
            self.failures.append(f"{conversation}: {response.status_code} {response.text[:200]}")
            self.failed_at.append(time.monotonic())
            return
        self.turns += 1

    @property
    def failed(self) -> int:
        return len(self.failures)


async def wait_answered(database_url: str, wamids: list[str], within: float = 90.0) -> dict[str, str]:
    """Every message's status once all are done (or whatever they are when `within` runs out)."""
    engine = create_async_engine(database_url)
    deadline = time.monotonic() + within
    try:
        while True:
            async with engine.connect() as connection:
                rows = await connection.execute(
                    select(WhatsAppInboundMessage.wamid, WhatsAppInboundMessage.status).where(
                        WhatsAppInboundMessage.wamid.in_(wamids)
                    )
                )
                statuses = dict(rows.all())
            if len(statuses) == len(wamids) and all(s == "done" for s in statuses.values()):
                return statuses
            if time.monotonic() > deadline:
                return statuses
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


def replies_per_guest(fake: RunningFake, guests: list[str]) -> Counter[str]:
    """How many messages the fake Graph API accepted for each guest (each sent exactly one)."""
    wanted = set(guests)
    counts: Counter[str] = Counter(dict.fromkeys(guests, 0))
    for message in list(fake.fake.messages):
        if message.get("to") in wanted:
            counts[message["to"]] += 1
    return counts


def summary(load: WebhookLoad, replies: Counter[str]) -> dict[str, Any]:
    return {
        "requests": sum(load.statuses.values()),
        "failed": load.failed,
        "statuses": dict(load.statuses),
        "answered_once": sum(1 for count in replies.values() if count == 1),
        "unanswered": sum(1 for count in replies.values() if count == 0),
        "answered_twice_or_more": sum(1 for count in replies.values() if count > 1),
    }
