"""The shared circuit breaker, on the in-memory backend and on the real Redis, with a fake clock."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis import Redis

from hotel_agent.kit.circuit_breaker import CircuitBreaker, CircuitOpenError, CircuitState
from hotel_agent.kit.clock import FixedClock
from hotel_agent.kit.state import RedisStateBackend, StateBackend

ROOT = Path(__file__).resolve().parents[2]


class Outage(Exception):
    """An operational failure of the fake dependency: what opens the circuit."""


class Refusal(Exception):
    """The dependency answered and said no: it is healthy, so this does not count."""


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, Outage)


class Service:
    """A fake dependency that fails operationally while `down`."""

    def __init__(self) -> None:
        self.down = False
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.down:
            raise Outage("down")
        return "ok"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))


def make_breaker(
    state: StateBackend, clock: FixedClock, **kwargs: object
) -> tuple[CircuitBreaker, list[tuple[CircuitState, CircuitState]]]:
    transitions: list[tuple[CircuitState, CircuitState]] = []
    breaker = CircuitBreaker(
        state,
        "test",
        failure_threshold=5,
        recovery_timeout=30,
        trial_timeout=10,
        clock=clock,
        on_transition=lambda a, b: transitions.append((a, b)),
        **{"is_failure": is_outage, **kwargs},  # type: ignore[arg-type]
    )
    return breaker, transitions


async def fail_times(breaker: CircuitBreaker, service: Service, times: int) -> None:
    for _ in range(times):
        with pytest.raises(Outage):
            await breaker.call(service)


async def test_opens_after_five_consecutive_operational_failures(
    state: StateBackend, clock: FixedClock
) -> None:
    breaker, transitions = make_breaker(state, clock)
    service = Service()
    service.down = True
    await fail_times(breaker, service, 4)
    assert await breaker.current_state() is CircuitState.CLOSED
    await fail_times(breaker, service, 1)
    assert await breaker.current_state() is CircuitState.OPEN
    assert transitions == [(CircuitState.CLOSED, CircuitState.OPEN)]

    with pytest.raises(CircuitOpenError) as refused:
        await breaker.call(service)
    assert service.calls == 5, "an open circuit must not call the service"
    assert refused.value.retry_after == pytest.approx(30)
    assert refused.value.name == "test"


async def test_request_errors_do_not_count_and_reset_the_streak(
    state: StateBackend, clock: FixedClock
) -> None:
    breaker, _ = make_breaker(state, clock)
    service = Service()
    service.down = True
    await fail_times(breaker, service, 4)

    async def rejected() -> None:
        raise Refusal("bad dates")

    for _ in range(10):
        with pytest.raises(Refusal):
            await breaker.call(rejected)
    await fail_times(breaker, service, 4)
    assert await breaker.current_state() is CircuitState.CLOSED

    service.down = False
    assert await breaker.call(service) == "ok"
    service.down = True
    await fail_times(breaker, service, 4)
    assert await breaker.current_state() is CircuitState.CLOSED


async def test_half_open_after_recovery_then_trial_success_closes(
    state: StateBackend, clock: FixedClock
) -> None:
    breaker, transitions = make_breaker(state, clock)
    service = Service()
    service.down = True
    await fail_times(breaker, service, 5)
    clock.advance(seconds=29)
    assert await breaker.current_state() is CircuitState.OPEN
    clock.advance(seconds=1)
    assert await breaker.current_state() is CircuitState.HALF_OPEN

    service.down = False
    assert await breaker.call(service) == "ok"
    assert await breaker.current_state() is CircuitState.CLOSED
    assert transitions == [
        (CircuitState.CLOSED, CircuitState.OPEN),
        (CircuitState.OPEN, CircuitState.HALF_OPEN),
        (CircuitState.HALF_OPEN, CircuitState.CLOSED),
    ]
    # Closed again: the failure count starts from zero.
    service.down = True
    await fail_times(breaker, service, 4)
    assert await breaker.current_state() is CircuitState.CLOSED


async def test_failed_trial_reopens_for_a_full_recovery_timeout(
    state: StateBackend, clock: FixedClock
) -> None:
    breaker, transitions = make_breaker(state, clock)
    service = Service()
    service.down = True
    await fail_times(breaker, service, 5)
    clock.advance(seconds=31)
    await fail_times(breaker, service, 1)  # the trial
    assert await breaker.current_state() is CircuitState.OPEN
    assert transitions[-1] == (CircuitState.HALF_OPEN, CircuitState.OPEN)
    clock.advance(seconds=29)
    with pytest.raises(CircuitOpenError):
        await breaker.call(service)
    assert service.calls == 6
    clock.advance(seconds=2)
    service.down = False
    assert await breaker.call(service) == "ok"


async def test_a_request_error_during_the_trial_closes(state: StateBackend, clock: FixedClock) -> None:
    breaker, _ = make_breaker(state, clock)
    service = Service()
    service.down = True
    await fail_times(breaker, service, 5)
    clock.advance(seconds=30)

    async def rejected() -> None:
        raise Refusal("the PMS answered")

    with pytest.raises(Refusal):
        await breaker.call(rejected)
    assert await breaker.current_state() is CircuitState.CLOSED


async def test_exactly_one_trial_among_concurrent_callers(state: StateBackend, clock: FixedClock) -> None:
    breaker, _ = make_breaker(state, clock)
    service = Service()
    service.down = True
    await fail_times(breaker, service, 5)
    clock.advance(seconds=30)
    release = asyncio.Event()
    trials = 0

    async def slow_probe() -> str:
        nonlocal trials
        trials += 1
        await release.wait()
        return "ok"

    tasks = [asyncio.create_task(breaker.call(slow_probe)) for _ in range(20)]
    await asyncio.sleep(0.2)
    release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert trials == 1
    assert sum(result == "ok" for result in results) == 1
    assert all(isinstance(r, CircuitOpenError) for r in results if r != "ok")
    assert await breaker.current_state() is CircuitState.CLOSED


async def test_a_cancelled_trial_hands_the_permit_back(state: StateBackend, clock: FixedClock) -> None:
    breaker, _ = make_breaker(state, clock)
    service = Service()
    service.down = True
    await fail_times(breaker, service, 5)
    clock.advance(seconds=30)

    async def hangs() -> None:
        await asyncio.sleep(60)

    task = asyncio.create_task(breaker.call(hangs))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    service.down = False
    assert await breaker.call(service) == "ok"


async def test_state_listener_follows_every_step(state: StateBackend, clock: FixedClock) -> None:
    seen: list[CircuitState] = []
    breaker, _ = make_breaker(state, clock, on_state=seen.append)
    service = Service()
    service.down = True
    await fail_times(breaker, service, 5)
    assert seen[-1] is CircuitState.OPEN
    clock.advance(seconds=30)
    service.down = False
    await breaker.call(service)
    assert CircuitState.HALF_OPEN in seen
    assert seen[-1] is CircuitState.CLOSED


async def test_replicas_share_the_circuit(redis_url: str, clock: FixedClock) -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    first = RedisStateBackend.from_url(redis_url, prefix=prefix)
    second = RedisStateBackend.from_url(redis_url, prefix=prefix)
    try:
        breaker_a, _ = make_breaker(first, clock)
        breaker_b, _ = make_breaker(second, clock)
        service = Service()
        service.down = True
        await fail_times(breaker_a, service, 3)
        await fail_times(breaker_b, service, 2)
        assert await breaker_a.current_state() is CircuitState.OPEN
        with pytest.raises(CircuitOpenError):
            await breaker_b.call(service)
    finally:
        await first.close()
        await second.close()


async def test_fails_open_when_the_state_backend_is_down(clock: FixedClock) -> None:
    broken = RedisStateBackend.from_url("redis://127.0.0.1:1/0", prefix="nowhere:")
    breaker, _ = make_breaker(broken, clock)
    service = Service()
    try:
        assert await breaker.call(service) == "ok"
        service.down = True
        with pytest.raises(Outage):
            await breaker.call(service)
    finally:
        await broken.close()


WORKER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from datetime import UTC, datetime
    from hotel_agent.kit.circuit_breaker import CircuitBreaker, CircuitOpenError
    from hotel_agent.kit.clock import FixedClock
    from hotel_agent.kit.state import RedisStateBackend

    url, prefix, now = sys.argv[1], sys.argv[2], float(sys.argv[3])

    async def main():
        state = RedisStateBackend.from_url(url, prefix=prefix)
        breaker = CircuitBreaker(state, "test", recovery_timeout=30, trial_timeout=10,
                                 clock=FixedClock(datetime.fromtimestamp(now, UTC)))
        await state.incr("ready")
        while await state.get("go") is None:
            await asyncio.sleep(0.005)

        async def probe():
            await state.incr("trial_calls")
            await asyncio.sleep(0.5)
            return "ok"

        outcomes = []
        for _ in range(5):
            try:
                outcomes.append(await breaker.call(probe))
            except CircuitOpenError:
                outcomes.append("refused")
        await state.close()
        print(json.dumps(outcomes))

    asyncio.run(main())
    """
)


