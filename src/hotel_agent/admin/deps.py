"""Authentication for everything under /admin, attached at router level."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hotel_agent.admin.schemas import AdminPrincipal, AdminRole
from hotel_agent.admin.service import principal_from_token
from hotel_agent.deps import SettingsDep
from hotel_agent.errors import ForbiddenError, UnauthorizedError

_bearer = HTTPBearer(auto_error=False, description="Token from POST /admin/auth/login")


async def current_admin(
    request: Request,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> AdminPrincipal:
    """The operator behind the bearer token. Only a bearer token: the admin panel signs in with its own
    server-side session (admin_ui/session.py), so no cookie can authenticate a JSON API call."""
    token = credentials.credentials if credentials else None
    if not token:
        raise UnauthorizedError("authentication required: send 'Authorization: Bearer <token>'")
    principal = principal_from_token(token, settings)
    request.state.admin = principal
    return principal


CurrentAdmin = Annotated[AdminPrincipal, Depends(current_admin)]


def admin_router(**kwargs: Any) -> APIRouter:
    """A router under /admin with authentication attached, so none of its routes can forget it."""
    return APIRouter(prefix="/admin", dependencies=[Depends(current_admin)], **kwargs)


def require_role(role: AdminRole) -> Callable[[AdminPrincipal], Coroutine[Any, Any, AdminPrincipal]]:
    """A dependency that lets through operators with at least `role`."""

    async def check(principal: CurrentAdmin) -> AdminPrincipal:
        if not principal.role.allows(role):
            raise ForbiddenError(
                f"this action needs the '{role.value}' role; you are '{principal.role.value}'"
            )
        return principal

    return check
