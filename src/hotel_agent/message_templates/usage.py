"""Usage statistics of template versions, recorded off the hot path.

`record(event)` (the TemplateRenderer's `on_render`) appends a tuple to an in-memory buffer: no I/O
and no allocation beyond the tuple while a guest waits. A background task writes the buffer in one
batch every `flush_seconds`. The buffer is bounded: when the database cannot keep up, the oldest
rows are dropped and counted (`hotel_agent_template_usage_dropped_total`) instead of growing
without limit.

`converted(conversation_id)` (a booking was made) marks the renders of that conversation from the
last `window` up to the booking as converted. It is applied one flush *after* it arrives, so other
replicas have flushed the renders they recorded before the booking by then.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from datetime import UTC, datetime, timedelta

import structlog
from prometheus_client import Counter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.db import session_scope
from hotel_agent.message_templates.repository import TemplateUsageRepository
from hotel_agent.message_templates.schemas import RenderEvent

log = structlog.get_logger(__name__)

USAGE_DROPPED = Counter(
    "hotel_agent_template_usage_dropped_total",
    "Template usage rows dropped because the buffer was full or a batch could not be written.",
)

# (version_id, conversation_id, requested language, used_at epoch seconds, render microseconds)
_Row = tuple[int, str | None, str, float, int]


class UsageRecorder:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        flush_seconds: float = 1.0,
        max_pending: int = 50_000,
        window: timedelta = timedelta(days=7),
    ) -> None:
        self._sessionmaker = sessionmaker
        self.flush_seconds = flush_seconds
        self._pending: deque[_Row] = deque(maxlen=max_pending)
        self._conversions: list[tuple[float, str]] = []
        self._window = window
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()

    def record(self, event: RenderEvent) -> None:
        """Called after every render; versions from a source without ids (YAML) are not recorded."""
        if event.version_id is None:
            return
        pending = self._pending
        if len(pending) == pending.maxlen:
            USAGE_DROPPED.inc()
        pending.append(
            (
                event.version_id,
                event.conversation_id,
                event.requested_language,
                time.time(),
                round(event.render_seconds * 1_000_000),
            )
        )

    def converted(self, conversation_id: str) -> None:
        """A booking was made in this conversation."""
        self._conversions.append((time.time(), conversation_id))

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="templates-usage-flush")

    async def close(self) -> None:
        """Stop the timer and write what is left, conversions included."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush(final=True)

    async def flush(self, *, final: bool = False) -> int:
        """Write the buffered renders, then apply conversions old enough (all when `final`)."""
        async with self._flush_lock:
            rows = [self._pending.popleft() for _ in range(len(self._pending))]
            settled = time.time() - (0 if final else self.flush_seconds)
            due = [conversion for conversion in self._conversions if conversion[0] <= settled]
            if not rows and not due:
                return 0
            try:
                async with session_scope(self._sessionmaker) as session:
                    repository = TemplateUsageRepository.from_session(session)
                    await repository.insert_many([_as_values(row) for row in rows])
                    for at, conversation_id in due:
                        converted_at = datetime.fromtimestamp(at, UTC)
                        await repository.mark_converted(
                            conversation_id, converted_at, since=converted_at - self._window
                        )
            except Exception:
                USAGE_DROPPED.inc(len(rows))
                log.exception("templates.usage_flush_failed", rows=len(rows), conversions=len(due))
                return 0
            for conversion in due:
                self._conversions.remove(conversion)
            return len(rows)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.flush_seconds)
            await self.flush()


def _as_values(row: _Row) -> dict[str, object]:
    version_id, conversation_id, language, used_at, micros = row
    return {
        "version_id": version_id,
        "conversation_id": conversation_id,
        "language": language,
        "used_at": datetime.fromtimestamp(used_at, UTC),
        "render_micros": micros,
        "converted": False,
    }
