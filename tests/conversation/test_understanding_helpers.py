"""Small understanding helpers the dialogue relies on: option numbers, info topics, stay corrections."""

from __future__ import annotations

from datetime import date

import pytest

from hotel_agent.conversation.state import StaySlots
from hotel_agent.conversation.stay import fill_defaults, merge_stay
from hotel_agent.nlu.choices import option_number
from hotel_agent.nlu.schemas import Entities
from hotel_agent.nlu.topics import detect_topic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2", 2),
        ("la 2", 2),
        ("opción 3", 3),
        ("the first one", 1),
        ("la segunda", 2),
        ("o primeiro", 1),
        ("a última", 4),
        ("9", None),
        ("quero o quarto de casal por favor obrigado", None),
        ("", None),
    ],
)
def test_option_number(text: str, expected: int | None) -> None:
    assert option_number(text, 4) == expected


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("a q hora es el check in?", "checkin_checkout"),
        ("tem estacionamento?", "parking"),
        ("do you allow dogs", "pets"),
        ("wifi gratis?", "wifi"),
        ("incluye desayuno?", "breakfast"),
        ("onde fica o hotel?", "address"),
        ("politica de cancelacion", "cancellation"),
        ("is there a pool", "amenities"),
        ("what's your favourite colour", None),
    ],
)
def test_info_topics(text: str, topic: str | None) -> None:
    assert detect_topic(text) == topic


def test_new_arrival_date_keeps_the_stated_length_of_stay() -> None:
    stay = StaySlots(checkin=date(2027, 1, 15), checkout=date(2027, 1, 18), adults=2)
    corrected = merge_stay(stay, Entities(checkin=date(2027, 1, 16)))
    assert (corrected.checkin, corrected.checkout) == (date(2027, 1, 16), date(2027, 1, 19))


def test_restating_the_party_replaces_it() -> None:
    stay = StaySlots(checkin=date(2027, 1, 15), checkout=date(2027, 1, 16), adults=2, children=1)
    assert merge_stay(stay, Entities(adults=3)).children == 0
    assert merge_stay(stay, Entities(children=2)).adults == 2


def test_defaults_are_remembered_as_assumptions() -> None:
    filled = fill_defaults(StaySlots(checkin=date(2027, 1, 15)))
    assert filled.checkout == date(2027, 1, 16)
    assert filled.assumed_nights
    assert filled.adults == 2
    assert filled.assumed_adults
    stated = merge_stay(filled, Entities(nights=3))
    assert stated.checkout == date(2027, 1, 18)
    assert not stated.assumed_nights
