"""The admin panel's tests run the whole app (lifespan included) on SQLite and PostgreSQL.

They get databases of their own (per module): they change live templates such as `greeting.welcome`,
which the conversation tests on the shared databases read.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from tools.fake_graph_api.server import RunningFake, running_fake

from hotel_agent.migrations import upgrade
from tests.support.app import make_settings, running_app, seed_demo_database
from tests.support.cluster import fresh_database
from tests.support.services import require_postgres


@pytest.fixture(scope="module")
def ui_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('ui-db') / 'hotel_agent.db'}"
    upgrade(url)
    asyncio.run(seed_demo_database(url))
    return url


@pytest.fixture(scope="module")
def ui_postgres_url() -> Iterator[str]:
    require_postgres()
    with fresh_database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    name = "ui_sqlite_url" if request.param == "sqlite" else "ui_postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(make_settings(database_url)) as app_client:
        yield app_client


@pytest.fixture(scope="session")
def fake_graph() -> Iterator[RunningFake]:
    with running_fake() as running:
        yield running


@pytest.fixture
def fake(fake_graph: RunningFake) -> RunningFake:
    """The fake Graph API, emptied, sending no status webhooks."""
    fake_graph.fake.reset()
    fake_graph.fake.config.statuses = []
    return fake_graph
