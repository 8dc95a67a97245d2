"""Two app instances sharing PostgreSQL and Redis give a guest the same variant, a weight change keeps
it, and so does a restart (a fresh database of its own: the experiment runs on the shipped greeting)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import httpx
import pytest

from hotel_agent.experiments.hashing import assign
from tests.support.app import make_settings, running_app
from tests.support.cluster import fresh_database
from tests.support.experiments import headers
from tests.support.services import require_postgres

MARKER = "lovely to hear from you"


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[str]:
    require_postgres()
    with fresh_database() as url:
        yield url


async def variant_seen(client: httpx.AsyncClient, guest: str) -> str:
    response = await client.post("/api/v1/messages", json={"conversation_id": guest, "text": "Hello"})
    assert response.status_code == 200, response.text
    [reply] = [r for r in response.json()["replies"] if r["key"] == "greeting.welcome"]
    return "variant_a" if MARKER in reply["text"] else "control"


async def test_same_variant_across_instances_weight_changes_and_restarts(
    own_postgres: str, redis_url: str
) -> None:
    settings = make_settings(own_postgres, redis_url=redis_url, queue_in_process_worker=False)
    key = f"replicas-{uuid.uuid4().hex[:8]}"
    guests = [f"api-guest-{uuid.uuid4().hex[:10]}" for _ in range(16)]
    async with running_app(settings) as app_a, running_app(settings) as app_b:
        editor = await headers(app_a)
        body = {
            "key": key,
            "name": "Warmer greeting",
            "template_key": "greeting.welcome",
            "languages": ["en"],
            "variants": [
                {"name": "control", "weight": 0.5},
                {
                    "name": "variant_a",
                    "weight": 0.5,
                    "texts": {"en": f"Hi, {MARKER}! {{{{ hotel_name }}}} here."},
                },
            ],
        }
        assert (await app_a.post("/admin/experiments", json=body, headers=editor)).status_code == 201
        assert (await app_a.post(f"/admin/experiments/{key}/start", headers=editor)).status_code == 200
        runtime_b = app_b.app.state.components.experiments  # type: ignore[attr-defined]
        for _ in range(100):  # B hears of the start through the shared stamp
            if runtime_b.running:
                break
            await asyncio.sleep(0.1)
        expected = {g: ("variant_a" if assign(key, g, [0.5, 0.5]) == 1 else "control") for g in guests}
        assert set(expected.values()) == {"control", "variant_a"}
        for guest in guests:
            assert await variant_seen(app_a, guest) == expected[guest]
            assert await variant_seen(app_b, guest) == expected[guest]
        # Weights that would put nearly everyone in variant_a: the guests already assigned stay put.
        changed = await app_a.patch(
            f"/admin/experiments/{key}",
            json={"weights": {"control": 0.01, "variant_a": 0.99}},
            headers=editor,
        )
        assert changed.status_code == 200
        await asyncio.sleep(1.0)
        for guest in guests:
            assert await variant_seen(app_b, guest) == expected[guest]
    async with running_app(settings) as restarted:
        for guest in guests:
            assert await variant_seen(restarted, guest) == expected[guest]
        editor = await headers(restarted)
        await restarted.post(f"/admin/experiments/{key}/stop", headers=editor)
