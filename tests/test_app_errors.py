"""One error envelope; bad input gets a 4xx that says what is wrong, and nothing is half-written."""

from __future__ import annotations

import httpx
import pytest
from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import func, select

from hotel_agent.deps import SessionDep
from hotel_agent.models import AdminUser


async def test_missing_field_is_a_422_naming_the_field(app_client: httpx.AsyncClient) -> None:
    response = await app_client.post("/admin/auth/login", json={"username": "alice"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "ValidationError"
    assert "body.password" in body["detail"]
    assert body["errors"][0]["field"] == "body.password"


async def test_malformed_json_is_a_400(app_client: httpx.AsyncClient) -> None:
    response = await app_client.post(
        "/admin/auth/login", content=b'{"username": "alice", ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "request body is not valid JSON"


async def test_oversized_body_is_a_413(app_client: httpx.AsyncClient) -> None:
    response = await app_client.post("/admin/auth/login", content=b"x" * (300 * 1024))
    assert response.status_code == 413
    assert response.json()["error"] == "PayloadTooLarge"


async def test_unknown_route_uses_the_envelope(app_client: httpx.AsyncClient) -> None:
    response = await app_client.get("/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "NotFound", "detail": "Not Found"}


class _Item(BaseModel):
    username: str


async def test_a_failing_commit_reaches_the_client_and_nothing_is_written(
    app_client: httpx.AsyncClient,
) -> None:
    """Two inserts in one request; the second violates a constraint at commit: neither is stored."""
    probe = APIRouter()

    @probe.post("/probe/two-users")
    async def two_users(item: _Item, session: SessionDep) -> dict[str, str]:
        session.add(AdminUser(username=item.username + "-a", password_hash="x", role="viewer"))
        session.add(AdminUser(username=item.username + "-b", password_hash="x", role="superuser"))
        return {"status": "created"}

    app = app_client.app  # type: ignore[attr-defined]
    app.include_router(probe)
    response = await app_client.post("/probe/two-users", json={"username": "half"})
    assert response.status_code == 500
    assert response.json()["error"] == "InternalError"
    async with app.state.components.resources.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).select_from(AdminUser).where(AdminUser.username.like("half-%"))
        )
    assert count == 0


@pytest.mark.parametrize("path", ["/docs", "/openapi.json"])
async def test_openapi_docs_are_served(app_client: httpx.AsyncClient, path: str) -> None:
    assert (await app_client.get(path)).status_code == 200
