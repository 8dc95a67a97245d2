"""The template admin API on SQLite and PostgreSQL: roles, every route, errors that say what is wrong."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from hotel_agent.admin.schemas import AdminRole
from tests.support.admin import login, make_user
from tests.support.app import make_settings, running_app
from tests.support.templates import unique_key


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(make_settings(database_url)) as client:
        yield client


async def headers(client: httpx.AsyncClient, role: AdminRole = AdminRole.EDITOR) -> dict[str, str]:
    response = await login(client, await make_user(client, role))
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def new_template(**overrides: Any) -> dict[str, Any]:
    return {
        "key": unique_key(),
        "language": "en",
        "category": "greeting",
        "content": "Hello {{ name }}!",
        "variables": ["name"],
        "sample": {"name": "Ana"},
        **overrides,
    }


async def test_viewers_read_and_editors_write(client: httpx.AsyncClient) -> None:
    editor, viewer = await headers(client), await headers(client, AdminRole.VIEWER)
    assert (await client.get("/admin/templates")).status_code == 401
    created = await client.post("/admin/templates", json=new_template(), headers=editor)
    assert created.status_code == 201, created.text
    template_id = created.json()["id"]
    for path in ("", f"/{template_id}", f"/{template_id}/history", f"/{template_id}/diff?a=1&b=1"):
        assert (await client.get(f"/admin/templates{path}", headers=viewer)).status_code == 200
    assert (
        await client.post(f"/admin/templates/{template_id}/preview", json={}, headers=viewer)
    ).status_code == 200
    refused = await client.put(
        f"/admin/templates/{template_id}/versions", json={"content": "Hi {{ name }}"}, headers=viewer
    )
    assert refused.status_code == 403
    assert refused.json() == {
        "error": "Forbidden",
        "detail": "this action needs the 'editor' role; you are 'viewer'",
    }
    for path in (f"/{template_id}/versions/1/activate", f"/{template_id}/rollback/1"):
        assert (await client.post(f"/admin/templates{path}", headers=viewer)).status_code == 403
    assert (await client.post("/admin/templates", json=new_template(), headers=viewer)).status_code == 403


async def test_an_operator_edits_previews_activates_compares_and_rolls_back(
    client: httpx.AsyncClient,
) -> None:
    editor = await headers(client)
    created = (await client.post("/admin/templates", json=new_template(), headers=editor)).json()
    base = f"/admin/templates/{created['id']}"
    assert created["active"]["version"] == 1
    draft = await client.put(
        f"{base}/versions", json={"content": "Welcome, {{ name }}!", "note": "warmer"}, headers=editor
    )
    assert draft.status_code == 201
    assert (draft.json()["version"], draft.json()["status"], draft.json()["note"]) == (2, "draft", "warmer")
    preview = await client.post(
        f"{base}/preview", json={"version": 2, "context": {"name": "Rui"}}, headers=editor
    )
    assert preview.json()["text"] == "Welcome, Rui!"
    unsaved = await client.post(
        f"{base}/preview", json={"content": "{{ name|upper }}", "language": "pt-BR"}, headers=editor
    )
    assert (unsaved.json()["text"], unsaved.json()["language"], unsaved.json()["version"]) == (
        "ANA",
        "pt-BR",
        None,
    )
    activated = await client.post(f"{base}/versions/2/activate", headers=editor)
    assert activated.json()["status"] == "active"
    runtime = client.app.state.components.templates  # type: ignore[attr-defined]
    assert runtime.service.render(created["key"], "en", {"name": "Eva"}).text == "Welcome, Eva!"
    diff = (await client.get(f"{base}/diff", params={"a": 1, "b": 2}, headers=editor)).json()
    assert diff["word_diff"] == "[-Hello-]{+Welcome,+} {{ name }}!"
    assert "-Hello {{ name }}!\n+Welcome, {{ name }}!\n" in diff["unified"]
    rolled = await client.post(f"{base}/rollback/1", headers=editor)
    assert rolled.json()["status"] == "active"
    assert runtime.service.render(created["key"], "en", {"name": "Eva"}).text == "Hello Eva!"
    detail = (await client.get(base, headers=editor)).json()
    assert [(v["version"], v["status"]) for v in detail["versions"]] == [(2, "archived"), (1, "active")]
    history = (await client.get(f"{base}/history", headers=editor)).json()
    actions = [(event["action"], event["version"]) for event in history["events"]]
    assert actions[:3] == [("version.rolled_back", 1), ("version.activated", 2), ("version.created", 2)]
    assert {event["actor"] for event in history["events"]} == {detail["versions"][0]["created_by"]}
    assert history["versions"][0]["note"] == "warmer"


async def test_errors_say_what_is_wrong(client: httpx.AsyncClient) -> None:
    editor = await headers(client)
    created = (await client.post("/admin/templates", json=new_template(), headers=editor)).json()
    base = f"/admin/templates/{created['id']}"
    invalid = await client.put(
        f"{base}/versions", json={"content": "Hi {{ name }}\n{{ nmae }}"}, headers=editor
    )
    assert invalid.status_code == 422
    body = invalid.json()
    assert body["error"] == "TemplateInvalid"
    assert "line 2: 'nmae' is used but not declared in `variables`" in body["detail"]
    assert body["problems"][0] == {
        "kind": "unknown_variable",
        "message": "'nmae' is used but not declared in `variables`; did you mean 'name'?",
        "line": 2,
    }
    syntax = await client.put(f"{base}/versions", json={"content": "{% for x in %}"}, headers=editor)
    assert syntax.json()["problems"][0]["kind"] == "syntax"
    missing = await client.get("/admin/templates/999999999", headers=editor)
    assert missing.status_code == 404
    assert missing.json() == {
        "error": "NoSuchTemplate",
        "detail": "no template with id 999999999",
        "template_id": 999999999,
    }
    no_version = await client.post(f"{base}/versions/5/activate", headers=editor)
    assert no_version.status_code == 404
    assert no_version.json()["detail"].endswith("has no version 5; it has 1")
    refused = await client.post(f"{base}/rollback/1", headers=editor)
    assert refused.status_code == 409
    assert refused.json()["error"] == "RollbackRefused"
    duplicate = await client.post("/admin/templates", json=new_template(key=created["key"]), headers=editor)
    assert duplicate.status_code == 409
    assert f"PUT /admin/templates/{created['id']}/versions" in duplicate.json()["detail"]
    bad_language = await client.post(
        "/admin/templates", json=new_template(language="english"), headers=editor
    )
    assert bad_language.status_code == 422
    assert "'english' is not a language tag" in bad_language.json()["detail"]
    bad_variant = await client.put(
        f"{base}/versions", json={"content": "x", "variant": "A B"}, headers=editor
    )
    assert bad_variant.status_code == 422
    cannot_render = await client.post(f"{base}/preview", json={"context": {}}, headers=editor)
    assert cannot_render.status_code == 422
    assert "undefined variable" in cannot_render.json()["detail"]


async def test_the_list_filters_and_shows_missing_translations(client: httpx.AsyncClient) -> None:
    editor = await headers(client)
    created = (
        await client.post("/admin/templates", json=new_template(category="info"), headers=editor)
    ).json()
    await client.post(
        "/admin/templates",
        json={"key": created["key"], "language": "pt", "category": "info", "content": "Olá {{ name }}!"},
        headers=editor,
    )
    listed = (await client.get("/admin/templates", params={"text": created["key"]}, headers=editor)).json()
    assert [(item["language"], item["missing_languages"]) for item in listed["items"]] == [
        ("en", ["es"]),
        ("pt", ["es"]),
    ]
    missing = await client.get(
        "/admin/templates", params={"missing_in": "es", "category": "info"}, headers=editor
    )
    assert created["key"] in {item["key"] for item in missing.json()["items"]}
    spanish = await client.get(
        "/admin/templates", params={"language": "es", "text": created["key"]}, headers=editor
    )
    assert spanish.json() == {"items": [], "count": 0}
    # The shipped catalog is complete in every language.
    shipped = await client.get(
        "/admin/templates", params={"missing_in": "any", "text": "availability."}, headers=editor
    )
    assert shipped.json()["count"] == 0


async def test_concurrent_saves_never_share_a_version_number(client: httpx.AsyncClient) -> None:
    editor = await headers(client)
    created = (await client.post("/admin/templates", json=new_template(), headers=editor)).json()
    saves = 12
    responses = await asyncio.gather(
        *(
            client.put(
                f"/admin/templates/{created['id']}/versions",
                json={
                    "content": f"Version {n} for {{{{ name }}}}",
                    "status": "active" if n % 3 == 0 else "draft",
                },
                headers=editor,
            )
            for n in range(saves)
        )
    )
    assert [response.status_code for response in responses] == [201] * saves, [r.text for r in responses]
    numbers = sorted(response.json()["version"] for response in responses)
    assert numbers == list(range(2, saves + 2))
    detail = (await client.get(f"/admin/templates/{created['id']}", headers=editor)).json()
    assert [v["status"] for v in detail["versions"]].count("active") == 1


async def test_a_failed_commit_is_an_error_and_nothing_is_announced(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = await headers(client)
    created = (await client.post("/admin/templates", json=new_template(), headers=editor)).json()
    runtime = client.app.state.components.templates  # type: ignore[attr-defined]
    announced: list[set[int]] = []

    async def failing_commit(self: AsyncSession) -> None:
        raise RuntimeError("disk full")

    async def record(changes: set[int]) -> None:
        announced.append(set(changes))

    monkeypatch.setattr(runtime.sync, "announce", record)
    monkeypatch.setattr(AsyncSession, "commit", failing_commit)
    response = await client.put(
        f"/admin/templates/{created['id']}/versions",
        json={"content": "Lost {{ name }}", "status": "active"},
        headers=editor,
    )
    monkeypatch.undo()
    assert response.status_code == 500
    assert announced == []
    detail = (await client.get(f"/admin/templates/{created['id']}", headers=editor)).json()
    assert [v["version"] for v in detail["versions"]] == [1]
