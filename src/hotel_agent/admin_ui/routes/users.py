"""Operator accounts (admins only): create, change role, disable or enable, reset password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.admin.users import UserService
from hotel_agent.admin_ui.deps import AdminOnly, CsrfChecked, CurrentSession, current_session
from hotel_agent.admin_ui.rendering import BASE_PATH, render
from hotel_agent.deps import SessionDep
from hotel_agent.errors import HotelAgentError

router = APIRouter(prefix="/users", dependencies=[Depends(current_session)])


async def _page(
    request: Request, session: CurrentSession, db: SessionDep, *, error: str = "", status_code: int = 200
) -> Response:
    users = await UserService(db).list_users()
    return render(
        request,
        "users.html",
        session=session,
        users=users,
        roles=list(AdminRole),
        error=error,
        status_code=status_code,
    )


@router.get("", response_class=HTMLResponse)
async def list_users(
    request: Request, session: CurrentSession, _admin: AdminOnly, db: SessionDep
) -> Response:
    """Every account with its role, state and last sign-in."""
    return await _page(request, session, db)


@router.post("", dependencies=[CsrfChecked])
async def create_user(
    request: Request,
    session: CurrentSession,
    admin: AdminOnly,
    db: SessionDep,
    username: Annotated[str, Form(min_length=1, max_length=100)],
    password: Annotated[str, Form(max_length=1024)],
    role: Annotated[AdminRole, Form()],
) -> Response:
    """Create an account."""
    try:
        await UserService(db).create(username, password, role, admin.username)
    except HotelAgentError as exc:
        return await _page(request, session, db, error=exc.detail, status_code=exc.status_code)
    return RedirectResponse(f"{BASE_PATH}/users?done=user_created", status_code=303)


@router.post("/{username}/role", dependencies=[CsrfChecked])
async def change_role(
    username: str, admin: AdminOnly, db: SessionDep, role: Annotated[AdminRole, Form()]
) -> Response:
    """Give an account another role (the last active admin keeps theirs)."""
    await UserService(db).set_role(username, role, admin.username)
    return RedirectResponse(f"{BASE_PATH}/users?done=user_updated", status_code=303)


@router.post("/{username}/active", dependencies=[CsrfChecked])
async def set_active(
    username: str, admin: AdminOnly, db: SessionDep, active: Annotated[bool, Form()]
) -> Response:
    """Disable an account (its sessions end at the next click) or enable it again."""
    await UserService(db).set_active(username, active, admin.username)
    return RedirectResponse(f"{BASE_PATH}/users?done=user_updated", status_code=303)


@router.post("/{username}/password", dependencies=[CsrfChecked])
async def reset_password(
    request: Request,
    session: CurrentSession,
    username: str,
    admin: AdminOnly,
    db: SessionDep,
    password: Annotated[str, Form(max_length=1024)],
) -> Response:
    """Set a new password for an account."""
    try:
        await UserService(db).reset_password(username, password, admin.username)
    except HotelAgentError as exc:
        return await _page(request, session, db, error=exc.detail, status_code=exc.status_code)
    return RedirectResponse(f"{BASE_PATH}/users?done=user_updated", status_code=303)
