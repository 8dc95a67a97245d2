"""The simulator: chat with the bot as a guest, against the live texts (or a draft), in a sandbox.

Editors and admins only: it renders drafts nobody has activated and runs the whole conversation
engine, which is an editor's job (trying a change before making it live); viewers read what is live.
Each message is a POST that redirects back to the transcript (post/redirect/get), so reloading the page
never sends a message twice; the bot's buttons and list rows are forms of their own.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from hotel_agent.admin_ui.deps import CsrfChecked, CurrentSession, Editor, current_session
from hotel_agent.admin_ui.rendering import BASE_PATH, render
from hotel_agent.conversation.simulator.service import SimulationSettings, Simulator, Transcript
from hotel_agent.deps import SettingsDep, SimulatorDep
from hotel_agent.errors import HotelAgentError

router = APIRouter(prefix="/simulator", dependencies=[Depends(current_session)])


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _settings_from(form: FormData, languages: list[str]) -> SimulationSettings:
    language = _text(form, "language")
    draft = _text(form, "draft")
    experiment, _, variant = _text(form, "variant").partition("/")
    return SimulationSettings(
        language=language if language in languages else None,
        draft_version_id=int(draft) if draft.isdigit() else None,
        experiment=experiment or None,
        variant=variant or None,
    )


async def _page(
    request: Request,
    session: CurrentSession,
    simulator: Simulator,
    languages: list[str],
    ttl_seconds: int,
    transcript: Transcript | None,
    *,
    settings: SimulationSettings | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    chosen = settings or (transcript.settings if transcript is not None else SimulationSettings())
    drafts = await simulator.drafts()
    if chosen.draft_version_id is not None and all(d.version_id != chosen.draft_version_id for d in drafts):
        try:
            drafts.insert(0, await simulator.draft_choice(chosen.draft_version_id))
        except HotelAgentError:
            chosen = chosen.model_copy(update={"draft_version_id": None})
    draft = next((d for d in drafts if d.version_id == chosen.draft_version_id), None)
    return render(
        request,
        "simulator.html",
        session=session,
        status_code=status_code,
        transcript=transcript,
        chosen=chosen,
        chosen_variant=f"{chosen.experiment}/{chosen.variant}"
        if chosen.experiment and chosen.variant
        else "",
        draft=draft,
        drafts=drafts,
        variants=await simulator.variants(),
        languages=languages,
        pms_name=simulator.pms_name,
        kept_days=max(1, ttl_seconds // 86400),
        error=error,
    )


@router.get("", response_class=HTMLResponse)
async def simulator_page(
    request: Request,
    session: CurrentSession,
    editor: Editor,
    simulator: SimulatorDep,
    settings: SettingsDep,
    simulation_id: Annotated[str, Query(alias="id", max_length=64)] = "",
    template: Annotated[int | None, Query(ge=1)] = None,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """The simulated conversation so far (or a new one), the message box and the sandbox's options."""
    transcript = await simulator.load(editor.username, simulation_id) if simulation_id else None
    chosen = None
    if template is not None and version is not None:
        # "Try in the simulator" from a template's history: that version, in its language.
        version_id = await simulator.version_id_of(template, version)
        choice = await simulator.draft_choice(version_id)
        base = transcript.settings if transcript is not None else SimulationSettings()
        chosen = base.model_copy(update={"draft_version_id": version_id, "language": choice.language})
    return await _page(
        request,
        session,
        simulator,
        list(settings.languages),
        settings.conversation_ttl_seconds,
        transcript,
        settings=chosen,
    )


@router.post("", dependencies=[CsrfChecked])
async def simulate_message(
    request: Request,
    session: CurrentSession,
    editor: Editor,
    simulator: SimulatorDep,
    settings: SettingsDep,
) -> Response:
    """Send what the operator typed (or the option they tapped) to the simulator's engine as a guest."""
    form = await request.form()
    languages = list(settings.languages)
    chosen = _settings_from(form, languages)
    simulation_id = _text(form, "id")[:64]
    try:
        transcript = await simulator.send(
            editor.username,
            simulation_id or None,
            chosen,
            text=_text(form, "text")[:4096],
            choice_id=_text(form, "choice")[:256] or None,
        )
    except HotelAgentError as exc:
        current = await simulator.load(editor.username, simulation_id) if simulation_id else None
        return await _page(
            request,
            session,
            simulator,
            languages,
            settings.conversation_ttl_seconds,
            current,
            settings=chosen,
            error=exc.detail,
            status_code=exc.status_code,
        )
    return RedirectResponse(f"{BASE_PATH}/simulator?id={transcript.id}#latest", status_code=303)


@router.post("/reset", dependencies=[CsrfChecked])
async def reset_simulation(request: Request, editor: Editor, simulator: SimulatorDep) -> Response:
    """Forget the simulated conversation; the next message starts a new one."""
    form = await request.form()
    await simulator.reset(editor.username, _text(form, "id")[:64])
    return RedirectResponse(f"{BASE_PATH}/simulator?done=simulator_reset", status_code=303)
