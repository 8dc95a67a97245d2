"""The canonical text the models read."""

from __future__ import annotations

import pytest

from hotel_agent.nlu.text import expand_abbreviations, fold_accents, normalize, squeeze_repeats


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("¿Tienen habitación?? 😊", "tienen habitacion ?"),
        ("holaaa!!! 👋", "hola emojiwave"),
        ("OBRIGADOOO 🙏🏽", "obrigado emojithanks"),
        ("status of ha7k3q9p pls", "status of bookingref pls"),
        ("reserva HA 7K3Q9P", "reserva bookingref"),
        ("mi mail es Ana.Souza@Gmail.com", "mi mail es emailaddr"),
        ("ligue +351 912 345 678", "ligue phonenum"),
        ("del 3 al 5 de marzo, 2 adultos", "del num al num de marzo num adultos"),
        ("Olá, vocês têm quarto p/ 2?", "ola voces tem quarto p num ?"),
        ("👍", "emojiyes"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_a_six_letter_word_after_ha_is_not_a_reference() -> None:
    assert normalize("ha vagas") == "ha vagas"


def test_dates_are_not_phone_numbers() -> None:
    assert normalize("15-01-2027") == "num num num"


def test_repeats_keep_a_known_double_letter() -> None:
    assert squeeze_repeats("goooood morning", frozenset({"good"})) == "good morning"
    assert squeeze_repeats("siii", frozenset({"good"})) == "si"


def test_fold_strips_accents_and_case() -> None:
    assert fold_accents("Habitación DOBLE ção") == "habitacion doble cao"


def test_abbreviations_expand_whole_words_only() -> None:
    assert expand_abbreviations("vc tem hab pro fds") == "voce tem habitacion pro fim de semana"
