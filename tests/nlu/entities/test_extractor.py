"""The public API: construction, clock handling, warm-up, whole messages and speed."""

from __future__ import annotations

import time
from datetime import date, datetime

import pytest

from hotel_agent.nlu.entities import DEMO_ROOM_TYPES, EntityExtractor
from hotel_agent.nlu.schemas import Entities
from tests.nlu.entities.support import SUNDAY, Extract

MESSAGES = [
    ("es", "hola, tienen hab doble para el finde? somos 2 adultos y un niño"),
    ("es", "quiero reservar del 3 al 5 de marzo, a nombre de Lucia Fernandez, lucia@gmail.com"),
    ("es", "cuanto cuesta la suite por noche?"),
    ("es", "mi reserva es HA-7K3Q9P, la puedo cambiar al 20/02?"),
    ("es", "llegamos a las 3, somos 2 personas, habitación 2"),
    ("en", "hi, do you have a double room from March 3rd to the 5th for 2 adults and 1 kid?"),
    ("en", "my name is John Smith, john@example.com, +1 212 555 0100, next friday for 3 nights"),
    ("en", "how much for the suite this weekend"),
    ("en", "can i extend my booking to sunday"),
    ("en", "is breakfast included?"),
    ("pt", "chegamos dia 20 de dezembro e saímos dia 23, quarto de casal, eu e minha esposa"),
    ("pt", "oi, quero reservar de 10 a 12 de fevereiro, (11) 98765-4321"),
    ("pt", "tem vaga pra 4 pessoas semana que vem?"),
    ("pt", "quero cancelar a reserva ha7k3q9p"),
    ("pt", "obrigado!"),
]


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


def test_long_messages_stay_fast(extractor: EntityExtractor) -> None:
    for text in ("1 " * 2000, "de " * 2000, "(1 " * 1300, "15 de enero al 3 " * 240, "Ana " * 1000):
        start = time.perf_counter()
        extractor.extract(text, "es", SUNDAY)
        assert time.perf_counter() - start < 0.5


def test_p95_after_warm_up_is_under_two_milliseconds(extractor: EntityExtractor) -> None:
    timings: list[float] = []
    for _ in range(20):
        for lang, text in MESSAGES:
            start = time.perf_counter()
            extractor.extract(text, lang, SUNDAY)
            timings.append(time.perf_counter() - start)
    timings.sort()
    p95 = timings[int(len(timings) * 0.95) - 1]
    assert p95 < 0.002, f"p95 {p95 * 1e3:.2f} ms"


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
