"""The interface every state backend implements."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from types import TracebackType


class LockNotAcquiredError(Exception):
    """The lock stayed held by someone else for longer than we were willing to wait."""


class StateLock(abc.ABC):
    """A lock with an expiry: if its holder dies, the lock frees itself after `timeout` seconds."""

    @abc.abstractmethod
    async def acquire(self) -> bool:
        """Take the lock, waiting up to the lock's blocking timeout; False when it could not."""

    @abc.abstractmethod
    async def release(self) -> None:
        """Free the lock if we still own it (an expired lock taken over by another holder is left alone)."""

    @abc.abstractmethod
    async def extend(self, additional: float) -> bool:
        """Push the expiry further while work is still going on; False if the lock was lost."""

    async def __aenter__(self) -> StateLock:
        if not await self.acquire():
            raise LockNotAcquiredError("lock is held elsewhere")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.release()


@dataclass(frozen=True, slots=True)
class StateWrite:
    """One write of a batch; `only_if_absent` keeps a value that is already there (first wins)."""

    key: str
    value: bytes
    ttl: float | None = None
    only_if_absent: bool = False


class StateBackend(abc.ABC):
    """Key/value state with TTLs, locks, counters and pub/sub. Keys are plain strings; values are bytes."""

    name: str

    @abc.abstractmethod
    async def get(self, key: str) -> bytes | None: ...

    @abc.abstractmethod
    async def get_many(self, keys: list[str]) -> list[bytes | None]: ...

    @abc.abstractmethod
    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None: ...

    @abc.abstractmethod
    async def set_if_absent(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        """Store only when the key does not exist; True when this call stored it (dedup, first-wins)."""

    @abc.abstractmethod
    async def write_many(self, writes: Sequence[StateWrite]) -> list[bool]:
        """The writes in one round trip, in order (not atomic); whether each one stored its value."""

    @abc.abstractmethod
    async def delete(self, *keys: str) -> int: ...

    @abc.abstractmethod
    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        """Add to a counter and return the new value; `ttl` is set when the counter is created."""

    @abc.abstractmethod
    async def ttl(self, key: str) -> float | None:
        """Seconds left before the key expires; None when it has no expiry or does not exist."""

    @abc.abstractmethod
    def lock(self, name: str, timeout: float, blocking_timeout: float | None = None) -> StateLock:
        """A lock that expires after `timeout` s; acquire waits up to `blocking_timeout` s (None: forever)."""

    @abc.abstractmethod
    async def publish(self, channel: str, message: bytes) -> int: ...

    @abc.abstractmethod
    def subscribe(self, channel: str) -> AbstractAsyncContextManager[AsyncIterator[bytes]]:
        """Messages published on `channel` after the subscription is established."""

    @abc.abstractmethod
    async def ping(self) -> None:
        """Raise when the backend is unreachable."""

    async def memory_used_bytes(self) -> int | None:
        """Memory the backend's server uses (bytes), when it can tell; None for in-process state."""
        return None

    @abc.abstractmethod
    async def close(self) -> None: ...
