"""Usage statistics: buffered off the hot path, written in batches, conversions marked after a booking."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.db import session_scope
from hotel_agent.message_templates import RenderEvent
from hotel_agent.message_templates import usage as usage_module
from hotel_agent.message_templates.usage import UsageRecorder
from hotel_agent.message_templates.versioning import TemplateOptions, TemplateVersionService
from hotel_agent.models import TemplateUsageStat, TemplateVersion
from tests.support.templates import LogRecorder, make_template


def event(version_id: int | None, conversation_id: str | None, seconds: float = 0.000025) -> RenderEvent:
    return RenderEvent(
        key="k",
        requested_language="pt-BR",
        language="pt",
        variant=None,
        version=1,
        conversation_id=conversation_id,
        fallback=False,
        version_id=version_id,
        render_seconds=seconds,
    )


async def version_id(sessionmaker: async_sessionmaker[AsyncSession]) -> int:
    async with session_scope(sessionmaker) as session:
        detail = await make_template(TemplateVersionService(session, TemplateOptions()))
        row = await session.execute(
            select(TemplateVersion.id).where(TemplateVersion.template_id == detail.id)
        )
        return int(row.scalar_one())


async def rows(sessionmaker: async_sessionmaker[AsyncSession], conversation_id: str) -> list[Any]:
    async with sessionmaker() as session:
        result = await session.execute(
            select(TemplateUsageStat)
            .where(TemplateUsageStat.conversation_id == conversation_id)
            .order_by(TemplateUsageStat.id)
        )
        return list(result.scalars())


def dropped() -> float:
    return REGISTRY.get_sample_value("hotel_agent_template_usage_dropped_total") or 0.0


async def test_renders_are_buffered_then_written_in_one_batch(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    vid = await version_id(sessionmaker)
    conversation = f"c-{uuid.uuid4().hex[:8]}"
    recorder = UsageRecorder(sessionmaker)
    recorder.record(event(vid, conversation))
    recorder.record(event(vid, conversation, 0.0001))
    recorder.record(event(None, conversation))  # a YAML text has no version row: not recorded
    assert recorder.pending == 2
    assert await rows(sessionmaker, conversation) == []
    assert await recorder.flush() == 2
    assert recorder.pending == 0
    written = await rows(sessionmaker, conversation)
    assert [(r.version_id, r.language, r.render_micros, r.converted) for r in written] == [
        (vid, "pt-BR", 25, False),
        (vid, "pt-BR", 100, False),
    ]
    assert abs((datetime.now(UTC) - written[0].used_at).total_seconds()) < 5
    assert await recorder.flush() == 0


async def test_a_booking_marks_the_conversations_renders_as_converted(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    vid = await version_id(sessionmaker)
    booked, other = f"c-{uuid.uuid4().hex[:8]}", f"c-{uuid.uuid4().hex[:8]}"
    recorder = UsageRecorder(sessionmaker, flush_seconds=0.05, window=timedelta(days=7))
    async with session_scope(sessionmaker) as session:
        # A render from an earlier conversation under the same id, long expired: not this booking's.
        session.add(
            TemplateUsageStat(
                version_id=vid,
                conversation_id=booked,
                language="en",
                used_at=datetime.now(UTC) - timedelta(days=30),
                render_micros=10,
                converted=False,
            )
        )
    recorder.record(event(vid, booked))
    recorder.record(event(vid, other))
    await asyncio.sleep(0.01)
    recorder.converted(booked)
    # Written at once, but the conversion waits one flush interval for other replicas' renders.
    await recorder.flush()
    assert [r.converted for r in await rows(sessionmaker, booked)] == [False, False]
    await asyncio.sleep(0.06)
    recorder.record(event(vid, booked))  # the confirmation itself, after the booking
    await recorder.flush()
    assert [r.converted for r in await rows(sessionmaker, booked)] == [False, True, False]
    assert [r.converted for r in await rows(sessionmaker, other)] == [False]
    assert (await rows(sessionmaker, booked))[1].converted_at is not None


async def test_close_flushes_everything_and_stops_the_timer(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    vid = await version_id(sessionmaker)
    conversation = f"c-{uuid.uuid4().hex[:8]}"
    recorder = UsageRecorder(sessionmaker, flush_seconds=0.02)
    await recorder.start()
    recorder.record(event(vid, conversation))
    await asyncio.sleep(0.1)
    assert len(await rows(sessionmaker, conversation)) == 1  # the timer flushed it
    recorder.record(event(vid, conversation))
    recorder.converted(conversation)
    await recorder.close()
    assert [r.converted for r in await rows(sessionmaker, conversation)] == [True, True]
    await recorder.close()  # twice is fine


async def test_a_full_buffer_drops_the_oldest_and_counts(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    recorder = UsageRecorder(sessionmaker, max_pending=2)
    before = dropped()
    for number in range(3):
        recorder.record(event(number + 1, "c"))
    assert recorder.pending == 2
    assert dropped() == before + 1
    assert [row[0] for row in recorder._pending] == [2, 3]


async def test_a_failed_batch_is_dropped_and_counted(
    sessionmaker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = LogRecorder()
    monkeypatch.setattr(usage_module, "log", logs)
    recorder = UsageRecorder(sessionmaker)
    recorder.record(event(2_000_000_000, "c"))  # no such version: the foreign key refuses the batch
    before = dropped()
    assert await recorder.flush() == 0
    assert dropped() == before + 1
    assert recorder.pending == 0
    assert logs.named("templates.usage_flush_failed") == [{"rows": 1, "conversions": 0}]
