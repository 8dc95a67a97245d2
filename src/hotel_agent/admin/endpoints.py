"""Admin HTTP API: sign-in (public) and the authenticated /admin router every admin route joins."""

from __future__ import annotations

from fastapi import APIRouter, Request

from hotel_agent.admin.deps import CurrentAdmin, admin_router
from hotel_agent.admin.schemas import AdminPrincipal, LoginRequest, TokenResponse
from hotel_agent.admin.service import LoginService
from hotel_agent.deps import SessionDep, SettingsDep, StateDep
from hotel_agent.errors import error_responses

auth_router = APIRouter(prefix="/admin/auth", tags=["admin"])

# Every route added to this router requires a valid token: it cannot be forgotten per route.
router = admin_router(tags=["admin"])


@auth_router.post(
    "/login",
    responses=error_responses(
        s401="wrong username or password",
        s429="too many failed logins from this address for this user; retry after Retry-After seconds",
    ),
)
async def login(
    body: LoginRequest, request: Request, session: SessionDep, state: StateDep, settings: SettingsDep
) -> TokenResponse:
    """Exchange a username and password for a short-lived bearer token."""
    client = request.client.host if request.client else "unknown"
    return await LoginService(session, state, settings).login(body.username, body.password, client)


@router.get("/me")
async def who_am_i(principal: CurrentAdmin) -> AdminPrincipal:
    """The operator the token belongs to."""
    return principal
