"""Small understanding helpers the dialogue relies on: option numbers, info topics, stay corrections."""

from __future__ import annotations

from datetime import date

import pytest

from hotel_agent.conversation.state import StaySlots
from hotel_agent.conversation.stay import fill_defaults, merge_stay
from hotel_agent.nlu.choices import asks_price, option_in_sentence, option_number, wants_cheapest
from hotel_agent.nlu.schemas import Entities
from hotel_agent.nlu.topics import amenity_listed, detect_topic, detect_topics, named_amenities


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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'd like to book the first one", 1),
        ("I'd like to book number 1", 1),
        ("we'll take option 3 please", 3),
        ("me quedo con la segunda habitación", 2),
        ("quero reservar o primeiro quarto", 1),
        ("I'd like to book number 9", None),
        ("we are arriving first thing in the morning on that day", None),
    ],
)
def test_option_in_a_sentence(text: str, expected: int | None) -> None:
    assert option_in_sentence(text, 4) == expected


@pytest.mark.parametrize(
    ("text", "cheapest"),
    [("the cheapest please", True), ("la más barata", True), ("o mais em conta", True), ("the suite", False)],
)
def test_wants_cheapest(text: str, cheapest: bool) -> None:
    assert wants_cheapest(text) is cheapest


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("how much is the suite?", True),
        ("cuánto cuesta la doble?", True),
        ("could we have the double?", False),
    ],
)
def test_asks_price(text: str, asks: bool) -> None:
    assert asks_price(text) is asks


def test_two_questions_give_two_topics_in_order() -> None:
    assert detect_topics("what time is check-out? is there parking?") == ["checkin_checkout", "parking"]
    assert detect_topics("hay parking? y a qué hora es el check in") == ["parking", "checkin_checkout"]


def test_named_amenities_and_the_hotels_list() -> None:
    assert named_amenities("is the pool heated?") == ["pool"]
    assert named_amenities("tienen gimnasio y spa?") == ["gym", "spa"]
    listed = ["Free wifi", "Rooftop terrace with river view"]
    assert amenity_listed("terrace", listed) == "Rooftop terrace with river view"
    assert amenity_listed("pool", listed) is None
