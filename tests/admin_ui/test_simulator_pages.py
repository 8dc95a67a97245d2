"""The simulator: staff chat as a guest through the same engine, in a sandbox that real guests never see.

What it must prove: a simulated booking is not in the real PMS; a draft shows in the simulator while
guests still read the live text; a forced variant shows and no exposure is logged; nothing a guest's
turn records (metrics, handoffs, usage) moves; viewers are refused; what the operator typed is escaped.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.models import Booking, ExperimentExposure, Handoff
from hotel_agent.pms.errors import BookingNotFoundError
from tests.support.admin_ui import UI, Operator, sign_in

_LOCATION = re.compile(r"/simulator\?id=([\w-]+)")


def _components(client: httpx.AsyncClient) -> Any:
    return client.app.state.components  # type: ignore[attr-defined]


def _total(metric: str) -> float:
    """Every sample of a counter, summed over its labels."""
    return sum(
        sample.value
        for family in REGISTRY.collect()
        for sample in family.samples
        if sample.name == metric + "_total"
    )


async def _count(client: httpx.AsyncClient, query: Any) -> int:
    async with _components(client).resources.sessionmaker() as session:
        return int((await session.execute(query)).scalar_one())


class Simulation:
    def __init__(self, client: httpx.AsyncClient, operator: Operator, **options: str) -> None:
        self.client, self.operator, self.options, self.id = client, operator, options, ""

    async def say(self, text: str = "", **fields: str) -> str:
        data = {"csrf_token": self.operator.csrf, "id": self.id, "text": text, **self.options, **fields}
        response = await self.client.post(f"{UI}/simulator", data=data)
        assert response.status_code == 303, response.text[:2000]
        match = _LOCATION.search(response.headers["location"])
        assert match is not None
        self.id = match.group(1)
        page = await self.client.get(f"{UI}/simulator?id={self.id}")
        assert page.status_code == 200
        return page.text


def _last_turn(page: str) -> str:
    return page.rsplit('id="latest"', 1)[1]


async def test_a_simulated_booking_never_reaches_the_real_pms(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client)
    bookings_before = await _count(client, select(func.count()).select_from(Booking))
    metrics_before = {
        name: _total(name)
        for name in (
            "hotel_agent_conversation_turns",
            "hotel_agent_bot_bookings",
            "hotel_agent_goals_completed",
            "hotel_agent_template_renders",
        )
    }
    sim = Simulation(client, editor)
    page = await sim.say("do you have a double room from march 3rd to the 5th for 2 adults?")
    assert "Sandbox" in page
    assert "availability.success" in page or "booking" in page
    await sim.say("1")
    await sim.say("Maria Lopez, maria@example.com, +351 912 345 678")
    confirmed = _last_turn(await sim.say("yes"))
    assert "booking.confirmed" in confirmed
    match = re.search(r"HA-[2-9A-HJ-NP-Z]{6}", confirmed)
    assert match is not None, confirmed
    reference = match.group(0)

    with pytest.raises(BookingNotFoundError):
        await _components(client).resources.pms.get_booking(reference)
    assert await _count(client, select(func.count()).select_from(Booking)) == bookings_before
    # The simulator knows its own booking (and only it): status, then cancel, all in the sandbox.
    status = _last_turn(await sim.say(f"what is the status of booking {reference}?"))
    assert "status.details" in status
    assert "Maria Lopez" in status
    for name, before in metrics_before.items():
        assert _total(name) == before, name


async def test_a_draft_shows_in_the_simulator_while_guests_get_the_live_text(
    client: httpx.AsyncClient,
) -> None:
    editor = await sign_in(client)
    listing = await client.get(f"{UI}/templates?text=greeting.welcome&language=en")
    found = re.search(r'href="/admin/ui/templates/(\d+)" data-edit="greeting.welcome/en"', listing.text)
    assert found is not None
    template_id = found.group(1)
    draft_text = f"Draft greeting {uuid.uuid4().hex[:6]} for {{{{ hotel_name }}}}"
    saved = await client.post(
        f"{UI}/templates/{template_id}",
        data={"csrf_token": editor.csrf, "content": draft_text, "note": "try me", "action": "draft"},
    )
    assert saved.status_code == 303, saved.text
    history = await client.get(f"{UI}/templates/{template_id}/history")
    link = re.search(rf'href="/admin/ui/simulator\?template={template_id}&amp;version=(\d+)"', history.text)
    assert link is not None, "the history offers to try the draft in the simulator"
    opened = await client.get(f"{UI}/simulator?template={template_id}&version={link.group(1)}")
    assert opened.status_code == 200
    assert "in place of its live text" in opened.text
    chosen = re.search(r'<option value="(\d+)" selected>greeting.welcome \(en\)', opened.text)
    assert chosen is not None

    shown = draft_text.split(" for ")[0]
    sim = Simulation(client, editor, draft=chosen.group(1), language="en")
    page = _last_turn(await sim.say("hello"))
    assert shown in page
    assert f"draft v{link.group(1)}" in page
    guest = await client.post(
        "/api/v1/messages", json={"conversation_id": f"guest-{uuid.uuid4().hex}", "text": "hello"}
    )
    assert shown not in guest.text
    assert "Welcome to Hotel Miradouro Lisboa" in guest.json()["replies"][0]["text"]
    # Without the draft the simulator reads the live text too.
    plain = Simulation(client, editor)
    assert shown not in _last_turn(await plain.say("hello"))


async def test_a_forced_variant_shows_and_logs_no_exposure(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client)
    key = f"bye-{uuid.uuid4().hex[:6]}"
    variant_text = "See you soon at {{ hotel_name }}, take care!"
    created = await client.post(
        f"{UI}/templates/ab-tests",
        data={
            "csrf_token": editor.csrf,
            "key": key,
            "name": "Warmer goodbye",
            "template_key": "goodbye.reply",
            "languages": "en",
            "coverage": "1",
            "goal_days": "7",
            "variant_name": "variant_a",
            "variant_weight": "0.5",
            "text.en": variant_text,
        },
    )
    assert created.status_code == 303, created.text
    assert (
        await client.post(f"{UI}/templates/ab-tests/{key}/start", data={"csrf_token": editor.csrf})
    ).status_code == 303
    components = _components(client)
    experiment = next(e for e in components.experiments.running if e.key == key)
    exposures = (
        select(func.count())
        .select_from(ExperimentExposure)
        .where(ExperimentExposure.experiment_id == experiment.id)
    )

    sim = Simulation(client, editor, variant=f"{key}/variant_a", language="en")
    page = _last_turn(await sim.say("bye, thanks"))
    assert "See you soon at Hotel Miradouro Lisboa" in page
    assert "no exposure recorded" in page
    control = Simulation(client, editor, variant=f"{key}/control", language="en")
    assert "See you soon" not in _last_turn(await control.say("bye, thanks"))
    await components.experiments.flush()
    assert await _count(client, exposures) == 0
    assert await components.resources.state.get(experiment.sticky_key(sim.id)) is None

    # A real guest's goodbye is an exposure: what the simulator left out is what guests do count.
    guest = await client.post(
        "/api/v1/messages", json={"conversation_id": f"guest-{uuid.uuid4().hex}", "text": "bye, thanks"}
    )
    assert guest.status_code == 200
    await components.experiments.flush()
    assert await _count(client, exposures) == 1
    await client.post(f"{UI}/templates/ab-tests/{key}/stop", data={"csrf_token": editor.csrf})


async def test_a_handoff_stays_out_of_the_inbox_and_reset_starts_afresh(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client)
    sim = Simulation(client, editor)
    page = _last_turn(await sim.say("I want to talk to a person"))
    assert "handoff.started" in page
    assert "would now wait in the inbox" in page
    assert (
        await _count(
            client, select(func.count()).select_from(Handoff).where(Handoff.conversation_id == sim.id)
        )
        == 0
    )
    inbox = await client.get(f"{UI}/inbox")
    assert sim.id not in inbox.text
    reset = await client.post(f"{UI}/simulator/reset", data={"csrf_token": editor.csrf, "id": sim.id})
    assert reset.status_code == 303
    assert (await client.get(f"{UI}/simulator?id={sim.id}")).text.count('class="bubble guest"') == 0
    # A guest id equal to the simulation's reaches another conversation (its own namespace).
    guest = await client.post("/api/v1/messages", json={"conversation_id": sim.id, "text": "hello"})
    assert guest.json()["replies"][0]["key"] == "greeting.welcome"


async def test_escaping_roles_and_ownership(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client)
    sim = Simulation(client, editor)
    page = await sim.say('<script>alert("x")</script><img src=x onerror=alert(1)>')
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    no_csrf = await client.post(f"{UI}/simulator", data={"text": "hello"})
    assert no_csrf.status_code == 403
    # Another editor does not see this simulation; a viewer may not use the simulator at all.
    other = await sign_in(client)
    mine = await client.get(f"{UI}/simulator?id={sim.id}")
    assert "alert" not in mine.text
    viewer = await sign_in(client, AdminRole.VIEWER)
    refused = await client.post(f"{UI}/simulator", data={"csrf_token": viewer.csrf, "text": "hello"})
    assert refused.status_code == 403
    assert (await client.get(f"{UI}/simulator")).status_code == 403
    assert other.username != editor.username
