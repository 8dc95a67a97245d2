"""Replies as Graph API bodies: interactive within WhatsApp's limits, text otherwise; templates."""

from __future__ import annotations

import pytest

from hotel_agent.channels.whatsapp.outbound import free_form_body, template_body, template_for
from hotel_agent.config import Settings, WhatsAppTemplateRef
from hotel_agent.conversation.schemas import Reply, ReplyKind, ReplyOption
from hotel_agent.errors import ConfigurationError


def options(count: int, title: str = "Option") -> list[ReplyOption]:
    return [ReplyOption(id=f"o{n}", title=f"{title} {n}", description="€100 in total") for n in range(count)]


def test_buttons_that_fit_go_as_reply_buttons() -> None:
    reply = Reply(
        key="booking.summary", language="en", text="Book it?", kind=ReplyKind.BUTTONS, options=options(2)
    )
    kind, body = free_form_body("346", reply, "ha-outbox:1")
    assert kind == "interactive"
    assert [b["reply"]["id"] for b in body["interactive"]["action"]["buttons"]] == ["o0", "o1"]
    assert body["biz_opaque_callback_data"] == "ha-outbox:1"


def test_choices_beyond_the_limits_fall_back_to_text() -> None:
    too_many = Reply(key="k", language="en", text="Pick", kind=ReplyKind.BUTTONS, options=options(4))
    too_long = Reply(
        key="k",
        language="en",
        text="Pick",
        kind=ReplyKind.BUTTONS,
        options=options(2, "A very long title indeed"),
    )
    long_body = Reply(
        key="k", language="en", text="x" * 1025, kind=ReplyKind.LIST, options=options(3), list_button="See"
    )
    for reply in (too_many, too_long, long_body):
        kind, body = free_form_body("346", reply)
        assert kind == "text"
        assert body["text"]["body"] == reply.text


def test_lists_go_as_one_section_of_rows() -> None:
    reply = Reply(
        key="k", language="en", text="Rooms", kind=ReplyKind.LIST, options=options(10), list_button="See"
    )
    kind, body = free_form_body("346", reply)
    assert kind == "interactive"
    assert len(body["interactive"]["action"]["sections"][0]["rows"]) == 10
    eleven = reply.model_copy(update={"options": options(11)})
    assert free_form_body("346", eleven)[0] == "text"


def test_templates_by_key_then_star_with_a_flattened_parameter() -> None:
    templates = {
        "booking.confirmed": WhatsAppTemplateRef(name="booking_done", languages={"pt": "pt_BR"}),
        "*": WhatsAppTemplateRef(name="followup", languages={"en": "en_US"}, body_parameters=["text"]),
    }
    confirmed = Reply(key="booking.confirmed", language="pt", text="Feito")
    assert template_for(templates, confirmed) == ("pt_BR", templates["booking.confirmed"])
    other = Reply(key="info.general", language="en", text="Line one\n\nLine   two")
    code, ref = template_for(templates, other)  # type: ignore[misc]
    body = template_body("346", other, ref, code)
    assert body["template"]["components"][0]["parameters"][0]["text"] == "Line one Line two"
    assert template_for(templates, Reply(key="x", language="es", text="hola")) is None


def test_placeholder_whatsapp_secrets_are_refused_outside_development() -> None:
    base = {"environment": "production", "secret_key": "s" * 40, "whatsapp_phone_number_id": "1234"}
    settings = Settings(**base, whatsapp_app_secret="dev-whatsapp-app-secret")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="WHATSAPP_APP_SECRET"):
        settings.check_secrets()
    Settings(
        **base,  # type: ignore[arg-type]
        whatsapp_app_secret="a" * 32,
        whatsapp_verify_token="b" * 20,
        whatsapp_access_token="c" * 40,
    ).check_secrets()
    # Without WhatsApp configured the channel is off (nothing verifies): no secret is demanded.
    assert not Settings(**base).whatsapp_enabled  # type: ignore[arg-type]
    assert Settings(environment="development").whatsapp_enabled  # type: ignore[arg-type]
