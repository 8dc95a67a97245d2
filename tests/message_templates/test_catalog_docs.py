"""docs/templates.md lists every key the flows use, in every language (plan D.1's audit, kept current)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotel_agent.message_templates import TemplateEntry, YamlTemplateSource
from hotel_agent.message_templates.catalog_docs import (
    channel_usage,
    documented_keys,
    flow_name,
    keys_in_source,
    render_document,
    template_usage,
)
from hotel_agent.message_templates.commands import DEFAULT_DOC
from hotel_agent.message_templates.source import InMemoryTemplateSource

FIX = "run `uv run hotel-agent templates docs` and add the missing translations to the catalog"


@pytest.fixture(scope="module")
def documented() -> dict[str, list[str]]:
    return documented_keys(DEFAULT_DOC.read_text(encoding="utf-8"))


def test_every_key_a_flow_uses_is_documented(documented: dict[str, list[str]]) -> None:
    undocumented = {key: sorted(flows) for key, flows in template_usage().items() if key not in documented}
    assert undocumented == {}, f"flows use keys docs/templates.md does not list: {FIX}"


def test_every_documented_key_exists_in_every_language(documented: dict[str, list[str]]) -> None:
    languages = sorted(YamlTemplateSource().languages())
    lacking = {key: found for key, found in documented.items() if sorted(found) != languages}
    assert lacking == {}, f"keys lacking a language (expected {languages}): {FIX}"
    catalog = YamlTemplateSource()
    missing = [
        f"{key} ({language})"
        for key in documented
        for language in languages
        if catalog.get(key, language) is None
    ]
    assert missing == [], f"the document lists translations the catalog does not have: {FIX}"


def test_the_scanner_finds_keys_in_calls_but_not_in_logs() -> None:
    source = """
import structlog
log = structlog.get_logger("hotel_agent.conversation")

def flow(turn, other):
    log.info("conversation.turn", key="not.a.use")
    turn.replies.say("greeting.welcome", hotel=other)
    turn.replies.offer_choices("availability.success", [], button_key="availability.list_button")
    value = "booking.summary"  # not passed to a call: not counted
    turn.replies.say(f"info.{value}")
"""
    assert keys_in_source(source) == {"greeting.welcome", "availability.success", "availability.list_button"}


def test_the_document_reports_gaps(tmp_path: Path) -> None:
    source = InMemoryTemplateSource(
        [
            TemplateEntry("a.one", "en", "x", "alpha", variables=("n",)),
            TemplateEntry("a.one", "es", "x", "alpha"),
            TemplateEntry("b.two", "es", "y", "beta"),
        ]
    )
    document = render_document(source, {"a.one": {"booking"}, "c.three": {"engine"}})
    assert "| `a.one` | alpha | `n` | en, es | booking |" in document
    assert "| `b.two` | beta | — | es | — |" in document
    assert "- `b.two`: no en" in document
    assert "- `c.three` (engine)" in document
    assert documented_keys(document) == {"a.one": ["en", "es"], "b.two": ["es"]}


def test_flow_names_and_channels(tmp_path: Path) -> None:
    root = tmp_path / "conversation"
    assert flow_name(root / "flows" / "new_booking.py", root) == "new_booking"
    assert flow_name(root / "engine.py", root) == "engine"
    channel = tmp_path / "channels" / "sms"
    channel.mkdir(parents=True)
    (channel / "inbound.py").write_text('REPLIES = {"image": "sms.no_media", "x": "metric.name"}\n')
    assert channel_usage({"sms.no_media"}, tmp_path / "channels") == {"sms.no_media": {"sms (channel)"}}
    assert channel_usage({"sms.no_media"}, tmp_path / "missing") == {}
