"""Admin API for A/B tests of reply wording: viewers read, editors write, admins delete.

Every write is audited (`/history`) and announced to every replica after its commit, before the
response: the operator's next guest message already sees a start, a pause or a promotion.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Path, Query, Response

from hotel_agent.admin.deps import admin_router, require_role
from hotel_agent.admin.schemas import AdminPrincipal, AdminRole
from hotel_agent.db import session_scope
from hotel_agent.deps import ExperimentsDep, SessionDep, TemplateRuntimeDep
from hotel_agent.experiments.schemas import (
    EXPERIMENT_KEY_PATTERN,
    ExperimentCreate,
    ExperimentHistory,
    ExperimentList,
    ExperimentOut,
    ExperimentResults,
    ExperimentStatus,
    ExperimentUpdate,
    PromoteRequest,
)
from hotel_agent.experiments.service import ExperimentService

router = admin_router(tags=["experiments"])

_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "no experiment with this key"}}
_WRITE: dict[int | str, dict[str, Any]] = {
    **_NOT_FOUND,
    403: {"description": "needs the editor role"},
    409: {"description": "the action does not fit the experiment's status"},
    422: {"description": "invalid definition, or a variant text fails template validation"},
}


def experiment_reader(session: SessionDep, templates: TemplateRuntimeDep) -> ExperimentService:
    return ExperimentService(session, templates.options)


async def experiment_writer(
    templates: TemplateRuntimeDep, experiments: ExperimentsDep
) -> AsyncIterator[ExperimentService]:
    """The write's transaction: committed, then announced (experiments and any template texts)."""
    async with session_scope(templates.write_sessionmaker) as session:
        service = ExperimentService(session, templates.options)
        yield service
    if service.template_changes:
        await templates.sync.announce(service.template_changes)
    if service.changed:
        await experiments.announce()


Reader = Annotated[ExperimentService, Depends(experiment_reader)]
Writer = Annotated[ExperimentService, Depends(experiment_writer, scope="function")]
Editor = Annotated[AdminPrincipal, Depends(require_role(AdminRole.EDITOR))]
Admin = Annotated[AdminPrincipal, Depends(require_role(AdminRole.ADMIN))]
Key = Annotated[str, Path(pattern=EXPERIMENT_KEY_PATTERN, max_length=64)]


@router.get("/experiments")
async def list_experiments(
    experiments: Reader,
    status: Annotated[ExperimentStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> ExperimentList:
    """Experiments, newest first, optionally by status."""
    return await experiments.list_experiments(status, limit)


@router.post("/experiments", status_code=201, responses={**_WRITE, 409: {"description": "key exists"}})
async def create_experiment(body: ExperimentCreate, editor: Editor, experiments: Writer) -> ExperimentOut:
    """Create a draft experiment on one reply key; inline variant texts are validated and stored."""
    return await experiments.create(body, editor.username)


@router.get("/experiments/{key}", responses=_NOT_FOUND)
async def get_experiment(key: Key, experiments: Reader) -> ExperimentOut:
    """One experiment: variants with weights and the languages they have text in, status, phase."""
    return await experiments.get(key)


@router.patch("/experiments/{key}", responses=_WRITE)
async def update_experiment(
    key: Key, body: ExperimentUpdate, editor: Editor, experiments: Writer
) -> ExperimentOut:
    """Change weights, coverage or goal (assigned guests keep their variant), or start a new phase."""
    return await experiments.update(key, body, editor.username)


@router.post("/experiments/{key}/start", responses=_WRITE)
async def start_experiment(key: Key, editor: Editor, experiments: Writer) -> ExperimentOut:
    """Start (or resume) an experiment: guests get their assigned variant's text."""
    return await experiments.start(key, editor.username)


@router.post("/experiments/{key}/pause", responses=_WRITE)
async def pause_experiment(key: Key, editor: Editor, experiments: Writer) -> ExperimentOut:
    """Pause: every guest gets the default text and nothing is counted until it starts again."""
    return await experiments.pause(key, editor.username)


@router.post("/experiments/{key}/stop", responses=_WRITE)
async def stop_experiment(key: Key, editor: Editor, experiments: Writer) -> ExperimentOut:
    """Stop for good, without changing the default text (results stay readable)."""
    return await experiments.stop(key, editor.username)


@router.post("/experiments/{key}/promote", responses=_WRITE)
async def promote_experiment(
    key: Key, body: PromoteRequest, editor: Editor, experiments: Writer
) -> ExperimentOut:
    """Stop and make the winner's (or the named variant's) texts the live default, audited."""
    return await experiments.promote(key, body, editor.username)


@router.get("/experiments/{key}/results", responses=_NOT_FOUND)
async def experiment_results(key: Key, experiments: Reader) -> ExperimentResults:
    """Per variant: exposures, conversions, rate with 95% interval, uplift, p-value, chance to beat
    control; sample-ratio mismatch and minimum-sample warnings; the winner once one is called."""
    return await experiments.results(key)


@router.get("/experiments/{key}/history", responses=_NOT_FOUND)
async def experiment_history(key: Key, experiments: Reader) -> ExperimentHistory:
    """The audit trail: who created, changed, started, paused, stopped or promoted it, and when."""
    return await experiments.history(key)


@router.delete(
    "/experiments/{key}",
    status_code=204,
    responses={**_NOT_FOUND, 403: {"description": "needs the admin role"}, 409: {"description": "running"}},
)
async def delete_experiment(key: Key, admin: Admin, experiments: Writer) -> Response:
    """Delete a non-running experiment with its exposures and outcomes (the audit trail stays)."""
    await experiments.delete(key, admin.username)
    return Response(status_code=204)
