"""The FastAPI application: its lifespan runs the composition root (components.py); routers; one JSON
error envelope."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hotel_agent import __version__
from hotel_agent.admin import endpoints as admin_endpoints
from hotel_agent.admin_ui.app import create_admin_ui
from hotel_agent.admin_ui.rendering import BASE_PATH as ADMIN_UI_PATH
from hotel_agent.channels.whatsapp import endpoints as whatsapp_endpoints
from hotel_agent.components import Role, start_components
from hotel_agent.config import Settings, get_settings
from hotel_agent.conversation import endpoints as conversation_endpoints
from hotel_agent.errors import HotelAgentError
from hotel_agent.experiments import endpoints as experiment_endpoints
from hotel_agent.message_templates import endpoints as template_endpoints
from hotel_agent.nlu import endpoints as nlu_endpoints
from hotel_agent.nlu.service import NluService
from hotel_agent.ops import health
from hotel_agent.ops.input_guard import refuse_unstorable_input
from hotel_agent.ops.lifecycle import Lifecycle
from hotel_agent.ops.logging import configure_logging
from hotel_agent.ops.middleware import BodySizeLimitMiddleware, RequestContextMiddleware
from hotel_agent.ops.openapi import install_openapi

log = structlog.get_logger(__name__)

HTTP_ERROR_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "ValidationError",
    429: "TooManyRequests",
}


def _envelope(
    status: int, error: str, detail: str, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    all_headers = dict(headers or {})
    if "retry_after" in extra:
        all_headers["Retry-After"] = str(extra["retry_after"])
    return JSONResponse(
        {"error": error, "detail": detail, **extra}, status_code=status, headers=all_headers or None
    )


def _describe_validation(exc: RequestValidationError) -> tuple[int, str, list[dict[str, Any]]]:
    errors = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()))
        errors.append({"field": location, "message": error.get("msg", ""), "type": error.get("type", "")})
    if any(error["type"] == "json_invalid" for error in errors):
        return 400, "request body is not valid JSON", errors
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return 422, detail, errors


def _is_connection_failure(exc: DBAPIError) -> bool:
    """The driver could not reach the server, or lost it mid-statement (not a bad statement)."""
    origin = exc.orig
    names = {type(origin).__name__, *(type(cause).__name__ for cause in _causes(origin))}
    return bool(names & _CONNECTION_FAILURES) or isinstance(origin, OSError)


def _causes(exc: BaseException | None) -> list[BaseException]:
    found: list[BaseException] = []
    while exc is not None and len(found) < 5:
        exc = exc.__cause__ or exc.__context__
        if exc is not None:
            found.append(exc)
    return found


_CONNECTION_FAILURES = frozenset(
    {
        "ConnectionDoesNotExistError",
        "ConnectionFailureError",
        "AdminShutdownError",
        "CannotConnectNowError",
        "InterfaceError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "TooManyConnectionsError",
    }
)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RedisConnectionError)
    @app.exception_handler(RedisTimeoutError)
    async def state_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        # Redis (conversation state, locks) is unreachable: a clear 503 the caller may retry, not a 500.
        log.warning("request.state_unavailable", error=type(exc).__name__)
        return _envelope(503, "ServiceUnavailable", "the state backend (Redis) is unreachable; retry later")

    @app.exception_handler(PoolTimeoutError)
    async def database_busy(_request: Request, exc: Exception) -> JSONResponse:
        log.warning("request.database_unavailable", error=type(exc).__name__)
        return _envelope(503, "ServiceUnavailable", "the database is unreachable or busy; retry later")

    @app.exception_handler(DBAPIError)
    async def database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        # A lost or refused connection (failover, restart, a terminated backend) is a 503 the caller
        # retries; Meta redelivers a webhook it was not acknowledged. Anything else is a bug: 500.
        if exc.connection_invalidated or _is_connection_failure(exc):
            log.warning("request.database_unavailable", error=type(exc.orig).__name__)
            return _envelope(503, "ServiceUnavailable", "the database is unreachable; retry later")
        return await unexpected_error(request, exc)

    @app.exception_handler(HotelAgentError)
    async def domain_error(_request: Request, exc: HotelAgentError) -> JSONResponse:
        if exc.status_code >= 500:
            log.warning("request.failed", error=exc.error, detail=exc.detail)
        return _envelope(exc.status_code, exc.error, exc.detail, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        status, detail, errors = _describe_validation(exc)
        return _envelope(status, "BadRequest" if status == 400 else "ValidationError", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        name = HTTP_ERROR_NAMES.get(exc.status_code, "HTTPError")
        # 405 carries Allow (the methods the path has); 401 from a security scheme WWW-Authenticate.
        return _envelope(exc.status_code, name, str(exc.detail), headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.error("request.crashed", exc_info=exc)
        request_id = request.scope.get("state", {}).get("request_id")
        return _envelope(500, "InternalError", "an unexpected error occurred", request_id=request_id)


def create_app(settings: Settings | None = None, *, nlu: NluService | None = None) -> FastAPI:
    """The application; `nlu` lets tests share one loaded NLU model between app instances."""
    settings = settings or get_settings()
    # Read by /health/ready: 503 from the first SIGTERM on (docs/deploy.md, graceful stop).
    lifecycle = Lifecycle(settings.shutdown_drain_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings)
        lifecycle.install()
        async with start_components(settings, role=Role.WEB, nlu=nlu, lifecycle=lifecycle) as components:
            # The one slot on app.state; routes reach it through hotel_agent.deps.
            app.state.components = components
            resources = components.resources
            log.info(
                "app.started",
                environment=settings.environment.value,
                pms=settings.pms_type.value,
                state_backend=resources.state.name,
                database=resources.engine.dialect.name,
            )
            yield
        log.info("app.stopped")

    app = FastAPI(
        title="hotel-agent",
        version=__version__,
        description="Virtual hotel receptionist: guest conversations in en/es/pt against the hotel's PMS.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unstorable_input(frozenset({whatsapp_endpoints.WEBHOOK_PATH})))],
    )
    install_error_handlers(app)
    install_openapi(app)
    app.include_router(health.router)
    app.include_router(admin_endpoints.auth_router)
    app.include_router(admin_endpoints.router)
    app.include_router(conversation_endpoints.router)
    app.include_router(conversation_endpoints.staff_router)
    app.include_router(nlu_endpoints.router)
    app.include_router(template_endpoints.router)
    app.include_router(experiment_endpoints.router)
    app.include_router(whatsapp_endpoints.router)
    app.include_router(whatsapp_endpoints.signed_router)
    # The admin panel (HTML) under /admin/ui, beside the JSON API's /admin/... routes (admin_ui/app.py says
    # why); it shares the app's state, so its pages reach the same components through hotel_agent.deps.
    admin_ui = create_admin_ui()
    admin_ui.state = app.state
    app.mount(ADMIN_UI_PATH, admin_ui)

    @app.get("/admin", include_in_schema=False)
    async def admin_home() -> RedirectResponse:
        return RedirectResponse(ADMIN_UI_PATH + "/", status_code=307)

    app.add_middleware(RequestContextMiddleware)
    app.add_middleware(
        BodySizeLimitMiddleware,
        max_bytes=settings.max_request_body_bytes,
        path_limits={whatsapp_endpoints.WEBHOOK_PATH: settings.whatsapp_max_body_bytes},
    )
    return app
