"""Liveness and readiness, with real and unreachable dependencies."""

from __future__ import annotations

from hotel_agent.config import Settings
from tests.support.app import make_settings, running_app
from tests.support.services import free_port


async def test_live_and_ready_on_the_embedded_default(app_client) -> None:  # type: ignore[no-untyped-def]
    assert (await app_client.get("/health/live")).json() == {"status": "ok"}
    ready = await app_client.get("/health/ready")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["state"]["ok"] is True


async def test_ready_names_redis_when_it_is_unreachable_while_live_stays_up(sqlite_url: str) -> None:
    dead_port = free_port()
    settings: Settings = make_settings(sqlite_url, redis_url=f"redis://127.0.0.1:{dead_port}/0")
    async with running_app(settings) as client:
        assert (await client.get("/health/live")).status_code == 200
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        body = ready.json()
        assert body["failing"] == ["redis"]
        assert body["checks"]["redis"]["ok"] is False
        assert "Connection" in body["checks"]["redis"]["error"]
        assert body["checks"]["database"]["ok"] is True


async def test_ready_with_real_redis(sqlite_url: str, redis_url: str) -> None:
    async with running_app(make_settings(sqlite_url, redis_url=redis_url)) as client:
        ready = await client.get("/health/ready")
        assert ready.status_code == 200
        assert ready.json()["checks"]["redis"]["ok"] is True


async def test_ready_names_the_database_when_it_is_unreachable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nothing"
    async with running_app(make_settings(url)) as client:
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        # The queue lives in the same database: its check fails with it (the database is named first).
        assert ready.json()["failing"] in (["database"], ["database", "queue"])


async def test_ready_includes_the_pms_when_asked(sqlite_url: str) -> None:
    async with running_app(make_settings(sqlite_url, check_pms_in_readiness=True)) as client:
        body = (await client.get("/health/ready")).json()
        assert body["checks"]["pms"]["ok"] is True


async def test_ready_names_the_queue_worker_while_it_is_down(sqlite_url: str) -> None:
    async with running_app(make_settings(sqlite_url)) as client:
        supervisor = client.app.state.components.whatsapp.queue.supervisor  # type: ignore[attr-defined]
        assert (await client.get("/health/ready")).json()["checks"]["queue"]["ok"] is True
        supervisor.up = False
        supervisor.last_reason = "crashed"
        supervisor.last_error = "ConnectorException: the connection is lost"
        ready = await client.get("/health/ready")
        assert ready.status_code == 503
        assert ready.json()["failing"] == ["queue"]
        assert "queue worker down" in ready.json()["checks"]["queue"]["error"]
        assert "ConnectorException" in ready.json()["checks"]["queue"]["error"]


async def test_messages_answer_503_while_redis_is_unreachable(sqlite_url: str) -> None:
    settings: Settings = make_settings(sqlite_url, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    async with running_app(settings) as client:
        response = await client.post("/api/v1/messages", json={"conversation_id": "guest-1", "text": "hola"})
        assert response.status_code == 503
        assert response.json()["error"] == "ServiceUnavailable"
        assert "Redis" in response.json()["detail"]
