"""Driving the admin panel over HTTP like a browser would: sign in, read the CSRF token, post forms."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import httpx

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.admin.service import create_admin_user
from hotel_agent.db import session_scope

PASSWORD = "correct horse battery"
UI = "/admin/ui"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


async def make_user(client: httpx.AsyncClient, role: AdminRole = AdminRole.EDITOR) -> str:
    username = f"ui-{role.value}-{uuid.uuid4().hex[:6]}"
    resources = client.app.state.components.resources  # type: ignore[attr-defined]
    async with session_scope(resources.write_sessionmaker) as session:
        await create_admin_user(session, username, PASSWORD, role)
    return username


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match is not None, "no CSRF token on the page"
    return match.group(1)


@dataclass(frozen=True)
class Operator:
    username: str
    csrf: str


async def sign_in(client: httpx.AsyncClient, role: AdminRole = AdminRole.EDITOR) -> Operator:
    """A new operator with `role`, signed in on `client` (its cookie jar), with the session's CSRF token."""
    username = await make_user(client, role)
    form = await client.get(f"{UI}/sign-in")
    response = await client.post(
        f"{UI}/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text)},
    )
    assert response.status_code == 303, response.text
    page = await client.get(f"{UI}/templates")
    assert page.status_code == 200
    return Operator(username, csrf_of(page.text))
