"""Sticky assignment and exposure/outcome recording on the hot path, on SQLite and PostgreSQL, against
both state backends: splits, weights and coverage changes, phases, lost state, exactly-once outcomes."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.db import session_scope
from hotel_agent.experiments.runtime import Assignment, ExperimentRuntime, RunningExperiment, TurnExperiments
from hotel_agent.kit.state import MemoryStateBackend, StateBackend, StateWrite
from hotel_agent.models import AbTestOutcome, Experiment, ExperimentEvent, ExperimentExposure
from tests.support.app import make_settings


def running_experiment(
    weights: tuple[float, ...], coverage: float = 1.0, phase: int = 1
) -> RunningExperiment:
    names = ("control", "variant_a", "variant_b")[: len(weights)]
    return RunningExperiment(
        id=1,
        key="split",
        template_key="greeting.welcome",
        languages=frozenset({"en"}),
        variants=names,
        weights=weights,
        coverage=coverage,
        seed="split",
        phase=phase,
        goal_days=7,
    )


@pytest.mark.parametrize(
    ("weights", "coverage"), [((0.5, 0.5), 1.0), ((0.2, 0.3, 0.5), 1.0), ((0.1, 0.9), 0.4)]
)
def test_100000_guests_split_within_one_point_of_the_weights(
    weights: tuple[float, ...], coverage: float
) -> None:
    experiment = running_experiment(weights, coverage)
    guests = 100_000
    counts = Counter(experiment.bucket(f"wa:100000000000001:3460{n:07d}") for n in range(guests))
    for name, weight in zip(experiment.variants, weights, strict=True):
        assert abs(counts[name] / guests - weight * coverage) <= 0.01, (name, counts)
    assert abs(counts[None] / guests - (1 - coverage)) <= 0.01


def test_a_new_phase_re_randomises_and_the_first_phase_hashes_like_growthbook() -> None:
    first, second = running_experiment((0.5, 0.5)), running_experiment((0.5, 0.5), phase=2)
    guests = [f"wa:1:{n}" for n in range(2000)]
    moved = sum(first.bucket(g) != second.bucket(g) for g in guests)
    assert 800 < moved < 1200  # independent re-draw: about half move
    assert first.hash_seed == "split"


async def new_experiment(
    sessionmaker: async_sessionmaker[AsyncSession],
    weights: tuple[float, float] = (0.5, 0.5),
    **fields: object,
) -> Experiment:
    key = f"t-{uuid.uuid4().hex[:10]}"
    async with session_scope(sessionmaker) as session:
        values: dict[str, object] = {
            "key": key,
            "name": key,
            "template_key": f"exp.{key}",
            "languages": ["en", "es", "pt"],
            "variants": [
                {"name": "control", "weight": weights[0]},
                {"name": "variant_a", "weight": weights[1]},
            ],
            "coverage": 1.0,
            "status": "running",
            "seed": key,
            "phase": 1,
            "goal_days": 7,
            "created_by": "tester",
            **fields,
        }
        experiment = Experiment(**values)
        session.add(experiment)
    return experiment


@pytest.fixture
async def runtime(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], state: StateBackend
) -> AsyncIterator[ExperimentRuntime]:
    runtime = ExperimentRuntime(
        make_settings(database_url), sessionmaker=sessionmaker, write_sessionmaker=sessionmaker, state=state
    )
    yield runtime
    await runtime.close()


def guests(count: int) -> list[str]:
    run = uuid.uuid4().hex[:6]
    return [f"wa:100000000000001:{run}{n:05d}" for n in range(count)]


async def finish(runtime: ExperimentRuntime, turn: TurnExperiments | None) -> None:
    """What the engine does at the end of a turn: the sticky writes go with the conversation's save."""
    await runtime.state.write_many(await runtime.end_turn(turn))


async def assigned(runtime: ExperimentRuntime, experiment: Experiment, guest: str) -> str | None:
    turn = await runtime.begin_turn(guest, "en")
    await finish(runtime, turn)
    assignment = turn.variant_for(experiment.template_key) if turn is not None else None
    return assignment.variant if assignment is not None else None


