"""Property-based fuzz of the signed webhook (hypothesis): whatever a correctly signed body holds, the
answer is never a 5xx, and every well-formed message in it is stored exactly once, also when Meta
delivers the same body again. On PostgreSQL, where NUL characters and integer ranges bite."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from tools.fake_graph_api.server import RunningFake

from hotel_agent.channels.whatsapp.security import sign
from hotel_agent.channels.whatsapp.simulation import message_payload, new_wamid
from hotel_agent.models import WhatsAppInboundMessage
from tests.support.app import running_app
from tests.support.whatsapp import APP_SECRET, PHONE_NUMBER_ID, wa_settings

# Values a hostile or buggy sender could put anywhere: huge and negative integers, NaN-free floats,
# NUL characters and odd Unicode, deep-ish nesting.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.sampled_from(["\x00", "a\x00b", "wamid.\x00", "", " ", "9" * 30]),
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
MESSAGE_KEYS = ["from", "id", "timestamp", "type", "text", "interactive", "location", "context", "errors"]
STATUS_KEYS = ["id", "status", "timestamp", "recipient_id", "errors", "conversation", "pricing"]


@st.composite
def mangled(draw: st.DrawFn, base: dict[str, Any], keys: list[str]) -> Any:
    """`base` with some keys dropped, retyped or added, or something that is not an object at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(JSON)
    item = dict(base)
    for key in draw(st.lists(st.sampled_from(keys), max_size=3, unique=True)):
        if draw(st.booleans()):
            item.pop(key, None)
        else:
            item[key] = draw(JSON)
    extra = draw(st.dictionaries(st.text(max_size=8), JSON, max_size=2))
    return {**item, **extra}


def valid_message(guest: int) -> dict[str, Any]:
    return message_payload(wa_id=f"3466{guest:07d}", text=f"fuzz {guest}")


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[dict[str, Any], list[str]]:
    """A delivery and the wamids of its well-formed messages (unique per example)."""
    valid = [valid_message(draw(st.integers(0, 9_999_999))) for _ in range(draw(st.integers(0, 3)))]
    broken_messages = [
        draw(mangled(message_payload(wa_id="34660000000", text="x"), MESSAGE_KEYS))
        for _ in range(draw(st.integers(0, 3)))
    ]
    status = {"id": new_wamid(), "status": "delivered", "timestamp": "1700000000", "recipient_id": "1"}
    statuses = [draw(mangled(status, STATUS_KEYS)) for _ in range(draw(st.integers(0, 2)))]
    messages = draw(st.permutations([*valid, *broken_messages]))
    value: Any = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": PHONE_NUMBER_ID},
        "messages": messages,
        "statuses": statuses,
        "contacts": draw(st.one_of(st.just([{"wa_id": "1", "profile": {"name": "G"}}]), JSON)),
    }
    change: Any = {"field": "messages", "value": value}
    if draw(st.integers(0, 5)) == 0:
        change = draw(mangled(change, ["field", "value"]))
    entries: list[Any] = [{"id": "102290129340398", "changes": [change]}]
    if draw(st.booleans()):
        entries.append(draw(mangled({"id": "1", "changes": []}, ["id", "changes"])))
    payload = {"object": "whatsapp_business_account", "entry": entries}
    # The messages count as well-formed only while their change still says what it is.
    intact = isinstance(change, dict) and change.get("value") is value and change.get("field") == "messages"
    return payload, [message["id"] for message in valid] if intact else []


@pytest.fixture(scope="module")
def database_url(whatsapp_postgres_url: str) -> str:
    return whatsapp_postgres_url


@pytest.fixture
async def client(database_url: str, fake: RunningFake) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(wa_settings(database_url, fake.url, queue_in_process_worker=False)) as client:
        yield client


async def stored(client: httpx.AsyncClient, wamids: list[str]) -> dict[str, int]:
    sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]
    async with sessionmaker() as session:
        result = await session.execute(
            select(WhatsAppInboundMessage.wamid, func.count())
            .where(WhatsAppInboundMessage.wamid.in_(wamids))
            .group_by(WhatsAppInboundMessage.wamid)
        )
        return {wamid: int(n) for wamid, n in result.all()}


@pytest.mark.slow
@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,  # the same examples in every CI run; a failure reproduces
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(delivery=deliveries())
async def test_a_signed_delivery_never_gets_a_5xx_and_valid_messages_are_stored_once(
    client: httpx.AsyncClient, delivery: tuple[dict[str, Any], list[str]]
) -> None:
    payload, valid = delivery
    # json, not orjson: the bodies carry integers past 64 bits, which orjson refuses to encode.
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": sign(body, APP_SECRET), "Content-Type": "application/json"}
    for _delivery in range(2):  # Meta redelivers what it thinks went unanswered
        response = await client.post("/webhooks/whatsapp", content=body, headers=headers)
        assert response.status_code < 500, response.text
        if valid:
            assert response.status_code == 200, response.text
    if valid:
        assert await stored(client, valid) == dict.fromkeys(valid, 1), (payload, response.text)
