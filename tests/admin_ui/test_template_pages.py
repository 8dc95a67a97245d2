"""Template pages: list with filters and fallback marks, create with inline errors, edit with preview,
activate (a guest reads it at once), history with diff, rollback with confirmation, roles, escaping."""

from __future__ import annotations

import re
import uuid

import httpx

from hotel_agent.admin.schemas import AdminRole
from tests.support.admin_ui import UI, sign_in


def _template_id(client_location: str) -> int:
    match = re.search(r"/templates/(\d+)", client_location)
    assert match is not None
    return int(match.group(1))


async def _create(client: httpx.AsyncClient, csrf: str, **fields: str) -> httpx.Response:
    data = {
        "csrf_token": csrf,
        "key": f"ui.test_{uuid.uuid4().hex[:8]}",
        "language": "en",
        "category": "greeting",
        "variables": "name, nights",
        "sample": '{"name": "Ana", "nights": 2}',
        "content": "Hello {{ name }}, {{ nights }} nights",
        "action": "activate",
    }
    data.update(fields)
    return await client.post(f"{UI}/templates/new", data=data)


async def test_create_reports_an_unknown_variable_inline_with_a_suggestion(client: httpx.AsyncClient) -> None:
    operator = await sign_in(client)
    response = await _create(client, operator.csrf, content="Hello {{ name }},\n{{ nigths }} nights")
    assert response.status_code == 422
    assert "line 2:" in response.text
    assert "did you mean &#39;nights&#39;?" in response.text
    syntax = await _create(client, operator.csrf, content="Hello {% if name %}")
    assert syntax.status_code == 422
    assert "syntax" in syntax.text
    too_long = await _create(client, operator.csrf, content="x" * 30, max_length="20")
    assert too_long.status_code == 422
    assert "over the limit of 20" in too_long.text


async def test_create_preview_activate_and_a_guest_reads_it_at_once(client: httpx.AsyncClient) -> None:
    operator = await sign_in(client)
    preview = await client.post(
        f"{UI}/templates/new/preview",
        data={
            "csrf_token": operator.csrf,
            "key": "ui.preview",
            "language": "en",
            "category": "greeting",
            "variables": "name",
            "sample": '{"name": "Ana"}',
            "content": "Hi {{ name }} 👋\nSee you",
        },
    )
    assert preview.status_code == 200
    assert "Hi Ana 👋\nSee you" in preview.text
    assert "characters as a text message" in preview.text

    listing = await client.get(f"{UI}/templates?text=greeting.welcome")
    match = re.search(r'href="/admin/ui/templates/(\d+)" data-edit="greeting.welcome/en"', listing.text)
    assert match is not None, listing.text[:2000]
    template_id = int(match.group(1))
    edit = await client.get(f"{UI}/templates/{template_id}")
    assert "Hello! Welcome to Hotel Miradouro Lisboa." in edit.text  # the sample, rendered
    text = (
        "{% if returning %}Welcome back!{% else %}Olá and welcome to {{ hotel_name }}!{% endif %}"
        " How can I help?"
    )
    tried = await client.post(
        f"{UI}/templates/{template_id}/preview",
        data={
            "csrf_token": operator.csrf,
            "content": text,
            "ctx.hotel_name": "Casa <b>Azul</b>",
            "ctx.returning": "false",
        },
    )
    assert "Olá and welcome to Casa &lt;b&gt;Azul&lt;/b&gt;! How can I help?" in tried.text  # escaped
    saved = await client.post(
        f"{UI}/templates/{template_id}",
        data={"csrf_token": operator.csrf, "content": text, "note": "warmer", "action": "activate"},
    )
    assert saved.status_code == 303
    reply = await client.post(
        "/api/v1/messages", json={"conversation_id": f"ui-{uuid.uuid4().hex}", "text": "hello"}
    )
    assert "Olá and welcome to Hotel Miradouro Lisboa! How can I help?" in reply.text

    history = await client.get(f"{UI}/templates/{template_id}/history")
    assert history.status_code == 200
    assert "warmer" in history.text
    assert "<ins>" in history.text
    assert "<del>" in history.text
    assert 'class="diff"' in history.text
    previous = re.search(r'href="/admin/ui/templates/\d+/rollback/(\d+)"', history.text)
    assert previous is not None
    version = previous.group(1)
    confirm = await client.get(f"{UI}/templates/{template_id}/rollback/{version}")
    assert f"Yes, roll back to v{version}" in confirm.text
    rolled = await client.post(
        f"{UI}/templates/{template_id}/rollback/{version}", data={"csrf_token": operator.csrf}
    )
    assert rolled.status_code == 303
    again = await client.post(
        "/api/v1/messages", json={"conversation_id": f"ui-{uuid.uuid4().hex}", "text": "hello"}
    )
    assert "Welcome to Hotel Miradouro Lisboa" in again.text


