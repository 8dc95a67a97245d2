"""A fake WhatsApp Cloud API (Graph API) for tests, benchmarks and trying the bot without Meta.

Faithful where our code depends on it: `POST /<version>/<phone_number_id>/messages` with a Bearer token,
the same validation limits (text <= 4096; reply buttons 1-3 with titles <= 20; lists <= 10 rows, titles
<= 24, descriptions <= 72, a button label <= 20; bodies <= 1024), the same success body
(`{"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid..."}]}`), Meta's
error envelope (`{"error": {"message", "type", "code", "error_data": {"details"}, "fbtrace_id"}}`), the
24-hour window (free-form to a closed window fails with 131047: as a `failed` status webhook like the
Cloud API does, or synchronously), mark-as-read, and status webhooks (`sent`, `delivered`, ...) signed with
the app secret and carrying `biz_opaque_callback_data`, posted back to the app.

Control endpoints, outside the Graph API paths:

    GET  /__fake__/requests            every request received: {path, body, outcome, status, wamid}
    GET  /__fake__/messages            accepted messages (?to=<wa_id>); ?after=N: only those after the
                                        first N (each carries its `index`), &wait=S: long-poll up to S
                                        seconds until there is one (a load test reads replies this way)
    GET  /__fake__/wait?count=N        long-poll until N messages were accepted (&timeout=seconds)
    POST /__fake__/config              {"webhook_url", "app_secret", "statuses", "status_delay_ms",
                                        "closed_windows", "reengagement": "async"|"sync", "latency_ms",
                                        "hang_seconds"}
    POST /__fake__/faults              {"responses": [{"status": 429, "code": 130429, "retry_after": 1}]}:
                                        the next sends get these answers, in order
    POST /__fake__/reset               forget everything
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import itertools
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEFAULT_TOKEN = "dev-whatsapp-access-token"  # noqa: S105 - the development placeholder
MAX_TEXT = 4096
MAX_BODY = 1024
# Meta retries a webhook that fails or is not answered 200 (with backoff, for days); the fake, for seconds.
WEBHOOK_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72


class GraphError(Exception):
    def __init__(
        self, status: int, code: int, message: str, details: str = "", retry_after: float | None = None
    ):
        super().__init__(message)
        self.status, self.code, self.message, self.details, self.retry_after = (
            status,
            code,
            message,
            details,
            retry_after,
        )

    def response(self) -> JSONResponse:
        error: dict[str, Any] = {
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": uuid.uuid4().hex[:22],
        }
        if self.details:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        headers = {"Retry-After": str(self.retry_after)} if self.retry_after is not None else None
        return JSONResponse({"error": error}, status_code=self.status, headers=headers)


@dataclass
class FakeConfig:
    token: str = DEFAULT_TOKEN
    webhook_url: str | None = None
    app_secret: str | None = None
    statuses: list[str] = field(default_factory=lambda: ["sent", "delivered"])
    status_delay_ms: int = 0
    closed_windows: set[str] = field(default_factory=set)
    reengagement: str = "async"
    latency_ms: int = 0
    hang_seconds: float = 0.0


class FakeGraphApi:
    def __init__(
        self, config: FakeConfig | None = None, *, webhook_transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config or FakeConfig()
        self._webhook_transport = webhook_transport
        self._webhook_client: httpx.AsyncClient | None = None
        self.requests: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.faults: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._accepted = asyncio.Condition()
        self._background: set[asyncio.Task[None]] = set()

    def reset(self) -> None:
        self.requests.clear()
        self.messages.clear()
        self.faults.clear()
        self.config = FakeConfig(token=self.config.token)

    # Graph API ---------------------------------------------------------------------------------

    async def send(self, request: Request) -> Response:
        phone_number_id = request.path_params["phone_number_id"]
        record: dict[str, Any] = {
            "path": request.url.path,
            "at": time.time(),
            "phone_number_id": phone_number_id,
        }
        self.requests.append(record)
        try:
            if request.headers.get("authorization") != f"Bearer {self.config.token}":
                raise GraphError(401, 190, "Invalid OAuth access token - Cannot parse access token")
            try:
                body = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                raise GraphError(400, 100, "Invalid parameter", "request body is not JSON") from None
            record["body"] = body
            if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
                raise GraphError(400, 100, "Invalid parameter", "messaging_product must be whatsapp")
            if body.get("status") == "read":
                record["outcome"] = "read"
                return JSONResponse({"success": True})
            if self.config.latency_ms:
                await asyncio.sleep(self.config.latency_ms / 1000)
            fault = self.faults.pop(0) if self.faults else None
            if fault is not None:
                raise GraphError(
                    int(fault.get("status", 500)),
                    int(fault.get("code", 131000)),
                    str(fault.get("message", "Something went wrong")),
                    str(fault.get("details", "")),
                    fault.get("retry_after"),
                )
            validate_message(body)
            to = str(body["to"])
            closed = to in self.config.closed_windows and body["type"] != "template"
            if closed and self.config.reengagement == "sync":
                raise GraphError(
                    400,
                    131047,
                    "Re-engagement message",
                    "Message failed to send because more than 24 hours have passed since the customer "
                    "last replied to this number.",
                )
            wamid = f"wamid.FAKE{next(self._ids):08d}{uuid.uuid4().hex[:8].upper()}"
            message = {
                "index": len(self.messages),
                "wamid": wamid,
                "to": to,
                "type": body["type"],
                "body": body,
                "callback_data": body.get("biz_opaque_callback_data"),
                "phone_number_id": phone_number_id,
                "at": time.time(),
            }
            record.update(outcome="accepted", wamid=wamid, status=200)
            self.messages.append(message)
            async with self._accepted:
                self._accepted.notify_all()
            statuses = ["failed"] if closed else list(self.config.statuses)
            if statuses and self.config.webhook_url and self.config.app_secret:
                self._spawn(self._post_statuses(message, statuses))
            if self.config.hang_seconds:
                # Accepted, and the answer is late: a client dying now never learns the wamid.
                await asyncio.sleep(self.config.hang_seconds)
            return JSONResponse(
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": wamid}],
                }
            )
        except GraphError as error:
            record.update(outcome="error", status=error.status, code=error.code)
            return error.response()

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _post_statuses(self, message: dict[str, Any], statuses: list[str]) -> None:
        if self._webhook_client is None:
            self._webhook_client = httpx.AsyncClient(transport=self._webhook_transport, timeout=10)
        for status in statuses:
            if self.config.status_delay_ms:
                await asyncio.sleep(self.config.status_delay_ms / 1000)
            item: dict[str, Any] = {
                "id": message["wamid"],
                "status": status,
                "timestamp": str(int(time.time())),
                "recipient_id": message["to"],
            }
            if message["callback_data"]:
                item["biz_opaque_callback_data"] = message["callback_data"]
            if status == "failed":
                item["errors"] = [
                    {
                        "code": 131047,
                        "title": "Re-engagement message",
                        "message": "Re-engagement message",
                        "error_data": {
                            "details": "Message failed to send because more than 24 hours have passed"
                        },
                    }
                ]
            payload = {
                "object": "whatsapp_business_account",
                "entry": [
                    {
                        "id": "102290129340398",
                        "changes": [
                            {
                                "field": "messages",
                                "value": {
                                    "messaging_product": "whatsapp",
                                    "metadata": {
                                        "display_phone_number": "15550001111",
                                        "phone_number_id": message["phone_number_id"],
                                    },
                                    "statuses": [item],
                                },
                            }
                        ],
                    }
                ],
            }
            body = orjson.dumps(payload)
            secret = (self.config.app_secret or "").encode()
            signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
            await self._deliver(body, signature)

    async def _deliver(self, body: bytes, signature: str) -> None:
        """Post one webhook; like Meta, retry with backoff when it fails or is not answered 2xx."""
        assert self._webhook_client is not None
        for delay in (*WEBHOOK_RETRY_DELAYS, None):
            with contextlib.suppress(httpx.HTTPError):
                response = await self._webhook_client.post(
                    str(self.config.webhook_url),
                    content=body,
                    headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature},
                )
                if response.is_success:
                    return
            if delay is None:
                return
            await asyncio.sleep(delay)

    async def wait_for(self, count: int, seconds: float) -> bool:
        async def reached() -> None:
            async with self._accepted:
                await self._accepted.wait_for(lambda: len(self.messages) >= count)

        try:
            await asyncio.wait_for(reached(), seconds)
        except TimeoutError:
            return False
        return True

    async def aclose(self) -> None:
        for task in list(self._background):
            task.cancel()
        if self._webhook_client is not None:
            await self._webhook_client.aclose()


def validate_message(body: dict[str, Any]) -> None:
    """The checks the Cloud API makes that our payloads could fail (error 131009 / 100 like Meta's)."""

    def invalid(details: str) -> GraphError:
        return GraphError(400, 131009, "(#131009) Parameter value is not valid", details)

    if not body.get("to"):
        raise invalid("to is required")
    kind = body.get("type")
    if kind == "text":
        text = (body.get("text") or {}).get("body")
        if not isinstance(text, str) or not 0 < len(text) <= MAX_TEXT:
            raise invalid(f"text.body must be 1-{MAX_TEXT} characters")
    elif kind == "interactive":
        interactive = body.get("interactive") or {}
        text = (interactive.get("body") or {}).get("text")
        if not isinstance(text, str) or not 0 < len(text) <= MAX_BODY:
            raise invalid(f"interactive.body.text must be 1-{MAX_BODY} characters")
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            buttons = action.get("buttons") or []
            if not 0 < len(buttons) <= MAX_BUTTONS:
                raise invalid(f"between 1 and {MAX_BUTTONS} buttons")
            for button in buttons:
                reply = button.get("reply") or {}
                if not 0 < len(reply.get("title") or "") <= MAX_BUTTON_TITLE or not reply.get("id"):
                    raise invalid(f"button titles must be 1-{MAX_BUTTON_TITLE} characters, with an id")
        elif interactive.get("type") == "list":
            if not 0 < len(action.get("button") or "") <= MAX_BUTTON_TITLE:
                raise invalid(f"list button must be 1-{MAX_BUTTON_TITLE} characters")
            sections = action.get("sections") or []
            rows = [row for section in sections for row in section.get("rows") or []]
            if not sections or not 0 < len(rows) <= MAX_ROWS:
                raise invalid(f"lists have 1-{MAX_ROWS} rows")
            if len(sections) > 1 and not all(section.get("title") for section in sections):
                raise invalid("sections need titles when there are several")
            for row in rows:
                if not row.get("id") or not 0 < len(row.get("title") or "") <= MAX_ROW_TITLE:
                    raise invalid(f"row titles must be 1-{MAX_ROW_TITLE} characters, with an id")
                if len(row.get("description") or "") > MAX_ROW_DESCRIPTION:
                    raise invalid(f"row descriptions must be at most {MAX_ROW_DESCRIPTION} characters")
        else:
            raise invalid("unsupported interactive type")
    elif kind == "template":
        template = body.get("template") or {}
        if not template.get("name") or not (template.get("language") or {}).get("code"):
            raise invalid("template.name and template.language.code are required")
    elif kind not in {"image", "audio", "video", "document", "sticker", "location", "reaction", "contacts"}:
        raise invalid(f"unknown message type {kind!r}")


def create_app(fake: FakeGraphApi) -> Starlette:
    async def send(request: Request) -> Response:
        return await fake.send(request)

    async def list_requests(_request: Request) -> Response:
        return JSONResponse(fake.requests)

    async def list_messages(request: Request) -> Response:
        to = request.query_params.get("to")
        try:
            after = max(0, int(request.query_params.get("after", "0")))
            wait_seconds = min(60.0, max(0.0, float(request.query_params.get("wait", "0"))))
        except ValueError:
            return JSONResponse({"error": "after must be an integer, wait a number"}, status_code=400)
        if wait_seconds and len(fake.messages) <= after:
            await fake.wait_for(after + 1, wait_seconds)
        return JSONResponse([m for m in fake.messages[after:] if to is None or m["to"] == to])

    async def wait(request: Request) -> Response:
        count = int(request.query_params.get("count", "1"))
        timeout = float(request.query_params.get("timeout", "10"))
        reached = await fake.wait_for(count, timeout)
        return JSONResponse({"reached": reached, "messages": len(fake.messages)})

    async def configure(request: Request) -> Response:
        data = orjson.loads(await request.body() or b"{}")
        for key, value in data.items():
            if not hasattr(fake.config, key):
                return JSONResponse({"error": f"unknown setting {key}"}, status_code=400)
            setattr(fake.config, key, set(value) if key == "closed_windows" else value)
        return JSONResponse({"ok": True})

    async def faults(request: Request) -> Response:
        data = orjson.loads(await request.body() or b"{}")
        fake.faults.extend(data.get("responses", []))
        return JSONResponse({"queued": len(fake.faults)})

    async def reset(_request: Request) -> Response:
        fake.reset()
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/{version}/{phone_number_id}/messages", send, methods=["POST"]),
            Route("/__fake__/requests", list_requests),
            Route("/__fake__/messages", list_messages),
            Route("/__fake__/wait", wait),
            Route("/__fake__/config", configure, methods=["POST"]),
            Route("/__fake__/faults", faults, methods=["POST"]),
            Route("/__fake__/reset", reset, methods=["POST"]),
        ],
        lifespan=_lifespan(fake),
    )


def _lifespan(fake: FakeGraphApi) -> Any:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await fake.aclose()

    return lifespan
