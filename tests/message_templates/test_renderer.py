"""TemplateRenderer: rendering from the catalog, language fallback, errors, caching and render events."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from prometheus_client import REGISTRY

from hotel_agent.errors import HotelAgentError
from hotel_agent.message_templates import (
    InMemoryTemplateSource,
    RenderedMessage,
    RenderEvent,
    TemplateCatalogError,
    TemplateEntry,
    TemplateNotFoundError,
    TemplateRenderer,
    TemplateRenderError,
    YamlTemplateSource,
)
from tests.support.templates import LogRecorder, make_service

OFFERS: dict[str, Any] = {
    "nights": 2,
    "checkin": dt.date(2027, 1, 15),
    "checkout": dt.date(2027, 1, 17),
    "offers": [
        {"name": "Doble", "per_night": 110, "total": 220},
        {"name": "Suite", "per_night": 250.5, "total": 501},
    ],
}


def missing_count(key: str, language: str) -> float:
    value = REGISTRY.get_sample_value(
        "hotel_agent_template_missing_total", {"key": key, "language": language}
    )
    return value or 0.0


def test_renders_a_multi_line_template_cleanly(service: TemplateRenderer) -> None:
    message = service.render("availability.success", "es", OFFERS)
    assert message == RenderedMessage(
        key="availability.success",
        language="es",
        text=(
            "Tenemos 2 opciones del viernes 15 de enero al 17 de enero (2 noches):\n"
            "1. Doble — 110,00\xa0€/noche, 220\xa0€ en total\n"
            "2. Suite — 250,50\xa0€/noche, 501\xa0€ en total\n"
            "¿Cuál prefiere?"
        ),
        variant=None,
    )


def test_a_line_ending_in_an_inline_tag_keeps_its_newline() -> None:
    text = "{% for o in offers %}\n{{ o }}{% if o == 'b' %} (last){% endif %}\n{% endfor %}\nEnd{# note #}\n."
    service = make_service({"en": {"t": text}})
    assert service.render("t", "en", {"offers": ["a", "b"]}).text == "a\nb (last)\nEnd\n."


def test_english_uses_european_conventions(service: TemplateRenderer) -> None:
    text = service.render("availability.success", "en", OFFERS).text
    assert text.startswith("We have 2 options from Friday 15 January to 17 January (2 nights):\n1. Doble")
    assert "€110.00/night, €220 in total" in text


def test_regional_language_uses_the_base_text_with_regional_formatting(
    service: TemplateRenderer, logs: LogRecorder
) -> None:
    before = missing_count("availability.success", "pt-BR")
    message = service.render("availability.success", "pt-BR", {**OFFERS, "nights": 0})
    assert message.language == "pt"
    assert "(0 noite)" in message.text  # pt_BR plural rules
    assert "€\xa0110,00/noite" in message.text  # pt_BR currency placement
    assert service.render("availability.success", "pt", {**OFFERS, "nights": 0}).text.count("0 noites") == 1
    # A regional variant falling back to its base language is not a missing translation.
    assert missing_count("availability.success", "pt-BR") == before
    assert logs.named("templates.translation_missing") == []


def test_a_missing_translation_falls_back_to_english_logged_and_counted(
    service: TemplateRenderer, logs: LogRecorder
) -> None:
    context = {"index": 1, "name": "Quarto Duplo", "per_night": 110, "total": 220}
    before = missing_count("availability.option_line", "pt")
    first = service.render("availability.option_line", "pt", context)
    second = service.render("availability.option_line", "pt", context)
    assert first.language == "en"
    # Formatted as the English text it is, not with Portuguese separators.
    assert first.text == "1. Quarto Duplo — €110.00/night, €220.00 in total" == second.text
    assert missing_count("availability.option_line", "pt") == before + 2
    assert logs.named("templates.translation_missing") == [
        {"key": "availability.option_line", "language": "pt", "used": "en"}
    ]


def test_fallback_chain_goes_through_the_default_language_before_english() -> None:
    service = make_service(
        {"en": {"t": "english"}, "es": {"t": "español", "only_es": "solo"}}, default_language="es"
    )
    assert service.render("t", "pt-BR").language == "es"
    assert service.render("t", "fr").text == "español"
    assert service.render("only_es", "en").text == "solo"


def test_unsupported_or_invalid_languages_fall_back(service: TemplateRenderer, logs: LogRecorder) -> None:
    assert service.render("availability.none", "fr").language == "en"
    assert service.render("availability.none", "not a language!").language == "en"
    assert logs.named("templates.language_invalid") == [{"language": "not a language!", "used": "en"}]
    assert logs.named("templates.translation_missing")[0]["language"] == "fr"


@pytest.mark.parametrize("spelling", ["pt-BR", "pt_BR", "pt-br", "PT_br", " pt-BR "])
def test_language_tags_are_normalised(spelling: str) -> None:
    service = make_service({"pt": {"t": "{{ plural(0, one='# noite', other='# noites') }}"}})
    assert service.render("t", spelling).text == "0 noite"


def test_unknown_key_is_not_found() -> None:
    service = make_service({"en": {"t": "x"}, "es": {"only_es": "y"}})
    with pytest.raises(TemplateNotFoundError) as caught:
        service.render("no.such.key", "es")
    assert caught.value.key == "no.such.key"
    assert caught.value.status_code == 404
    assert isinstance(caught.value, HotelAgentError)
    with pytest.raises(TemplateNotFoundError, match=r"tried pt, en"):
        service.render("only_es", "pt")


def test_an_undefined_variable_is_an_error_naming_it(service: TemplateRenderer) -> None:
    context = {key: value for key, value in OFFERS.items() if key != "nights"}
    with pytest.raises(TemplateRenderError) as caught:
        service.render("availability.success", "es", context)
    error = caught.value
    assert (error.key, error.language, error.line) == ("availability.success", "es", 1)
    assert error.reason == "undefined variable: 'nights' is undefined"
    assert "'nights' is undefined" in error.detail


@pytest.mark.parametrize(
    "text",
    [
        "{{ price|money }}",
        "{{ plural(price, one='#', other='#') }}",
        "{{ weekday(price) }}",
        "{{ price|date }}",
    ],
)
def test_an_undefined_value_given_to_a_locale_filter_names_the_variable(text: str) -> None:
    service = make_service({"en": {"t": text}})
    with pytest.raises(TemplateRenderError, match="undefined variable: 'price' is undefined"):
        service.render("t", "en", {})


def test_looping_over_an_undefined_variable_names_it() -> None:
    service = make_service({"en": {"t": "Rooms:\n{% for room in rooms %}\n{{ room }}\n{% endfor %}"}})
    with pytest.raises(TemplateRenderError, match="undefined variable: 'rooms' is undefined") as caught:
        service.render("t", "en", {})
    assert caught.value.line == 2


def test_a_missing_attribute_is_an_error_too() -> None:
    service = make_service({"en": {"t": "Hi\n{{ guest.name }}"}})
    with pytest.raises(TemplateRenderError, match="has no attribute 'name'") as caught:
        service.render("t", "en", {"guest": {}})
    assert caught.value.line == 2


def test_none_is_never_printed_to_a_guest() -> None:
    service = make_service({"en": {"t": "Hello {{ name }}", "opt": "Hello{{ (' ' ~ name) if name }}"}})
    with pytest.raises(TemplateRenderError, match="None"):
        service.render("t", "en", {"name": None})
    assert service.render("opt", "en", {"name": None}).text == "Hello"


def test_a_syntax_error_surfaces_as_a_render_error_with_its_line() -> None:
    service = make_service({"en": {"t": "Hello\n{% if x %}no end"}})
    with pytest.raises(TemplateRenderError, match="syntax error") as caught:
        service.render("t", "en", {"x": 1})
    assert caught.value.line == 2


def test_max_length_truncates_with_an_ellipsis(service: TemplateRenderer, logs: LogRecorder) -> None:
    assert service.render("buttons.room", "en", {"name": "Double"}).text == "Double"
    long_name = service.render("buttons.room", "en", {"name": "Double room with a view of the river"})
    assert long_name.text == "Double room with a view…"
    assert len(long_name.text) == 24
    assert logs.named("templates.truncated")[0]["max_length"] == 24


def test_has_checks_the_language_and_its_base_only(service: TemplateRenderer) -> None:
    assert service.has("availability.option_line", "es")
    assert service.has("availability.success", "pt-BR")
    assert not service.has("availability.option_line", "pt")
    assert not service.has("no.such.key", "en")


def test_invalidate_drops_compiled_templates(logs: LogRecorder) -> None:
    source = MutableSource({("t", "en"): "old", ("u", "en"): "u1"})
    service = TemplateRenderer(source)
    assert service.render("t", "en").text == "old"
    assert service.render("u", "en").text == "u1"
    source.texts[("t", "en")] = "new"
    source.texts[("u", "en")] = "u2"
    assert service.render("t", "en").text == "old"  # cached
    service.invalidate("t")
    assert service.render("t", "en").text == "new"
    assert service.render("u", "en").text == "u1"  # other keys stay cached
    service.invalidate()
    assert service.render("u", "en").text == "u2"


def test_invalidate_lets_a_new_translation_replace_a_fallback(logs: LogRecorder) -> None:
    source = MutableSource({("t", "en"): "english"})
    service = TemplateRenderer(source)
    assert service.render("t", "es").language == "en"
    source.texts[("t", "es")] = "español"
    service.invalidate("t")
    assert service.render("t", "es").text == "español"


def test_templates_are_compiled_once(monkeypatch: pytest.MonkeyPatch, service: TemplateRenderer) -> None:
    compiled: list[str] = []
    original = service._environment.compile_entry

    def counting(text: str, *, key: str, language: str) -> Any:
        compiled.append(f"{language}/{key}")
        return original(text, key=key, language=language)

    monkeypatch.setattr(service._environment, "compile_entry", counting)
    for language in ("es", "es", "es-MX", "es", "en"):
        service.render("availability.none", language)
    assert compiled == ["es/availability.none", "en/availability.none"]


def test_warm_up_compiles_everything(yaml_source: YamlTemplateSource, logs: LogRecorder) -> None:
    service = TemplateRenderer(yaml_source)
    service.warm_up()
    assert len(service._compiled) == len(yaml_source)
    assert logs.named("templates.warmed_up")[0]["templates"] == len(yaml_source)


def test_warm_up_fails_on_a_template_that_does_not_compile() -> None:
    service = make_service({"en": {"good": "fine", "bad": "{% if %}", "worse": "{{ x|no_such_filter }}"}})
    with pytest.raises(TemplateCatalogError, match="2 template") as caught:
        service.warm_up()
    assert "en/bad" not in caught.value.detail  # reported by key and language, as operators know them
    assert "'bad' (en) line 1" in caught.value.detail
    assert "No filter named 'no_such_filter'" in caught.value.detail


def test_on_render_receives_each_render_with_the_conversation(service: TemplateRenderer) -> None:
    events: list[RenderEvent] = []
    service = TemplateRenderer(service.source, on_render=events.append)
    service.render("availability.none", "es", conversation_id="conv-1")
    service.render("availability.option_line", "pt", {"index": 1, "name": "x", "per_night": 1, "total": 2})
    assert all(0 < event.render_seconds < 1 for event in events)
    assert [dataclasses.replace(event, render_seconds=0.0) for event in events] == [
        RenderEvent(
            key="availability.none",
            requested_language="es",
            language="es",
            variant=None,
            version=None,
            conversation_id="conv-1",
            fallback=False,
        ),
        RenderEvent(
            key="availability.option_line",
            requested_language="pt",
            language="en",
            variant=None,
            version=None,
            conversation_id=None,
            fallback=True,
        ),
    ]


def test_a_failing_on_render_hook_does_not_cost_the_guest_a_reply(
    yaml_source: YamlTemplateSource, logs: LogRecorder
) -> None:
    def broken(_event: RenderEvent) -> None:
        raise RuntimeError("stats down")

    service = TemplateRenderer(yaml_source, on_render=broken)
    assert service.render("buttons.yes", "es").text == "Sí"
    assert logs.named("templates.on_render_failed") == [{"key": "buttons.yes"}]


def test_variant_and_version_come_from_the_entry() -> None:
    entry = TemplateEntry(key="t", language="en", text="B", category="x", variant="b", version=7)
    events: list[RenderEvent] = []
    service = TemplateRenderer(InMemoryTemplateSource([entry]), on_render=events.append)
    assert service.render("t", "en").variant == "b"
    assert (events[0].variant, events[0].version) == ("b", 7)


def test_configuration_mistakes_fail_at_construction() -> None:
    with pytest.raises(ValueError, match="default_language"):
        TemplateRenderer(InMemoryTemplateSource(), default_language="english please")
    with pytest.raises(Exception, match="Nowhere/City"):
        TemplateRenderer(InMemoryTemplateSource(), timezone="Nowhere/City")


def test_locale_overrides() -> None:
    service = make_service({"en": {"t": "{{ d|date }}"}}, locales={"en": "en_US"})
    assert service.render("t", "en", {"d": dt.date(2027, 1, 15)}).text == "Jan 15, 2027"


def test_warm_up_can_log_instead_of_failing(logs: LogRecorder) -> None:
    service = make_service({"en": {"good": "fine", "bad": "{% if %}"}})
    service.warm_up(strict=False)
    assert len(logs.named("templates.warm_up_failed")[0]["failures"]) == 1
    assert service.render("good", "en").text == "fine"


def test_reload_recompiles_what_guests_asked_for_and_reports_what_broke(logs: LogRecorder) -> None:
    source = MutableSource({("t", "en"): "one", ("t", "es"): "uno", ("u", "en"): "u"})
    service = TemplateRenderer(source)
    service.render("t", "es")
    service.render("t", "en")
    source.texts[("t", "es")] = "dos {% if %}"
    del source.texts[("t", "en")]
    service.reload({"t"})
    assert ("t", "en") not in service._resolved  # gone from the source: render will say so
    failed = {fields["language"] for fields in logs.named("templates.reload_failed")}
    assert failed == {"en", "es"}
    with pytest.raises(TemplateNotFoundError):
        service.render("t", "en")


def test_a_failing_text_without_earlier_versions_raises(logs: LogRecorder) -> None:
    service = make_service({"en": {"t": "{{ 1 // n }}"}})
    with pytest.raises(TemplateRenderError, match="ZeroDivisionError"):
        service.render("t", "en", {"n": 0})
    assert logs.named("templates.render_failed")[0]["used_version"] is None


def test_earlier_versions_stand_in_for_a_failing_one(logs: LogRecorder) -> None:
    current = TemplateEntry("t", "en", "{{ 1 // n }}", "x", version=3)
    earlier = [
        TemplateEntry("t", "en", "{{ 1 // n }}", "x", version=3),  # the same version: skipped
        TemplateEntry("t", "en", "{{ 2 // n }}", "x", version=2),  # fails too
        TemplateEntry("t", "en", "{% if %}", "x", version=1),  # does not compile
        TemplateEntry("t", "en", "n is {{ n }}", "x", version=0),
    ]

    class Versioned(InMemoryTemplateSource):
        def previous(self, key: str, language: str) -> list[TemplateEntry]:
            return earlier

    events: list[RenderEvent] = []
    service = TemplateRenderer(Versioned([current]), on_render=events.append)
    assert service.render("t", "es", {"n": 0}).text == "n is 0"
    assert (events[0].version, events[0].recovered, events[0].fallback) == (0, True, True)
    assert service.render("t", "en", {"n": 0}).text == "n is 0"
    assert len(service._fallbacks) == 2  # compiled once each, kept for the next failure
    assert logs.named("templates.render_failed")[0]["used_version"] == 0


class MutableSource:
    """A TemplateSource whose texts a test can change, as the database source will."""

    def __init__(self, texts: dict[tuple[str, str], str]) -> None:
        self.texts = texts

    def get(self, key: str, language: str) -> TemplateEntry | None:
        text = self.texts.get((key, language))
        return None if text is None else TemplateEntry(key=key, language=language, text=text, category="x")

    def keys(self) -> set[str]:
        return {key for key, _ in self.texts}

    def languages(self) -> set[str]:
        return {language for _, language in self.texts}
