"""Booking references, e-mail, phone numbers and names."""

from __future__ import annotations

import pytest

from hotel_agent.nlu.entities import DEMO_ROOM_TYPES, EntityExtractor, extract_name_reply
from tests.support.entities import SUNDAY, Extract


@pytest.mark.parametrize(
    "text",
    [
        "mi reserva es ha7k3q9p",
        "HA 7K3Q9P",
        "ha-7k3q9p",
        "booking HA-7K3Q9P please",
        "ref: HA_7K3Q9P",
    ],
)
def test_booking_reference_is_canonical(extract: Extract, text: str) -> None:
    assert extract(text, "es")["booking_ref"] == "HA-7K3Q9P"


def test_booking_reference_without_prefix_after_a_cue(extract: Extract) -> None:
    assert extract("my booking reference is 7k3q9p", "en")["booking_ref"] == "HA-7K3Q9P"


@pytest.mark.parametrize(
    "text",
    [
        "ha thanks",  # letters only and lower case: a laugh, not a reference
        "hardware",
        "HA-7K3Q9",  # five characters
        "HA-7K3Q1P",  # 1 is not in the alphabet
        "ha llegado mi email?",
    ],
)
def test_not_booking_references(extract: Extract, text: str) -> None:
    assert "booking_ref" not in extract(text, "en")


def test_email_is_lower_case(extract: Extract) -> None:
    assert extract("mi correo es Ana.Souza@Example.COM.", "es")["email"] == "ana.souza@example.com"


@pytest.mark.parametrize(
    ("lang", "text", "phone"),
    [
        ("es", "+34 600 12 34 56", "+34600123456"),
        ("es", "0034 600 12 34 56", "+34600123456"),
        ("es", "llamame al 600 123 456", "+34600123456"),
        ("pt", "(11) 98765-4321", "+5511987654321"),
        ("pt", "meu cel 11 98765 4321", "+5511987654321"),
        ("pt", "o meu número é 912 345 678", "+351912345678"),
        ("en", "call me at (212) 555-0100", "+12125550100"),
        ("en", "my number is 07911 123456", "+447911123456"),
        ("en", "phone +44 7700 900456", "+447700900456"),  # a test range: possible, not "valid"
        ("en", "+39 347 123 4567", "+393471234567"),
    ],
)
def test_phone_in_e164(extract: Extract, lang: str, text: str, phone: str) -> None:
    assert extract(text, lang)["phone"] == phone


def test_phone_falls_back_to_the_hotel_region() -> None:
    madrid = EntityExtractor(DEMO_ROOM_TYPES, timezone="Europe/Madrid")
    assert madrid.extract("my number is 600 123 456", "en", SUNDAY).phone == "+34600123456"
    lisbon = EntityExtractor(DEMO_ROOM_TYPES, default_region="PT")
    assert lisbon.extract("my number is 912 345 678", "en", SUNDAY).phone == "+351912345678"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("es", "del 15/01/2027 al 18/01/2027"),
        ("es", "2027-01-15"),
        ("en", "it costs 1.500.000"),
        ("en", "12345678"),
    ],
)
def test_not_phones(extract: Extract, lang: str, text: str) -> None:
    assert "phone" not in extract(text, lang)


@pytest.mark.parametrize(
    ("lang", "text", "name"),
    [
        ("es", "me llamo Ana Souza", "Ana Souza"),
        ("es", "me llamo ana souza y quiero reservar", "Ana Souza"),
        ("es", "a nombre de Lucia Fernandez", "Lucia Fernandez"),
        ("es", "soy Carla", "Carla"),
        ("es", "buenas, aca Carolina", "Carolina"),
        ("es", "cancelen la reserva de Ana Ortiz", "Ana Ortiz"),
        ("es", "te paso mis datos: Juan Perez, juanperez@yahoo.com", "Juan Perez"),
        ("es", "cancela la reserva a nombre de Clara Ibañez", "Clara Ibañez"),
        ("en", "my name is John Smith", "John Smith"),
        ("en", "name: Li Wei", "Li Wei"),
        ("en", "name's Marco Rossi, +39 347 123 4567", "Marco Rossi"),
        ("en", "book it under John Miller", "John Miller"),
        ("en", "please make a reservation under the name Yuki Tanaka", "Yuki Tanaka"),
        ("en", "change the name on the booking to Sarah Lee", "Sarah Lee"),
        ("en", "yes correct, Tom Reed", "Tom Reed"),
        ("pt", "meu nome é Pedro Alves", "Pedro Alves"),
        ("pt", "pode fazer a reserva no nome de Joao Pedro Alves", "Joao Pedro Alves"),
        ("pt", "sou a Beatriz Costa", "Beatriz Costa"),
        ("pt", "reserva em nome de Mariana Rocha pf", "Mariana Rocha"),
        ("pt", "meu nome é maria da silva", "Maria da Silva"),
        ("pt", "tem alguma reserva no meu nome? Paula Nunes", "Paula Nunes"),
    ],
)
def test_names(extract: Extract, lang: str, text: str, name: str) -> None:
    assert extract(text, lang)["name"] == name


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("es", "soy vegetariano"),
        ("es", "a nombre de quien quedo la reserva?"),
        ("es", "no, el nombre esta mal"),
        ("en", "can someone call me about cancelling"),
        ("en", "cancel the booking under tom.reed@gmail.com"),
        ("en", "Hello, could you please confirm my reservation? Reference HA-N5K8PB."),
        ("en", "I'm looking for a room"),
        ("en", "do you have a Junior Suite for New Year's Eve?"),
        ("pt", "sou de Lisboa"),
    ],
)
def test_not_names(extract: Extract, lang: str, text: str) -> None:
    assert "name" not in extract(text, lang)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ana Souza, ana@x.com", "Ana Souza"),
        ("ana souza", "Ana Souza"),
        ("hola! Carlos Gómez García - +34 600 123 456", "Carlos Gómez García"),
        ("sí, Pedro Alves", "Pedro Alves"),
        ("me llamo Ana", "Ana"),
        ("JOHN SMITH", "John Smith"),
    ],
)
def test_name_reply(text: str, name: str) -> None:
    assert extract_name_reply(text) == name


@pytest.mark.parametrize("text", ["quiero reservar para el 15", "no se", "ok", "ana@x.com", ""])
def test_name_reply_without_a_name(text: str) -> None:
    assert extract_name_reply(text) is None
