"""The audit log: who changed what and when, across templates, experiments and accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from hotel_agent.admin_ui.audit_log import AREAS, audit_entries
from hotel_agent.admin_ui.deps import CurrentSession, current_session
from hotel_agent.admin_ui.rendering import render
from hotel_agent.deps import SessionDep

router = APIRouter(prefix="/audit", dependencies=[Depends(current_session)])


@router.get("", response_class=HTMLResponse)
async def audit_log(
    request: Request,
    session: CurrentSession,
    db: SessionDep,
    area: Annotated[str, Query(max_length=16)] = "",
    actor: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The newest changes, newest first, filtered by area and by who made them."""
    entries = await audit_entries(db, area=area if area in AREAS else None, actor=actor or None)
    return render(
        request, "audit.html", session=session, entries=entries, areas=AREAS, area=area, actor=actor
    )
