"""Every replica sees an activation: through pub/sub, the stamp poll, or the database check.

Each test leaves one path open (the others are set to an hour), so seeing the text at all proves that
path; the bound is generous because a loaded 2-core CI machine can stall a reload for a second.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.db import session_scope
from hotel_agent.kit.state import MemoryStateBackend, RedisStateBackend, StateBackend
from hotel_agent.message_templates.db_source import DatabaseTemplateSource
from hotel_agent.message_templates.sync import CHANNEL, STAMP_KEY, TemplateCatalogSync, publish_change
from hotel_agent.message_templates.versioning import TemplateOptions, TemplateVersionService
from tests.support.templates import add_version, make_template

Replica = tuple[DatabaseTemplateSource, TemplateCatalogSync]
WINDOW = 5.0  # seconds; far below the hour the closed paths would take


@pytest.fixture(params=["memory", "redis"])
async def shared_state(request: pytest.FixtureRequest) -> AsyncIterator[Callable[[], StateBackend]]:
    """Makes the state backend of one more replica: the same memory backend, or its own Redis client."""
    made: list[StateBackend] = []
    if request.param == "memory":
        memory = MemoryStateBackend()

        def make() -> StateBackend:
            return memory

    else:
        url = request.getfixturevalue("redis_url")
        prefix = f"test:{uuid.uuid4().hex}:"

        def make() -> StateBackend:
            backend = RedisStateBackend.from_url(url, prefix=prefix)
            made.append(backend)
            return backend

    yield make
    for backend in made:
        await backend.close()


@asynccontextmanager
async def replica(
    sessionmaker: async_sessionmaker[AsyncSession], state: StateBackend, **options: float
) -> AsyncIterator[Replica]:
    source = DatabaseTemplateSource(sessionmaker)
    await source.load()
    sync = TemplateCatalogSync(source, state, **options)
    await sync.start()
    try:
        yield source, sync
    finally:
        await sync.close()


async def committed(
    sessionmaker: async_sessionmaker[AsyncSession], action: Callable[..., Awaitable[Any]], *args: Any
) -> Any:
    async with session_scope(sessionmaker) as session:
        service = TemplateVersionService(session, TemplateOptions())
        result = await action(service, *args)
        return result, service.changes


async def activate_text(service: TemplateVersionService, template_id: int, text: str) -> Any:
    return await add_version(service, template_id, text, status="active")


async def seen_within(source: DatabaseTemplateSource, key: str, text: str, seconds: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        entry = source.get(key, "en")
        if entry is not None and entry.text == text:
            return time.monotonic() - started
        await asyncio.sleep(0.01)
    raise AssertionError(f"{text!r} not served within {seconds} s")


async def test_an_activation_reaches_the_other_replica_through_pubsub(
    sessionmaker: async_sessionmaker[AsyncSession], shared_state: Callable[[], StateBackend]
) -> None:
    detail, _ = await committed(sessionmaker, make_template)
    async with (
        replica(sessionmaker, shared_state(), poll_seconds=3600, db_check_seconds=3600) as (a, sync_a),
        replica(sessionmaker, shared_state(), poll_seconds=3600, db_check_seconds=3600) as (b, _),
    ):
        _, changes = await committed(sessionmaker, activate_text, detail.id, "New {{ name }}")
        await sync_a.announce(changes)
        entry = a.get(detail.key, "en")
        assert entry is not None
        assert entry.text == "New {{ name }}"  # the announcing replica reloaded before returning
        assert await seen_within(b, detail.key, "New {{ name }}", WINDOW) < WINDOW
        _, changes = await committed(sessionmaker, lambda s: s.rollback(detail.id, 1, "t"))
        await sync_a.announce(changes)
        assert await seen_within(b, detail.key, "Hello {{ name }}!", WINDOW) < WINDOW


async def test_a_lost_message_is_caught_by_the_stamp(
    sessionmaker: async_sessionmaker[AsyncSession], shared_state: Callable[[], StateBackend]
) -> None:
    detail, _ = await committed(sessionmaker, make_template)
    state_a = shared_state()
    async with (
        replica(sessionmaker, state_a, db_check_seconds=3600) as (_, sync_a),
        replica(sessionmaker, shared_state(), db_check_seconds=3600) as (b, _),
    ):
        _, changes = await committed(sessionmaker, activate_text, detail.id, "Stamp {{ name }}")
        await state_a.incr(STAMP_KEY)  # the bump happened, the message never arrived
        del sync_a
        assert await seen_within(b, detail.key, "Stamp {{ name }}", WINDOW) < WINDOW
        assert changes == {detail.id}


async def test_replicas_without_shared_state_catch_up_from_the_database(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    detail, _ = await committed(sessionmaker, make_template)
    async with (
        replica(sessionmaker, MemoryStateBackend(), db_check_seconds=0.2) as (_, sync_a),
        replica(sessionmaker, MemoryStateBackend(), db_check_seconds=0.2) as (b, _),
    ):
        _, changes = await committed(sessionmaker, activate_text, detail.id, "Db {{ name }}")
        await sync_a.announce(changes)
        assert await seen_within(b, detail.key, "Db {{ name }}", WINDOW) < WINDOW


async def test_bad_messages_are_ignored(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    state = MemoryStateBackend()
    async with replica(sessionmaker, state, db_check_seconds=3600) as (source, sync):
        for raw in (b"not json", b'{"stamp": 1}', b'{"template_ids": ["x"]}'):
            await state.publish(CHANNEL, raw)
        await asyncio.sleep(0.05)
        assert all(not task.done() for task in sync._tasks)
        assert len(source) > 0


class FlakyState(MemoryStateBackend):
    """Subscriptions fail the first time and reads fail on demand, like a Redis restarting."""

    def __init__(self) -> None:
        super().__init__()
        self.subscribe_failures = 1
        self.broken = False

    def subscribe(self, channel: str) -> Any:
        if self.subscribe_failures:
            self.subscribe_failures -= 1
            raise ConnectionError("redis restarting")
        return super().subscribe(channel)

    async def get(self, key: str) -> bytes | None:
        if self.broken:
            raise ConnectionError("redis down")
        return await super().get(key)

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        if self.broken:
            raise ConnectionError("redis down")
        return await super().incr(key, amount, ttl)


async def test_the_sync_survives_a_state_backend_outage(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    detail, _ = await committed(sessionmaker, make_template)
    state = FlakyState()
    source = DatabaseTemplateSource(sessionmaker)
    await source.load()
    loads: list[int] = []
    original = source.load

    async def counting_load() -> set[str]:
        loads.append(1)
        return await original()

    source.load = counting_load  # type: ignore[method-assign]
    sync = TemplateCatalogSync(source, state, poll_seconds=0.02, db_check_seconds=0.1)
    await sync.start()
    try:
        # Resubscribed after the failure, and reloaded everything (messages may have been missed).
        for _ in range(100):
            if loads:
                break
            await asyncio.sleep(0.01)
        assert loads
        state.broken = True
        _, changes = await committed(sessionmaker, activate_text, detail.id, "Outage {{ name }}")
        await sync.announce(changes)  # logged, not raised: the change is committed
        entry = source.get(detail.key, "en")
        assert entry is not None
        assert entry.text == "Outage {{ name }}"
        await asyncio.sleep(0.1)
        assert all(not task.done() for task in sync._tasks)
    finally:
        await sync.close()


async def test_announce_tolerates_a_failing_reload(
    sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    state = MemoryStateBackend()
    async with replica(sessionmaker, state, db_check_seconds=3600) as (source, sync):

        async def broken_reload(_ids: Any) -> set[str]:
            raise RuntimeError("database away")

        monkeypatch.setattr(source, "reload", broken_reload)
        await sync.announce([1])
        await sync.announce([])
        await state.publish(CHANNEL, b'{"template_ids": [1]}')
        await asyncio.sleep(0.05)
        assert await state.get(STAMP_KEY) == b"1"


async def test_publish_change_reports_failure_as_none() -> None:
    state = FlakyState()
    state.broken = True
    assert await publish_change(state, {1}) is None
    state.broken = False
    assert await publish_change(state, {1}) == 1
