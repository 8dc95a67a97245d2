"""Template pages: the list, a new template, edit with live preview, history with diff and rollback.

Reads go through the JSON API's `Reader`, writes through its `Writer` (one transaction, committed and
announced to every replica before the redirect), so a page changes exactly what the API would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.admin_ui.deps import CsrfChecked, CurrentSession, Editor, Operator, current_session
from hotel_agent.admin_ui.forms import context_fields, parse_context, parse_json_object, whatsapp_limits
from hotel_agent.admin_ui.rendering import BASE_PATH, render
from hotel_agent.experiments.endpoints import Reader as ExperimentReader
from hotel_agent.message_templates.api_schemas import (
    KNOWN_CATEGORIES,
    PreviewRequest,
    TemplateCreate,
    TemplateDetail,
    VersionCreate,
)
from hotel_agent.message_templates.endpoints import Reader, Writer
from hotel_agent.message_templates.errors import TemplateError, TemplateInvalidError
from hotel_agent.message_templates.overview import OverviewFilters, template_overview
from hotel_agent.message_templates.validation import ValidationProblem, ValidationReport
from hotel_agent.message_templates.versioning import TemplateVersionService

LIVE_STATUSES = ("running", "paused")
# Keys per page of the list: 200 keys x 3 languages on one page is 280 KB of HTML and most of its time.
PAGE_SIZE = 50
router = APIRouter(prefix="/templates", dependencies=[Depends(current_session)])


def _form_text(form: FormData, name: str, default: str = "") -> str:
    value = form.get(name)
    return value if isinstance(value, str) else default


@router.get("", response_class=HTMLResponse)
async def list_templates(
    request: Request,
    session: CurrentSession,
    templates: Reader,
    experiments: ExperimentReader,
    category: Annotated[str, Query(max_length=32)] = "",
    language: Annotated[str, Query(max_length=16)] = "",
    text: Annotated[str, Query(max_length=200)] = "",
    missing: Annotated[str, Query(max_length=16)] = "",
    in_experiment: Annotated[str, Query(max_length=8)] = "",
    changed_days: Annotated[int | None, Query(ge=1, le=3650)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Every key with its category and each language's live text side by side; filters; 50 keys a page."""
    filters = OverviewFilters(
        category=category or None,
        language=language or None,
        text=text or None,
        missing_in=missing or None,
        in_experiment=bool(in_experiment),
        changed_within_days=changed_days,
    )
    # The experiments' rows only (one query): the full ExperimentOut of each costs queries per experiment.
    live = [e.template_key for e in await experiments.experiments.list_all() if e.status in LIVE_STATUSES]
    overview = await template_overview(templates, filters, experiment_keys=set(live))
    query: dict[str, str | int] = {
        "category": category,
        "language": language,
        "text": text,
        "missing": missing,
        "in_experiment": in_experiment,
        "changed_days": changed_days or "",
    }
    pages = max(1, -(-len(overview.rows) // PAGE_SIZE))
    page = min(page, pages)
    start = (page - 1) * PAGE_SIZE

    def page_url(number: int) -> str:
        # The filters stay in the query string, so a page link is the same search, one page on.
        kept = {name: value for name, value in query.items() if value}
        return f"{BASE_PATH}/templates?" + urlencode({**kept, "page": number})

    return render(
        request,
        "templates/list.html",
        session=session,
        overview=overview,
        rows=overview.rows[start : start + PAGE_SIZE],
        first=start + 1,
        page_number=page,
        pages=pages,
        previous_url=page_url(page - 1) if page > 1 else "",
        next_url=page_url(page + 1) if page < pages else "",
        all_languages=list(templates.options.languages),
        experiments_enabled=True,
        query=query,
    )


# New template -----------------------------------------------------------------------------------------


@dataclass
class NewTemplateForm:
    key: str = ""
    language: str = "en"
    category: str = "greeting"
    content: str = ""
    variables: str = ""
    sample: str = ""
    max_length: str = ""
    note: str = ""

    @classmethod
    def from_form(cls, form: FormData) -> NewTemplateForm:
        return cls(**{name: _form_text(form, name) for name in cls.__dataclass_fields__})

    def to_create(self, status: str) -> tuple[TemplateCreate | None, list[str]]:
        sample, problem = parse_json_object(self.sample, "the sample")
        if problem:
            return None, [problem]
        variables = [name.strip() for name in self.variables.replace("\n", ",").split(",") if name.strip()]
        try:
            return TemplateCreate(
                key=self.key.strip(),
                language=self.language.strip(),
                category=self.category.strip(),
                content=self.content,
                variables=variables or None,
                sample=sample,
                max_length=int(self.max_length) if self.max_length.strip().isdigit() else None,
                note=self.note or None,
                status=status,
            ), []
        except ValidationError as exc:
            return None, [_pydantic_problem(error) for error in exc.errors()]


def _pydantic_problem(error: Any) -> str:
    field = ".".join(str(part) for part in error.get("loc", ()))
    return f"{field}: {error.get('msg', 'invalid')}"


def _new_page(
    request: Request,
    session: CurrentSession,
    data: NewTemplateForm,
    *,
    report: ValidationReport | None = None,
    form_errors: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "templates/new.html",
        session=session,
        status_code=status_code,
        data=data,
        categories=KNOWN_CATEGORIES,
        report=report,
        problems=list(report.problems) if report is not None else [],
        form_errors=form_errors or [],
        limits=whatsapp_limits(report.rendered, None) if report is not None and report.rendered else [],
    )


@router.get("/new", response_class=HTMLResponse)
async def new_template_form(request: Request, session: CurrentSession, _editor: Editor) -> Response:
    """An empty form for a new template (a key in one language)."""
    return _new_page(request, session, NewTemplateForm())


@router.post("/new/preview", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def new_template_preview(
    request: Request, session: CurrentSession, _editor: Editor, templates: Reader
) -> Response:
    """The new template's text rendered with its sample, and every problem saving would report."""
    data = NewTemplateForm.from_form(await request.form())
    create, errors = data.to_create("draft")
    report = await templates.inspect_new(create) if create is not None else None
    return _new_page(request, session, data, report=report, form_errors=errors)


@router.post("/new", dependencies=[CsrfChecked])
async def create_template(
    request: Request, session: CurrentSession, editor: Editor, templates: Writer
) -> Response:
    """Create the template with its first version, as a draft or live at once."""
    form = await request.form()
    data = NewTemplateForm.from_form(form)
    status = "active" if _form_text(form, "action") == "activate" else "draft"
    create, errors = data.to_create(status)
    if create is None:
        return _new_page(request, session, data, form_errors=errors, status_code=422)
    try:
        detail = await templates.create_template(create, editor.username)
    except TemplateInvalidError as exc:
        report = await templates.inspect_new(create)
        return _new_page(request, session, data, report=report, form_errors=[], status_code=exc.status_code)
    except TemplateError as exc:
        return _new_page(request, session, data, form_errors=[exc.detail], status_code=exc.status_code)
    done = "activated" if status == "active" else "created"
    return RedirectResponse(f"{BASE_PATH}/templates/{detail.id}?done={done}", status_code=303)


# Edit with live preview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiblingPreview:
    language: str
    template_id: int
    text: str | None
    problem: str | None


async def _sibling_previews(service: TemplateVersionService, detail: TemplateDetail) -> list[SiblingPreview]:
    """The key's other languages, each live text rendered with its own sample (what those guests read)."""
    previews = []
    for language, template_id in sorted(detail.translations.items()):
        if template_id == detail.id:
            continue
        try:
            preview = await service.preview(template_id, PreviewRequest())
            previews.append(SiblingPreview(language, template_id, preview.text, None))
        except TemplateError as exc:
            previews.append(SiblingPreview(language, template_id, None, exc.detail))
    return previews


async def _editor_page(
    request: Request,
    session: CurrentSession,
    service: TemplateVersionService,
    template_id: int,
    *,
    form: FormData | None = None,
    status_code: int = 200,
    form_errors: list[str] | None = None,
) -> Response:
    detail = await service.get_template(template_id)
    content = (
        _form_text(form, "content") if form is not None else (detail.active.content if detail.active else "")
    )
    if not content and detail.versions:
        content = detail.versions[0].content
    fields = context_fields(detail.sample, form)
    context, context_problems = parse_context(fields)
    with_sample = await service.inspect(template_id, content) if content else None
    edited = form is not None and fields and not context_problems
    with_context = (
        await service.inspect(template_id, content, context=context) if edited and content else None
    )
    shown = with_context if with_context is not None and with_context.rendered else with_sample
    problems: list[ValidationProblem] = list(with_sample.problems) if with_sample is not None else []
    operator = request.state.operator
    return render(
        request,
        "templates/edit.html",
        session=session,
        status_code=status_code,
        detail=detail,
        content=content,
        note=_form_text(form, "note") if form is not None else "",
        fields=fields,
        context_problems=context_problems,
        with_sample=with_sample,
        with_context=with_context,
        problems=problems,
        limits=whatsapp_limits(shown.rendered, detail.max_length)
        if shown is not None and shown.rendered
        else [],
        siblings=await _sibling_previews(service, detail),
        form_errors=form_errors or [],
        can_edit=operator.role.allows(AdminRole.EDITOR),
    )


@router.get("/{template_id}", response_class=HTMLResponse)
async def edit_template(
    request: Request, template_id: int, session: CurrentSession, templates: Reader
) -> Response:
    """The template's live text in the editor, its preview per language, its variables and limits."""
    return await _editor_page(request, session, templates, template_id)


@router.post("/{template_id}/preview", response_class=HTMLResponse, dependencies=[CsrfChecked])
async def preview_template(
    request: Request, template_id: int, session: CurrentSession, _operator: Operator, templates: Reader
) -> Response:
    """Render the unsaved text with the sample and with the operator's context; nothing is saved."""
    return await _editor_page(request, session, templates, template_id, form=await request.form())


@router.post("/{template_id}", dependencies=[CsrfChecked])
async def save_version(
    request: Request, template_id: int, session: CurrentSession, editor: Editor, templates: Writer
) -> Response:
    """Save the text as a new version: a draft (activate it later from the history) or live at once."""
    form = await request.form()
    status = "active" if _form_text(form, "action") == "activate" else "draft"
    try:
        body = VersionCreate(
            content=_form_text(form, "content"), note=_form_text(form, "note") or None, status=status
        )
    except ValidationError as exc:
        errors = [_pydantic_problem(error) for error in exc.errors()]
        return await _editor_page(
            request, session, templates, template_id, form=form, status_code=422, form_errors=errors
        )
    try:
        await templates.create_version(template_id, body, editor.username)
    except TemplateInvalidError as exc:
        return await _editor_page(
            request, session, templates, template_id, form=form, status_code=exc.status_code
        )
    if status == "active":
        return RedirectResponse(f"{BASE_PATH}/templates/{template_id}?done=activated", status_code=303)
    return RedirectResponse(f"{BASE_PATH}/templates/{template_id}/history?done=saved", status_code=303)


# History, diff, activate, rollback --------------------------------------------------------------------


@router.get("/{template_id}/history", response_class=HTMLResponse)
async def template_history(
    request: Request,
    template_id: int,
    session: CurrentSession,
    templates: Reader,
    a: Annotated[int | None, Query(ge=1)] = None,
    b: Annotated[int | None, Query(ge=1)] = None,
) -> Response:
    """Versions with author, time, note, uses and conversions; the diff of any two."""
    history = await templates.history(template_id)
    detail = await templates.get_template(template_id)
    numbers = [entry.version for entry in history.versions]
    live = detail.active.version if detail.active else None
    if (a is None or b is None) and len(numbers) >= 2:
        b = live or max(numbers)
        a = max((n for n in numbers if n != b), default=b)
    diff = await templates.diff(template_id, a, b) if a is not None and b is not None else None
    return render(
        request,
        "templates/history.html",
        session=session,
        history=history,
        detail=detail,
        diff=diff,
        a=a,
        b=b,
        can_edit=request.state.operator.role.allows(AdminRole.EDITOR),
    )


@router.post("/{template_id}/versions/{version}/activate", dependencies=[CsrfChecked])
async def activate_version(template_id: int, version: int, editor: Editor, templates: Writer) -> Response:
    """Make a draft (or an earlier version) live now."""
    await templates.activate(template_id, version, editor.username)
    return RedirectResponse(f"{BASE_PATH}/templates/{template_id}/history?done=activated", status_code=303)


@router.get("/{template_id}/rollback/{version}", response_class=HTMLResponse)
async def confirm_rollback(
    request: Request,
    template_id: int,
    version: int,
    session: CurrentSession,
    _editor: Editor,
    templates: Reader,
) -> Response:
    """The confirmation step: what guests read now, what they will read after the rollback."""
    detail = await templates.get_template(template_id)
    live = detail.active.version if detail.active else None
    diff = await templates.diff(template_id, live, version) if live is not None else None
    target = next((v for v in detail.versions if v.version == version), None)
    return render(
        request,
        "templates/rollback.html",
        session=session,
        detail=detail,
        diff=diff,
        target=target,
        version=version,
    )


@router.post("/{template_id}/rollback/{version}", dependencies=[CsrfChecked])
async def rollback(template_id: int, version: int, editor: Editor, templates: Writer) -> Response:
    """Make an earlier live version live again."""
    await templates.rollback(template_id, version, editor.username)
    return RedirectResponse(f"{BASE_PATH}/templates/{template_id}/history?done=rolled_back", status_code=303)
