"""Experiments on the reply hot path: sticky assignment, exposures, outcomes, and the running set.

Per turn (`ConversationEngine`), for the running experiments that apply to the guest's language:

1. `begin_turn(guest_id, language, docs)`: the guest's sticky assignments (`exp:<id>:<phase>:<guest>`,
   30-day TTL) arrive with the conversation, read in the same round trip (`sticky_keys` names them for
   `ConversationStore.load_with`), so a turn adds no state-backend round trip. A guest seen for the
   first time in a phase is bucketed with GrowthBook's FNV-1a v2 hash of seed + guest id over the
   weighted ranges and coverage (after weights changed in the phase: looked up first in
   `experiment_exposures`, the durable copy, for a lost or in-process state backend). Changing weights
   or coverage later therefore moves nobody who was already assigned; a new phase has new keys (and a
   new hash seed): everybody is re-randomised. An excluded guest is stored with the coverage that
   excluded them, so raising coverage lets them in.
2. Rendering (`ReplyBuilder`): a reply of an experiment's template key renders the assigned variant's
   text; `exposed()` notes the first time a guest is actually sent it (control included), and whether
   control's text stood in because the variant lacks the guest's language.
3. `end_turn`: returns the sticky writes, stored with the conversation in its one save round trip: a
   first assignment set-if-absent (first wins), a first exposure marked on the sticky key (with its
   time); a repeat exposure writes nothing. Each first exposure is buffered for a batched insert
   (`experiments_flush_seconds`) — no database write while a guest waits. Outcomes of
   the turn (a booking, a cancellation) are attributed at once, in their own committed transaction:
   to every running experiment the guest was exposed to within its goal window, with the variant of
   the exposure, inserted on conflict do nothing under the unique (experiment, phase, guest, outcome)
   constraint, so a retried job counts once. Exposures still in another replica's buffer are found on
   the sticky key (which carries variant, time and language) and written first.

The running set is held in memory and kept current on every replica: the replica that changed an
experiment reloads it itself after the commit and bumps a shared stamp, which the others poll every
`experiments_poll_seconds`; every `experiments_reload_seconds` each replica reloads from the database
anyway (Redis data lost, no Redis between several workers).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hotel_agent.config import Settings
from hotel_agent.db import session_scope
from hotel_agent.experiments import metrics
from hotel_agent.experiments.hashing import assign
from hotel_agent.experiments.repository import ExperimentRepository, ExposureRepository, OutcomeRepository
from hotel_agent.experiments.schemas import CONTROL
from hotel_agent.kit.state import StateBackend, StateWrite
from hotel_agent.kit.tasks import cancel_and_wait
from hotel_agent.message_templates.languages import base_language
from hotel_agent.models import Experiment, ExperimentEvent

log = structlog.get_logger(__name__)

STAMP_KEY = "experiments:stamp"
_DAY = 86400.0
_EXCLUDED = "-"
OUTCOMES = ("conversion", "cancellation")


@dataclass(frozen=True, slots=True)
class RunningExperiment:
    id: int
    key: str
    template_key: str
    languages: frozenset[str]
    variants: tuple[str, ...]
    weights: tuple[float, ...]
    coverage: float
    seed: str
    phase: int
    goal_days: int
    # Weights were changed or coverage lowered during this phase: the hash may now disagree with a
    # guest's first assignment, so a guest missing from the state backend is looked up in the exposures.
    # Otherwise the hash *is* the first assignment, and a new guest costs no database read.
    reassigned: bool = False

    @classmethod
    def of(cls, experiment: Experiment, reassigned: bool = False) -> RunningExperiment:
        return cls(
            id=experiment.id,
            key=experiment.key,
            template_key=experiment.template_key,
            languages=frozenset(experiment.languages),
            variants=tuple(str(v["name"]) for v in experiment.variants),
            weights=tuple(float(v["weight"]) for v in experiment.variants),
            coverage=float(experiment.coverage),
            seed=experiment.seed,
            phase=experiment.phase,
            goal_days=experiment.goal_days,
            reassigned=reassigned,
        )

    @property
    def hash_seed(self) -> str:
        # Phase 1 hashes exactly like GrowthBook (seed = key by default); a new phase re-randomises.
        return self.seed if self.phase == 1 else f"{self.seed}:phase{self.phase}"

    def applies(self, language: str) -> bool:
        return not self.languages or language in self.languages or base_language(language) in self.languages

    def sticky_key(self, guest_id: str) -> str:
        return f"exp:{self.id}:{self.phase}:{guest_id}"

    def bucket(self, guest_id: str) -> str | None:
        index = assign(self.hash_seed, guest_id, self.weights, self.coverage)
        return self.variants[index] if index >= 0 else None


@dataclass(slots=True)
class Assignment:
    experiment: RunningExperiment
    variant: str
    # When the guest was first sent this experiment's reply (epoch seconds); None: not yet.
    exposed_at: float | None = None
    language: str | None = None
    fell_back: bool = False

    def encode(self) -> bytes:
        if self.exposed_at is None:
            return self.variant.encode()
        return f"{self.variant}|{self.exposed_at:.3f}|{self.language or ''}|{int(self.fell_back)}".encode()

    @classmethod
    def decode(cls, experiment: RunningExperiment, raw: bytes) -> Assignment | float | None:
        """An assignment, the coverage at which the guest was excluded (float), or None (unreadable)."""
        parts = raw.decode(errors="replace").split("|")
        if parts[0] == _EXCLUDED:
            try:
                return float(parts[1])
            except (IndexError, ValueError):
                return None
        if parts[0] not in experiment.variants:
            return None
        if len(parts) < 4:
            return cls(experiment, parts[0])
        try:
            exposed_at = float(parts[1])
        except ValueError:
            return cls(experiment, parts[0])
        return cls(experiment, parts[0], exposed_at, parts[2] or None, parts[3] == "1")


@dataclass(slots=True)
class TurnExperiments:
    """One turn's assignments by template key, and what the turn exposed and achieved."""

    guest_id: str
    by_template: dict[str, Assignment]
    exposures: list[Assignment] = field(default_factory=list)
    outcomes: list[tuple[str, str | None, float]] = field(default_factory=list)
    # The sticky documents read for the turn (key -> raw), and what the turn decided that is not stored
    # yet (first assignments, exclusions): written with the conversation when the turn ends.
    docs: dict[str, bytes | None] = field(default_factory=dict)
    pending: dict[str, StateWrite] = field(default_factory=dict)

    def variant_for(self, template_key: str) -> Assignment | None:
        return self.by_template.get(template_key)

    def exposed(self, assignment: Assignment, language: str, fell_back: bool) -> None:
        """The guest is being sent this experiment's reply: noted once (the first send counts)."""
        if assignment.exposed_at is not None:
            return
        assignment.exposed_at = time.time()
        assignment.language = language
        assignment.fell_back = fell_back
        self.exposures.append(assignment)

    def outcome(self, kind: str, reference: str | None) -> None:
        self.outcomes.append((kind, reference, time.time()))


