"""The admin panel's sub-application, mounted by the main app at /admin/ui.

Why /admin/ui and not the plan's bare /admin/templates: the JSON API already answers /admin/templates,
/admin/templates/{id} and /admin/templates/{id}/history (with bearer tokens, for scripts), so the pages
take the same paths one level down: /admin/ui/templates, /admin/ui/templates/{id}/history, ... and
/admin redirects here. A sub-app gives the pages their own error handling (HTML pages and a redirect
to sign-in instead of the JSON envelope) and security headers, and keeps them out of the OpenAPI schema.
"""

from __future__ import annotations

from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hotel_agent.admin_ui.errors import SignInRequiredError
from hotel_agent.admin_ui.rendering import BASE_PATH, render, safe_next
from hotel_agent.admin_ui.routes import audit, auth, experiments, inbox, simulator, templates, users
from hotel_agent.errors import HotelAgentError

log = structlog.get_logger("hotel_agent.admin_ui")

# Scripts and styles only from our own origin (no inline script, no inline style); forms post only here.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]


class SecurityHeadersMiddleware:
    """CSP and friends on every response of the panel; pages are never cached (they show live data)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_static = scope.get("path", "").startswith(BASE_PATH + "/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.extend(SECURITY_HEADERS)
                if not is_static:
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_error_pages(ui: FastAPI) -> None:
    @ui.exception_handler(SignInRequiredError)
    async def sign_in(_request: Request, exc: SignInRequiredError) -> Response:
        target = f"{BASE_PATH}/sign-in?next={quote(safe_next(exc.next_path))}"
        return RedirectResponse(target, status_code=303)

    @ui.exception_handler(HotelAgentError)
    async def domain_error(request: Request, exc: HotelAgentError) -> Response:
        return render(request, "error.html", status_code=exc.status_code, title=exc.error, detail=exc.detail)

    @ui.exception_handler(RequestValidationError)
    async def invalid_form(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(part) for part in error.get('loc', ())[1:])}: {error.get('msg', '')}"
            for error in exc.errors()
        ]
        return render(
            request, "error.html", status_code=422, title="Invalid form", detail="; ".join(problems)
        )

    @ui.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Not allowed"}.get(exc.status_code, "Error")
        return render(request, "error.html", status_code=exc.status_code, title=title, detail=str(exc.detail))

    @ui.exception_handler(RedisConnectionError)
    @ui.exception_handler(RedisTimeoutError)
    async def state_unavailable(request: Request, exc: Exception) -> Response:
        log.warning("admin_ui.state_unavailable", error=type(exc).__name__)
        detail = "the state backend (Redis) is unreachable; retry in a moment"
        return render(request, "error.html", status_code=503, title="Unavailable", detail=detail)

    @ui.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        log.error("admin_ui.crashed", exc_info=exc)
        detail = "something went wrong; the error is in the server log"
        return render(request, "error.html", status_code=500, title="Error", detail=detail)


def create_admin_ui() -> FastAPI:
    """The panel; the main app shares its `state` (the components) with it and mounts it at BASE_PATH."""
    ui = FastAPI(openapi_url=None, docs_url=None, redoc_url=None, title="hotel-agent admin")
    install_error_pages(ui)
    ui.mount("/static", StaticFiles(packages=[("hotel_agent.admin_ui", "static")]), name="static")
    ui.include_router(auth.router)
    # Before the templates' router: /templates/ab-tests is not a template id.
    ui.include_router(experiments.router)
    ui.include_router(templates.router)
    ui.include_router(inbox.router)
    ui.include_router(simulator.router)
    ui.include_router(audit.router)
    ui.include_router(users.router)

    @ui.get("/", include_in_schema=False)
    async def home() -> RedirectResponse:
        return RedirectResponse(f"{BASE_PATH}/templates", status_code=303)

    ui.add_middleware(SecurityHeadersMiddleware)
    return ui
