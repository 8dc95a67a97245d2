"""Sign-in and sign-out pages: session cookie, CSRF, failed-login limit, redirects, security headers."""

from __future__ import annotations

import httpx
from sqlalchemy import update

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.db import session_scope
from hotel_agent.models import AdminUser
from tests.support.admin_ui import PASSWORD, UI, csrf_of, make_user, sign_in


async def test_pages_need_a_session_and_send_you_back_after_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{UI}/templates/history-of-nothing")
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"{UI}/sign-in?next=")
    page = await client.get(f"{UI}/templates")
    assert page.status_code == 303
    assert page.headers["location"] == f"{UI}/sign-in?next=/admin/ui/templates"
    username = await make_user(client)
    form = await client.get(page.headers["location"])
    assert 'name="next" value="/admin/ui/templates"' in form.text
    signed_in = await client.post(
        f"{UI}/sign-in",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_of(form.text),
            "next": "/admin/ui/templates",
        },
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/admin/ui/templates"
    cookie = signed_in.headers["set-cookie"]
    assert "ha_admin_ui=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Path=/admin/ui" in cookie
    assert "Secure" not in cookie  # development serves plain http; elsewhere it is set (test_session)
    listing = await client.get(f"{UI}/templates")
    assert listing.status_code == 200
    assert username in listing.text


async def test_next_cannot_leave_the_panel(client: httpx.AsyncClient) -> None:
    username = await make_user(client)
    form = await client.get(f"{UI}/sign-in?next=https://evil.example/")
    assert 'name="next" value="/admin/ui/"' in form.text
    response = await client.post(
        f"{UI}/sign-in",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text), "next": "//evil"},
    )
    assert response.headers["location"] == "/admin/ui/"


async def test_sign_in_without_the_form_token_is_refused(client: httpx.AsyncClient) -> None:
    username = await make_user(client)
    response = await client.post(
        f"{UI}/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 403
    assert "ha_admin_ui=" not in response.headers.get("set-cookie", "")


async def test_failed_sign_ins_are_rate_limited_like_the_api(client: httpx.AsyncClient) -> None:
    username = await make_user(client)
    settings = client.app.state.components.settings  # type: ignore[attr-defined]
    for _ in range(settings.login_max_failures):
        form = await client.get(f"{UI}/sign-in")
        wrong = await client.post(
            f"{UI}/sign-in", data={"username": username, "password": "nope", "csrf_token": csrf_of(form.text)}
        )
        assert wrong.status_code == 401
        assert "Wrong username or password" in wrong.text
    form = await client.get(f"{UI}/sign-in")
    locked = await client.post(
        f"{UI}/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text)}
    )
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    # The API shares the counter: the same account is locked there too.
    api = await client.post("/admin/auth/login", json={"username": username, "password": PASSWORD})
    assert api.status_code == 429


async def test_sign_out_ends_the_session_on_the_server(client: httpx.AsyncClient) -> None:
    csrf = (await sign_in(client)).csrf
    cookie = client.cookies.get("ha_admin_ui")
    refused = await client.post(f"{UI}/sign-out", data={"csrf_token": "wrong"})
    assert refused.status_code == 403
    out = await client.post(f"{UI}/sign-out", data={"csrf_token": csrf})
    assert out.status_code == 303
    assert out.headers["location"] == f"{UI}/sign-in?done=signed_out"
    # Replaying the old cookie gets nothing: the server forgot the session.
    client.cookies.set("ha_admin_ui", cookie or "", path="/admin/ui")
    again = await client.get(f"{UI}/templates")
    assert again.status_code == 303


async def test_a_disabled_account_loses_its_session_at_once(client: httpx.AsyncClient) -> None:
    username = (await sign_in(client, AdminRole.VIEWER)).username
    resources = client.app.state.components.resources  # type: ignore[attr-defined]
    async with session_scope(resources.sessionmaker) as session:
        await session.execute(update(AdminUser).where(AdminUser.username == username).values(is_active=False))
    assert (await client.get(f"{UI}/templates")).status_code == 303


async def test_every_page_sends_a_strict_content_security_policy(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{UI}/sign-in")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    home = await client.get("/admin")
    assert home.status_code == 307
    assert home.headers["location"] == "/admin/ui/"
