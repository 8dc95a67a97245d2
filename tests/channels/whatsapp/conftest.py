"""Fixtures of the WhatsApp channel tests: the fake Graph API on loopback, signed webhooks, settings."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from tools.fake_graph_api.server import RunningFake, running_fake

from hotel_agent.channels.whatsapp.simulation import signed_request, webhook
from hotel_agent.config import DEV_WHATSAPP_PHONE_NUMBER_ID, Settings
from hotel_agent.migrations import upgrade
from tests.channels.whatsapp.cluster import fresh_database
from tests.conftest import _seed, make_settings
from tests.services import require_postgres

APP_SECRET = "dev-whatsapp-app-secret"
PHONE_NUMBER_ID = DEV_WHATSAPP_PHONE_NUMBER_ID


@pytest.fixture(scope="module")
def whatsapp_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The channel's tests get databases of their own: their queued messages would otherwise be picked up
    by the startup sweep of every other test's app on the shared databases."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('wa-db') / 'hotel_agent.db'}"
    upgrade(url)
    asyncio.run(_seed(url))
    return url


@pytest.fixture(scope="module")
def whatsapp_postgres_url() -> Iterator[str]:
    require_postgres()
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Runs the test once on SQLite and once on PostgreSQL (this module's own databases)."""
    name = "whatsapp_sqlite_url" if request.param == "sqlite" else "whatsapp_postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture(scope="session")
def fake_server() -> Iterator[RunningFake]:
    with running_fake() as running:
        yield running


@pytest.fixture
def fake(fake_server: RunningFake) -> RunningFake:
    """The fake Graph API, emptied, sending no status webhooks unless a test asks."""
    fake_server.fake.reset()
    fake_server.fake.config.statuses = []
    return fake_server


def new_guest() -> str:
    return "346" + str(random.randint(10_000_000, 99_999_999))  # a valid Spanish mobile: bookings need one


def wa_settings(database_url: str, fake_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "whatsapp_api_base_url": fake_url,
        "whatsapp_retry_base_seconds": 0.05,
        "whatsapp_reconcile_seconds": 0.5,
        "whatsapp_send_retries": 2,
        "queue_sweep_seconds": 0.2,
        "queue_stalled_seconds": 2.0,
        "queue_heartbeat_seconds": 0.5,
    }
    values.update(overrides)
    return make_settings(database_url, **values)


async def post_webhook(
    client: httpx.AsyncClient,
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
) -> httpx.Response:
    body, headers = signed_request(webhook(phone_number_id, messages=messages, statuses=statuses), APP_SECRET)
    return await client.post("/webhooks/whatsapp", content=body, headers=headers)


async def wait_until(check: Callable[[], Awaitable[Any]], within: float = 15.0, every: float = 0.05) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s (last: {result!r})")
        await asyncio.sleep(every)


def sent_to(fake: RunningFake, wa_id: str) -> list[dict[str, Any]]:
    return [message for message in list(fake.fake.messages) if message["to"] == wa_id]
