"""Adults and children, per docs/nlu-data.md."""

from __future__ import annotations

import pytest

from tests.support.entities import Extract


def guests(result: dict[str, object]) -> dict[str, object]:
    return {key: result[key] for key in ("adults", "children") if key in result}


@pytest.mark.parametrize(
    ("lang", "text", "expected"),
    [
        ("es", "2 adultos y un niño", {"adults": 2, "children": 1}),
        ("es", "dos adultos y tres niños", {"adults": 2, "children": 3}),
        ("es", "una pareja", {"adults": 2}),
        ("es", "somos una pareja con un bebé", {"adults": 2, "children": 1}),
        ("es", "somos 4", {"adults": 4}),
        ("es", "para 4 personas", {"adults": 4}),
        ("es", "mi esposa y yo", {"adults": 2}),
        ("es", "voy con mi novia", {"adults": 2}),
        ("es", "solo yo", {"adults": 1}),
        ("es", "dos niños", {"children": 2}),
        ("es", "hay lugar para 2 parejas?", {"adults": 4}),
        ("es", "tienen para dos?", {"adults": 2}),
        ("es", "habitación para mi y mis 3 nenes", {"adults": 1, "children": 3}),
        ("es", "somos 4, 2 adultos y 2 niños", {"adults": 2, "children": 2}),
        ("es", "somos 4 con 2 niños", {"adults": 2, "children": 2}),
        ("en", "2 adults 1 kid", {"adults": 2, "children": 1}),
        ("en", "a couple", {"adults": 2}),
        ("en", "we are 4", {"adults": 4}),
        ("en", "there are 3 of us", {"adults": 3}),
        ("en", "for 4 people", {"adults": 4}),
        ("en", "my wife and I", {"adults": 2}),
        ("en", "me and my husband and our 2 kids", {"adults": 2, "children": 2}),
        ("en", "just me", {"adults": 1}),
        ("en", "rooms for 2?", {"adults": 2}),
        ("en", "table for one", {"adults": 1}),
        ("en", "2 kids", {"children": 2}),
        ("en", "couple + baby", {"adults": 2, "children": 1}),
        ("en", "a room for a single traveller", {"adults": 1}),
        ("en", "reserve for Daniel Okafor + wife", {"adults": 2}),
        ("pt", "um casal", {"adults": 2}),
        ("pt", "eu e minha esposa", {"adults": 2}),
        ("pt", "só eu", {"adults": 1}),
        ("pt", "duas crianças", {"children": 2}),
        ("pt", "2 adultos + 1 criança", {"adults": 2, "children": 1}),
        ("pt", "para 4 pessoas", {"adults": 4}),
        ("pt", "quarto pra 2", {"adults": 2}),
        ("pt", "vamos em 4", {"adults": 4}),
        ("pt", "tem vaga pra eu e meus 2 filhos?", {"adults": 1, "children": 2}),
        ("pt", "pra mim e meu marido", {"adults": 2}),
        ("pt", "Somos 2 adultos e 2 miúdos", {"adults": 2, "children": 2}),
        ("pt", "mudar pra 3 pessoas", {"adults": 3}),
        ("pt", "eu minha esposa e os 2 filhos", {"adults": 2, "children": 2}),
        ("es", "yo con mis 2 hijos", {"adults": 1, "children": 2}),
        ("es", "yo mi esposo y mis 3 hijos", {"adults": 2, "children": 3}),
        ("en", "me with my 2 kids", {"adults": 1, "children": 2}),
    ],
)
def test_guests(extract: Extract, lang: str, text: str, expected: dict[str, object]) -> None:
    assert guests(extract(text, lang)) == expected


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("es", "2 noches"),
        ("es", "para el día 2"),
        ("es", "hotel de 5 estrellas"),
        ("es", "la habitación 2"),
        ("es", "dos camas"),
        ("es", "quiero hablar con una persona"),
        ("es", "vamos a ser uno menos"),
        ("es", "ya no voy con mi esposa"),
        ("es", "me ayudas a escribir un mail para mi jefe"),
        ("es", "a las 2"),
        ("en", "for 2 nights"),
        ("en", "is there a kids club"),
        ("en", "can we add one more person to the booking"),
        ("en", "2 beds please"),
        ("pt", "quarto de casal"),
        ("pt", "cama de casal"),
        ("pt", "quero falar com uma pessoa"),
        ("pt", "menor de idade pode se hospedar sozinho?"),
        ("pt", "reserva pra mim o quarto duplo"),
        ("es", "yo mi reserva la hice ayer"),
        ("en", "tell me my booking"),
        ("pt", "custa 200 reais"),
    ],
)
def test_numbers_that_are_not_guests(extract: Extract, lang: str, text: str) -> None:
    assert guests(extract(text, lang)) == {}
