"""Room types: the demo vocabulary with synonyms, and an arbitrary hotel's names."""

from __future__ import annotations

import pytest

from hotel_agent.nlu.entities import DEMO_ROOM_TYPES
from hotel_agent.nlu.entities.room_types import RoomTypeMatcher
from hotel_agent.nlu.entities.text import fold_accents_same_length
from hotel_agent.nlu.schemas import RoomTypeVocabulary
from tests.support.entities import Extract


def test_demo_vocabulary_has_the_five_codes() -> None:
    assert [room.code for room in DEMO_ROOM_TYPES] == ["single", "double", "twin", "family", "suite"]
    assert all(room.category == room.code for room in DEMO_ROOM_TYPES)
    assert all(set(room.names) == {"en", "es", "pt"} for room in DEMO_ROOM_TYPES)


@pytest.mark.parametrize(
    ("lang", "text", "code"),
    [
        ("en", "do you have a single room?", "single"),
        ("en", "a single for tomorrow", "single"),
        ("en", "queen bed please", "double"),
        ("en", "king size", "double"),
        ("en", "double room", "double"),
        ("en", "room with two beds", "twin"),
        ("en", "2 single beds", "twin"),
        ("en", "twin", "twin"),
        ("en", "the family room", "family"),
        ("en", "how much for the suite", "suite"),
        ("en", "the junior suit", "suite"),
        ("es", "habitación individual", "single"),
        ("es", "una matrimonial", "double"),
        ("es", "hab doble", "double"),
        ("es", "habitacion dobel", "double"),
        ("es", "dos camas", "twin"),
        ("es", "dos camas individuales", "twin"),
        ("es", "habitación familiar", "family"),
        ("es", "hay disponible alguna hab grande para familia?", "family"),
        ("es", "SUITE JUNIOR", "suite"),
        ("pt", "quarto de casal", "double"),
        ("pt", "cama de casal", "double"),
        ("pt", "quarto duplo", "double"),
        ("pt", "duas camas de solteiro", "twin"),
        ("pt", "quarto de solteiro", "single"),
        ("pt", "quarto família", "family"),
        ("pt", "suíte", "suite"),
        ("pt", "quero trocar o quarto de casal por um de duas camas", "twin"),
        ("pt", "altera a reserva do quarto individual pra duplo", "double"),
    ],
)
def test_demo_room_types(extract: Extract, lang: str, text: str, code: str) -> None:
    assert extract(text, lang).get("room_type") == code


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("en", "is parking on site?"),
        ("en", "quite expensive"),
        ("en", "for a single night"),
        ("en", "what's the rate for one person"),
        ("en", "we are a family of 4"),
        ("es", "vengo con mi familia"),
        ("es", "por un problema familiar"),
        ("es", "solo quiero saber el precio"),
        ("pt", "somos um casal"),
        ("pt", "me ajuda com meu dever de casa"),
        ("pt", "vou com a minha família"),
    ],
)
def test_words_that_are_not_room_types(extract: Extract, lang: str, text: str) -> None:
    assert "room_type" not in extract(text, lang)


QLOAPPS_ROOMS = [
    RoomTypeVocabulary(code="1", category="standard", names={"en": ["General Rooms"]}),
    RoomTypeVocabulary(code="2", category="deluxe", names={"en": ["Delux Rooms"]}),
    RoomTypeVocabulary(code="3", category="executive", names={"en": ["Executive Rooms"]}),
    RoomTypeVocabulary(code="4", category="suite", names={"en": ["Luxury Rooms"]}),
]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("do you have a general room for friday?", "1"),
        ("the general one please", "1"),
        ("Delux room", "2"),
        ("deluxe", "2"),
        ("DELUX ROOMS", "2"),
        ("an executive room", "3"),
        ("luxury", "4"),
        ("luxary room", "4"),
        ("cuanto cuesta la luxury?", "4"),
        ("quero a suíte", "4"),  # category synonyms count too
    ],
)
def test_arbitrary_hotel_room_names(text: str, code: str) -> None:
    assert RoomTypeMatcher(QLOAPPS_ROOMS).match(fold_accents_same_length(text)) == code


@pytest.mark.parametrize("text", ["I have a general question", "executive summary please", "hello"])
def test_arbitrary_hotel_everyday_words(text: str) -> None:
    assert RoomTypeMatcher(QLOAPPS_ROOMS).match(fold_accents_same_length(text)) is None
