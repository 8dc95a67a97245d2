"""Shared state between replicas: cache with TTL, locks with expiry, set-if-absent, counters, pub/sub.

`RedisStateBackend` is what every multi-replica deployment uses; `MemoryStateBackend` exists only for the
embedded default (one process, no Redis). Both pass the same test suite (tests/kit/test_state_backend.py).
"""

from hotel_agent.kit.state.base import LockNotAcquiredError, StateBackend, StateLock, StateWrite
from hotel_agent.kit.state.memory import MemoryStateBackend
from hotel_agent.kit.state.redis import RedisStateBackend

__all__ = [
    "LockNotAcquiredError",
    "MemoryStateBackend",
    "RedisStateBackend",
    "StateBackend",
    "StateLock",
    "StateWrite",
]
