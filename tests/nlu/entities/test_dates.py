"""Dates, per docs/nlu-data.md, at the labelling clock (Sunday 2027-01-10 noon, Lisbon) and two others."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.support.entities import FRIDAY_EVENING, SUNDAY, YEAR_END, Extract, dates


def stay(
    checkin: str | None = None, checkout: str | None = None, nights: int | None = None
) -> dict[str, object]:
    expected: dict[str, object] = {}
    if checkin:
        expected["checkin"] = checkin
    if checkout:
        expected["checkout"] = checkout
    if nights:
        expected["nights"] = nights
    return expected


ABSOLUTE = [
    ("es", "tienen habitación para el 15 de enero?", stay("2027-01-15")),
    ("es", "para el 5 de enero", stay("2028-01-05")),  # already past: next year
    ("es", "el primero de mayo", stay("2027-05-01")),
    ("es", "dos de febrero", stay("2027-02-02")),
    ("es", "1ro de mayo", stay("2027-05-01")),
    ("es", "el 15 de marzo de 2028", stay("2028-03-15")),
    ("es", "el 15", stay("2027-01-15")),
    ("es", "el día 20", stay("2027-01-20")),
    ("es", "3/5", stay("2027-05-03")),
    ("es", "15/01/2027", stay("2027-01-15")),
    ("es", "quiero ir el 3/5/27", stay("2027-05-03")),
    ("en", "March 3rd", stay("2027-03-03")),
    ("en", "march 3, 2028", stay("2028-03-03")),
    ("en", "on the 15th", stay("2027-01-15")),
    ("en", "the 3rd", stay("2027-02-03")),  # past this month: next month
    ("en", "3/5", stay("2027-03-05")),  # month first in English
    ("en", "15/3", stay("2027-03-15")),  # no month 15: read day first
    ("en", "3/5/2027", stay("2027-03-05")),
    ("en", "2027-03-05", stay("2027-03-05")),
    ("en", "dec 24th", stay("2027-12-24")),
    ("en", "the third of march", stay("2027-03-03")),
    ("en", "christmas eve", stay("2027-12-24")),
    ("en", "new year's eve", stay("2027-12-31")),
    ("pt", "dia 20", stay("2027-01-20")),
    ("pt", "dia 20 de dezembro", stay("2027-12-20")),
    ("pt", "1º de maio", stay("2027-05-01")),
    ("pt", "primeiro de março", stay("2027-03-01")),
    ("pt", "12 fev", stay("2027-02-12")),
    ("pt", "20 dez", stay("2027-12-20")),
    ("pt", "3/5", stay("2027-05-03")),
    ("pt", "tem vaga em julho? dia 10", stay("2027-07-10")),
    ("es", "para marzo, el 12", stay("2027-03-12")),
]

RANGES = [
    ("es", "del 3 al 5 de marzo", stay("2027-03-03", "2027-03-05", 2)),
    ("es", "del 28 de febrero al 2 de marzo", stay("2027-02-28", "2027-03-02", 2)),
    ("es", "del 28 al 2 de marzo", stay("2027-02-28", "2027-03-02", 2)),
    ("es", "entre el 3 y el 6 de junio", stay("2027-06-03", "2027-06-06", 3)),
    ("es", "entre el 3 y el 6", stay("2027-02-03", "2027-02-06", 3)),
    ("es", "del 20 al 23", stay("2027-01-20", "2027-01-23", 3)),
    ("es", "llego el viernes y me voy el domingo", stay("2027-01-15", "2027-01-17", 2)),
    ("es", "de viernes a domingo", stay("2027-01-15", "2027-01-17", 2)),
    ("es", "del 15/01 al 18/01", stay("2027-01-15", "2027-01-18", 3)),
    ("en", "from the 3rd to the 5th", stay("2027-02-03", "2027-02-05", 2)),
    ("en", "from March 3rd to the 5th", stay("2027-03-03", "2027-03-05", 2)),
    ("en", "jan 20-23", stay("2027-01-20", "2027-01-23", 3)),
    ("en", "jan 30 - feb 2", stay("2027-01-30", "2027-02-02", 3)),
    ("en", "7-10 august", stay("2027-08-07", "2027-08-10", 3)),
    ("en", "2/10-2/12", stay("2027-02-10", "2027-02-12", 2)),
    ("en", "check in march 3, check out march 5", stay("2027-03-03", "2027-03-05", 2)),
    ("en", "arriving friday leaving sunday", stay("2027-01-15", "2027-01-17", 2)),
    ("en", "fri-sun", stay("2027-01-15", "2027-01-17", 2)),
    ("en", "wednesday and thursday nights", stay("2027-01-13", "2027-01-15", 2)),
    ("en", "checking in on monday and out on thursday", stay("2027-01-11", "2027-01-14", 3)),
    ("pt", "de 10 a 12 de fevereiro", stay("2027-02-10", "2027-02-12", 2)),
    ("pt", "chegamos dia 20 de dezembro e saímos dia 23", stay("2027-12-20", "2027-12-23", 3)),
    ("pt", "15 a 17 de maio", stay("2027-05-15", "2027-05-17", 2)),
    ("pt", "de hoje pra amanhã", stay("2027-01-10", "2027-01-11", 1)),
    ("pt", "de sexta a domingo", stay("2027-01-15", "2027-01-17", 2)),
    ("pt", "de segunda a sexta", stay("2027-01-11", "2027-01-15", 4)),
    ("pt", "muda pra 18 a 20/2", stay("2027-02-18", "2027-02-20", 2)),
    ("pt", "em abril, dia 10 a 15", stay("2027-04-10", "2027-04-15", 5)),
    ("pt", "da pra passar pra 22 a 24?", stay("2027-01-22", "2027-01-24", 2)),
]

RELATIVE = [
    ("en", "today", stay("2027-01-10")),
    ("en", "tonight", stay("2027-01-10")),
    ("en", "tomorrow", stay("2027-01-11")),
    ("en", "tmrw", stay("2027-01-11")),
    ("en", "the day after tomorrow", stay("2027-01-12")),
    ("es", "hoy", stay("2027-01-10")),
    ("es", "mañana", stay("2027-01-11")),
    ("es", "manana", stay("2027-01-11")),
    ("es", "pasado mañana", stay("2027-01-12")),
    ("es", "mañana por la mañana", stay("2027-01-11")),
    ("pt", "amanhã", stay("2027-01-11")),
    ("pt", "amanha", stay("2027-01-11")),
    ("pt", "depois de amanhã", stay("2027-01-12")),
    ("pt", "hoje à noite", stay("2027-01-10")),
    ("en", "this weekend", stay("2027-01-15", "2027-01-17", 2)),
    ("en", "next weekend", stay("2027-01-15", "2027-01-17", 2)),
    ("es", "tienen hab doble para el finde?", stay("2027-01-15", "2027-01-17", 2)),
    ("es", "el próximo finde", stay("2027-01-15", "2027-01-17", 2)),
    ("es", "el fin de semana que viene", stay("2027-01-15", "2027-01-17", 2)),
    ("pt", "fim de semana", stay("2027-01-15", "2027-01-17", 2)),
    ("pt", "próximo fim de semana", stay("2027-01-15", "2027-01-17", 2)),
    ("pt", "pro final de semana", stay("2027-01-15", "2027-01-17", 2)),
    ("pt", "tem vaga no fds?", stay("2027-01-15", "2027-01-17", 2)),
    ("en", "next Friday", stay("2027-01-15")),
    ("en", "on monday", stay("2027-01-11")),
    ("en", "sat night", stay("2027-01-16")),
    ("es", "el viernes", stay("2027-01-15")),
    ("es", "el lunes", stay("2027-01-11")),
    ("es", "el domingo", stay("2027-01-17")),  # strictly after today
    ("pt", "na sexta", stay("2027-01-15")),
    ("pt", "sexta-feira", stay("2027-01-15")),
    ("pt", "sexta que vem", stay("2027-01-15")),
    ("en", "next week", stay("2027-01-11")),
    ("es", "la semana que viene", stay("2027-01-11")),
    ("es", "la próxima semana", stay("2027-01-11")),
    ("pt", "semana que vem", stay("2027-01-11")),
    ("en", "in 2 weeks", stay("2027-01-24")),
    ("es", "dentro de 3 días", stay("2027-01-13")),
]

DURATIONS = [
    ("en", "for 3 nights", stay(nights=3)),
    ("en", "3 nts", stay(nights=3)),
    ("en", "2 nights", stay(nights=2)),
    ("en", "a week", stay(nights=7)),
    ("en", "for a night", stay(nights=1)),
    ("en", "a couple of nights", stay(nights=2)),
    ("es", "por 2 noches", stay(nights=2)),
    ("es", "tres noches", stay(nights=3)),
    ("es", "una semana", stay(nights=7)),
    ("es", "un par de noches", stay(nights=2)),
    ("pt", "por 3 noites", stay(nights=3)),
    ("pt", "duas semanas", stay(nights=14)),
    ("pt", "uma semana a partir de 3 de março", stay("2027-03-03", "2027-03-10", 7)),
    ("en", "3 nights from tmrw", stay("2027-01-11", "2027-01-14", 3)),
    ("en", "for a week from friday", stay("2027-01-15", "2027-01-22", 7)),
    ("es", "el finde, 3 noches", stay("2027-01-15", "2027-01-18", 3)),
    ("es", "el 15 de enero por 2 noches", stay("2027-01-15", "2027-01-17", 2)),
    (
        "pt",
        "tenho 2 noites mas quero passar para 4 noites a partir de 6 de fevereiro",
        stay("2027-02-06", "2027-02-10", 4),
    ),
    ("pt", "em vez de 3 noites, vou ficar 5", stay(nights=5)),
]

CHECKOUT_ONLY = [
    ("pt", "saindo dia 23", stay(checkout="2027-01-23")),
    ("en", "leaving on the 5th", stay(checkout="2027-02-05")),
    ("en", "i want to extend my booking to sunday", stay(checkout="2027-01-17")),
    ("es", "me puedo quedar hasta el martes?", stay(checkout="2027-01-12")),
]

NOT_DATES = [
    ("es", "hotel de 5 estrellas"),
    ("es", "somos 2 personas"),
    ("es", "la habitación 2 tiene aire?"),
    ("es", "cuanto cuesta la noche?"),
    ("es", "150 euros por noche"),
    ("es", "llegamos a las 3"),
    ("es", "en la mañana"),
    ("es", "por la mañana hay desayuno?"),
    ("en", "check-in at 3pm?"),
    ("en", "how much per night?"),
    ("en", "reception 24/7?"),
    ("en", "call me at +34 600 123 456"),
    ("en", "my ref is HA-7K3Q9P"),
    ("en", "is the sun deck open"),
    ("en", "move my stay one week later"),
    ("pt", "chegamos às 14h"),
    ("pt", "quarto 12"),
    ("pt", "me fala sobre a segunda guerra mundial"),
    ("pt", "é a segunda vez que pergunto"),
    ("pt", "custa R$ 300"),
    ("pt", "por hoje é só, obrigado"),
    ("pt", "10 de 10, adorei"),
]


@pytest.mark.parametrize(
    ("lang", "text", "expected"), ABSOLUTE + RANGES + RELATIVE + DURATIONS + CHECKOUT_ONLY
)
def test_dates_at_the_labelling_clock(
    extract: Extract, lang: str, text: str, expected: dict[str, object]
) -> None:
    assert dates(extract(text, lang)) == expected


@pytest.mark.parametrize(("lang", "text"), NOT_DATES)
def test_numbers_that_are_not_dates(extract: Extract, lang: str, text: str) -> None:
    assert dates(extract(text, lang)) == {}


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("en", "this weekend", stay("2027-01-15", "2027-01-17", 2)),  # Friday evening: tonight to Sunday
        ("en", "next weekend", stay("2027-01-22", "2027-01-24", 2)),
        ("en", "tonight", stay("2027-01-15")),
        ("en", "tomorrow", stay("2027-01-16")),
        ("es", "el viernes", stay("2027-01-22")),  # strictly after today
        ("es", "el sábado", stay("2027-01-16")),
        ("en", "next week", stay("2027-01-18")),
        ("es", "el 15", stay("2027-01-15")),  # on or after today
    ],
)
def test_dates_on_a_friday_evening(
    extract: Extract, lang: str, text: str, expected: dict[str, object]
) -> None:
    assert dates(extract(text, lang, FRIDAY_EVENING)) == expected


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("es", "2 de enero", stay("2028-01-02")),
        ("es", "del 30 de diciembre al 2 de enero", stay("2027-12-30", "2028-01-02", 3)),
        ("pt", "30/12 a 2/1", stay("2027-12-30", "2028-01-02", 3)),
        ("en", "jan 3-5", stay("2028-01-03", "2028-01-05", 2)),
        ("en", "the 5th", stay("2028-01-05")),
        ("en", "new year's eve", stay("2027-12-31")),
        ("en", "this weekend", stay("2027-12-31", "2028-01-02", 2)),
        ("en", "next week", stay("2028-01-03")),
        ("pt", "dia 29 por 4 noites", stay("2027-12-29", "2028-01-02", 4)),
    ],
)
def test_year_rollover(extract: Extract, lang: str, text: str, expected: dict[str, object]) -> None:
    assert dates(extract(text, lang, YEAR_END)) == expected


def test_dates_resolve_in_the_hotel_timezone(extract: Extract) -> None:
    # 23:30 in New York on the 10th is already the 11th in Lisbon.
    late_evening_new_york = datetime.fromisoformat("2027-01-10T23:30:00-05:00")
    assert dates(extract("today", "en", late_evening_new_york)) == stay("2027-01-11")
    assert dates(extract("mañana", "es", late_evening_new_york)) == stay("2027-01-12")


def test_reference_clock_is_a_sunday() -> None:
    assert SUNDAY.weekday() == 6