def test_only_one_trial_across_processes(redis_url: str) -> None:
    """Four OS processes share Redis; in HALF_OPEN exactly one of them gets to call the service."""
    redis_prefix = f"test:{uuid.uuid4().hex}:"
    client = Redis.from_url(redis_url)
    opened_at = time.time() - 60  # opened a minute ago: the recovery timeout (30 s) has passed
    client.set(f"{redis_prefix}cb:test:opened_at", repr(opened_at))
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, redis_url, redis_prefix, repr(time.time())],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(4)
    ]
    try:
        deadline = time.monotonic() + 30
        while int(client.get(f"{redis_prefix}ready") or 0) < len(processes):
            assert time.monotonic() < deadline, "workers did not start"
            time.sleep(0.01)
        client.set(f"{redis_prefix}go", b"1")
        outputs = [process.communicate(timeout=60) for process in processes]
        trial_calls = int(client.get(f"{redis_prefix}trial_calls") or 0)
    finally:
        for process in processes:
            process.kill()
        for key in client.scan_iter(match=f"{redis_prefix}*"):
            client.delete(key)
        client.close()
    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
    # The last line: structlog prints its default-configured log lines to stdout before it.
    outcomes = [json.loads(stdout.strip().splitlines()[-1]) for stdout, _ in outputs]
    flat = [outcome for worker in outcomes for outcome in worker]
    # The single trial succeeded and closed the circuit, after which everyone calls freely; before it
    # finished, every other call across all processes was refused.
    assert trial_calls == flat.count("ok")
    first_calls = [worker[0] for worker in outcomes]
    assert first_calls.count("ok") == 1, outcomes
    assert first_calls.count("refused") == len(processes) - 1
