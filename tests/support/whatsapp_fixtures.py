"""The WhatsApp channel's fixtures (its own databases, the fake Graph API), for every package that drives it.

Imported by name into the conftests that use them (pytest finds fixtures by the names a conftest holds).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from tools.fake_graph_api.server import RunningFake, running_fake

from hotel_agent.migrations import upgrade
from tests.support.app import seed_demo_database
from tests.support.cluster import fresh_database
from tests.support.services import require_postgres


@pytest.fixture(scope="module")
def whatsapp_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The channel's tests get databases of their own: their queued messages would otherwise be picked up
    by the startup sweep of every other test's app on the shared databases."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('wa-db') / 'hotel_agent.db'}"
    upgrade(url)
    asyncio.run(seed_demo_database(url))
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
