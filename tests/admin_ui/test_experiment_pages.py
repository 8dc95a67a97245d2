"""A/B test pages: create (variant text validated), start, results after traffic, promote; viewers read."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import httpx

from hotel_agent.admin.schemas import AdminRole
from tests.support.admin_ui import UI, sign_in


async def test_create_start_results_and_promote(client: httpx.AsyncClient) -> None:
    editor = await sign_in(client)
    key = f"welcome-{uuid.uuid4().hex[:6]}"
    form = {
        "csrf_token": editor.csrf,
        "key": key,
        "name": "Warmer welcome <i>test</i>",
        "template_key": "greeting.welcome",
        "languages": "en",
        "coverage": "1",
        "goal_days": "7",
        "variant_name": "variant_a",
        "variant_weight": "0.5",
        "text.en": "Hi {{ hotel_nam }}!",
    }
    invalid = await client.post(f"{UI}/templates/ab-tests", data=form)
    assert invalid.status_code == 422
    assert "hotel_nam" in invalid.text
    form["text.en"] = "Hi there, welcome to {{ hotel_name }}! What can I do for you?"
    created = await client.post(f"{UI}/templates/ab-tests", data=form)
    assert created.status_code == 303, created.text
    page = f"{UI}/templates/ab-tests/{key}"
    assert (await client.post(f"{page}/start", data={"csrf_token": editor.csrf})).status_code == 303
    listing = await client.get(f"{UI}/templates/ab-tests")
    assert "Warmer welcome &lt;i&gt;test&lt;/i&gt;" in listing.text
    assert "running" in listing.text
    texts = set()
    for _ in range(12):
        reply = await client.post(
            "/api/v1/messages", json={"conversation_id": f"ab-{uuid.uuid4().hex}", "text": "hello"}
        )
        texts.add(reply.json()["replies"][0]["text"][:20])
    await client.app.state.components.experiments.flush()  # type: ignore[attr-defined]
    results = await client.get(page)
    assert results.status_code == 200
    assert "<svg" in results.text
    # Exposures over time: a line per variant and the same numbers as a table (today, UTC).
    assert "Exposures over time" in results.text
    assert results.text.count("<polyline") == 2
    today = datetime.now(UTC).date().isoformat()
    assert re.search(
        rf'<th scope="row">{today}</th>\s*<td data-label="control">\d+ \(total \d+\)', results.text
    )
    assert "Chance to beat control" in results.text
    assert "variant_a" in results.text
    promoted = await client.post(f"{page}/promote", data={"csrf_token": editor.csrf, "variant": "variant_a"})
    assert promoted.status_code == 303, promoted.text
    after = await client.post(
        "/api/v1/messages", json={"conversation_id": f"ab-{uuid.uuid4().hex}", "text": "hello"}
    )
    assert "What can I do for you?" in after.text
    log = await client.get(f"{UI}/audit?area=experiments")
    assert "experiment.created" in log.text
    assert "experiment.promoted" in log.text
    assert key in log.text
    viewer_client = client
    viewer = await sign_in(viewer_client, AdminRole.VIEWER)
    refused = await client.post(f"{page}/stop", data={"csrf_token": viewer.csrf})
    assert refused.status_code == 403
