"""Admin sign-in: argon2 hashes, short-lived tokens, router-level auth, roles, failed-login limit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import APIRouter, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.admin.deps import require_role
from hotel_agent.admin.schemas import AdminRole
from hotel_agent.admin.security import issue_token, verify_password
from hotel_agent.admin.service import create_admin_user
from hotel_agent.errors import ConflictError, UnprocessableError
from tests.support.admin import PASSWORD, login, make_user


async def test_password_is_stored_as_argon2_hash(session: AsyncSession) -> None:
    user = await create_admin_user(session, "Hash-Check", PASSWORD, AdminRole.VIEWER)
    assert user.username == "hash-check"
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    assert verify_password(user.password_hash, PASSWORD)
    assert not verify_password(user.password_hash, "wrong")
    with pytest.raises(ConflictError):
        await create_admin_user(session, "hash-check", PASSWORD, AdminRole.VIEWER)
    with pytest.raises(UnprocessableError, match="at least"):
        await create_admin_user(session, "short", "abc", AdminRole.VIEWER)


async def test_login_issues_a_token_that_opens_admin_routes(app_client: httpx.AsyncClient) -> None:
    username = await make_user(app_client)
    response = await login(app_client, username)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "editor"
    assert 60 <= body["expires_in"] <= 3600
    me = await app_client.get("/admin/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json() == {"username": username, "role": "editor"}
    # Only the header: the token in a cookie (the old admin-UI fallback) authenticates nothing.
    cookie = await app_client.get("/admin/me", cookies={"hotel_agent_admin": body["access_token"]})
    assert cookie.status_code == 401


async def test_wrong_password_and_unknown_user_look_the_same(app_client: httpx.AsyncClient) -> None:
    username = await make_user(app_client)
    wrong = await login(app_client, username, "not the password")
    unknown = await login(app_client, "nobody-" + uuid.uuid4().hex[:6])
    assert wrong.status_code == unknown.status_code == 401
    assert (
        wrong.json()
        == unknown.json()
        == {
            "error": "Unauthorized",
            "detail": "invalid username or password",
        }
    )


async def test_admin_routes_refuse_missing_forged_and_expired_tokens(app_client: httpx.AsyncClient) -> None:
    assert (await app_client.get("/admin/me")).status_code == 401
    forged = issue_token(
        subject="mallory", role="admin", secret="another-secret-key-of-32-bytes!!", ttl_seconds=600
    )
    assert (
        await app_client.get("/admin/me", headers={"Authorization": f"Bearer {forged}"})
    ).status_code == 401
    settings = app_client.app.state.components.resources.settings  # type: ignore[attr-defined]
    expired = issue_token(
        subject="alice",
        role="admin",
        secret=settings.secret_key.get_secret_value(),
        ttl_seconds=60,
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    response = await app_client.get("/admin/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "invalid or expired token"


async def test_every_admin_route_requires_authentication(app_client: httpx.AsyncClient) -> None:
    """Auth sits on the router, so a route added later cannot forget it: probe every /admin path."""
    spec = (await app_client.get("/openapi.json")).json()
    probed = 0
    for path, operations in spec["paths"].items():
        if not path.startswith("/admin") or path.startswith("/admin/auth"):
            continue
        for method in operations:
            concrete = path.replace("{", "").replace("}", "")
            response = await app_client.request(method.upper(), concrete)
            assert response.status_code == 401, (method, path)
            probed += 1
    assert probed >= 1


async def test_roles_are_enforced(app_client: httpx.AsyncClient) -> None:
    probe = APIRouter()

    @probe.get("/admin/probe-editor", dependencies=[Depends(require_role(AdminRole.EDITOR))])
    async def editor_only() -> dict[str, bool]:
        return {"ok": True}

    app = app_client.app  # type: ignore[attr-defined]
    app.include_router(probe)
    viewer = (await login(app_client, await make_user(app_client, AdminRole.VIEWER))).json()["access_token"]
    editor = (await login(app_client, await make_user(app_client, AdminRole.EDITOR))).json()["access_token"]
    denied = await app_client.get("/admin/probe-editor", headers={"Authorization": f"Bearer {viewer}"})
    assert denied.status_code == 403
    assert "editor" in denied.json()["detail"]
    allowed = await app_client.get("/admin/probe-editor", headers={"Authorization": f"Bearer {editor}"})
    assert allowed.status_code == 200
