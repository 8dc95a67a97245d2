"""DatabaseTemplateSource: live texts in memory, targeted reloads, earlier versions, the service on top."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.db import session_scope
from hotel_agent.message_templates import TemplateRenderer, TemplateRenderError
from hotel_agent.message_templates.db_source import DatabaseTemplateSource
from hotel_agent.message_templates.versioning import TemplateOptions, TemplateVersionService
from tests.support.templates import add_version, make_template

Write = Callable[..., Awaitable[Any]]


@pytest.fixture
def write(sessionmaker: async_sessionmaker[AsyncSession]) -> Write:
    """Run `action(service, ...)` in a committed transaction, as an admin request would."""

    async def run(action: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        async with session_scope(sessionmaker) as session:
            return await action(TemplateVersionService(session, TemplateOptions()), *args, **kwargs)

    return run


def failures(key: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "hotel_agent_template_render_failures_total", {"key": key, "language": "en", "outcome": outcome}
    )
    return value or 0.0


async def test_load_serves_live_texts_with_their_versions(
    sessionmaker: async_sessionmaker[AsyncSession], write: Write
) -> None:
    detail = await write(make_template, content="Hi {{ name }}", max_length=40, category="info")
    source = DatabaseTemplateSource(sessionmaker)
    changed = await source.load()
    assert detail.key in changed
    entry = source.get(detail.key, "en")
    assert entry is not None
    assert (entry.text, entry.version, entry.category, entry.max_length, entry.variables) == (
        "Hi {{ name }}",
        1,
        "info",
        40,
        ("name",),
    )
    assert entry.version_id is not None
    assert entry.sample == {"name": "Ana"}
    served_keys = source.keys()
    assert detail.key in served_keys
    assert "en" in source.languages()
    assert len(source) >= 1
    assert source.previous(detail.key, "en") == ()
    assert source.stamp == await source.db_stamp()
    assert await source.load() == set()  # nothing changed since


async def test_reload_picks_up_an_activation_and_keeps_earlier_versions(
    sessionmaker: async_sessionmaker[AsyncSession], write: Write
) -> None:
    detail = await write(make_template, content="v1 {{ name }}")
    source = DatabaseTemplateSource(sessionmaker)
    await source.load()
    heard: list[set[str]] = []
    source.add_listener(heard.append)
    await write(add_version, detail.id, "v2 {{ name }}", status="active")
    await write(add_version, detail.id, "v3 {{ name }}", status="active")
    assert await source.reload([detail.id]) == {detail.key}
    assert heard == [{detail.key}]
    entry = source.get(detail.key, "en")
    assert entry is not None
    assert (entry.text, entry.version) == ("v3 {{ name }}", 3)
    assert [previous.version for previous in source.previous(detail.key, "en")] == [2, 1]
    assert await source.reload([detail.id]) == set()
    assert await source.reload([]) == set()


async def test_reload_drops_a_template_with_nothing_live(
    sessionmaker: async_sessionmaker[AsyncSession], write: Write
) -> None:
    draft_only = await write(make_template, status="draft")
    source = DatabaseTemplateSource(sessionmaker)
    await source.load()
    assert source.get(draft_only.key, "en") is None
    await write(lambda service: service.activate(draft_only.id, 1, "t"))
    assert await source.reload([draft_only.id]) == {draft_only.key}
    assert source.get(draft_only.key, "en") is not None
    # A template whose live version disappears (it cannot through the API) stops being served.
    await source.reload([draft_only.id, 987654321])
    source._ids[987654321] = (draft_only.key, "en")
    assert await source.reload([987654321]) == {draft_only.key}
    assert source.get(draft_only.key, "en") is None


async def test_a_failing_listener_does_not_stop_the_others(
    sessionmaker: async_sessionmaker[AsyncSession], write: Write
) -> None:
    detail = await write(make_template)
    source = DatabaseTemplateSource(sessionmaker)
    heard: list[set[str]] = []

    def broken(_keys: set[str]) -> None:
        raise RuntimeError("listener bug")

    source.add_listener(broken)
    source.add_listener(heard.append)
    await source.load()
    assert detail.key in heard[0]


async def test_the_service_follows_activations_without_a_compile_on_the_hot_path(
    sessionmaker: async_sessionmaker[AsyncSession], write: Write
) -> None:
    detail = await write(make_template, content="Old {{ name }}")
    source = DatabaseTemplateSource(sessionmaker)
    await source.load()
    service = TemplateRenderer(source)
    assert service.render(detail.key, "en", {"name": "Ana"}).text == "Old Ana"
    assert service.render(detail.key, "es", {"name": "Ana"}).language == "en"
    await write(add_version, detail.id, "New {{ name }}", status="active")
    await source.reload([detail.id])
    # Recompiled by the reload for both languages guests asked in: rendering finds them ready.
    assert {(detail.key, "en"), (detail.key, "es")} <= service._resolved.keys()
    assert service.render(detail.key, "en", {"name": "Ana"}).text == "New Ana"
    assert service.render(detail.key, "es", {"name": "Ana"}).text == "New Ana"


async def test_a_run_time_failure_falls_back_to_the_previous_good_version(
    sessionmaker: async_sessionmaker[AsyncSession], write: Write
) -> None:
    detail = await write(
        make_template, content="Rooms: {{ count }}", variables=["count"], sample={"count": 2}, category="info"
    )
    # Valid for its sample (count=2), broken for a real context (count=0).
    await write(add_version, detail.id, "Rooms: {{ 10 // count }}", status="active")
    source = DatabaseTemplateSource(sessionmaker)
    await source.load()
    events: list[Any] = []
    service = TemplateRenderer(source, on_render=events.append)
    assert service.render(detail.key, "en", {"count": 2}).text == "Rooms: 5"
    before = failures(detail.key, "previous_version")
    message = service.render(detail.key, "en", {"count": 0})
    assert message.text == "Rooms: 0"
    assert failures(detail.key, "previous_version") == before + 1
    assert (events[-1].version, events[-1].recovered) == (1, True)


async def test_when_no_version_renders_the_error_reaches_the_caller(
    sessionmaker: async_sessionmaker[AsyncSession], write: Write
) -> None:
    detail = await write(
        make_template, content="A {{ 1 // count }}", variables=["count"], sample={"count": 1}, category="info"
    )
    await write(add_version, detail.id, "B {{ 2 // count }}", status="active")
    source = DatabaseTemplateSource(sessionmaker)
    await source.load()
    service = TemplateRenderer(source)
    before = failures(detail.key, "failed")
    with pytest.raises(TemplateRenderError, match="ZeroDivisionError"):
        service.render(detail.key, "en", {"count": 0})
    assert failures(detail.key, "failed") == before + 1
