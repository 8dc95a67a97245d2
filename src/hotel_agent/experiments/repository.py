"""Every query on experiments, their exposures, outcomes and audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.models import AbTestOutcome, Experiment, ExperimentEvent, ExperimentExposure


def _insert(session: AsyncSession, table: Any) -> Any:
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


class ExperimentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> ExperimentRepository:
        return cls(session)

    async def get_by_key(self, key: str, *, for_update: bool = False) -> Experiment | None:
        query = select(Experiment).where(Experiment.key == key)
        if for_update:
            query = query.with_for_update()
        return (await self.session.execute(query)).scalar_one_or_none()

    async def list_all(self, status: str | None = None, limit: int = 200) -> list[Experiment]:
        query = select(Experiment).order_by(Experiment.created_at.desc(), Experiment.id.desc()).limit(limit)
        if status is not None:
            query = query.where(Experiment.status == status)
        return list((await self.session.execute(query)).scalars())

    async def running(self) -> list[Experiment]:
        query = select(Experiment).where(Experiment.status == "running").order_by(Experiment.id)
        return list((await self.session.execute(query)).scalars())

    async def running_for_template(self, template_key: str) -> list[Experiment]:
        query = select(Experiment).where(
            Experiment.status == "running", Experiment.template_key == template_key
        )
        return list((await self.session.execute(query)).scalars())

    async def add(self, experiment: Experiment) -> Experiment:
        self.session.add(experiment)
        await self.session.flush()
        return experiment

    async def delete(self, experiment: Experiment) -> None:
        await self.session.execute(delete(Experiment).where(Experiment.id == experiment.id))

    async def record_event(
        self, experiment: Experiment, action: str, actor: str, **details: Any
    ) -> ExperimentEvent:
        event = ExperimentEvent(
            experiment_id=experiment.id,
            experiment_key=experiment.key,
            action=action,
            actor=actor,
            details=details,
        )
        self.session.add(event)
        await self.session.flush()
        return event

    async def events(self, key: str) -> list[ExperimentEvent]:
        query = (
            select(ExperimentEvent)
            .where(ExperimentEvent.experiment_key == key)
            .order_by(ExperimentEvent.created_at.desc(), ExperimentEvent.id.desc())
        )
        return list((await self.session.execute(query)).scalars())

    async def latest_events(self, limit: int) -> list[ExperimentEvent]:
        """The newest events over every experiment (the admin panel's audit log)."""
        query = (
            select(ExperimentEvent)
            .order_by(ExperimentEvent.created_at.desc(), ExperimentEvent.id.desc())
            .limit(limit)
        )
        return list((await self.session.execute(query)).scalars())


class ExposureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> ExposureRepository:
        return cls(session)

    async def insert_if_absent(self, rows: Sequence[dict[str, Any]]) -> int:
        """First exposures; a guest already exposed in that phase keeps their first row."""
        if not rows:
            return 0
        statement = _insert(self.session, ExperimentExposure.__table__).on_conflict_do_nothing(
            index_elements=["experiment_id", "phase", "guest_id"]
        )
        result = await self.session.execute(statement, list(rows))
        return int(getattr(result, "rowcount", 0) or 0)

    async def for_guest(
        self, guest_id: str, experiments: Sequence[tuple[int, int]]
    ) -> dict[int, ExperimentExposure]:
        """The guest's exposure rows in these (experiment id, phase) pairs, by experiment id."""
        if not experiments:
            return {}
        wanted = set(experiments)
        query = select(ExperimentExposure).where(
            ExperimentExposure.guest_id == guest_id,
            ExperimentExposure.experiment_id.in_([experiment_id for experiment_id, _ in experiments]),
        )
        rows = (await self.session.execute(query)).scalars()
        return {row.experiment_id: row for row in rows if (row.experiment_id, row.phase) in wanted}

    async def daily_counts(self, experiment_id: int, phase: int) -> list[tuple[str, str, int]]:
        """(UTC day as YYYY-MM-DD, variant, first exposures that day), oldest day first."""
        day = func.date(ExperimentExposure.exposed_at)
        query = (
            select(day, ExperimentExposure.variant, func.count(ExperimentExposure.id))
            .where(ExperimentExposure.experiment_id == experiment_id, ExperimentExposure.phase == phase)
            .group_by(day, ExperimentExposure.variant)
            .order_by(day)
        )
        # SQLite's date() is text, PostgreSQL's a date: both read as YYYY-MM-DD.
        return [(str(d)[:10], str(v), int(n)) for d, v, n in (await self.session.execute(query)).all()]

    async def counts(self, experiment_id: int, phase: int) -> dict[str, tuple[int, int]]:
        """Variant -> (exposures, exposures that fell back to control's text)."""
        query = (
            select(
                ExperimentExposure.variant,
                func.count(ExperimentExposure.id),
                func.count(ExperimentExposure.id).filter(ExperimentExposure.fell_back.is_(True)),
            )
            .where(ExperimentExposure.experiment_id == experiment_id, ExperimentExposure.phase == phase)
            .group_by(ExperimentExposure.variant)
        )
        return {str(v): (int(n), int(f)) for v, n, f in (await self.session.execute(query)).all()}


class OutcomeRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @classmethod
    def from_session(cls, session: AsyncSession) -> OutcomeRepository:
        return cls(session)

    async def insert_if_absent(self, row: dict[str, Any]) -> bool:
        """One outcome of each kind per guest and phase: True when this call stored it (`row` by column
        name: the JSON column is `metadata`)."""
        statement = (
            _insert(self.session, AbTestOutcome.__table__)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["experiment_id", "phase", "guest_id", "outcome"])
            .returning(AbTestOutcome.id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none() is not None

    async def counts(self, experiment_id: int, phase: int) -> dict[tuple[str, str], int]:
        """(variant, outcome) -> guests."""
        query = (
            select(AbTestOutcome.variant, AbTestOutcome.outcome, func.count(AbTestOutcome.id))
            .where(AbTestOutcome.experiment_id == experiment_id, AbTestOutcome.phase == phase)
            .group_by(AbTestOutcome.variant, AbTestOutcome.outcome)
        )
        return {(str(v), str(o)): int(n) for v, o, n in (await self.session.execute(query)).all()}
