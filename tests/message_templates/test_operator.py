"""Tried as an operator would: change what the bot says, see guests get it at once, roll it back.

These run the whole app (lifespan, conversation, admin API) on the shared test database; the one test
that changes a shipped template restores it (a rollback, as an operator would) before it ends.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
from sqlalchemy import select

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.models import TemplateUsageStat
from tests.support.admin import login, make_user
from tests.support.app import make_settings, running_app
from tests.support.conversation import conversation, keys, texts

MARK = "¡PRUEBA DE OPERADOR!"


async def editor_headers(client: httpx.AsyncClient) -> dict[str, str]:
    response = await login(client, await make_user(client, AdminRole.EDITOR))
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def spanish_availability(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    listed = await client.get(
        "/admin/templates", params={"text": "availability.success", "language": "es"}, headers=headers
    )
    [item] = [item for item in listed.json()["items"] if item["key"] == "availability.success"]
    return dict((await client.get(f"/admin/templates/{item['id']}", headers=headers)).json())


async def test_an_operator_changes_a_spanish_reply_and_rolls_it_back(database_url: str) -> None:
    async with running_app(make_settings(database_url)) as client:
        headers = await editor_headers(client)
        template = await spanish_availability(client, headers)
        original = template["active"]
        base = f"/admin/templates/{template['id']}"
        changed = await client.put(
            f"{base}/versions",
            json={"content": f"{MARK} {original['content']}", "status": "active", "note": "operator test"},
            headers=headers,
        )
        assert changed.status_code == 201, changed.text
        try:
            turn = await conversation(client)("tienen hab para el finde?")
            assert keys(turn) == ["availability.success"]
            assert texts(turn).startswith(MARK)
        finally:
            rolled = await client.post(f"{base}/rollback/{original['version']}", headers=headers)
        assert rolled.status_code == 200, rolled.text
        turn = await conversation(client)("tienen hab para el finde?")
        assert keys(turn) == ["availability.success"]
        assert MARK not in texts(turn)
        assert "viernes 15 de enero" in texts(turn)


async def test_a_second_replica_serves_the_change_within_a_second(database_url: str, redis_url: str) -> None:
    shared = {"redis_url": redis_url, "redis_key_prefix": f"test:{uuid.uuid4().hex}:"}
    async with (
        running_app(make_settings(database_url, **shared)) as first,
        running_app(make_settings(database_url, **shared)) as second,
    ):
        headers = await editor_headers(first)
        key = f"greeting.k{uuid.uuid4().hex[:10]}"
        created = await first.post(
            "/admin/templates",
            json={"key": key, "language": "en", "category": "greeting", "content": "One", "variables": []},
            headers=headers,
        )
        service = second.app.state.components.templates.service  # type: ignore[attr-defined]
        await wait_for(lambda: service.has(key, "en"), 1.0)
        assert service.render(key, "en").text == "One"
        base = f"/admin/templates/{created.json()['id']}"
        await first.put(f"{base}/versions", json={"content": "Two", "status": "active"}, headers=headers)
        started = time.monotonic()
        await wait_for(lambda: service.render(key, "en").text == "Two", 1.0)
        assert time.monotonic() - started < 1.0
        await first.post(f"{base}/rollback/1", headers=headers)
        await wait_for(lambda: service.render(key, "en").text == "One", 1.0)


async def test_a_booking_marks_the_versions_its_conversation_saw_as_converted(database_url: str) -> None:
    settings = make_settings(database_url, templates_usage_flush_seconds=0.05)
    async with running_app(settings) as client:
        say = conversation(client, f"conv-{uuid.uuid4().hex[:10]}")
        await say("do you have a double room from march 3rd to the 5th for 2 adults?")
        await say("1")
        await say("Maria Lopez, maria@example.com, +351 912 345 678")
        confirmed = await say("yes")
        assert "booking.confirmed" in keys(confirmed)
        sessionmaker = client.app.state.components.resources.sessionmaker  # type: ignore[attr-defined]

        async def converted() -> list[bool]:
            async with sessionmaker() as session:
                result = await session.execute(
                    select(TemplateUsageStat.converted)
                    .where(TemplateUsageStat.conversation_id == confirmed["conversation_id"])
                    .order_by(TemplateUsageStat.used_at, TemplateUsageStat.id)
                )
                return list(result.scalars())

        for _ in range(100):
            marks = await converted()
            if marks and marks[0]:
                break
            await asyncio.sleep(0.02)
        # Everything the guest was shown up to the booking converted; the confirmation came after it.
        assert len(marks) >= 4
        assert marks[:-1] == [True] * (len(marks) - 1)
        assert marks[-1] is False


async def wait_for(condition: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {seconds} s")
        await asyncio.sleep(0.01)
