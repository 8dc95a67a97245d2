"""Redis state backend: what every multi-replica deployment uses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.lock import Lock as RedisLock
from redis.exceptions import LockError

from hotel_agent.kit.state.base import StateBackend, StateLock, StateWrite


def _as_bytes(value: bytes | str | None) -> bytes | None:
    return value.encode() if isinstance(value, str) else value


class _RedisStateLock(StateLock):
    def __init__(self, lock: RedisLock) -> None:
        self._lock = lock

    async def acquire(self) -> bool:
        return bool(await self._lock.acquire())

    async def release(self) -> None:
        try:
            await self._lock.release()
        except LockError:
            # Expired and possibly re-taken by another worker: not ours to release any more.
            return

    async def extend(self, additional: float) -> bool:
        try:
            return bool(await self._lock.extend(additional))
        except LockError:
            return False


class RedisStateBackend(StateBackend):
    """Keys are namespaced with `prefix` so several environments can share one Redis safely."""

    name = "redis"

    def __init__(self, client: Redis, prefix: str = "ha:") -> None:
        self._redis = client
        self._prefix = prefix

    @classmethod
    def from_url(cls, url: str, prefix: str = "ha:") -> RedisStateBackend:
        client = Redis.from_url(
            url,
            socket_connect_timeout=2.0,
            socket_timeout=5.0,
            health_check_interval=30,
            retry_on_timeout=False,
        )
        return cls(client, prefix)

    @property
    def client(self) -> Redis:
        return self._redis

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> bytes | None:
        value = await self._redis.get(self._k(key))
        return _as_bytes(value)

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        if not keys:
            return []
        values = await self._redis.mget([self._k(k) for k in keys])
        return [_as_bytes(value) for value in values]

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        px = None if ttl is None else max(1, int(ttl * 1000))
        await self._redis.set(self._k(key), value, px=px)

    async def set_if_absent(self, key: str, value: bytes, ttl: float | None = None) -> bool:
        px = None if ttl is None else max(1, int(ttl * 1000))
        return bool(await self._redis.set(self._k(key), value, px=px, nx=True))

    async def write_many(self, writes: Sequence[StateWrite]) -> list[bool]:
        if not writes:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for write in writes:
                px = None if write.ttl is None else max(1, int(write.ttl * 1000))
                pipe.set(self._k(write.key), write.value, px=px, nx=write.only_if_absent)
            results = await pipe.execute()
        return [bool(result) for result in results]

    async def delete(self, *keys: str) -> int:
        if not keys:
            return 0
        return int(await self._redis.delete(*[self._k(k) for k in keys]))

    async def incr(self, key: str, amount: int = 1, ttl: float | None = None) -> int:
        full = self._k(key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(full, amount)
            if ttl is not None:
                # NX: only a new counter gets the expiry; increments never extend a window.
                pipe.pexpire(full, max(1, int(ttl * 1000)), nx=True)
            results = await pipe.execute()
        return int(results[0])

    async def ttl(self, key: str) -> float | None:
        millis = int(await self._redis.pttl(self._k(key)))
        return None if millis < 0 else millis / 1000

    def lock(self, name: str, timeout: float, blocking_timeout: float | None = None) -> StateLock:
        return _RedisStateLock(
            RedisLock(
                self._redis,
                self._k(f"lock:{name}"),
                timeout=timeout,
                sleep=0.005,
                blocking=blocking_timeout is None or blocking_timeout > 0,
                blocking_timeout=blocking_timeout,
            )
        )

    async def publish(self, channel: str, message: bytes) -> int:
        return int(await self._redis.publish(self._k(channel), message))

    @asynccontextmanager
    async def _subscription(self, channel: str) -> AsyncIterator[AsyncIterator[bytes]]:
        pubsub = self._redis.pubsub()
        await pubsub.subscribe(self._k(channel))
        # Wait for the server's confirmation so nothing published after we return is missed.
        while True:
            confirmation = await pubsub.get_message(timeout=1.0)
            if confirmation is not None and confirmation.get("type") == "subscribe":
                break

        async def messages() -> AsyncIterator[bytes]:
            while True:
                message = await pubsub.get_message(timeout=1.0)
                if message is not None and message.get("type") == "message":
                    yield message["data"]

        try:
            yield messages()
        finally:
            await pubsub.unsubscribe()
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    def subscribe(self, channel: str) -> Any:
        return self._subscription(channel)

    async def ping(self) -> None:
        await self._redis.ping()

    async def memory_used_bytes(self) -> int | None:
        # The whole server's `used_memory`: shared by every app (and key prefix) on that Redis.
        info = await self._redis.info("memory")
        used = info.get("used_memory")
        return int(used) if used is not None else None

    async def close(self) -> None:
        await self._redis.aclose()