async def expose(runtime: ExperimentRuntime, experiment: Experiment, guest: str, language: str = "en") -> str:
    turn = await runtime.begin_turn(guest, language)
    assert turn is not None
    assignment = turn.variant_for(experiment.template_key)
    assert assignment is not None
    turn.exposed(assignment, language, fell_back=False)
    await finish(runtime, turn)
    return assignment.variant


async def test_assignment_is_the_hash_and_sticks_when_weights_change(
    runtime: ExperimentRuntime, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    experiment = await new_experiment(sessionmaker)
    await runtime.load()
    running = next(e for e in runtime.running if e.id == experiment.id)
    people = guests(200)
    before = {g: await assigned(runtime, experiment, g) for g in people}
    assert before == {g: running.bucket(g) for g in people}
    assert 60 < sum(v == "variant_a" for v in before.values()) < 140

    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(Experiment)
            .where(Experiment.id == experiment.id)
            .values(variants=[{"name": "control", "weight": 0.05}, {"name": "variant_a", "weight": 0.95}])
        )
    await runtime.load()
    reweighted = next(e for e in runtime.running if e.id == experiment.id)
    moved_by_hash = [g for g in people if reweighted.bucket(g) != before[g]]
    assert moved_by_hash, "the new weights would move some guests"
    after = {g: await assigned(runtime, experiment, g) for g in people}
    assert after == before
    newcomers = guests(200)
    fresh = [await assigned(runtime, experiment, g) for g in newcomers]
    assert sum(v == "variant_a" for v in fresh) > 170


