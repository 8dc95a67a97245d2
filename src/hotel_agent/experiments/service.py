"""Experiments as operators manage them: create, change, start, pause, stop, promote, results.

Every change is validated before it is stored, audited (`experiment_events`: who, when, what) and
flagged in `changed`, which the request's unit of work announces to every replica after the commit
(`ExperimentRuntime.announce`). Variant texts are template versions of the experiment's key with
`variant = <name>`; they go through the template service's validation like any version, so no
experiment can send a guest a text that does not render. `control` is the live default text.

Lifecycle: draft -> running <-> paused -> stopped. At most one running experiment per template key.
Promotion stops the experiment and makes the winner's texts the active default versions, in one
transaction, audited in both trails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.experiments import statistics
from hotel_agent.experiments.errors import (
    ExperimentExistsError,
    ExperimentInvalidError,
    ExperimentStateError,
    NoSuchExperimentError,
)
from hotel_agent.experiments.repository import ExperimentRepository, ExposureRepository, OutcomeRepository
from hotel_agent.experiments.schemas import (
    CONTROL,
    WEIGHT_TOLERANCE,
    ArmOut,
    ExperimentCreate,
    ExperimentEventOut,
    ExperimentHistory,
    ExperimentList,
    ExperimentOut,
    ExperimentResults,
    ExperimentUpdate,
    PromoteRequest,
    VariantOut,
)
from hotel_agent.message_templates.repository import TemplateRepository, TemplateVersionRepository
from hotel_agent.message_templates.versioning import TemplateOptions, TemplateVersionService
from hotel_agent.models import Experiment, Template, TemplateVersion


@dataclass
class ExperimentService:
    session: AsyncSession
    options: TemplateOptions = field(default_factory=TemplateOptions)
    # An experiment's status, weights or phase changed in this unit of work: replicas must reload.
    changed: bool = False
    # Template ids whose live texts changed (variant texts created, a winner promoted): announced too.
    template_changes: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.experiments = ExperimentRepository.from_session(self.session)
        self.templates = TemplateRepository.from_session(self.session)
        self.versions = TemplateVersionRepository.from_session(self.session)
        self.template_service = TemplateVersionService(self.session, self.options)

    # Writing

    async def create(self, data: ExperimentCreate, actor: str) -> ExperimentOut:
        """A draft experiment; variant texts given inline become the variants' active versions."""
        if await self.experiments.get_by_key(data.key) is not None:
            raise ExperimentExistsError(data.key)
        templates = await self._templates(data.template_key)
        languages = data.languages or [tag for tag in self.options.languages if tag in templates]
        missing = [tag for tag in languages if tag not in templates]
        if missing:
            raise ExperimentInvalidError(
                f"{data.template_key!r} has no text in {', '.join(missing)}: add the translation first",
                languages=missing,
            )
        names = [variant.name for variant in data.variants]
        if names[0] != CONTROL:
            raise ExperimentInvalidError(f"the first variant must be {CONTROL!r} (the live default text)")
        if len(set(names)) != len(names):
            raise ExperimentInvalidError("variant names must be unique")
        _check_weights([variant.weight for variant in data.variants])
        if data.variants[0].texts:
            raise ExperimentInvalidError(f"{CONTROL!r} is the live default text: it takes no texts")
        experiment = await self.experiments.add(
            Experiment(
                key=data.key,
                name=data.name,
                hypothesis=data.hypothesis,
                template_key=data.template_key,
                languages=languages,
                variants=[{"name": v.name, "weight": v.weight} for v in data.variants],
                coverage=data.coverage,
                status="draft",
                seed=data.seed or data.key,
                phase=1,
                goal_days=data.goal_days,
                guardrails=data.guardrails,
                created_by=actor,
            )
        )
        for variant in data.variants[1:]:
            for language, text in (variant.texts or {}).items():
                template = templates.get(language)
                if template is None or language not in languages:
                    raise ExperimentInvalidError(
                        f"variant {variant.name!r} has a {language} text, but the experiment applies to "
                        f"{', '.join(languages)}"
                    )
                await self._store_variant_text(template, variant.name, text, actor, experiment.key)
        await self.experiments.record_event(
            experiment, "created", actor, variants=experiment.variants, languages=languages
        )
        return await self._out(experiment)

    async def update(self, key: str, data: ExperimentUpdate, actor: str) -> ExperimentOut:
        """Change wording, weights, coverage or goal; `new_phase` re-randomises every guest."""
        experiment = await self._get(key, lock=True)
        if experiment.status == "stopped":
            raise ExperimentStateError(f"experiment {key!r} is stopped; create a new one instead")
        changes: dict[str, object] = {}
        if data.name is not None:
            experiment.name = data.name
            changes["name"] = data.name
        if data.hypothesis is not None:
            experiment.hypothesis = data.hypothesis
            changes["hypothesis"] = data.hypothesis
        if data.weights is not None:
            names = [variant["name"] for variant in experiment.variants]
            if set(data.weights) != set(names):
                raise ExperimentInvalidError(f"weights must name exactly the variants {', '.join(names)}")
            weights = [data.weights[name] for name in names]
            if any(weight <= 0 for weight in weights):
                raise ExperimentInvalidError("every weight must be above 0")
            _check_weights(weights)
            changes["weights"] = {"from": _weights(experiment), "to": dict(data.weights)}
            experiment.variants = [{"name": name, "weight": data.weights[name]} for name in names]
        if data.coverage is not None:
            changes["coverage"] = {"from": experiment.coverage, "to": data.coverage}
            experiment.coverage = data.coverage
        if data.goal_days is not None:
            changes["goal_days"] = {"from": experiment.goal_days, "to": data.goal_days}
            experiment.goal_days = data.goal_days
        if data.new_phase:
            changes["phase"] = {"from": experiment.phase, "to": experiment.phase + 1}
            experiment.phase += 1
        if changes:
            await self.session.flush()
            await self.experiments.record_event(experiment, "updated", actor, **changes)
            self.changed = True
        return await self._out(experiment)

    async def start(self, key: str, actor: str) -> ExperimentOut:
        """Draft or paused -> running, after checking every variant still has valid live text."""
        experiment = await self._get(key, lock=True)
        if experiment.status not in ("draft", "paused"):
            raise ExperimentStateError(
                f"experiment {key!r} is {experiment.status}; only draft or paused start"
            )
        others = [
            other.key
            for other in await self.experiments.running_for_template(experiment.template_key)
            if other.id != experiment.id
        ]
        if others:
            raise ExperimentStateError(
                f"{experiment.template_key!r} is already tested by running experiment {others[0]!r}; "
                "stop or pause it first"
            )
        templates = await self._templates(experiment.template_key)
        coverage = await self._variant_languages(experiment, templates)
        for variant in _names(experiment)[1:]:
            if not coverage.get(variant):
                raise ExperimentInvalidError(
                    f"variant {variant!r} has no live text in any of {', '.join(experiment.languages)}: "
                    f"add one (PUT /admin/templates/{{id}}/versions with variant={variant!r}, status=active)"
                )
        for template in templates.values():
            for variant in _names(experiment)[1:]:
                version = await self.versions.active(template.id, variant)
                if version is not None and template.language in experiment.languages:
                    self.template_service.check(template, version.content)
        experiment.status = "running"
        experiment.started_at = experiment.started_at or datetime.now(UTC)
        await self.session.flush()
        await self.experiments.record_event(experiment, "started", actor, phase=experiment.phase)
        self.changed = True
        return await self._out(experiment)

    async def pause(self, key: str, actor: str) -> ExperimentOut:
        """Running -> paused: every guest gets the default text; nothing is counted until it starts again."""
        experiment = await self._get(key, lock=True)
        if experiment.status != "running":
            raise ExperimentStateError(
                f"experiment {key!r} is {experiment.status}; only a running one pauses"
            )
        experiment.status = "paused"
        await self.session.flush()
        await self.experiments.record_event(experiment, "paused", actor)
        self.changed = True
        return await self._out(experiment)

    async def stop(self, key: str, actor: str, *, winner: str | None = None) -> ExperimentOut:
        """End the experiment for good (its results stay readable)."""
        experiment = await self._get(key, lock=True)
        if experiment.status == "stopped":
            raise ExperimentStateError(f"experiment {key!r} is stopped already")
        experiment.status = "stopped"
        experiment.stopped_at = datetime.now(UTC)
        experiment.winner = winner
        await self.session.flush()
        await self.experiments.record_event(experiment, "stopped", actor, winner=winner)
        self.changed = True
        return await self._out(experiment)

    async def promote(self, key: str, request: PromoteRequest, actor: str) -> ExperimentOut:
        """Stop and make the winner's texts the live default, in one audited action."""
        experiment = await self._get(key, lock=True)
        if experiment.status == "stopped" and experiment.winner is not None:
            raise ExperimentStateError(f"experiment {key!r} was already promoted ({experiment.winner!r})")
        variant = request.variant
        if variant is None:
            results = await self.results(key)
            if results.winner is None:
                why = "; ".join(results.warnings) or "no variant beats control clearly"
                raise ExperimentStateError(
                    f"experiment {key!r} has no winner yet ({why}); name the variant to promote it anyway"
                )
            variant = results.winner
        if variant not in _names(experiment):
            raise ExperimentInvalidError(f"{variant!r} is not a variant of {key!r}")
        promoted: dict[str, int] = {}
        if variant != CONTROL:
            templates = await self._templates(experiment.template_key)
            for language, template in sorted(templates.items()):
                version = await self.versions.active(template.id, variant)
                if version is None:
                    continue
                locked = await self.templates.get(template.id, for_update=True)
                assert locked is not None
                self.template_service.check(locked, version.content)
                note = f"promoted from experiment {key!r}, variant {variant!r}" + (
                    f": {request.note}" if request.note else ""
                )
                new = await self.template_service.add_version(
                    locked, version.content, actor=actor, note=note, status="active"
                )
                promoted[language] = new.version
                self.template_changes.add(template.id)
            if not promoted:
                raise ExperimentStateError(f"variant {variant!r} has no live text to promote")
        if experiment.status != "stopped":
            experiment.status = "stopped"
            experiment.stopped_at = datetime.now(UTC)
        experiment.winner = variant
        await self.session.flush()
        await self.experiments.record_event(
            experiment, "promoted", actor, variant=variant, versions=promoted, note=request.note
        )
        self.changed = True
        return await self._out(experiment)

    async def delete(self, key: str, actor: str) -> None:
        """Delete an experiment that is not running, with its exposures and outcomes (the trail stays)."""
        experiment = await self._get(key, lock=True)
        if experiment.status == "running":
            raise ExperimentStateError(f"experiment {key!r} is running; stop it before deleting it")
        await self.experiments.record_event(experiment, "deleted", actor)
        await self.experiments.delete(experiment)
        self.changed = True

    # Reading

    async def list_experiments(self, status: str | None = None, limit: int = 200) -> ExperimentList:
        experiments = await self.experiments.list_all(status, limit)
        # Two queries for the whole list (templates, their active versions), not two per experiment.
        languages = await self._variant_languages_of(experiments)
        items = [self._out_with(experiment, languages[experiment.id]) for experiment in experiments]
        return ExperimentList(items=items, count=len(items))

    async def get(self, key: str) -> ExperimentOut:
        return await self._out(await self._get(key))

    async def history(self, key: str) -> ExperimentHistory:
        events = await self.experiments.events(key)
        if not events and await self.experiments.get_by_key(key) is None:
            raise NoSuchExperimentError(key)
        return ExperimentHistory(
            key=key,
            events=[
                ExperimentEventOut(action=e.action, actor=e.actor, details=e.details, created_at=e.created_at)
                for e in events
            ],
        )

    async def exposures_by_day(self, key: str) -> tuple[list[str], list[tuple[str, list[int]]]]:
        """The current phase's first exposures per UTC day: (variants, [(day, count per variant)])."""
        experiment = await self._get(key)
        rows = await ExposureRepository.from_session(self.session).daily_counts(
            experiment.id, experiment.phase
        )
        variants = _names(experiment)
        days: dict[str, list[int]] = {}
        for day, variant, count in rows:
            if variant in variants:
                days.setdefault(day, [0] * len(variants))[variants.index(variant)] += count
        return variants, sorted(days.items())

    async def results(self, key: str) -> ExperimentResults:
        """The current phase's results: per variant counts, rates, uplift, tests, SRM and guidance."""
        experiment = await self._get(key)
        exposures = await ExposureRepository.from_session(self.session).counts(
            experiment.id, experiment.phase
        )
        outcomes = await OutcomeRepository.from_session(self.session).counts(experiment.id, experiment.phase)
        arms = [
            statistics.ArmCounts(
                variant=variant["name"],
                exposures=exposures.get(variant["name"], (0, 0))[0],
                # A conversion without a recorded exposure cannot happen (attribution reads exposures),
                # but the rate must stay a proportion whatever the data says.
                conversions=min(
                    outcomes.get((variant["name"], "conversion"), 0),
                    exposures.get(variant["name"], (0, 0))[0],
                ),
                weight=float(variant["weight"]),
            )
            for variant in experiment.variants
        ]
        analysed = statistics.analyse(arms)
        return ExperimentResults(
            key=experiment.key,
            status=experiment.status,
            phase=experiment.phase,
            goal_days=experiment.goal_days,
            arms=[
                ArmOut(
                    variant=result.variant,
                    weight=counts.weight,
                    exposures=result.exposures,
                    conversions=result.conversions,
                    cancellations=outcomes.get((result.variant, "cancellation"), 0),
                    fallbacks=exposures.get(result.variant, (0, 0))[1],
                    rate=result.rate,
                    rate_interval=result.rate_interval,
                    uplift=result.uplift,
                    uplift_interval=result.uplift_interval,
                    p_value=result.p_value,
                    chance_to_beat_control=result.chance_to_beat_control,
                )
                for result, counts in zip(analysed.arms, arms, strict=True)
            ],
            srm_p_value=analysed.srm_p_value,
            srm=analysed.srm,
            enough_data=analysed.enough_data,
            min_exposures_per_arm=statistics.MIN_EXPOSURES,
            min_conversions_per_arm=statistics.MIN_CONVERSIONS,
            needed_per_arm=analysed.needed_per_arm,
            winner=analysed.winner,
            warnings=list(analysed.warnings),
        )

    # Helpers

    async def _get(self, key: str, *, lock: bool = False) -> Experiment:
        experiment = await self.experiments.get_by_key(key, for_update=lock)
        if experiment is None:
            raise NoSuchExperimentError(key)
        return experiment

    async def _templates(self, template_key: str) -> dict[str, Template]:
        templates = {t.language: t for t in await self.templates.list_for_keys([template_key])}
        if not templates:
            raise ExperimentInvalidError(f"no reply template with key {template_key!r}")
        return templates

    async def _store_variant_text(
        self, template: Template, variant: str, text: str, actor: str, experiment_key: str
    ) -> None:
        locked = await self.templates.get(template.id, for_update=True)
        assert locked is not None
        self.template_service.check(locked, text)
        current = await self.versions.active(locked.id, variant)
        if current is not None and current.content == text:
            return
        await self.template_service.add_version(
            locked, text, actor=actor, note=f"experiment {experiment_key!r}", status="active", variant=variant
        )
        self.template_changes.add(locked.id)

    async def _variant_languages(
        self, experiment: Experiment, templates: dict[str, Template] | None = None
    ) -> dict[str, list[str]]:
        """Variant -> the experiment's languages it has live text in."""
        templates = templates or {
            t.language: t for t in await self.templates.list_for_keys([experiment.template_key])
        }
        by_id = {template.id: language for language, template in templates.items()}
        rows = await self.session.execute(
            select(TemplateVersion.template_id, TemplateVersion.variant).where(
                TemplateVersion.template_id.in_(list(by_id)), TemplateVersion.status == "active"
            )
        )
        languages: dict[str, list[str]] = {}
        for template_id, variant in rows.all():
            name = variant if variant is not None else CONTROL
            language = by_id[template_id]
            if language in experiment.languages:
                languages.setdefault(name, []).append(language)
        return {name: sorted(found) for name, found in languages.items()}

    async def _variant_languages_of(
        self, experiments: Sequence[Experiment]
    ) -> dict[int, dict[str, list[str]]]:
        """`_variant_languages` of many experiments at once: experiment id -> variant -> languages."""
        keys = sorted({experiment.template_key for experiment in experiments})
        templates = await self.templates.list_for_keys(keys) if keys else []
        by_id = {template.id: template for template in templates}
        active: dict[int, list[str | None]] = {}
        if by_id:
            rows = await self.session.execute(
                select(TemplateVersion.template_id, TemplateVersion.variant).where(
                    TemplateVersion.template_id.in_(list(by_id)), TemplateVersion.status == "active"
                )
            )
            for template_id, variant in rows.all():
                active.setdefault(template_id, []).append(variant)
        result: dict[int, dict[str, list[str]]] = {}
        for experiment in experiments:
            languages: dict[str, list[str]] = {}
            for template_id, template in by_id.items():
                if template.key != experiment.template_key or template.language not in experiment.languages:
                    continue
                for variant in active.get(template_id, []):
                    languages.setdefault(variant if variant is not None else CONTROL, []).append(
                        template.language
                    )
            result[experiment.id] = {name: sorted(found) for name, found in languages.items()}
        return result

    async def _out(self, experiment: Experiment) -> ExperimentOut:
        return self._out_with(experiment, await self._variant_languages(experiment))

    @staticmethod
    def _out_with(experiment: Experiment, languages: dict[str, list[str]]) -> ExperimentOut:
        warnings = [
            f"variant {name!r} has no text in {', '.join(sorted(missing))}: those guests get control's text "
            "(counted as fallbacks)"
            for name in _names(experiment)[1:]
            if (missing := set(experiment.languages) - set(languages.get(name, [])))
        ]
        return ExperimentOut(
            key=experiment.key,
            name=experiment.name,
            hypothesis=experiment.hypothesis,
            template_key=experiment.template_key,
            languages=list(experiment.languages),
            variants=[
                VariantOut(name=v["name"], weight=float(v["weight"]), languages=languages.get(v["name"], []))
                for v in experiment.variants
            ],
            coverage=experiment.coverage,
            status=experiment.status,
            seed=experiment.seed,
            phase=experiment.phase,
            goal_days=experiment.goal_days,
            guardrails=list(experiment.guardrails),
            winner=experiment.winner,
            created_by=experiment.created_by,
            created_at=experiment.created_at,
            started_at=experiment.started_at,
            stopped_at=experiment.stopped_at,
            warnings=warnings,
        )


def _names(experiment: Experiment) -> list[str]:
    return [str(variant["name"]) for variant in experiment.variants]


def _weights(experiment: Experiment) -> dict[str, float]:
    return {str(v["name"]): float(v["weight"]) for v in experiment.variants}


def _check_weights(weights: list[float]) -> None:
    # Strict, unlike GrowthBook's silent fall-back to equal weights: an operator's typo must not
    # quietly become a 50/50 split.
    total = sum(weights)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise ExperimentInvalidError(f"variant weights must sum to 1 (they sum to {total:g})")
