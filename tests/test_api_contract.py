"""The HTTP contract the fuzz suite (tests/fuzz) relies on: bounded ids, NUL refused naming the field, one
documented error envelope that the real bodies match, 405 with Allow, a lost database is a 503."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema_rs
import pytest
from fastapi import APIRouter
from sqlalchemy import text

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.deps import SessionDep
from tests.support.admin import login, make_user


async def bearer(client: httpx.AsyncClient, role: AdminRole = AdminRole.EDITOR) -> dict[str, str]:
    token = (await login(client, await make_user(client, role))).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def error_schema(spec: dict[str, Any]) -> Any:
    schema = {"$ref": "#/components/schemas/ErrorOut", "components": spec["components"]}
    return jsonschema_rs.validator_for(schema)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/templates/3000000000",
        "/admin/templates/3000000000/history",
        "/admin/templates/1/diff?a=1&b=3000000000",
        "/admin/templates/99999999999999999999999",
    ],
)
async def test_ids_beyond_the_database_integer_are_a_422_naming_the_field(
    app_client: httpx.AsyncClient, path: str
) -> None:
    response = await app_client.get(path, headers=await bearer(app_client, AdminRole.VIEWER))
    assert response.status_code == 422, response.text
    field = response.json()["errors"][0]["field"]
    assert field in {"path.template_id", "query.b"}
    assert field in response.json()["detail"]


async def test_activate_with_a_version_beyond_the_database_integer_is_a_422(
    app_client: httpx.AsyncClient,
) -> None:
    response = await app_client.post(
        "/admin/templates/1/versions/2147483648/activate", headers=await bearer(app_client)
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "path.version"


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        (
            "POST",
            "/api/v1/messages",
            {"json": {"conversation_id": "g\x001", "text": "hi"}},
            "body.conversation_id",
        ),
        ("POST", "/api/v1/nlu/parse", {"json": {"text": "a room\x00 please"}}, "body.text"),
        ("GET", "/admin/templates", {"params": {"text": "wel\x00come"}}, "query.text"),
        ("POST", "/admin/conversations/a%00b/release", {}, "path.conversation_id"),
        (
            "POST",
            "/admin/templates",
            {
                "json": {
                    "key": "fuzz.nul",
                    "language": "en",
                    "category": "info",
                    "content": "Hello",
                    "sample": {"nested": ["ok", "no\x00"]},
                }
            },
            "body.sample.nested.1",
        ),
    ],
)
async def test_nul_characters_are_a_422_naming_the_field(
    app_client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, Any], field: str
) -> None:
    response = await app_client.request(method, path, headers=await bearer(app_client), **kwargs)
    assert response.status_code == 422, response.text
    body = response.json()
    assert [error["field"] for error in body["errors"]] == [field]
    assert body["errors"][0]["type"] == "string_nul"
    assert field in body["detail"]
    spec = (await app_client.get("/openapi.json")).json()
    assert error_schema(spec).is_valid(body)


async def test_nan_in_a_json_body_is_a_400_not_a_500(app_client: httpx.AsyncClient) -> None:
    response = await app_client.post(
        "/api/v1/nlu/parse",
        content=b'{"text": "hello", "now": NaN}',
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "BadRequest"


async def test_422_and_400_bodies_match_the_documented_schema(app_client: httpx.AsyncClient) -> None:
    spec = (await app_client.get("/openapi.json")).json()
    validator = error_schema(spec)
    invalid = await app_client.post("/admin/auth/login", json={"username": ""})
    not_json = await app_client.post(
        "/admin/auth/login", content=b"{", headers={"content-type": "application/json"}
    )
    domain = await app_client.post("/api/v1/messages", json={"conversation_id": "g-1", "text": " "})
    for response in (invalid, not_json, domain):
        assert response.status_code in {400, 422}
        assert isinstance(response.json()["detail"], str)
        assert validator.is_valid(response.json()), response.text
    documented = spec["paths"]["/admin/auth/login"]["post"]["responses"]["422"]
    assert documented["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}
    assert "HTTPValidationError" not in spec["components"]["schemas"]


async def test_every_operation_documents_the_statuses_its_shape_can_answer(
    app_client: httpx.AsyncClient,
) -> None:
    spec = (await app_client.get("/openapi.json")).json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            documented = set(operation["responses"])
            assert "503" in documented, (method, path)
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in documented, (method, path)
            if operation.get("requestBody"):
                assert {"400", "413"} <= documented, (method, path)
            if path.startswith("/admin/") and not path.startswith("/admin/auth"):
                assert {"401", "403"} <= documented, (method, path)
    assert "429" in spec["paths"]["/admin/auth/login"]["post"]["responses"]
    handshake = spec["paths"]["/webhooks/whatsapp"]["get"]["responses"]
    assert list(handshake["403"]["content"]) == ["application/json"]  # the envelope, on a text/plain route


async def test_a_wrong_method_is_a_405_with_allow(app_client: httpx.AsyncClient) -> None:
    response = await app_client.delete("/api/v1/messages")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert response.json()["error"] == "MethodNotAllowed"


async def test_a_lost_database_connection_is_a_503_not_a_500(postgres_url: str) -> None:
    from tests.support.app import make_settings, running_app

    async with running_app(make_settings(postgres_url)) as client:
        probe = APIRouter()

        @probe.get("/probe/terminated")
        async def terminated(session: SessionDep) -> dict[str, str]:
            # The server ends this very connection, as pg_terminate_backend or a failover does.
            await session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))
            return {"status": "unreachable"}

        client.app.include_router(probe)  # type: ignore[attr-defined]
        response = await client.get("/probe/terminated")
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "ServiceUnavailable"
        assert (await client.get("/health/live")).status_code == 200
