"""One suite, both implementations: what replicas share must behave the same in-process and on Redis."""

from __future__ import annotations

import asyncio

import pytest

from hotel_agent.kit.state import LockNotAcquiredError, StateBackend, StateWrite


async def test_get_set_delete_round_trip(state: StateBackend) -> None:
    assert await state.get("missing") is None
    await state.set("k", b"v")
    assert await state.get("k") == b"v"
    assert await state.get_many(["k", "missing"]) == [b"v", None]
    assert await state.delete("k", "missing") == 1
    assert await state.get("k") is None


async def test_write_many_writes_in_order_and_first_wins_where_asked(state: StateBackend) -> None:
    await state.set("taken", b"first")
    stored = await state.write_many(
        [
            StateWrite("plain", b"1", ttl=30),
            StateWrite("taken", b"second", only_if_absent=True),
            StateWrite("fresh", b"new", ttl=30, only_if_absent=True),
        ]
    )
    assert stored == [True, False, True]
    assert await state.get_many(["plain", "taken", "fresh"]) == [b"1", b"first", b"new"]
    ttl = await state.ttl("fresh")
    assert ttl is not None
    assert 25 < ttl <= 30
    assert await state.write_many([]) == []


async def test_values_expire_after_their_ttl(state: StateBackend) -> None:
    await state.set("short", b"1", ttl=0.05)
    await state.set("long", b"1", ttl=30)
    ttl = await state.ttl("long")
    assert ttl is not None
    assert 25 < ttl <= 30
    await asyncio.sleep(0.12)
    assert await state.get("short") is None
    assert await state.get("long") == b"1"


async def test_set_if_absent_lets_exactly_one_concurrent_writer_win(state: StateBackend) -> None:
    results = await asyncio.gather(*(state.set_if_absent("dedup", str(i).encode(), ttl=5) for i in range(20)))
    assert results.count(True) == 1
    winner = results.index(True)
    assert await state.get("dedup") == str(winner).encode()


async def test_set_if_absent_succeeds_again_after_expiry(state: StateBackend) -> None:
    assert await state.set_if_absent("once", b"a", ttl=0.05)
    assert not await state.set_if_absent("once", b"b", ttl=0.05)
    await asyncio.sleep(0.12)
    assert await state.set_if_absent("once", b"c", ttl=1)


async def test_counters_count_concurrently_and_keep_their_first_ttl(state: StateBackend) -> None:
    await asyncio.gather(*(state.incr("hits", ttl=60) for _ in range(50)))
    assert await state.incr("hits", 0) == 50
    assert await state.incr("hits", -10) == 40
    ttl = await state.ttl("hits")
    assert ttl is not None
    assert ttl <= 60


async def test_lock_excludes_other_holders_and_frees_on_exit(state: StateBackend) -> None:
    events: list[str] = []

    async def worker(name: str) -> None:
        async with state.lock("conversation:1", timeout=5, blocking_timeout=5):
            events.append(f"{name}-in")
            await asyncio.sleep(0.02)
            events.append(f"{name}-out")

    await asyncio.gather(worker("a"), worker("b"), worker("c"))
    # Never two holders at once: every "in" is followed by its own "out".
    for index in range(0, len(events), 2):
        assert events[index].split("-")[0] == events[index + 1].split("-")[0]


async def test_lock_times_out_while_held(state: StateBackend) -> None:
    holder = state.lock("busy", timeout=5)
    assert await holder.acquire()
    with pytest.raises(LockNotAcquiredError):
        async with state.lock("busy", timeout=5, blocking_timeout=0.05):
            pass
    await holder.release()


async def test_lock_of_a_dead_holder_expires(state: StateBackend) -> None:
    crashed = state.lock("job", timeout=0.1)
    assert await crashed.acquire()  # never released: the holder "died"
    successor = state.lock("job", timeout=5, blocking_timeout=2)
    assert await successor.acquire()
    # The dead holder waking up must not free the successor's lock.
    await crashed.release()
    intruder = state.lock("job", timeout=5, blocking_timeout=0.05)
    assert not await intruder.acquire()
    await successor.release()


async def test_lock_extend_keeps_it_alive(state: StateBackend) -> None:
    lock = state.lock("long-job", timeout=0.15)
    assert await lock.acquire()
    assert await lock.extend(5)
    await asyncio.sleep(0.25)
    other = state.lock("long-job", timeout=1, blocking_timeout=0.01)
    assert not await other.acquire()
    await lock.release()


async def test_pubsub_delivers_to_every_subscriber(state: StateBackend) -> None:
    async with state.subscribe("templates") as first, state.subscribe("templates") as second:
        delivered = await state.publish("templates", b"activated:42")
        assert delivered == 2
        assert await asyncio.wait_for(anext(first), 2) == b"activated:42"
        assert await asyncio.wait_for(anext(second), 2) == b"activated:42"


async def test_ping_answers(state: StateBackend) -> None:
    await state.ping()