class TurnExperimentSource(Protocol):
    """What the conversation engine asks per turn: `ExperimentRuntime` for guests; the admin simulator's
    stand-in (conversation/simulator) assigns without storing and records nothing."""

    def sticky_keys(self, guest_id: str) -> list[str]: ...

    async def begin_turn(
        self, guest_id: str, language: str, docs: Mapping[str, bytes | None] | None = None
    ) -> TurnExperiments | None: ...

    async def end_turn(self, turn: TurnExperiments | None) -> list[StateWrite]: ...


class ExposureBuffer:
    """First exposures waiting for their batched insert; one per (experiment, phase, guest)."""

    def __init__(self, max_pending: int = 50_000) -> None:
        self._pending: dict[tuple[int, int, str], dict[str, object]] = {}
        self._max = max_pending
        self.dropped = 0

    def add(self, guest_id: str, assignment: Assignment) -> None:
        experiment = assignment.experiment
        slot = (experiment.id, experiment.phase, guest_id)
        if slot in self._pending:
            return
        if len(self._pending) >= self._max:
            self.dropped += 1
            return
        self._pending[slot] = exposure_row(guest_id, assignment)

    def take(self) -> list[dict[str, object]]:
        rows = list(self._pending.values())
        self._pending.clear()
        return rows

    def put_back(self, rows: Sequence[dict[str, object]]) -> None:
        for row in rows:
            slot = (int(str(row["experiment_id"])), int(str(row["phase"])), str(row["guest_id"]))
            if len(self._pending) < self._max:
                self._pending.setdefault(slot, dict(row))

    def __len__(self) -> int:
        return len(self._pending)


