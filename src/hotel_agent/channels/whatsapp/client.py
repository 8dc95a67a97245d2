"""Graph API client for the WhatsApp Cloud API: send messages, mark messages read.

httpx style: the `httpx.AsyncClient` (or just a transport) can be injected; timeouts and connection limits
are explicit; vendor errors are mapped at this boundary into the tree drawn in errors.py. Operational
errors that are safe to repeat (429, 5xx, 130429, no connection) are retried here with exponential backoff
and jitter, honouring `Retry-After`; a request that may have reached Meta (a read timeout, a dropped
connection) is never repeated here: it raises `WhatsAppAmbiguousError` and the outbox decides.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from hotel_agent.channels.whatsapp.errors import (
    WhatsAppAmbiguousError,
    WhatsAppAuthError,
    WhatsAppConnectionError,
    WhatsAppError,
    WhatsAppOperationalError,
    WhatsAppRateLimitedError,
    WhatsAppReengagementError,
    WhatsAppRequestError,
    WhatsAppServerError,
)

RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131056})
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016})
AUTH_CODES = frozenset({190})
REENGAGEMENT_CODE = 131047
MAX_RETRY_AFTER_SECONDS = 30.0

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class SendResult:
    wamid: str
    wa_id: str | None = None


def build_http_client(
    timeout_seconds: float, *, transport: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """The production client for graph.facebook.com: explicit timeouts and limits, no redirects.

    The composition root builds one per process and injects it; its owner closes it.
    """
    return httpx.AsyncClient(
        transport=transport,
        timeout=httpx.Timeout(timeout_seconds, connect=min(3.0, timeout_seconds)),
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=20, keepalive_expiry=30.0),
        follow_redirects=False,
    )


class GraphApiClient:
    def __init__(
        self,
        *,
        access_token: str,
        base_url: str = "https://graph.facebook.com",
        api_version: str = "v23.0",
        timeout: float = 10.0,
        retries: int = 3,
        backoff_base: float = 0.5,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._owns_http = http is None
        self._http = http or build_http_client(timeout, transport=transport)
        self._root = f"{base_url.rstrip('/')}/{api_version.strip('/')}"
        self._headers = {"Authorization": f"Bearer {access_token}", "Content-Type": "application/json"}
        self._retries = retries
        self._backoff_base = backoff_base
        self._sleep = sleep

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def send_message(self, phone_number_id: str, body: dict[str, Any]) -> SendResult:
        """POST /<phone_number_id>/messages; the wamid Meta assigned, or a mapped error."""
        data = await self._post(f"/{phone_number_id}/messages", body)
        try:
            message = data["messages"][0]
            contacts = data.get("contacts") or [{}]
            return SendResult(wamid=str(message["id"]), wa_id=contacts[0].get("wa_id"))
        except (KeyError, IndexError, TypeError) as exc:
            # Accepted (2xx) but unreadable: Meta may have the message, so it is not safe to resend.
            raise WhatsAppAmbiguousError("send accepted without a message id") from exc

    async def mark_read(self, phone_number_id: str, wamid: str) -> None:
        """Blue ticks on the guest's message."""
        await self._post(
            f"/{phone_number_id}/messages",
            {"messaging_product": "whatsapp", "status": "read", "message_id": wamid},
        )

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        attempt = 0
        while True:
            try:
                return await self._post_once(path, body)
            except (WhatsAppRateLimitedError, WhatsAppServerError, WhatsAppConnectionError) as exc:
                retry_after = exc.retry_after
                if attempt >= self._retries or (retry_after or 0) > MAX_RETRY_AFTER_SECONDS:
                    raise
                delay = retry_after if retry_after is not None else self._backoff(attempt)
                attempt += 1
                await self._sleep(delay)

    def _backoff(self, attempt: int) -> float:
        base: float = self._backoff_base * (2**attempt)
        return base + random.uniform(0, base / 2)

    async def _post_once(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._http.post(
                self._root + path, content=orjson.dumps(body), headers=self._headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise WhatsAppConnectionError(f"could not reach the Graph API: {exc!r}") from exc
        except httpx.TransportError as exc:
            # Read/write timeouts and dropped connections: the request may have been processed.
            raise WhatsAppAmbiguousError(f"no answer from the Graph API: {exc!r}") from exc
        if response.is_success:
            try:
                data = response.json()
            except ValueError as exc:
                raise WhatsAppAmbiguousError(
                    "the Graph API answered 2xx with a body that is not JSON"
                ) from exc
            return data if isinstance(data, dict) else {}
        raise graph_error(response)


def graph_error(response: httpx.Response) -> WhatsAppError:
    """Map a Graph API error response ({"error": {"code", "message", "error_data": {...}}})."""
    status = response.status_code
    try:
        payload = response.json().get("error") or {}
    except (ValueError, AttributeError):
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    code = payload.get("code") if isinstance(payload.get("code"), int) else None
    title = payload.get("error_user_title") or payload.get("type") or payload.get("title")
    message = str(payload.get("message") or response.reason_phrase or "Graph API error")
    error_data = payload.get("error_data")
    if not isinstance(error_data, dict):
        error_data = {}
    details = error_data.get("details") or payload.get("error_user_msg")
    retry_after = _retry_after(response)
    kwargs: dict[str, Any] = {
        "status_code": status,
        "code": code,
        "title": str(title)[:256] if title else None,
        "details": str(details) if details else None,
        "retry_after": retry_after,
    }
    text = f"HTTP {status}, code {code}: {message}"
    error_class: type[WhatsAppError]
    if code == REENGAGEMENT_CODE:
        error_class = WhatsAppReengagementError
    elif status == 429 or code in RATE_LIMIT_CODES:
        error_class = WhatsAppRateLimitedError
    elif status >= 500 or code in TRANSIENT_CODES:
        error_class = WhatsAppServerError
    elif status in (401, 403) or code in AUTH_CODES:
        error_class = WhatsAppAuthError
    else:
        error_class = WhatsAppRequestError
    return error_class(text, **kwargs)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def is_retryable(exc: WhatsAppError) -> bool:
    return isinstance(exc, WhatsAppOperationalError)
