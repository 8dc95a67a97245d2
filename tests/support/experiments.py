"""Small builders for experiment tests: an admin client, a reply template of its own, an experiment."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from hotel_agent.admin.schemas import AdminRole
from tests.support.admin import login, make_user
from tests.support.templates import unique_key


async def headers(client: httpx.AsyncClient, role: AdminRole = AdminRole.EDITOR) -> dict[str, str]:
    response = await login(client, await make_user(client, role))
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def own_template(
    client: httpx.AsyncClient, editor: dict[str, str], texts: dict[str, str] | None = None
) -> str:
    """A template key no other test renders, with a text in each language given."""
    key = unique_key("exp")
    texts = texts or {"en": "Hello {{ name }}!", "es": "¡Hola {{ name }}!", "pt": "Olá {{ name }}!"}
    for language, content in texts.items():
        response = await client.post(
            "/admin/templates",
            json={
                "key": key,
                "language": language,
                "category": "greeting",
                "content": content,
                "variables": ["name"],
                "sample": {"name": "Ana"},
                "status": "active",
            },
            headers=editor,
        )
        assert response.status_code == 201, response.text
    return key


def experiment_body(template_key: str, **overrides: Any) -> dict[str, Any]:
    return {
        "key": f"exp-{uuid.uuid4().hex[:10]}",
        "name": "Warmer greeting",
        "hypothesis": "A warmer greeting leads to more bookings",
        "template_key": template_key,
        "variants": [
            {"name": "control", "weight": 0.5},
            {
                "name": "variant_a",
                "weight": 0.5,
                "texts": {
                    "en": "Hi {{ name }}, lovely to hear from you!",
                    "es": "¡Hola {{ name }}, qué alegría!",
                },
            },
        ],
        **overrides,
    }