async def test_a_viewer_sees_but_cannot_edit(client: httpx.AsyncClient) -> None:
    viewer = await sign_in(client, AdminRole.VIEWER)
    listing = await client.get(f"{UI}/templates")
    assert "New template" not in listing.text
    refused = await client.get(f"{UI}/templates/new")
    assert refused.status_code == 403
    assert "needs the &#39;editor&#39; role" in refused.text
    posted = await _create(client, viewer.csrf)
    assert posted.status_code == 403


async def test_forms_without_the_session_token_are_refused(client: httpx.AsyncClient) -> None:
    await sign_in(client)
    response = await _create(client, "not-the-token")
    assert response.status_code == 403
    assert "security token" in response.text


async def test_template_text_is_shown_as_text_never_run(client: httpx.AsyncClient) -> None:
    operator = await sign_in(client)
    attack = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    created = await _create(
        client,
        operator.csrf,
        content=attack + " {{ name }}",
        sample='{"name": "<svg/onload=alert(3)>", "nights": 1}',
    )
    assert created.status_code == 303, created.text
    template_id = _template_id(created.headers["location"])
    page = await client.get(f"{UI}/templates/{template_id}")
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<svg/onload" not in page.text
    listing = await client.get(f"{UI}/templates?missing=any&category=greeting")
    assert "<script>alert(1)" not in listing.text
    assert "missing: falls back to en" in listing.text


async def test_list_filters(client: httpx.AsyncClient) -> None:
    await sign_in(client, AdminRole.VIEWER)
    everything = await client.get(f"{UI}/templates")
    info = await client.get(f"{UI}/templates?category=info")
    assert "info.address" in info.text
    assert "greeting.welcome" not in info.text
    spanish = await client.get(f"{UI}/templates?language=es&text=welcome")
    assert "greeting.welcome" in spanish.text
    assert '<th scope="col">pt</th>' not in spanish.text
    recent = await client.get(f"{UI}/templates?changed_days=1")
    assert recent.status_code == 200
    assert everything.text.count("<tr>") >= info.text.count("<tr>")


async def test_the_list_shows_fifty_keys_a_page_and_keeps_the_filters_in_its_links(
    client: httpx.AsyncClient,
) -> None:
    await sign_in(client, AdminRole.VIEWER)
    first = await client.get(f"{UI}/templates?category=&language=en")
    assert first.status_code == 200
    assert first.text.count('<th scope="row">') == 50
    assert "Page 1 of" in first.text
    next_link = re.search(r'href="(/admin/ui/templates\?[^"]*page=2)" rel="next"', first.text)
    assert next_link is not None
    assert "language=en" in next_link.group(1)
    second = await client.get(next_link.group(1).replace("&amp;", "&"))
    assert "Page 2 of" in second.text
    assert 'rel="prev"' in second.text
    assert set(re.findall(r'data-edit="([^"]+)"', first.text)).isdisjoint(
        re.findall(r'data-edit="([^"]+)"', second.text)
    )
    # A page past the end shows the last one; a filter that fits one page shows no pager.
    assert "Page 2 of 2" in (await client.get(f"{UI}/templates?page=99")).text
    assert "Page 1 of" not in (await client.get(f"{UI}/templates?text=greeting.welcome")).text
