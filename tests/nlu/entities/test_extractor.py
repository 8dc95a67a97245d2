"""The public API: construction, clock handling, warm-up, whole messages (speed: benchmarks/)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from hotel_agent.nlu.entities import DEMO_ROOM_TYPES, EntityExtractor
from hotel_agent.nlu.schemas import Entities
from tests.support.entities import SUNDAY, Extract


def test_whole_message(extract: Extract) -> None:
    assert extract(
        "Hola! soy Ana Souza, quiero la doble del 3 al 5 de marzo para 2 adultos y 1 niño, "
        "ana.souza@gmail.com, +34 600 12 34 56",
        "es",
    ) == {
        "checkin": "2027-03-03",
        "checkout": "2027-03-05",
        "nights": 2,
        "adults": 2,
        "children": 1,
        "room_type": "double",
        "name": "Ana Souza",
        "email": "ana.souza@gmail.com",
        "phone": "+34600123456",
    }


def test_returns_entities_with_dates(extractor: EntityExtractor) -> None:
    result = extractor.extract("del 3 al 5 de marzo", "es", SUNDAY)
    assert isinstance(result, Entities)
    assert (result.checkin, result.checkout, result.nights) == (date(2027, 3, 3), date(2027, 3, 5), 2)


def test_nothing_to_extract(extract: Extract) -> None:
    assert extract("", "en") == {}
    assert extract("hola, buenas tardes", "es") == {}


def test_naive_clock_is_refused(extractor: EntityExtractor) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        extractor.extract("tomorrow", "en", datetime(2027, 1, 10, 12))


def test_unknown_language_still_reads_dates_and_numbers(extract: Extract) -> None:
    assert extract("15/03 - 2 adults", "fr") == {"checkin": "2027-03-15", "adults": 2}


def test_warm_up_is_repeatable() -> None:
    extractor = EntityExtractor(DEMO_ROOM_TYPES, timezone="America/Sao_Paulo")
    extractor.warm_up()
    extractor.warm_up()
    assert extractor.extract("amanhã", "pt", SUNDAY).checkin == date(2027, 1, 11)


def test_long_messages_are_read(extractor: EntityExtractor) -> None:
    # Their speed (the backtracking guard) is measured by benchmarks/bench_entities.py.
    for text in ("1 " * 2000, "de " * 2000, "(1 " * 1300, "15 de enero al 3 " * 240, "Ana " * 1000):
        assert isinstance(extractor.extract(text, "es", SUNDAY), Entities)


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("es", "somos 30 parejas", {}),  # 60 guests is past the schema's bound: not reported
        ("es", "del 40 al 45 de marzo", {}),
        ("es", "el 31 de abril", {}),
        ("en", "feb 29", {"checkin": "2028-02-29"}),
        ("en", "jan 1 2028, 2 adults", {"checkin": "2028-01-01", "adults": 2}),
        # a stated year in the past is kept as written; nights beyond a year are not reported
        ("en", "from jan 1 2027 to dec 31 2029", {"checkin": "2027-01-01", "checkout": "2029-12-31"}),
    ],
)
def test_out_of_range_values(extract: Extract, lang: str, text: str, expected: dict[str, object]) -> None:
    assert extract(text, lang) == expected
