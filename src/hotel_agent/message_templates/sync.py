"""Keeps every replica's `DatabaseTemplateSource` current within a second of an activation or rollback.

Three paths, fastest first:
1. **pub/sub**: the replica that committed a change reloads it itself (before answering the operator),
   bumps a stamp and publishes the template ids on `templates:changed` through the StateBackend; every
   subscriber reloads those templates (milliseconds).
2. **stamp poll**: every `poll_seconds` (0.25 s) each replica reads the stamp key and reloads
   everything when it moved without a message reaching it (a Redis reconnection, a dropped message).
3. **database check**: every `db_check_seconds` (5 s) each replica compares the database's own stamp
   (templates and the sum of their revisions) with the one it loaded: a process that died between
   its commit and its publish, Redis data lost, or several workers without Redis.

Announcing happens after the commit, so no replica ever loads a change that was rolled back.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Collection

import orjson
import structlog

from hotel_agent.kit.state import StateBackend
from hotel_agent.kit.tasks import cancel_and_wait
from hotel_agent.message_templates.db_source import DatabaseTemplateSource

log = structlog.get_logger(__name__)

CHANNEL = "templates:changed"
STAMP_KEY = "templates:stamp"
_MAX_BACKOFF_SECONDS = 5.0


async def publish_change(state: StateBackend, template_ids: Collection[int]) -> int | None:
    """Bump the stamp and tell every replica which templates changed; None (logged) when it failed.

    Used by the app after a commit and by `hotel-agent templates import`. Never raises: the change is
    committed, and replicas that miss the message catch up through the stamp or the database check.
    """
    try:
        stamp = await state.incr(STAMP_KEY)
        await state.publish(CHANNEL, orjson.dumps({"template_ids": sorted(template_ids), "stamp": stamp}))
    except Exception:
        log.exception("templates.announce_failed", template_ids=sorted(template_ids))
        return None
    return stamp


class TemplateCatalogSync:
    def __init__(
        self,
        source: DatabaseTemplateSource,
        state: StateBackend,
        *,
        poll_seconds: float = 0.25,
        db_check_seconds: float = 5.0,
    ) -> None:
        self.source = source
        self.state = state
        self.poll_seconds = poll_seconds
        self.db_check_seconds = db_check_seconds
        self._seen_stamp: bytes | None = None
        self._tasks: list[asyncio.Task[None]] = []
        # Set after the first subscription attempt, successful or not: start() waits for it.
        self._first_attempt = asyncio.Event()

    async def start(self) -> None:
        """Subscribe and start polling; returns once the subscription is live (or its first try failed)."""
        self._seen_stamp = await self._read_stamp()
        self._tasks = [
            asyncio.create_task(self._listen(), name="templates-sync-listen"),
            asyncio.create_task(self._poll(), name="templates-sync-poll"),
        ]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_attempt.wait(), timeout=5.0)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            await cancel_and_wait(task)
        self._tasks = []

    async def announce(self, template_ids: Collection[int]) -> None:
        """After a commit: reload here first, then tell every other replica. Never raises."""
        if not template_ids:
            return
        try:
            await self.source.reload(template_ids)
        except Exception:
            log.exception("templates.reload_failed", template_ids=sorted(template_ids))
        stamp = await publish_change(self.state, template_ids)
        if stamp is not None and self._seen_stamp == str(stamp - 1).encode():
            # Only our own bump since we last looked: nothing else to catch up with.
            self._seen_stamp = str(stamp).encode()

    async def _read_stamp(self) -> bytes | None:
        try:
            return await self.state.get(STAMP_KEY)
        except Exception:
            log.warning("templates.stamp_unreadable", exc_info=True)
            return None

    async def _listen(self) -> None:
        backoff = 0.1
        lost = False
        while True:
            try:
                async with self.state.subscribe(CHANNEL) as messages:
                    self._first_attempt.set()
                    if lost:
                        # Messages may have gone by while we were not listening.
                        await self.source.load()
                    lost = False
                    backoff = 0.1
                    async for raw in messages:
                        await self._on_message(raw)
            except asyncio.CancelledError:
                raise
            except Exception:
                lost = True
                self._first_attempt.set()
                log.warning("templates.subscription_lost", retry_in=backoff, exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_SECONDS)

    async def _on_message(self, raw: bytes) -> None:
        try:
            message = orjson.loads(raw)
            template_ids = [int(template_id) for template_id in message["template_ids"]]
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            log.warning("templates.bad_message", message=raw[:200])
            return
        try:
            await self.source.reload(template_ids)
        except Exception:
            log.exception("templates.reload_failed", template_ids=template_ids)

    async def _poll(self) -> None:
        last_db_check = time.monotonic()
        failing: set[str] = set()  # which checks are failing: warn once when they start failing
        while True:
            await asyncio.sleep(self.poll_seconds)
            if await self._checked("stamp", failing, self._check_stamp):
                last_db_check = time.monotonic()
            if time.monotonic() - last_db_check >= self.db_check_seconds:
                last_db_check = time.monotonic()
                await self._checked("database", failing, self._check_database)

    async def _check_stamp(self) -> bool:
        stamp = await self.state.get(STAMP_KEY)
        if stamp == self._seen_stamp:
            return False
        await self.source.load()
        self._seen_stamp = stamp
        return True

    async def _check_database(self) -> bool:
        if await self.source.db_stamp() == self.source.stamp:
            return False
        log.info("templates.db_stamp_moved")
        await self.source.load()
        return True

    async def _checked(self, name: str, failing: set[str], check: Callable[[], Awaitable[bool]]) -> bool:
        """Run one check; a failure is logged when it starts and when it ends, not every poll."""
        try:
            reloaded = await check()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if name not in failing:
                failing.add(name)
                log.warning("templates.check_failed", check=name, error=str(exc))
            return False
        if name in failing:
            failing.discard(name)
            log.info("templates.check_recovered", check=name)
        return reloaded
