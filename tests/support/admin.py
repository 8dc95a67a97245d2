"""Staff accounts for a test: create one, sign in."""

from __future__ import annotations

import uuid

import httpx

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.admin.service import create_admin_user
from hotel_agent.db import session_scope

PASSWORD = "correct horse battery"


async def make_user(client: httpx.AsyncClient, role: AdminRole = AdminRole.EDITOR) -> str:
    username = f"op-{uuid.uuid4().hex[:8]}"
    resources = client.app.state.components.resources  # type: ignore[attr-defined]
    async with session_scope(resources.sessionmaker) as session:
        await create_admin_user(session, username, PASSWORD, role)
    return username


async def login(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> httpx.Response:
    return await client.post("/admin/auth/login", json={"username": username, "password": password})
