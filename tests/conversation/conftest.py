"""The whole app with the real NLU model (loaded once per test run) on SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.app import make_settings, running_app


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(make_settings(database_url)) as client:
        yield client
