"""The inbox: a handed-off WhatsApp conversation, its transcript, a staff reply through the fake Graph API
(text inside the 24-hour window, the approved template outside it), release to the bot."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import pytest
from tools.fake_graph_api.server import RunningFake

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.channels.whatsapp.simulation import message_payload
from hotel_agent.config import WhatsAppTemplateRef
from tests.support.admin_ui import UI, sign_in
from tests.support.app import running_app
from tests.support.whatsapp import (
    PHONE_NUMBER_ID,
    new_guest,
    post_webhook,
    sent_to,
    wa_settings,
    wait_until,
)

TEMPLATES = {
    "*": WhatsAppTemplateRef(
        name="staff_followup", languages={"en": "en_US", "es": "es"}, body_parameters=["text"]
    )
}


@pytest.fixture
async def client(database_url: str, fake: RunningFake) -> AsyncIterator[httpx.AsyncClient]:
    settings = wa_settings(database_url, fake.url, whatsapp_templates=TEMPLATES)
    async with running_app(settings) as app_client:
        yield app_client


async def _handed_off(
    client: httpx.AsyncClient, fake: RunningFake, text: str, *, age_seconds: int = 5
) -> str:
    """A guest who asked for a person, and whose handoff message the bot has sent."""
    guest = new_guest()
    ask = message_payload(wa_id=guest, text=text, timestamp=int(time.time()) - age_seconds)
    assert (await post_webhook(client, messages=[ask])).status_code == 200
    handoffs = client.app.state.components.conversation.handoffs  # type: ignore[attr-defined]

    async def opened() -> bool:
        return any(item.conversation_id.endswith(guest) for item in await handoffs.list_open())

    await wait_until(opened)

    async def answered() -> bool:
        return bool(sent_to(fake, guest))

    await wait_until(answered)
    return guest


def _page(guest: str) -> str:
    return f"{UI}/inbox/conversation?id={quote(f'wa:{PHONE_NUMBER_ID}:{guest}')}"


async def test_take_over_reply_inside_the_window_and_release(
    client: httpx.AsyncClient, fake: RunningFake
) -> None:
    guest = await _handed_off(client, fake, "I want to talk to a person <script>alert(1)</script>")
    operator = await sign_in(client)
    inbox = await client.get(f"{UI}/inbox")
    assert f"wa:{PHONE_NUMBER_ID}:{guest}" in inbox.text
    assert "<script>alert(1)" not in inbox.text
    assert "&lt;script&gt;" in inbox.text
    assert 'data-poll="/admin/ui/inbox"' in inbox.text
    page = await client.get(_page(guest))
    assert "I want to talk to a person" in page.text
    assert "goes out as a normal WhatsApp text" in page.text
    bot_lines = re.findall(r'<li class="bubble bot">', page.text)
    assert bot_lines, "the bot's handoff reply is in the transcript"
    before = len(sent_to(fake, guest))
    sent = await client.post(
        f"{UI}/inbox/reply",
        data={
            "csrf_token": operator.csrf,
            "conversation_id": f"wa:{PHONE_NUMBER_ID}:{guest}",
            "text": "Hi, Rita here!",
        },
    )
    assert sent.status_code == 303
    assert "sent=accepted" in sent.headers["location"]
    received = sent_to(fake, guest)[before:]
    assert [(m["type"], m["body"]["text"]["body"]) for m in received] == [("text", "Hi, Rita here!")]
    after = await client.get(sent.headers["location"])
    assert "Sent: WhatsApp accepted the reply." in after.text
    assert '<li class="bubble staff">' in after.text
    released = await client.post(
        f"{UI}/inbox/release",
        data={"csrf_token": operator.csrf, "conversation_id": f"wa:{PHONE_NUMBER_ID}:{guest}"},
    )
    assert released.status_code == 303
    assert guest not in (await client.get(f"{UI}/inbox")).text


async def test_outside_the_window_only_the_approved_template_goes(
    client: httpx.AsyncClient, fake: RunningFake
) -> None:
    guest = await _handed_off(client, fake, "quiero hablar con una persona", age_seconds=2 * 24 * 3600)
    operator = await sign_in(client)
    page = await client.get(_page(guest))
    assert "window is closed" in page.text
    assert "staff_followup" in page.text
    before = len(sent_to(fake, guest))
    sent = await client.post(
        f"{UI}/inbox/reply",
        data={
            "csrf_token": operator.csrf,
            "conversation_id": f"wa:{PHONE_NUMBER_ID}:{guest}",
            "text": "Hola,\nsoy Rita",
        },
    )
    assert "sent=accepted" in sent.headers["location"]
    [message] = sent_to(fake, guest)[before:]
    assert message["type"] == "template"
    template = message["body"]["template"]
    assert template["name"] == "staff_followup"
    assert template["components"][0]["parameters"][0]["text"] == "Hola, soy Rita"


async def test_a_viewer_reads_but_cannot_reply_or_release(
    client: httpx.AsyncClient, fake: RunningFake
) -> None:
    guest = await _handed_off(client, fake, "I want to talk to a person")
    viewer = await sign_in(client, AdminRole.VIEWER)
    page = await client.get(_page(guest))
    assert page.status_code == 200
    assert "Release to the bot" not in page.text
    refused = await client.post(
        f"{UI}/inbox/reply",
        data={"csrf_token": viewer.csrf, "conversation_id": f"wa:{PHONE_NUMBER_ID}:{guest}", "text": "x"},
    )
    assert refused.status_code == 403
