"""Process gauges: DB pool in use, Redis reachability and memory, resident memory."""

from __future__ import annotations

import uuid

import pytest
from prometheus_client import REGISTRY

from hotel_agent.kit.circuit_breaker import CircuitBreaker
from hotel_agent.ops.runtime_metrics import RuntimeSampler, resident_memory_bytes
from hotel_agent.pms.metrics import record_circuit_state
from hotel_agent.resources import build_resources
from tests.support.app import make_settings
from tests.support.services import free_port


def gauge(name: str) -> float | None:
    return REGISTRY.get_sample_value(name)


async def test_pool_in_use_redis_up_and_memory(postgres_url: str, redis_url: str) -> None:
    resources = await build_resources(make_settings(postgres_url, redis_url=redis_url, database_pool_size=3))
    sampler = RuntimeSampler(engine=resources.engine, state=resources.state)
    try:
        async with resources.engine.connect():
            await sampler.sample()
            assert gauge("hotel_agent_db_pool_in_use") == 1
        await sampler.sample()
        assert gauge("hotel_agent_db_pool_in_use") == 0
        assert gauge("hotel_agent_db_pool_size") == 3
        assert gauge("hotel_agent_redis_up") == 1
        redis_info = await resources.state.client.info("memory")  # type: ignore[attr-defined]
        redis_memory = gauge("hotel_agent_redis_used_memory_bytes")
        assert redis_memory is not None
        # The server's own figure, read a moment later (other clients may write in between).
        assert 0.5 * redis_info["used_memory"] < redis_memory < 2 * redis_info["used_memory"]
        memory = gauge("hotel_agent_process_resident_memory_bytes")
        assert memory is not None
        assert 10_000_000 < memory < 20_000_000_000
        assert abs(memory - resident_memory_bytes()) < 200_000_000
    finally:
        await resources.close()


async def test_unreachable_redis_reads_zero(sqlite_url: str) -> None:
    dead = f"redis://127.0.0.1:{free_port()}/0"
    resources = await build_resources(make_settings(sqlite_url, redis_url=dead))
    try:
        await RuntimeSampler(engine=resources.engine, state=resources.state).sample()
        assert gauge("hotel_agent_redis_up") == 0
    finally:
        await resources.close()


async def test_breaker_gauge_follows_the_shared_circuit_in_a_process_that_makes_no_calls(
    postgres_url: str, redis_url: str
) -> None:
    """Another replica closed the circuit: this process's gauge must not keep saying "open"."""
    resources = await build_resources(make_settings(postgres_url, redis_url=redis_url))
    breaker = CircuitBreaker(
        resources.state, f"test-{uuid.uuid4().hex}", failure_threshold=1, on_state=record_circuit_state
    )
    sampler = RuntimeSampler(engine=resources.engine, state=resources.state, refresh=breaker.current_state)
    try:
        with pytest.raises(OSError, match="PMS down"):
            await breaker.call(_fail)
        assert gauge("pms_circuit_breaker_state") == 1
        # Another process's successful trial deletes the shared keys; this one makes no call.
        await resources.state.delete(f"cb:{breaker.name}:opened_at", f"cb:{breaker.name}:failures")
        await sampler.sample()
        assert gauge("pms_circuit_breaker_state") == 0
    finally:
        await resources.close()


async def test_a_failing_refresh_does_not_stop_the_sample(sqlite_url: str) -> None:
    resources = await build_resources(make_settings(sqlite_url))

    async def broken() -> None:
        raise ConnectionError("redis gone")

    try:
        await RuntimeSampler(engine=resources.engine, state=resources.state, refresh=broken).sample()
        assert gauge("hotel_agent_process_resident_memory_bytes")
    finally:
        await resources.close()


async def _fail() -> None:
    raise OSError("PMS down")
