"""Driving the WhatsApp channel as Meta would: signed webhooks, test guests, what the fake Graph API got."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from tools.fake_graph_api.server import RunningFake

from hotel_agent.channels.whatsapp.simulation import signed_request, webhook
from hotel_agent.config import DEV_WHATSAPP_PHONE_NUMBER_ID, Settings
from tests.support.app import make_settings

APP_SECRET = "dev-whatsapp-app-secret"


PHONE_NUMBER_ID = DEV_WHATSAPP_PHONE_NUMBER_ID


def new_guest() -> str:
    return "346" + str(random.randint(10_000_000, 99_999_999))  # a valid Spanish mobile: bookings need one


def wa_settings(database_url: str, fake_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "whatsapp_api_base_url": fake_url,
        "whatsapp_retry_base_seconds": 0.05,
        "whatsapp_reconcile_seconds": 0.5,
        "whatsapp_send_retries": 2,
        "queue_sweep_seconds": 0.2,
        "queue_stalled_seconds": 2.0,
        "queue_heartbeat_seconds": 0.5,
    }
    values.update(overrides)
    return make_settings(database_url, **values)


async def post_webhook(
    client: httpx.AsyncClient,
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
) -> httpx.Response:
    body, headers = signed_request(webhook(phone_number_id, messages=messages, statuses=statuses), APP_SECRET)
    return await client.post("/webhooks/whatsapp", content=body, headers=headers)


async def wait_until(check: Callable[[], Awaitable[Any]], within: float = 15.0, every: float = 0.05) -> Any:
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within}s (last: {result!r})")
        await asyncio.sleep(every)


def sent_to(fake: RunningFake, wa_id: str) -> list[dict[str, Any]]:
    return [message for message in list(fake.fake.messages) if message["to"] == wa_id]
