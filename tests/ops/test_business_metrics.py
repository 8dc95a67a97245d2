"""Business metrics counted at the conversation's boundaries, through the real app and its PMS."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from prometheus_client import REGISTRY

from hotel_agent.conversation import metrics
from hotel_agent.message_templates import YamlTemplateSource
from tests.support.app import make_settings, running_app
from tests.support.conversation import conversation, keys


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.fixture
async def client(sqlite_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(make_settings(sqlite_url)) as client:
        yield client


async def test_a_booking_and_its_cancellation_are_counted_with_their_value(client: httpx.AsyncClient) -> None:
    before = {
        "started": value("hotel_agent_conversations_started_total", channel="api"),
        "messages": value("hotel_agent_guest_messages_total", language="en", channel="api"),
        "offers": value("hotel_agent_goals_completed_total", goal="availability"),
        "booked": value("hotel_agent_goals_completed_total", goal="booking"),
        "created": value("hotel_agent_bot_bookings_total", action="created", currency="EUR"),
        "created_value": value("hotel_agent_bot_booking_value_total", action="created", currency="EUR"),
        "cancelled": value("hotel_agent_bot_bookings_total", action="cancelled", currency="EUR"),
    }
    say = conversation(client, f"metrics-{uuid.uuid4().hex[:8]}")
    await say("do you have a double room from march 3rd to the 5th for 2 adults?")
    await say("1")
    await say("Maria Lopez, maria@example.com, +351 912 345 678")
    confirmed = await say("yes")
    assert keys(confirmed) == ["booking.confirmed"]
    reference = confirmed["replies"][0]["text"].split("HA-", 1)[1].split()[0].strip(".,*")
    booking = await client.app.state.components.resources.pms.get_booking(f"HA-{reference}")  # type: ignore[attr-defined]
    await say(f"please cancel booking {booking.reference}")
    done = await say("yes")
    assert keys(done) == ["cancel.done"]

    assert value("hotel_agent_conversations_started_total", channel="api") == before["started"] + 1
    assert value("hotel_agent_guest_messages_total", language="en", channel="api") == before["messages"] + 6
    assert value("hotel_agent_goals_completed_total", goal="availability") == before["offers"] + 1
    assert value("hotel_agent_goals_completed_total", goal="booking") == before["booked"] + 1
    assert value("hotel_agent_bot_bookings_total", action="created", currency="EUR") == before["created"] + 1
    assert value("hotel_agent_bot_booking_value_total", action="created", currency="EUR") == pytest.approx(
        before["created_value"] + float(booking.total)
    )
    assert booking.total > Decimal(0)
    cancelled = value("hotel_agent_bot_bookings_total", action="cancelled", currency="EUR")
    assert cancelled == before["cancelled"] + 1


async def test_fallbacks_low_confidence_and_handoffs_are_counted(client: httpx.AsyncClient) -> None:
    before_scope = value("hotel_agent_nlu_fallbacks_total", kind="out_of_scope")
    before_clarify = value("hotel_agent_nlu_fallbacks_total", kind="clarify")
    before_handoffs = value("hotel_agent_handoffs_requested_total", reason="guest_request")
    before_waits = value("hotel_agent_handoff_wait_seconds_count")
    say = conversation(client)
    assert keys(await say("who won the football game yesterday?")) == ["fallback.out_of_scope"]
    assert keys(await say("yes")) == ["fallback.clarify"]
    assert value("hotel_agent_nlu_fallbacks_total", kind="out_of_scope") == before_scope + 1
    assert value("hotel_agent_nlu_fallbacks_total", kind="clarify") == before_clarify + 1

    cid = f"handoff-{uuid.uuid4().hex[:8]}"
    guest = conversation(client, cid)
    assert (await guest("quero falar com um atendente"))["handoff"] is True
    await guest("alô? tem alguém aí?")  # the same open handoff: not counted again
    assert value("hotel_agent_handoffs_requested_total", reason="guest_request") == before_handoffs + 1
    assert value("hotel_agent_guest_messages_total", language="pt", channel="api") >= 2
    await client.app.state.components.conversation.handoffs.release(cid, "staff")  # type: ignore[attr-defined]
    assert value("hotel_agent_handoff_wait_seconds_count") == before_waits + 1


def test_the_replies_that_count_as_goals_and_fallbacks_exist_in_the_catalog() -> None:
    known = YamlTemplateSource().keys()
    for key in [*metrics.GOAL_REPLIES, *metrics.FALLBACK_REPLIES]:
        assert key in known, f"{key} is counted by the metrics but is not a reply template"
