"""Sign-in and sign-out. Failed sign-ins count against the same limits as the API's (LoginService)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from hotel_agent.admin.service import LoginService
from hotel_agent.admin_ui.deps import CsrfChecked, CurrentSession, SessionStoreDep
from hotel_agent.admin_ui.rendering import BASE_PATH, render, safe_next
from hotel_agent.admin_ui.session import (
    COOKIE_PATH,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    cookie_secure,
    new_token,
    tokens_match,
)
from hotel_agent.deps import SessionDep, SettingsDep, StateDep
from hotel_agent.errors import TooManyRequestsError, UnauthorizedError

router = APIRouter()


def _sign_in_page(
    request: Request,
    secure: bool,
    *,
    error: str = "",
    status_code: int = 200,
    username: str = "",
    next_page: str | None = None,
) -> Response:
    token = new_token()
    response = render(
        request,
        "sign_in.html",
        status_code=status_code,
        csrf_token=token,
        error=error,
        next=safe_next(next_page if next_page is not None else request.query_params.get("next", "")),
        username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="lax", secure=secure, path=COOKIE_PATH, max_age=3600
    )
    return response


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request, settings: SettingsDep) -> Response:
    """The sign-in form."""
    return _sign_in_page(request, cookie_secure(settings))


@router.post("/sign-in")
async def sign_in(
    request: Request,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=200)],
    session: SessionDep,
    state: StateDep,
    settings: SettingsDep,
    sessions: SessionStoreDep,
    next_page: Annotated[str, Form(alias="next", max_length=500)] = "",
) -> Response:
    """Check the password (rate-limited like the API), start a session, go where the operator was going."""
    secure = cookie_secure(settings)
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token) or not csrf_token:
        return _sign_in_page(
            request,
            secure,
            error="The form expired; please sign in again.",
            status_code=403,
            username=username,
            next_page=next_page,
        )
    client = request.client.host if request.client else "unknown"
    try:
        await LoginService(session, state, settings).login(username, password, client)
    except TooManyRequestsError as exc:
        wait = exc.extra.get("retry_after", settings.login_backoff_base_seconds)
        response = _sign_in_page(
            request,
            secure,
            error=f"Too many failed sign-ins. Try again in {wait} seconds.",
            status_code=429,
            username=username,
            next_page=next_page,
        )
        response.headers["Retry-After"] = str(wait)
        return response
    except UnauthorizedError:
        return _sign_in_page(
            request,
            secure,
            error="Wrong username or password.",
            status_code=401,
            username=username,
            next_page=next_page,
        )
    token, _ = await sessions.create(username.strip().lower())
    response = RedirectResponse(safe_next(next_page), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure,
        path=COOKIE_PATH,
        max_age=settings.admin_session_ttl_seconds,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/sign-out", dependencies=[CsrfChecked])
async def sign_out(request: Request, _session: CurrentSession, sessions: SessionStoreDep) -> Response:
    """End the session everywhere (the server forgets it), then show the sign-in page."""
    await sessions.end(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"{BASE_PATH}/sign-in?done=signed_out", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)
    return response
