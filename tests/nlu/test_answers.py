"""Answers to a yes/no question: a refusal or "keep it" wins over a yes word, hedges are no answer."""

from __future__ import annotations

import pytest

from hotel_agent.nlu.answers import Answer, yes_or_no


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes please", Answer.YES),
        ("ok thanks", Answer.YES),
        ("sí, gracias", Answer.YES),
        ("sim, obrigado", Answer.YES),
        ("no problem, go ahead", Answer.YES),
        ("claro, como no", Answer.YES),
        ("can't wait! yes book it", Answer.YES),
        ("beleza 👍", Answer.YES),
        ("nah leave it", Answer.NO),
        ("actually keep it, we're coming after all", Answer.NO),
        ("nada, déjala, al final sí vamos", Answer.NO),
        ("no, la mantengo", Answer.NO),
        ("mejor la dejo, gracias", Answer.NO),
        ("deixa, afinal a gente vai sim", Answer.NO),
        ("não, mantenho", Answer.NO),
        ("afinal vamos sim, mantém a reserva", Answer.NO),
        ("pera, vou falar com meu marido", Answer.NO),
        ("let me check with my wife first", Answer.NO),
        ("pode deixar", None),
        ("hmm maybe", None),
        ("talvez", None),
        ("what time is check-in?", None),
    ],
)
def test_yes_or_no(text: str, expected: Answer | None) -> None:
    assert yes_or_no(text) == expected
