"""POST /api/v1/nlu/parse on a minimal app that mounts only the NLU router."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from hotel_agent.deps import get_nlu_service
from hotel_agent.nlu.endpoints import router
from hotel_agent.nlu.service import NluService


@pytest.fixture
async def client(nlu_service: NluService) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.include_router(router)
    app.dependency_overrides[get_nlu_service] = lambda: nlu_service
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def test_parse_returns_the_cli_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/nlu/parse",
        json={"text": "oi, vcs têm quarto pro fim de semana?", "now": "2027-01-10T12:00:00"},
    )
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ["language", "intent", "confidence", "entities"]
    assert body["language"] == "pt"
    assert body["intent"] == "check_availability"
    assert body["entities"] == {"checkin": "2027-01-15", "checkout": "2027-01-17", "nights": 2}
    assert 0 <= body["confidence"] <= 1


async def test_absent_entities_are_omitted(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/nlu/parse", json={"text": "gracias!!"})
    assert response.status_code == 200
    assert response.json()["entities"] == {}


async def test_lang_is_honoured(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/nlu/parse", json={"text": "ok", "lang": "es"})
    assert response.json()["language"] == "es"


@pytest.mark.parametrize(
    "body",
    [
        {"text": ""},
        {"text": "x" * 4097},
        {"text": "hola", "lang": "fr"},
        {"text": "hola", "now": "not a date"},
        {},
    ],
)
async def test_invalid_requests_are_422(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    response = await client.post("/api/v1/nlu/parse", json=body)
    assert response.status_code == 422


async def test_longest_allowed_text_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/nlu/parse", json={"text": "hola " * 819})
    assert response.status_code == 200
