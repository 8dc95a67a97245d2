"""Issue 11's phrasings the grammar misread: days in words, PT-PT arrival/departure, "N diárias a partir
de", a weekday beside its date, and children's ages (at the labelling clock, Sunday 2027-01-10)."""

from __future__ import annotations

import pytest

from hotel_agent.nlu.entities.ages import find_child_ages
from tests.support.entities import Extract, dates


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("es", "del doce al catorce de mayo", ("2027-05-12", "2027-05-14", 2)),
        ("es", "del dos al cinco de junio", ("2027-06-02", "2027-06-05", 3)),
        ("en", "from the twelfth to the fourteenth of may", ("2027-05-12", "2027-05-14", 2)),
        ("pt", "chegamos a 3 e saímos a 6 de março, somos 2", ("2027-03-03", "2027-03-06", 3)),
        ("pt", "chegamos a 3 de março e saímos a 6", ("2027-03-03", "2027-03-06", 3)),
        ("pt", "quero 3 diárias a partir de 10 de fevereiro", ("2027-02-10", "2027-02-13", 3)),
        ("pt", "2 diárias a partir do dia 20 de março", ("2027-03-20", "2027-03-22", 2)),
        ("en", "friday 19 feb for 2 nights", ("2027-02-19", "2027-02-21", 2)),
        ("es", "el viernes 19 de febrero, 2 noches", ("2027-02-19", "2027-02-21", 2)),
        ("pt", "sexta-feira, 19 de fevereiro, 2 noites", ("2027-02-19", "2027-02-21", 2)),
    ],
)
def test_stays_guests_write(extract: Extract, lang: str, text: str, expected: tuple[str, str, int]) -> None:
    checkin, checkout, nights = expected
    assert dates(extract(text, lang)) == {"checkin": checkin, "checkout": checkout, "nights": nights}


def test_a_weekday_alone_is_still_the_next_one(extract: Extract) -> None:
    assert dates(extract("we arrive next friday", "en")) == {"checkin": "2027-01-15"}


@pytest.mark.parametrize(
    ("lang", "text", "adults", "children", "ages"),
    [
        ("en", "me, my husband and our 4 year old", 2, 1, [4]),
        ("en", "2 adults and 2 kids aged 5 and 8", 2, 2, [5, 8]),
        ("en", "oh, our son of 6 comes too", None, 1, [6]),
        ("es", "2 adultos y un niño de 7 años", 2, 1, [7]),
        ("pt", "eu, minha esposa e nosso filho de 5 anos", 2, 1, [5]),
    ],
)
def test_children_with_their_ages(
    extract: Extract, lang: str, text: str, adults: int | None, children: int, ages: list[int]
) -> None:
    found = extract(text, lang)
    assert found.get("adults") == adults
    assert found["children"] == children
    assert found["child_ages"] == ages


@pytest.mark.parametrize(
    "folded",
    ["hace 5 anos que vengo", "a 30 year old", "habitacion para 2 de 3 noches", "son of a gun"],
)
def test_what_is_not_a_child_age(folded: str) -> None:
    assert find_child_ages(folded) == []
