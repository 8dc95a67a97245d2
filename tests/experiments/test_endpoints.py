"""The experiments admin API on SQLite and PostgreSQL: roles, lifecycle, validation, results, promotion."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from hotel_agent.admin.schemas import AdminRole
from tests.support.app import make_settings, running_app
from tests.support.experiments import experiment_body, headers, own_template


@pytest.fixture
async def client(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(make_settings(database_url)) as client:
        yield client


async def test_viewers_read_editors_write_admins_delete(client: httpx.AsyncClient) -> None:
    editor, viewer = await headers(client), await headers(client, AdminRole.VIEWER)
    admin = await headers(client, AdminRole.ADMIN)
    template_key = await own_template(client, editor)
    body = experiment_body(template_key)
    assert (await client.get("/admin/experiments")).status_code == 401
    assert (await client.post("/admin/experiments", json=body, headers=viewer)).status_code == 403
    created = await client.post("/admin/experiments", json=body, headers=editor)
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    for path in ("", f"/{key}", f"/{key}/results", f"/{key}/history"):
        assert (await client.get(f"/admin/experiments{path}", headers=viewer)).status_code == 200, path
    assert (await client.post(f"/admin/experiments/{key}/start", headers=viewer)).status_code == 403
    assert (await client.delete(f"/admin/experiments/{key}", headers=editor)).status_code == 403
    assert (await client.delete(f"/admin/experiments/{key}", headers=admin)).status_code == 204
    assert (await client.get(f"/admin/experiments/{key}", headers=viewer)).status_code == 404
    history = await client.get(f"/admin/experiments/{key}/history", headers=viewer)
    assert [e["action"] for e in history.json()["events"]] == ["deleted", "created"]


async def test_lifecycle_is_audited_and_checked(client: httpx.AsyncClient) -> None:
    editor = await headers(client)
    template_key = await own_template(client, editor)
    created = (
        await client.post("/admin/experiments", json=experiment_body(template_key), headers=editor)
    ).json()
    key = created["key"]
    assert created["status"] == "draft"
    assert created["seed"] == key
    assert created["phase"] == 1
    assert created["languages"] == ["en", "es", "pt"]
    variants = {v["name"]: v["languages"] for v in created["variants"]}
    assert variants == {"control": ["en", "es", "pt"], "variant_a": ["en", "es"]}
    assert any("variant_a" in w and "pt" in w for w in created["warnings"])

    started = await client.post(f"/admin/experiments/{key}/start", headers=editor)
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "running"
    assert started.json()["started_at"]
    assert (await client.post(f"/admin/experiments/{key}/start", headers=editor)).status_code == 409
    # A second running test of the same reply would be ambiguous.
    other = (
        await client.post("/admin/experiments", json=experiment_body(template_key), headers=editor)
    ).json()
    clash = await client.post(f"/admin/experiments/{other['key']}/start", headers=editor)
    assert clash.status_code == 409
    assert key in clash.json()["detail"]
    assert (
        await client.delete(f"/admin/experiments/{key}", headers=await headers(client, AdminRole.ADMIN))
    ).status_code == 409

    reweighted = await client.patch(
        f"/admin/experiments/{key}", json={"weights": {"control": 0.2, "variant_a": 0.8}}, headers=editor
    )
    assert reweighted.status_code == 200, reweighted.text
    assert [v["weight"] for v in reweighted.json()["variants"]] == [0.2, 0.8]
    phase = await client.patch(f"/admin/experiments/{key}", json={"new_phase": True}, headers=editor)
    assert phase.json()["phase"] == 2

    assert (await client.post(f"/admin/experiments/{key}/pause", headers=editor)).json()["status"] == "paused"
    assert (await client.post(f"/admin/experiments/{key}/pause", headers=editor)).status_code == 409
    assert (await client.post(f"/admin/experiments/{key}/start", headers=editor)).json()[
        "status"
    ] == "running"
    stopped = await client.post(f"/admin/experiments/{key}/stop", headers=editor)
    assert stopped.json()["status"] == "stopped"
    assert stopped.json()["stopped_at"]
    assert (await client.post(f"/admin/experiments/{key}/start", headers=editor)).status_code == 409
    assert (
        await client.patch(f"/admin/experiments/{key}", json={"coverage": 0.5}, headers=editor)
    ).status_code == 409

    history = (await client.get(f"/admin/experiments/{key}/history", headers=editor)).json()["events"]
    assert [e["action"] for e in history] == [
        "stopped",
        "started",
        "paused",
        "updated",
        "updated",
        "started",
        "created",
    ]
    assert history[4]["details"]["weights"] == {
        "from": {"control": 0.5, "variant_a": 0.5},
        "to": {"control": 0.2, "variant_a": 0.8},
    }
    assert all(e["actor"].startswith("op-") for e in history)


@pytest.mark.parametrize(
    ("change", "status", "says"),
    [
        (
            {"variants": [{"name": "control", "weight": 0.5}, {"name": "variant_a", "weight": 0.4}]},
            422,
            "sum to 1",
        ),
        (
            {"variants": [{"name": "variant_a", "weight": 0.5}, {"name": "control", "weight": 0.5}]},
            422,
            "first",
        ),
        (
            {"variants": [{"name": "control", "weight": 0.5}, {"name": "control", "weight": 0.5}]},
            422,
            "unique",
        ),
        ({"variants": [{"name": "control", "weight": 1.0}]}, 422, "at least 2"),
        ({"coverage": 0}, 422, "greater than 0"),
        ({"coverage": 1.5}, 422, "less than or equal to 1"),
        ({"template_key": "no.such.key"}, 422, "no reply template"),
        ({"languages": ["fr"]}, 422, "no text in fr"),
        ({"key": "Bad Key!"}, 422, "pattern"),
    ],
)
async def test_invalid_definitions_are_refused_with_the_reason(
    client: httpx.AsyncClient, change: dict[str, object], status: int, says: str
) -> None:
    editor = await headers(client)
    body = {**experiment_body(await own_template(client, editor)), **change}
    response = await client.post("/admin/experiments", json=body, headers=editor)
    assert response.status_code == status, response.text
    assert says in response.text


async def test_a_variant_text_is_validated_like_any_version(client: httpx.AsyncClient) -> None:
    editor = await headers(client)
    body = experiment_body(await own_template(client, editor))
    body["variants"][1]["texts"] = {"en": "Hi {{ nme }}!"}
    response = await client.post("/admin/experiments", json=body, headers=editor)
    assert response.status_code == 422
    assert response.json()["error"] == "TemplateInvalid"
    assert "nme" in response.text
    # Nothing was stored: the key is still free.
    assert (await client.get(f"/admin/experiments/{body['key']}", headers=editor)).status_code == 404
    body["variants"][1]["texts"] = {"en": "Hi {% if %}"}
    assert (await client.post("/admin/experiments", json=body, headers=editor)).status_code == 422


async def test_a_variant_without_any_text_cannot_start(client: httpx.AsyncClient) -> None:
    editor = await headers(client)
    body = experiment_body(await own_template(client, editor))
    body["variants"][1].pop("texts")
    key = (await client.post("/admin/experiments", json=body, headers=editor)).json()["key"]
    response = await client.post(f"/admin/experiments/{key}/start", headers=editor)
    assert response.status_code == 422
    assert "no live text" in response.text


async def test_bounded_parameters(client: httpx.AsyncClient) -> None:
    editor = await headers(client)
    assert (await client.get("/admin/experiments?limit=0", headers=editor)).status_code == 422
    assert (await client.get("/admin/experiments?limit=501", headers=editor)).status_code == 422
    assert (await client.get("/admin/experiments?status=nope", headers=editor)).status_code == 422
    assert (await client.get("/admin/experiments/" + "x" * 65, headers=editor)).status_code == 422
    assert (await client.get("/admin/experiments/no-such", headers=editor)).status_code == 404


async def test_promote_makes_the_variant_the_live_default_in_one_audited_action(
    client: httpx.AsyncClient,
) -> None:
    editor = await headers(client)
    template_key = await own_template(client, editor)
    key = (
        await client.post("/admin/experiments", json=experiment_body(template_key), headers=editor)
    ).json()["key"]
    await client.post(f"/admin/experiments/{key}/start", headers=editor)
    # No winner called without data: the operator must name the variant.
    refused = await client.post(f"/admin/experiments/{key}/promote", json={}, headers=editor)
    assert refused.status_code == 409
    assert "not enough data" in refused.text
    promoted = await client.post(
        f"/admin/experiments/{key}/promote",
        json={"variant": "variant_a", "note": "clear win"},
        headers=editor,
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["status"] == "stopped"
    assert promoted.json()["winner"] == "variant_a"
    listed = (await client.get(f"/admin/templates?text={template_key}", headers=editor)).json()["items"]
    live = {item["language"]: item["content"] for item in listed}
    assert live == {
        "en": "Hi {{ name }}, lovely to hear from you!",
        "es": "¡Hola {{ name }}, qué alegría!",
        "pt": "Olá {{ name }}!",  # the variant had no Portuguese text: the default stays
    }
    # The guest-facing renderer serves the promoted text right away.
    renderer = client.app.state.components.conversation.templates  # type: ignore[attr-defined]
    assert renderer.render(template_key, "en", {"name": "Ana"}).text == "Hi Ana, lovely to hear from you!"
    history = (await client.get(f"/admin/experiments/{key}/history", headers=editor)).json()["events"]
    assert history[0]["action"] == "promoted"
    assert history[0]["details"]["variant"] == "variant_a"
    assert set(history[0]["details"]["versions"]) == {
        "en",
        "es",
    }
    en_id = next(item["id"] for item in listed if item["language"] == "en")
    trail = (await client.get(f"/admin/templates/{en_id}/history", headers=editor)).json()
    assert any("promoted from experiment" in (v["note"] or "") for v in trail["versions"])
    again = await client.post(
        f"/admin/experiments/{key}/promote", json={"variant": "variant_a"}, headers=editor
    )
    assert again.status_code == 409
