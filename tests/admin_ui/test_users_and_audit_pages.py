"""Users (admins only: create, role, disable, reset password) and the audit log that records it all."""

from __future__ import annotations

import uuid

import httpx

from hotel_agent.admin.schemas import AdminRole
from tests.support.admin_ui import PASSWORD, UI, csrf_of, sign_in


async def test_only_admins_manage_users(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client, AdminRole.EDITOR)
    assert (await client.get(f"{UI}/users")).status_code == 403
    refused = await client.post(
        f"{UI}/users",
        data={"csrf_token": editor.csrf, "username": "x", "password": PASSWORD, "role": "admin"},
    )
    assert refused.status_code == 403


async def test_an_admin_creates_promotes_disables_and_resets_and_the_audit_log_says_so(
    client: httpx.AsyncClient,
) -> None:
    admin = await sign_in(client, AdminRole.ADMIN)
    name = f"new-{uuid.uuid4().hex[:6]}"
    created = await client.post(
        f"{UI}/users",
        data={"csrf_token": admin.csrf, "username": name, "password": PASSWORD, "role": "viewer"},
    )
    assert created.status_code == 303
    too_short = await client.post(
        f"{UI}/users",
        data={"csrf_token": admin.csrf, "username": "y" + name, "password": "short", "role": "viewer"},
    )
    assert too_short.status_code == 422
    assert "at least 10 characters" in too_short.text
    assert (
        await client.post(f"{UI}/users/{name}/role", data={"csrf_token": admin.csrf, "role": "editor"})
    ).status_code == 303
    assert (
        await client.post(f"{UI}/users/{name}/active", data={"csrf_token": admin.csrf, "active": "false"})
    ).status_code == 303
    reset = await client.post(
        f"{UI}/users/{name}/password", data={"csrf_token": admin.csrf, "password": "another long one"}
    )
    assert reset.status_code == 303
    # Disabled: the new account cannot sign in.
    async with httpx.AsyncClient(transport=client._transport, base_url="http://testserver") as other:
        form = await other.get(f"{UI}/sign-in")
        denied = await other.post(
            f"{UI}/sign-in",
            data={"username": name, "password": "another long one", "csrf_token": csrf_of(form.text)},
        )
        assert denied.status_code == 401
    log = await client.get(f"{UI}/audit?area=users&actor={admin.username}")
    for action in ("user.created", "user.role_changed", "user.disabled", "user.password_reset"):
        assert action in log.text
    assert name in log.text
    assert "previous=viewer" in log.text


async def test_the_last_admin_cannot_lock_everyone_out(client: httpx.AsyncClient) -> None:
    admin = await sign_in(client, AdminRole.ADMIN)
    page = await client.get(f"{UI}/users")
    assert page.status_code == 200
    # Demote every other admin first, so this one is the last.
    import re

    for other in set(re.findall(r'/admin/ui/users/([^/"]+)/role', page.text)) - {admin.username}:
        await client.post(f"{UI}/users/{other}/active", data={"csrf_token": admin.csrf, "active": "false"})
    refused = await client.post(
        f"{UI}/users/{admin.username}/role", data={"csrf_token": admin.csrf, "role": "viewer"}
    )
    assert refused.status_code == 409
    assert "last active admin" in refused.text
