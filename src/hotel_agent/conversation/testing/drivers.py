"""How a test guest reaches the bot: in process, over the REST API, or as signed WhatsApp webhooks.

Each driver sends one guest turn and returns what came back as an `Observation`. Over WhatsApp only the
texts come back (read from the fake Graph API the deployment sends to); reply keys, stage and intent are
then unknown and those expectations are reported as not checkable rather than passed.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import httpx
import orjson

from hotel_agent.channels.whatsapp.security import SIGNATURE_HEADER, sign
from hotel_agent.channels.whatsapp.simulation import message_payload, new_wamid, webhook
from hotel_agent.conversation.schemas import InboundMessage

if TYPE_CHECKING:  # the engine loads NLU and scikit-learn: only the in-process harness needs it
    from hotel_agent.conversation.engine import ConversationEngine

# The embedded PMS says HA-7K3Q9P, QloApps QA-12: two capitals, a dash, the code.
REFERENCE = re.compile(r"\b[A-Z]{2}-[0-9A-Z]{1,12}\b")


@dataclass
class Observation:
    """The bot's answer to one turn, as far as the channel shows it."""

    texts: list[str]
    keys: list[str] | None = None  # None: the channel does not say which template a reply came from
    stage: str | None = None
    intent: str | None = None
    language: str | None = None
    references: list[str] = field(default_factory=list)


def references_in(texts: list[str]) -> list[str]:
    found: list[str] = []
    for text in texts:
        for ref in REFERENCE.findall(text):
            if ref not in found:
                found.append(ref)
    return found


class DriverError(Exception):
    """The deployment did not answer a turn properly (HTTP error, no reply in time)."""


class Driver(Protocol):
    async def send(
        self, conversation_id: str, *, text: str, choice_id: str | None, message_id: str, now: datetime | None
    ) -> Observation: ...


class EngineDriver:
    """In process: the engine of the embedded default (or whatever the settings configure)."""

    def __init__(self, engine: ConversationEngine) -> None:
        self._engine = engine

    async def send(
        self, conversation_id: str, *, text: str, choice_id: str | None, message_id: str, now: datetime | None
    ) -> Observation:
        result = await self._engine.handle(
            InboundMessage(
                conversation_id=conversation_id,
                text=text,
                choice_id=choice_id,
                message_id=message_id,
                now=now,
            )
        )
        texts = [reply.text for reply in result.replies]
        return Observation(
            texts=texts,
            keys=[reply.key for reply in result.replies],
            stage=result.stage,
            intent=result.intent,
            language=result.language,
            references=references_in(texts),
        )


class RestDriver:
    """`POST {url}/api/v1/messages` of any deployment."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def send(
        self, conversation_id: str, *, text: str, choice_id: str | None, message_id: str, now: datetime | None
    ) -> Observation:
        body: dict[str, Any] = {"conversation_id": conversation_id, "text": text, "message_id": message_id}
        if choice_id is not None:
            body["choice_id"] = choice_id
        if now is not None:
            body["now"] = now.isoformat()
        try:
            response = await self._client.post("/api/v1/messages", json=body)
        except httpx.HTTPError as exc:
            raise DriverError(f"POST /api/v1/messages failed: {exc!r}") from exc
        if response.status_code != 200:
            raise DriverError(f"POST /api/v1/messages answered {response.status_code}: {response.text[:300]}")
        data = response.json()
        texts = [str(reply["text"]) for reply in data["replies"]]
        return Observation(
            texts=texts,
            keys=[str(reply["key"]) for reply in data["replies"]],
            stage=data.get("stage"),
            intent=data.get("intent"),
            language=data.get("language"),
            references=references_in(texts),
        )


class WhatsAppDriver:
    """Signed webhooks to `{url}/webhooks/whatsapp`; replies read back from the fake Graph API.

    The conversation id must be digits (it is the guest's WhatsApp id). A turn's replies are the messages
    to that guest that arrive until none has arrived for `settle` seconds (at most `timeout`).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        graph: httpx.AsyncClient,
        *,
        app_secret: str,
        phone_number_id: str,
        timeout: float = 20.0,
        settle: float = 0.6,
    ) -> None:
        self._client = client
        self._graph = graph
        self._secret = app_secret
        self._phone_number_id = phone_number_id
        self._timeout = timeout
        self._settle = settle
        self._seen: dict[str, int] = {}

    async def _messages_to(self, wa_id: str) -> list[dict[str, Any]]:
        response = await self._graph.get("/__fake__/messages", params={"to": wa_id})
        response.raise_for_status()
        data = response.json()
        items = data.get("messages", data) if isinstance(data, dict) else data
        return [item for item in items if isinstance(item, dict)]

    async def send(
        self, conversation_id: str, *, text: str, choice_id: str | None, message_id: str, now: datetime | None
    ) -> Observation:
        wa_id = conversation_id
        if wa_id not in self._seen:
            self._seen[wa_id] = len(await self._messages_to(wa_id))
        timestamp = int(now.timestamp()) if now is not None else int(time.time())
        if choice_id is not None:
            message = message_payload(
                wa_id=wa_id,
                kind="button_reply",
                text=text or choice_id,
                choice_id=choice_id,
                timestamp=timestamp,
            )
        else:
            message = message_payload(wa_id=wa_id, text=text, wamid=new_wamid(), timestamp=timestamp)
        body = orjson.dumps(webhook(self._phone_number_id, messages=[message]))
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(body, self._secret)}
        try:
            response = await self._client.post("/webhooks/whatsapp", content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DriverError(f"POST /webhooks/whatsapp failed: {exc!r}") from exc
        if response.status_code != 200:
            raise DriverError(
                f"POST /webhooks/whatsapp answered {response.status_code}: {response.text[:300]}"
            )
        texts = await self._collect(wa_id)
        return Observation(texts=texts, references=references_in(texts))

    async def _collect(self, wa_id: str) -> list[str]:
        deadline = time.monotonic() + self._timeout
        before = self._seen[wa_id]
        count, last_change = before, time.monotonic()
        messages: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            messages = await self._messages_to(wa_id)
            if len(messages) != count:
                count, last_change = len(messages), time.monotonic()
            elif count > before and time.monotonic() - last_change >= self._settle:
                break
            await asyncio.sleep(0.1)
        if count == before:
            raise DriverError(f"no WhatsApp reply to {wa_id} within {self._timeout:.0f} s")
        self._seen[wa_id] = count
        return [_message_text(item) for item in messages[before:count]]


def _message_text(item: dict[str, Any]) -> str:
    body = item.get("body", item)
    if not isinstance(body, dict):
        return str(body)
    if "text" in body and isinstance(body["text"], dict):
        return str(body["text"].get("body", ""))
    interactive = body.get("interactive")
    if isinstance(interactive, dict):
        return str(interactive.get("body", {}).get("text", ""))
    return str(body)
