"""The UI's own pages: a normal (not sandboxed) Jinja environment with autoescape on for every file.

The sandbox (message_templates/sandbox.py) is for what operators write for guests; these files are ours.
Everything a person typed reaches a page through `{{ ... }}` and is escaped; no page uses `|safe`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from hotel_agent.admin_ui.session import UiSession

BASE_PATH = "/admin/ui"

# `?done=<code>` after a redirect shows one of these; anything else shows nothing (no text from the URL).
NOTICES = {
    "signed_out": "You are signed out.",
    "created": "Template created.",
    "saved": "Draft saved.",
    "activated": "Version activated: guests get it now.",
    "rolled_back": "Rolled back: guests get that version now.",
    "sent": "Reply sent.",
    "released": "Conversation released to the bot.",
    "user_created": "User created.",
    "user_updated": "User updated.",
    "experiment_created": "Experiment created.",
    "experiment_updated": "Experiment updated.",
    "simulator_reset": "Simulation reset: the bot starts a new conversation.",
}


def safe_next(path: str) -> str:
    """Only a page of the panel itself is a place to return to after sign-in (no open redirect)."""
    if path.startswith(BASE_PATH + "/") and "//" not in path and "\\" not in path:
        return path
    return BASE_PATH + "/"


def _when(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _waited(value: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the largest two units: '3 min', '2 h 5 min', '1 d 4 h'."""
    if value is None:
        return ""
    seconds = max(0, int(((now or datetime.now(UTC)) - value).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if hours == 0:
        return f"{minutes} min"
    if days == 0:
        return f"{hours} h {minutes % 60} min"
    return f"{days} d {hours % 24} h"


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("hotel_agent.admin_ui", "pages"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters["when"] = _when
    env.filters["waited"] = _waited
    env.globals["base"] = BASE_PATH
    return env


def render(
    request: Request,
    page: str,
    *,
    session: UiSession | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render `page` with the signed-in operator (if any), the CSRF token and the current path."""
    operator = getattr(request.state, "operator", None)
    values = {
        "operator": operator,
        "csrf_token": session.csrf_token if session is not None else context.pop("csrf_token", ""),
        "path": request.url.path,
        "notice": NOTICES.get(request.query_params.get("done", ""), ""),
        **context,
    }
    html = environment().get_template(page).render(values)
    return HTMLResponse(html, status_code=status_code)