async def test_a_new_phase_re_randomises_everyone(
    runtime: ExperimentRuntime, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    experiment = await new_experiment(sessionmaker)
    await runtime.load()
    people = guests(200)
    first = {g: await assigned(runtime, experiment, g) for g in people}
    async with session_scope(sessionmaker) as session:
        await session.execute(update(Experiment).where(Experiment.id == experiment.id).values(phase=2))
    await runtime.load()
    second = {g: await assigned(runtime, experiment, g) for g in people}
    phase2 = next(e for e in runtime.running if e.id == experiment.id)
    assert second == {g: phase2.bucket(g) for g in people}
    assert 60 < sum(first[g] != second[g] for g in people) < 140


async def test_raising_coverage_keeps_guests_in_and_lets_excluded_ones_join(
    runtime: ExperimentRuntime, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    experiment = await new_experiment(sessionmaker, coverage=0.3)
    await runtime.load()
    people = guests(300)
    low = {g: await assigned(runtime, experiment, g) for g in people}
    assert 50 < sum(v is not None for v in low.values()) < 130
    async with session_scope(sessionmaker) as session:
        await session.execute(update(Experiment).where(Experiment.id == experiment.id).values(coverage=1.0))
    await runtime.load()
    high = {g: await assigned(runtime, experiment, g) for g in people}
    assert all(high[g] == low[g] for g in people if low[g] is not None)
    assert all(v is not None for v in high.values())


async def test_languages_outside_the_experiment_are_not_in_it(
    runtime: ExperimentRuntime, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    experiment = await new_experiment(sessionmaker, languages=["es"])
    await runtime.load()
    [guest] = guests(1)
    turn = await runtime.begin_turn(guest, "en")
    assert turn is None or turn.variant_for(experiment.template_key) is None
    turn = await runtime.begin_turn(guest, "es-MX")
    assert turn is not None
    assert turn.variant_for(experiment.template_key) is not None


async def exposures(
    sessionmaker: async_sessionmaker[AsyncSession], experiment: Experiment
) -> list[ExperimentExposure]:
    async with sessionmaker() as session:
        query = select(ExperimentExposure).where(ExperimentExposure.experiment_id == experiment.id)
        return list((await session.execute(query)).scalars())


async def outcomes(
    sessionmaker: async_sessionmaker[AsyncSession], experiment: Experiment
) -> list[AbTestOutcome]:
    async with sessionmaker() as session:
        query = select(AbTestOutcome).where(AbTestOutcome.experiment_id == experiment.id)
        return list((await session.execute(query)).scalars())


async def test_an_exposure_is_logged_once_and_outlives_lost_state(
    runtime: ExperimentRuntime, database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    experiment = await new_experiment(sessionmaker)
    await runtime.load()
    [guest] = guests(1)
    variant = await expose(runtime, experiment, guest, "pt")
    for _ in range(3):  # later replies of the same key are not new exposures
        await expose(runtime, experiment, guest, "pt")
    assert await runtime.flush() == 1
    [row] = await exposures(sessionmaker, experiment)
    assert (row.guest_id, row.variant, row.language, row.phase, row.fell_back) == (
        guest,
        variant,
        "pt",
        1,
        False,
    )
    # Assigned but never sent the reply: no exposure.
    [other] = guests(1)
    await finish(runtime, await runtime.begin_turn(other, "en"))
    await finish(runtime, await runtime.begin_turn(other, "en"))
    await runtime.flush()
    assert len(await exposures(sessionmaker, experiment)) == 1

    # A restart with the state backend's data gone (in-process backend) and weights that would now
    # bucket everybody into the other variant: the exposure row keeps the guest where they were.
    flipped = [{"name": "control", "weight": 0.5}, {"name": "variant_a", "weight": 0.5}]
    flipped[0 if variant == "control" else 1]["weight"] = 0.0001
    flipped[1 if variant == "control" else 0]["weight"] = 0.9999
    async with session_scope(sessionmaker) as session:
        await session.execute(
            update(Experiment).where(Experiment.id == experiment.id).values(variants=flipped)
        )
        # What the service records with a weight change: it tells the runtime the hash may have moved.
        session.add(
            ExperimentEvent(
                experiment_id=experiment.id,
                experiment_key=experiment.key,
                action="updated",
                actor="tester",
                details={"weights": {"to": {str(v["name"]): v["weight"] for v in flipped}}},
            )
        )
    restarted = ExperimentRuntime(
        make_settings(database_url),
        sessionmaker=sessionmaker,
        write_sessionmaker=sessionmaker,
        state=MemoryStateBackend(),
    )
    await restarted.load()
    assert await assigned(restarted, experiment, guest) == variant
    await restarted.close()


async def test_a_booking_counts_once_per_exposed_guest_within_the_window(
    runtime: ExperimentRuntime, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    experiment = await new_experiment(sessionmaker)
    await runtime.load()
    exposed, unexposed = guests(2)
    variant = await expose(runtime, experiment, exposed)
    await runtime.begin_turn(unexposed, "en")
    booked = [("conversion", "HA-AAAAAA", time.time())]
    assert await runtime.record_outcomes(exposed, booked) == 1
    # The job that made the booking is retried: nothing more is counted.
    assert await runtime.record_outcomes(exposed, booked) == 0
    assert await runtime.record_outcomes(exposed, [("conversion", "HA-BBBBBB", time.time())]) == 0
    assert await runtime.record_outcomes(unexposed, booked) == 0
    assert await runtime.record_outcomes(exposed, [("cancellation", "HA-AAAAAA", time.time())]) == 1
    rows = await outcomes(sessionmaker, experiment)
    assert sorted((r.guest_id, r.variant, r.outcome) for r in rows) == [
        (exposed, variant, "cancellation"),
        (exposed, variant, "conversion"),
    ]
    assert next(r for r in rows if r.outcome == "conversion").details["reference"] == "HA-AAAAAA"

    # Outside the goal window (8 days after the exposure, goal 7), or before the exposure: not counted.
    late = guests(1)[0]
    await expose(runtime, experiment, late)
    assert await runtime.record_outcomes(late, [("conversion", "HA-CCCCCC", time.time() + 8 * 86400)]) == 0
    assert await runtime.record_outcomes(late, [("conversion", "HA-CCCCCC", time.time() - 60)]) == 0


async def test_an_exposure_another_replica_has_not_flushed_still_counts(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession], state: StateBackend
) -> None:
    experiment = await new_experiment(sessionmaker)
    settings = make_settings(database_url, experiments_flush_seconds=3600)
    replica_a = ExperimentRuntime(
        settings, sessionmaker=sessionmaker, write_sessionmaker=sessionmaker, state=state
    )
    replica_b = ExperimentRuntime(
        settings, sessionmaker=sessionmaker, write_sessionmaker=sessionmaker, state=state
    )
    await replica_a.load()
    await replica_b.load()
    [guest] = guests(1)
    variant = await expose(replica_a, experiment, guest, "es")
    assert await exposures(sessionmaker, experiment) == []  # still in replica A's buffer
    assert await replica_b.record_outcomes(guest, [("conversion", "HA-DDDDDD", time.time())]) == 1
    [row] = await exposures(sessionmaker, experiment)
    assert (row.variant, row.language) == (variant, "es")
    await replica_a.close()  # its flush finds the row there already
    await replica_b.close()
    assert len(await exposures(sessionmaker, experiment)) == 1
    [outcome] = await outcomes(sessionmaker, experiment)
    assert outcome.variant == variant


def test_sticky_documents_round_trip() -> None:
    experiment = running_experiment((0.5, 0.5))
    assignment = Assignment(experiment, "variant_a", 1765000000.25, "pt", True)
    decoded = Assignment.decode(experiment, assignment.encode())
    assert isinstance(decoded, Assignment)
    assert (decoded.variant, decoded.exposed_at, decoded.language, decoded.fell_back) == (
        "variant_a",
        1765000000.25,
        "pt",
        True,
    )
    assert Assignment.decode(experiment, b"-|0.3") == 0.3
    assert Assignment.decode(experiment, b"gone_variant") is None
    turn = TurnExperiments("g", {"k": Assignment(experiment, "control")})
    turn.exposed(turn.by_template["k"], "en", fell_back=False)
    turn.exposed(turn.by_template["k"], "en", fell_back=False)
    assert len(turn.exposures) == 1


class CountingState(MemoryStateBackend):
    """The in-process backend, counting the calls a turn makes to it."""

    calls = 0

    async def get(self, key: str) -> bytes | None:
        self.calls += 1
        return await super().get(key)

    async def get_many(self, keys: list[str]) -> list[bytes | None]:
        self.calls += 1
        return await super().get_many(keys)

    async def set(self, key: str, value: bytes, ttl: float | None = None) -> None:
        self.calls += 1
        await super().set(key, value, ttl)

    async def write_many(self, writes: Sequence[StateWrite]) -> list[bool]:
        self.calls += 1
        return await super().write_many(writes)


async def test_a_turn_reads_and_writes_assignments_only_with_the_conversation(
    database_url: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    state = CountingState()
    runtime = ExperimentRuntime(
        make_settings(database_url), sessionmaker=sessionmaker, write_sessionmaker=sessionmaker, state=state
    )
    experiment = await new_experiment(sessionmaker)
    await runtime.load()
    [guest] = guests(1)
    running = next(e for e in runtime.running if e.id == experiment.id)
    key = running.sticky_key(guest)

    async def turn_with_conversation() -> list[StateWrite]:
        keys = runtime.sticky_keys(guest)
        docs = dict(zip(keys, await state.get_many(keys), strict=True))  # the conversation's load
        state.calls = 0
        turn = await runtime.begin_turn(guest, "en", docs)
        assert turn is not None
        assignment = turn.variant_for(experiment.template_key)
        assert assignment is not None
        turn.exposed(assignment, "en", fell_back=False)
        writes = await runtime.end_turn(turn)
        assert state.calls == 0  # nothing of its own: it rides on the conversation's round trips
        await state.write_many(writes)  # the conversation's save
        return [w for w in writes if w.key == key]  # other tests' experiments run in this database too

    [first] = await turn_with_conversation()
    assert first.only_if_absent  # the first assignment wins
    assert first.ttl == 30 * 86400
    assert await turn_with_conversation() == []  # a repeat exposure writes nothing
    variant = running.bucket(guest)
    other = next(v for v in running.variants if v != variant)
    assert await state.write_many([StateWrite(key, other.encode(), only_if_absent=True)]) == [False]
    assert await assigned(runtime, experiment, guest) == variant
    await runtime.close()
