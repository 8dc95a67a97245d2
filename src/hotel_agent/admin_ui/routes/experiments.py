"""A/B test pages: the list with status, create one, start/pause/stop/promote, results with the chart.

Reads and writes go through the experiments API's `Reader` and `Writer` (committed, then announced to every
replica), so a page does exactly what the API would.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.admin_ui.charts import exposure_chart, interval_chart
from hotel_agent.admin_ui.deps import CsrfChecked, CurrentSession, Editor, current_session
from hotel_agent.admin_ui.rendering import BASE_PATH, render
from hotel_agent.deps import TemplateRuntimeDep
from hotel_agent.errors import HotelAgentError, NotFoundError
from hotel_agent.experiments.endpoints import Reader, Writer
from hotel_agent.experiments.schemas import EXPERIMENT_KEY_PATTERN, ExperimentCreate, PromoteRequest

router = APIRouter(prefix="/templates/ab-tests", dependencies=[Depends(current_session)])
Key = Annotated[str, Path(pattern=EXPERIMENT_KEY_PATTERN, max_length=64)]
ACTIONS = ("start", "pause", "stop")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _create_from(form: FormData, languages: list[str]) -> ExperimentCreate:
    """The form's experiment: control (the live text) and one variant with a text per language."""
    chosen = [tag.strip() for tag in _text(form, "languages").split(",") if tag.strip()] or None
    variant_share = float(_text(form, "variant_weight") or "0.5")
    texts = {
        language: _text(form, f"text.{language}")
        for language in languages
        if _text(form, f"text.{language}").strip()
    }
    return ExperimentCreate.model_validate(
        {
            "key": _text(form, "key").strip(),
            "name": _text(form, "name").strip(),
            "hypothesis": _text(form, "hypothesis"),
            "template_key": _text(form, "template_key").strip(),
            "languages": chosen,
            "coverage": float(_text(form, "coverage") or "1"),
            "goal_days": int(_text(form, "goal_days") or "7"),
            "variants": [
                {"name": "control", "weight": round(1 - variant_share, 6)},
                {
                    "name": _text(form, "variant_name").strip() or "variant_a",
                    "weight": variant_share,
                    "texts": texts,
                },
            ],
        }
    )


async def _list_page(
    request: Request,
    session: CurrentSession,
    experiments: Reader,
    languages: list[str],
    *,
    form: FormData | None = None,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    listed = await experiments.list_experiments()
    return render(
        request,
        "experiments/list.html",
        session=session,
        status_code=status_code,
        experiments=listed.items,
        languages=languages,
        form={name: _text(form, name) for name in form} if form is not None else {},
        errors=errors or [],
        can_edit=request.state.operator.role.allows(AdminRole.EDITOR),
    )


@router.get("", response_class=HTMLResponse)
async def list_experiments(
    request: Request, session: CurrentSession, experiments: Reader, runtime: TemplateRuntimeDep
) -> Response:
    """Every experiment with its status; the form to create one."""
    return await _list_page(request, session, experiments, list(runtime.options.languages))


@router.post("", dependencies=[CsrfChecked])
async def create_experiment(
    request: Request,
    session: CurrentSession,
    editor: Editor,
    experiments: Writer,
    runtime: TemplateRuntimeDep,
) -> Response:
    """Create an experiment (a draft): the variant's texts are validated like any template version."""
    form = await request.form()
    languages = list(runtime.options.languages)
    try:
        created = await experiments.create(_create_from(form, languages), editor.username)
    except ValidationError as exc:
        errors = [f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()]
        return await _list_page(
            request, session, experiments, languages, form=form, errors=errors, status_code=422
        )
    except ValueError as exc:
        return await _list_page(
            request, session, experiments, languages, form=form, errors=[str(exc)], status_code=422
        )
    except HotelAgentError as exc:
        # The service may have written part of it before the check failed: nothing of it may commit.
        await experiments.session.rollback()
        return await _list_page(
            request,
            session,
            experiments,
            languages,
            form=form,
            errors=[exc.detail],
            status_code=exc.status_code,
        )
    return RedirectResponse(
        f"{BASE_PATH}/templates/ab-tests/{created.key}?done=experiment_created", status_code=303
    )


@router.get("/{key}", response_class=HTMLResponse)
async def experiment_results(
    request: Request, key: Key, session: CurrentSession, experiments: Reader
) -> Response:
    """Conversion rate per variant with its interval (a chart), uplift, chance to beat control, warnings."""
    experiment = await experiments.get(key)
    results = await experiments.results(key)
    history = await experiments.history(key)
    variants, days = await experiments.exposures_by_day(key)
    return render(
        request,
        "experiments/detail.html",
        session=session,
        experiment=experiment,
        results=results,
        history=history,
        chart=interval_chart(results.arms) if results.arms else None,
        timeline=exposure_chart(variants, days),
        timeline_variants=variants,
        timeline_days=days,
        can_edit=request.state.operator.role.allows(AdminRole.EDITOR),
    )


@router.post("/{key}/promote", dependencies=[CsrfChecked])
async def promote(request: Request, key: Key, editor: Editor, experiments: Writer) -> Response:
    """Stop the test and make the chosen (or winning) variant's texts the live default."""
    form = await request.form()
    variant = _text(form, "variant") or None
    await experiments.promote(
        key, PromoteRequest(variant=variant, note=_text(form, "note") or None), editor.username
    )
    return RedirectResponse(f"{BASE_PATH}/templates/ab-tests/{key}?done=experiment_updated", status_code=303)


@router.post("/{key}/{action}", dependencies=[CsrfChecked])
async def change_status(key: Key, action: str, editor: Editor, experiments: Writer) -> Response:
    """Start, pause or stop the experiment."""
    if action == "start":
        await experiments.start(key, editor.username)
    elif action == "pause":
        await experiments.pause(key, editor.username)
    elif action == "stop":
        await experiments.stop(key, editor.username)
    else:
        raise NotFoundError(f"unknown action {action!r}; one of {', '.join(ACTIONS)}")
    return RedirectResponse(f"{BASE_PATH}/templates/ab-tests/{key}?done=experiment_updated", status_code=303)
