"""Admin API for reply templates: viewers read, editors write; every write is audited and announced."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Path, Query

from hotel_agent.admin.deps import admin_router, require_role
from hotel_agent.admin.schemas import AdminPrincipal, AdminRole
from hotel_agent.db import DB_INTEGER_MAX, session_scope
from hotel_agent.deps import SessionDep
from hotel_agent.deps import TemplateRuntimeDep as RuntimeDep
from hotel_agent.errors import error_responses
from hotel_agent.message_templates.api_schemas import (
    PreviewOut,
    PreviewRequest,
    TemplateCreate,
    TemplateDetail,
    TemplateHistory,
    TemplateList,
    VersionCreate,
    VersionDiff,
    VersionOut,
)
from hotel_agent.message_templates.versioning import TemplateVersionService

router = admin_router(tags=["templates"])


def template_reader(session: SessionDep, runtime: RuntimeDep) -> TemplateVersionService:
    return TemplateVersionService(session, runtime.options)


async def template_writer(runtime: RuntimeDep) -> AsyncIterator[TemplateVersionService]:
    """The write's transaction: committed before the response, then announced to every replica.

    The announcement (this replica reloads, the others hear it over pub/sub) follows the commit, so no
    replica serves a change that was rolled back, and precedes the response, so the operator's next
    guest message already sees it.
    """
    async with session_scope(runtime.write_sessionmaker) as session:
        service = TemplateVersionService(session, runtime.options)
        yield service
    await runtime.sync.announce(service.changes)


Reader = Annotated[TemplateVersionService, Depends(template_reader)]
Writer = Annotated[TemplateVersionService, Depends(template_writer, scope="function")]
Editor = Annotated[AdminPrincipal, Depends(require_role(AdminRole.EDITOR))]
# Ids and version numbers are Integer columns: bounded so an out-of-range one is a 422 naming it.
TemplateId = Annotated[int, Path(ge=1, le=DB_INTEGER_MAX, description="The template's id.")]
VersionNumber = Annotated[int, Path(ge=1, le=DB_INTEGER_MAX, description="A version of the template.")]
DiffSide = Annotated[int, Query(ge=1, le=DB_INTEGER_MAX)]
NOT_FOUND = error_responses(s404="no template with that id, or no such version")


def _operation(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


# OpenAPI links: what a client (and the fuzz suite's stateful phase) can do next with a created resource.
_TEMPLATE = "/admin/templates/{template_id}"
_BY_CREATED_ID = {"template_id": "$response.body#/id"}
CREATED_TEMPLATE_LINKS = {
    "GetTemplate": {"operationRef": _operation(_TEMPLATE, "get"), "parameters": _BY_CREATED_ID},
    "TemplateHistory": {
        "operationRef": _operation(_TEMPLATE + "/history", "get"),
        "parameters": _BY_CREATED_ID,
    },
    "AddVersion": {"operationRef": _operation(_TEMPLATE + "/versions", "put"), "parameters": _BY_CREATED_ID},
    "PreviewTemplate": {
        "operationRef": _operation(_TEMPLATE + "/preview", "post"),
        "parameters": _BY_CREATED_ID,
    },
}
_BY_CREATED_VERSION = {"template_id": "$request.path.template_id", "version": "$response.body#/version"}
CREATED_VERSION_LINKS = {
    "ActivateVersion": {
        "operationRef": _operation(_TEMPLATE + "/versions/{version}/activate", "post"),
        "parameters": _BY_CREATED_VERSION,
    },
    "DiffWithFirst": {
        "operationRef": _operation(_TEMPLATE + "/diff", "get"),
        "parameters": {"template_id": "$request.path.template_id", "a": 1, "b": "$response.body#/version"},
    },
}


@router.post(
    "/templates",
    status_code=201,
    responses={
        201: {"description": "Created", "links": CREATED_TEMPLATE_LINKS},
        **error_responses(s409="the key exists in that language", s422="invalid, or does not validate"),
    },
)
async def create_template(body: TemplateCreate, editor: Editor, templates: Writer) -> TemplateDetail:
    """Create a template (a key in one language) with its first version, validated."""
    return await templates.create_template(body, editor.username)


@router.get("/templates")
async def list_templates(
    templates: Reader,
    category: Annotated[str | None, Query(max_length=32)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None,
    text: Annotated[str | None, Query(max_length=200, description="In the key or the live text.")] = None,
    missing_in: Annotated[
        str | None, Query(max_length=16, description="A language, or `any`: keys lacking a translation.")
    ] = None,
) -> TemplateList:
    """Templates with their live text, filtered by category, language, text or missing translations."""
    return await templates.list_templates(
        category=category,
        language=language,
        text=text,
        missing_in=missing_in,
    )


@router.get("/templates/{template_id}", responses=NOT_FOUND)
async def get_template(template_id: TemplateId, templates: Reader) -> TemplateDetail:
    """One template: variables, sample, limits, live version and every version."""
    return await templates.get_template(template_id)


@router.put(
    "/templates/{template_id}/versions",
    status_code=201,
    responses={
        201: {"description": "Created", "links": CREATED_VERSION_LINKS},
        **error_responses(s404="no template with that id", s422="invalid, or does not validate"),
    },
)
async def create_version(
    template_id: TemplateId, body: VersionCreate, editor: Editor, templates: Writer
) -> VersionOut:
    """Add a version (a draft, or live at once with status=active); rejected when it does not validate."""
    return await templates.create_version(template_id, body, editor.username)


@router.post(
    "/templates/{template_id}/versions/{version}/activate",
    responses=error_responses(s404="no such template or version", s422="the version does not validate"),
)
async def activate_version(
    template_id: TemplateId, version: VersionNumber, editor: Editor, templates: Writer
) -> VersionOut:
    """Make a version live on every replica within a second."""
    return await templates.activate(template_id, version, editor.username)


@router.post(
    "/templates/{template_id}/rollback/{version}",
    responses=error_responses(
        s404="no such template or version",
        s409="not an earlier live version",
        s422="the version does not validate",
    ),
)
async def rollback_version(
    template_id: TemplateId, version: VersionNumber, editor: Editor, templates: Writer
) -> VersionOut:
    """Make an earlier live version live again."""
    return await templates.rollback(template_id, version, editor.username)


@router.get("/templates/{template_id}/history", responses=NOT_FOUND)
async def template_history(template_id: TemplateId, templates: Reader) -> TemplateHistory:
    """Versions with author, note, usage and conversions, and the audit trail."""
    return await templates.history(template_id)


@router.get("/templates/{template_id}/diff", responses=NOT_FOUND)
async def diff_versions(template_id: TemplateId, templates: Reader, a: DiffSide, b: DiffSide) -> VersionDiff:
    """Compare two versions: unified diff and word diff."""
    return await templates.diff(template_id, a, b)


@router.post(
    "/templates/{template_id}/preview",
    responses=error_responses(s404="no such template or version", s422="the text does not render"),
)
async def preview_template(template_id: TemplateId, body: PreviewRequest, templates: Reader) -> PreviewOut:
    """Render a version or unsaved text with the sample or a given context, in any language."""
    return await templates.preview(template_id, body)