def exposure_row(guest_id: str, assignment: Assignment) -> dict[str, object]:
    experiment = assignment.experiment
    return {
        "experiment_id": experiment.id,
        "phase": experiment.phase,
        "guest_id": guest_id[:128],
        "variant": assignment.variant,
        "language": (assignment.language or "")[:16],
        "fell_back": assignment.fell_back,
        "exposed_at": datetime.fromtimestamp(assignment.exposed_at or time.time(), UTC),
    }


class ExperimentRuntime:
    def __init__(
        self,
        settings: Settings,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        write_sessionmaker: async_sessionmaker[AsyncSession],
        state: StateBackend,
    ) -> None:
        self._sessionmaker = sessionmaker
        self._write_sessionmaker = write_sessionmaker
        self.state = state
        self.sticky_ttl = float(settings.experiments_sticky_ttl_seconds)
        self.flush_seconds = settings.experiments_flush_seconds
        self.poll_seconds = settings.experiments_poll_seconds
        self.reload_seconds = settings.experiments_reload_seconds
        self.buffer = ExposureBuffer()
        self._running: dict[str, RunningExperiment] = {}
        self._seen_stamp: bytes | None = None
        self._task: asyncio.Task[None] | None = None
        self._flush_lock = asyncio.Lock()

    # Lifecycle

    @classmethod
    async def start(
        cls,
        settings: Settings,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        write_sessionmaker: async_sessionmaker[AsyncSession],
        state: StateBackend,
    ) -> ExperimentRuntime:
        runtime = cls(settings, sessionmaker=sessionmaker, write_sessionmaker=write_sessionmaker, state=state)
        try:
            runtime._seen_stamp = await state.get(STAMP_KEY)
            await runtime.load()
        except Exception:
            # Guests are answered with the default texts until the periodic reload succeeds.
            log.exception("experiments.load_failed")
        runtime._task = asyncio.create_task(runtime._run(), name="experiments-sync")
        return runtime

    async def close(self) -> None:
        if self._task is not None:
            await cancel_and_wait(self._task)
            self._task = None
        await self.flush()

    @property
    def running(self) -> list[RunningExperiment]:
        return list(self._running.values())

    async def load(self) -> None:
        """Read the running experiments from the database (one per template key)."""
        async with self._sessionmaker() as session:
            repository = ExperimentRepository.from_session(session)
            experiments = await repository.running()
            reassigned = {e.id: _reassigned(await repository.events(e.key)) for e in experiments}
        running = {e.template_key: RunningExperiment.of(e, reassigned[e.id]) for e in experiments}
        if running != self._running:
            log.info("experiments.reloaded", running=sorted(e.key for e in running.values()))
        self._running = running

    async def announce(self) -> None:
        """After a commit that changed experiments: reload here, then tell the other replicas."""
        try:
            await self.load()
        except Exception:
            log.exception("experiments.reload_failed")
        try:
            stamp = await self.state.incr(STAMP_KEY)
            if self._seen_stamp == str(stamp - 1).encode() or self._seen_stamp is None:
                self._seen_stamp = str(stamp).encode()
        except Exception:
            log.exception("experiments.announce_failed")

    # The hot path

    def sticky_keys(self, guest_id: str) -> list[str]:
        """The guest's sticky keys in every running experiment: read with the conversation."""
        if not guest_id:
            return []
        return [experiment.sticky_key(guest_id) for experiment in self._running.values()]

    async def begin_turn(
        self, guest_id: str, language: str, docs: Mapping[str, bytes | None] | None = None
    ) -> TurnExperiments | None:
        """The guest's assignments in the running experiments that apply to `language`; `docs`: the
        sticky documents already read (`sticky_keys`), any other is read here."""
        if not self._running or not guest_id:
            return None
        applicable = [e for e in self._running.values() if e.applies(language)]
        if not applicable:
            return None
        try:
            return await self._assign(guest_id, applicable, dict(docs or {}))
        except Exception:
            # A guest gets the default text rather than no reply when the state backend hiccups.
            log.warning("experiments.assignment_failed", exc_info=True)
            return None

    async def _assign(
        self, guest_id: str, applicable: list[RunningExperiment], docs: dict[str, bytes | None]
    ) -> TurnExperiments:
        # Only when the running set changed since the conversation was read, or for a caller without it.
        missing = [e.sticky_key(guest_id) for e in applicable if e.sticky_key(guest_id) not in docs]
        if missing:
            docs.update(zip(missing, await self.state.get_many(missing), strict=True))
        turn = TurnExperiments(guest_id=guest_id, by_template={}, docs=docs)
        unknown: list[RunningExperiment] = []
        for experiment in applicable:
            raw = docs[experiment.sticky_key(guest_id)]
            decoded = Assignment.decode(experiment, raw) if raw is not None else None
            if isinstance(decoded, Assignment):
                turn.by_template[experiment.template_key] = decoded
            elif isinstance(decoded, float) and decoded >= experiment.coverage:
                continue  # excluded at this coverage or a wider one: still excluded
            elif isinstance(decoded, float):
                # Coverage was raised since: the same hash decides again, existing guests stay put.
                self._bucket(turn, experiment, replaces=True)
            elif experiment.reassigned:
                unknown.append(experiment)
            else:
                self._bucket(turn, experiment, replaces=raw is not None)
        if unknown:
            async with self._sessionmaker() as session:
                rows = await ExposureRepository.from_session(session).for_guest(
                    guest_id, [(e.id, e.phase) for e in unknown]
                )
            for experiment in unknown:
                row = rows.get(experiment.id)
                if row is None:
                    self._bucket(turn, experiment, replaces=docs[experiment.sticky_key(guest_id)] is not None)
                    continue
                assignment = Assignment(
                    experiment, row.variant, row.exposed_at.timestamp(), row.language, row.fell_back
                )
                turn.by_template[experiment.template_key] = assignment
                key = experiment.sticky_key(guest_id)
                turn.pending[key] = StateWrite(key, assignment.encode(), self.sticky_ttl)
        return turn

    def _bucket(self, turn: TurnExperiments, experiment: RunningExperiment, *, replaces: bool) -> None:
        """The hash decides; stored when the turn ends, set-if-absent unless it replaces a document
        (an exclusion at a lower coverage, an unreadable one): the first assignment wins."""
        variant = experiment.bucket(turn.guest_id)
        key = experiment.sticky_key(turn.guest_id)
        if variant is None:
            value = f"{_EXCLUDED}|{experiment.coverage}".encode()
        else:
            assignment = Assignment(experiment, variant)
            turn.by_template[experiment.template_key] = assignment
            value = assignment.encode()
        turn.pending[key] = StateWrite(key, value, self.sticky_ttl, only_if_absent=not replaces)

    async def end_turn(self, turn: TurnExperiments | None) -> list[StateWrite]:
        """Record the turn's first exposures (buffered) and its outcomes (committed now); the sticky
        writes to store with the conversation. A turn that decided and exposed nothing new has none."""
        if turn is None:
            return []
        writes = dict(turn.pending)
        for assignment in turn.exposures:
            experiment = assignment.experiment
            key = experiment.sticky_key(turn.guest_id)
            first = writes.get(key)
            new = first is not None and first.only_if_absent
            writes[key] = StateWrite(key, assignment.encode(), self.sticky_ttl, only_if_absent=new)
            self.buffer.add(turn.guest_id, assignment)
            label = metrics.experiment_label(experiment.key)
            metrics.EXPOSURES.labels(label, assignment.variant).inc()
            if assignment.fell_back:
                metrics.FALLBACKS.labels(label, assignment.variant).inc()
        if turn.outcomes:
            await self.record_outcomes(turn.guest_id, turn.outcomes, turn)
        return list(writes.values())

    # Outcomes

    async def record_outcomes(
        self,
        guest_id: str,
        outcomes: Sequence[tuple[str, str | None, float]],
        turn: TurnExperiments | None = None,
    ) -> int:
        """Attribute bookings and cancellations to the experiments this guest was exposed to; how many
        outcome rows were new. Raises when the database fails, so the job that made the booking retries.
        `turn`: the turn's assignments and sticky documents (its exposures are not stored yet)."""
        running = self.running
        if not running or not outcomes:
            return 0
        known = {a.experiment.sticky_key(guest_id): a for a in (turn.by_template.values() if turn else ())}
        read = dict(turn.docs) if turn is not None else {}
        missing = [e.sticky_key(guest_id) for e in running if e.sticky_key(guest_id) not in read]
        if missing:
            read.update(zip(missing, await self.state.get_many(missing), strict=True))
        stored = 0
        async with session_scope(self._write_sessionmaker) as session:
            exposures = ExposureRepository.from_session(session)
            rows = await exposures.for_guest(guest_id, [(e.id, e.phase) for e in running])
            outcome_rows = OutcomeRepository.from_session(session)
            for experiment in running:
                row = rows.get(experiment.id)
                if row is not None:
                    variant, exposed_at = row.variant, row.exposed_at.timestamp()
                else:
                    key = experiment.sticky_key(guest_id)
                    raw = read.get(key)
                    decoded: Assignment | float | None = known.get(key)
                    if decoded is None and raw is not None:
                        decoded = Assignment.decode(experiment, raw)
                    if not isinstance(decoded, Assignment) or decoded.exposed_at is None:
                        continue  # never sent this experiment's reply: not part of the test
                    # Exposed in this turn, or not flushed yet (here or on another replica): its row
                    # first, so counts agree.
                    await exposures.insert_if_absent([exposure_row(guest_id, decoded)])
                    variant, exposed_at = decoded.variant, decoded.exposed_at
                for kind, reference, at in outcomes:
                    if (
                        kind not in OUTCOMES
                        or not exposed_at <= at <= exposed_at + experiment.goal_days * _DAY
                    ):
                        continue
                    new = await outcome_rows.insert_if_absent(
                        {
                            "experiment_id": experiment.id,
                            "phase": experiment.phase,
                            "guest_id": guest_id[:128],
                            "variant": variant,
                            "outcome": kind,
                            "metadata": {
                                "reference": reference,
                                "exposed_at": datetime.fromtimestamp(exposed_at, UTC).isoformat(),
                            },
                        }
                    )
                    if new:
                        stored += 1
                        counter = metrics.CONVERSIONS if kind == "conversion" else metrics.CANCELLATIONS
                        counter.labels(metrics.experiment_label(experiment.key), variant).inc()
                        log.info(
                            "experiments.outcome",
                            experiment=experiment.key,
                            variant=variant,
                            outcome=kind,
                            reference=reference,
                        )
        return stored

    # Background work

    async def flush(self) -> int:
        """Write buffered first exposures; on failure they stay buffered for the next flush."""
        async with self._flush_lock:
            rows = self.buffer.take()
            if not rows:
                return 0
            try:
                async with session_scope(self._write_sessionmaker) as session:
                    await ExposureRepository.from_session(session).insert_if_absent(rows)
            except Exception:
                self.buffer.put_back(rows)
                log.warning("experiments.flush_failed", rows=len(rows), exc_info=True)
                return 0
            return len(rows)

    async def _run(self) -> None:
        last_flush = last_reload = time.monotonic()
        tick = min(self.poll_seconds, self.flush_seconds)
        while True:
            await asyncio.sleep(tick)
            now = time.monotonic()
            try:
                if now - last_flush >= self.flush_seconds:
                    last_flush = now
                    await self.flush()
                stamp = await self.state.get(STAMP_KEY)
                if stamp != self._seen_stamp or now - last_reload >= self.reload_seconds:
                    self._seen_stamp = stamp
                    last_reload = now
                    await self.load()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("experiments.sync_failed", exc_info=True)


def _reassigned(events: Sequence[ExperimentEvent]) -> bool:
    """Whether, since the current phase began, weights changed or coverage was lowered (newest first)."""
    for event in events:
        details = event.details or {}
        if event.action == "updated" and "phase" in details:
            return False
        if event.action == "updated" and "weights" in details:
            return True
        coverage = details.get("coverage") if event.action == "updated" else None
        if isinstance(coverage, dict) and float(coverage.get("to", 1)) < float(coverage.get("from", 0)):
            return True
    return False


def control_or(variant: str) -> str | None:
    """The renderer's variant argument: None renders the live default text (control)."""
    return None if variant == CONTROL else variant
