"""In-process state backend for the embedded default: one process, nothing shared, nothing to install."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from hotel_agent.kit.state.base import StateBackend, StateLock, StateWrite


class _MemoryLock(StateLock):
    def __init__(
        self, backend: MemoryStateBackend, name: str, timeout: float, blocking: float | None
    ) -> None:
        self._backend = backend
        self._key = f"lock:{name}"
        self._timeout = timeout
        self._blocking = blocking
        self._token = uuid.uuid4().bytes

    async def acquire(self) -> bool:
        deadline = None if self._blocking is None else time.monotonic() + self._blocking
        delay = 0.001
        while True:
            if await self._backend.set_if_absent(self._key, self._token, self._timeout):
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)

    async def release(self) -> None:
        if self._backend._read(self._key) == self._token:
            await self._backend.delete(self._key)

    async def extend(self, additional: float) -> bool:
        if self._backend._read(self._key) != self._token:
            return False
        expires = self._backend._expiry.get(self._key)
        base = expires if expires is not None else time.monotonic()
        self._backend._expiry[self._key] = base + additional
        return True


class MemoryStateBackend(StateBackend):
    """Dict-backed; expiry is checked lazily on read. Only valid while a single process serves."""

    name = "memory"

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self._expiry: dict[str, float] = {}
        self._subscribers: dict[str, set[asyncio.Queue[bytes]]] = {}

    def _read(self, key: str) -> Any:
        expires = self._expiry.get(key)
        if expires is not None and expires <= time.monotonic():
            self._data.pop(key, None)
            self._expiry.pop(key, None)
            return None
        return self._data.get(key)

    def _write(self, key: str, value: Any, ttl: float | None) -> None:
        self._data[key] = value
        if ttl is None:
            self._expiry.pop(key, None)
        else:
            self._expiry[key] = time.monotonic() + ttl

    async def get(self, key: str) -> bytes | None:
        value = self._read(key)
        return value if isinstance(value, bytes) else None if value is None else str(value).encode()

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        return [await self.get(key) for key in keys]

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self._write(key, value, ttl)

    async def set_if_absent(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        if self._read(key) is not None:
            return False
        self._write(key, value, ttl)
        return True

    async def write_many(self, writes: Sequence[StateWrite]) -> list[bool]:
        stored: list[bool] = []
        for write in writes:
            if write.only_if_absent:
                stored.append(await self.set_if_absent(write.key, write.value, write.ttl))
            else:
                self._write(write.key, write.value, write.ttl)
                stored.append(True)
        return stored

    async def delete(self, *keys: str) -> int:
        removed = 0
        for key in keys:
            if self._read(key) is not None:
                removed += 1
            self._data.pop(key, None)
            self._expiry.pop(key, None)
        return removed

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        current = self._read(key)
        if current is None:
            value = amount
            self._write(key, value, ttl)
        else:
            value = int(current) + amount
            self._data[key] = value
        return value

    async def ttl(self, key: str) -> float | None:
        if self._read(key) is None:
            return None
        expires = self._expiry.get(key)
        return None if expires is None else max(0.0, expires - time.monotonic())

    def lock(self, name: str, timeout: float, blocking_timeout: float | None = None) -> StateLock:
        return _MemoryLock(self, name, timeout, blocking_timeout)

    async def publish(self, channel: str, message: bytes) -> int:
        queues = self._subscribers.get(channel, set())
        for queue in queues:
            queue.put_nowait(message)
        return len(queues)

    @asynccontextmanager
    async def _subscription(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        queue: asyncio.Queue[bytes] = asyncio.Queue()
        self._subscribers.setdefault(channel, set()).add(queue)

        async def messages() -> AsyncIterator[bytes]:
            while True:
                yield await queue.get()

        try:
            yield messages()
        finally:
            self._subscribers[channel].discard(queue)

    def subscribe(self, channel: str) -> Any:
        return self._subscription(channel)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._data.clear()
        self._expiry.clear()
