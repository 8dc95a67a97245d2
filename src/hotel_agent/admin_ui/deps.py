"""Who is signed in, with which role, and whether a form carries the session's CSRF token.

Every page router attaches `signed_in` at router level (so no page can forget it) and each action
adds the role it needs (`Editor`, `AdminOnly`); every POST route adds `CsrfChecked`.
The account is read on every request (a short read-only session, closed at once so it never holds
SQLite's lock across a write): a disabled account or a changed role applies on the next click.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hotel_agent.admin.repository import AdminUserRepository
from hotel_agent.admin.schemas import AdminPrincipal, AdminRole
from hotel_agent.admin_ui.errors import CsrfError, SignInRequiredError
from hotel_agent.admin_ui.session import SESSION_COOKIE, SessionStore, UiSession, tokens_match
from hotel_agent.deps import ResourcesDep, SettingsDep, StateDep
from hotel_agent.errors import ForbiddenError


async def get_session_store(state: StateDep, settings: SettingsDep) -> SessionStore:
    return SessionStore(state, settings.admin_session_ttl_seconds)


SessionStoreDep = Annotated[SessionStore, Depends(get_session_store)]


async def current_session(request: Request, store: SessionStoreDep, resources: ResourcesDep) -> UiSession:
    """The signed-in operator's session; otherwise the sign-in page (deps raise, app.py redirects)."""
    session = await store.load(request.cookies.get(SESSION_COOKIE))
    if session is None:
        raise SignInRequiredError(request.url.path)
    async with resources.sessionmaker() as db:
        user = await AdminUserRepository.from_session(db).get_by_username(session.username)
    if user is None or not user.is_active:
        await store.end(request.cookies.get(SESSION_COOKIE))
        raise SignInRequiredError(request.url.path)
    request.state.operator = AdminPrincipal(username=user.username, role=AdminRole(user.role))
    return session


CurrentSession = Annotated[UiSession, Depends(current_session)]


async def current_operator(request: Request, _session: CurrentSession) -> AdminPrincipal:
    operator: AdminPrincipal = request.state.operator
    return operator


Operator = Annotated[AdminPrincipal, Depends(current_operator)]


def _require(role: AdminRole):  # type: ignore[no-untyped-def]
    async def check(operator: Operator) -> AdminPrincipal:
        if not operator.role.allows(role):
            raise ForbiddenError(
                f"this needs the '{role.value}' role; you are signed in as '{operator.role.value}'"
            )
        return operator

    return check


Editor = Annotated[AdminPrincipal, Depends(_require(AdminRole.EDITOR))]
AdminOnly = Annotated[AdminPrincipal, Depends(_require(AdminRole.ADMIN))]


async def check_csrf(request: Request, session: CurrentSession) -> None:
    """A POST must carry the session's token in its `csrf_token` field (the form is parsed once, cached)."""
    form = await request.form()
    given = form.get("csrf_token")
    if not tokens_match(session.csrf_token, given if isinstance(given, str) else None):
        raise CsrfError("the form's security token is missing or stale; reload the page and try again")


CsrfChecked = Depends(check_csrf)
