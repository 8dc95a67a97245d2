"""The Graph API client: error mapping, backoff on 429/5xx/130429, no blind retry when ambiguous."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from hotel_agent.channels.whatsapp.client import GraphApiClient
from hotel_agent.channels.whatsapp.errors import (
    WhatsAppAmbiguousError,
    WhatsAppAuthError,
    WhatsAppRateLimitedError,
    WhatsAppReengagementError,
    WhatsAppRequestError,
    WhatsAppServerError,
)

OK = {
    "messaging_product": "whatsapp",
    "contacts": [{"input": "1", "wa_id": "1"}],
    "messages": [{"id": "wamid.X"}],
}


def error(status: int, code: int, retry_after: str | None = None) -> httpx.Response:
    headers = {"Retry-After": retry_after} if retry_after else None
    return httpx.Response(
        status, json={"error": {"message": "m", "type": "OAuthException", "code": code}}, headers=headers
    )


def client_for(
    answers: list[httpx.Response | Exception], sleeps: list[float]
) -> tuple[GraphApiClient, list[int]]:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        assert request.headers["authorization"] == "Bearer token"
        assert request.url.path == "/v23.0/123/messages"
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    client = GraphApiClient(
        access_token="token",
        base_url="https://graph.test",
        transport=httpx.MockTransport(handler),
        sleep=sleep,
    )
    return client, calls


async def send(client: GraphApiClient) -> str:
    return (
        await client.send_message("123", {"messaging_product": "whatsapp", "to": "1", "type": "text"})
    ).wamid


async def test_429_130429_and_5xx_are_retried_with_growing_backoff_and_retry_after() -> None:
    sleeps: list[float] = []
    answers: list[httpx.Response | Exception] = [
        error(429, 130429, retry_after="2"),
        error(503, 131016),
        error(400, 130429),
        httpx.Response(200, json=OK),
    ]
    client, calls = client_for(answers, sleeps)
    assert await send(client) == "wamid.X"
    assert len(calls) == 4
    assert sleeps[0] == 2.0  # Retry-After honoured
    assert sleeps[2] > sleeps[1] > 0  # then exponential


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (lambda: error(429, 130429), WhatsAppRateLimitedError),
        (lambda: error(500, 1), WhatsAppServerError),
    ],
)
async def test_retries_are_bounded(answer: Callable[[], httpx.Response], kind: type[Exception]) -> None:
    client, calls = client_for([answer() for _ in range(4)], [])
    with pytest.raises(kind):
        await send(client)
    assert len(calls) == 4  # 1 + WHATSAPP_SEND_RETRIES (3)


@pytest.mark.parametrize(
    ("answer", "kind"),
    [
        (error(400, 131047), WhatsAppReengagementError),
        (error(400, 131026), WhatsAppRequestError),
        (error(401, 190), WhatsAppAuthError),
    ],
)
async def test_permanent_and_auth_errors_are_not_retried_here(
    answer: httpx.Response, kind: type[Exception]
) -> None:
    client, calls = client_for([answer], [])
    with pytest.raises(kind) as raised:
        await send(client)
    assert len(calls) == 1
    assert raised.value.code == answer.json()["error"]["code"]  # type: ignore[attr-defined]


async def test_a_request_that_may_have_arrived_is_never_repeated() -> None:
    client, calls = client_for([httpx.ReadTimeout("slow")], [])
    with pytest.raises(WhatsAppAmbiguousError):
        await send(client)
    assert len(calls) == 1


async def test_a_connection_that_was_never_made_is_retried() -> None:
    client, calls = client_for([httpx.ConnectError("refused"), httpx.Response(200, json=OK)], [])
    assert await send(client) == "wamid.X"
    assert len(calls) == 2
