"""NluService.parse on realistic messages written for these tests (not from the data files)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from hotel_agent.nlu import evaluation
from hotel_agent.nlu.dataset import read_examples
from hotel_agent.nlu.rules import SLOT_REPLY_CONFIDENCE
from hotel_agent.nlu.service import NluService
from tests.support.nlu import SUNDAY_NOON

# (language, message, intent, entities that must be present with these values)
UNSEEN: list[tuple[str, str, str, dict[str, object]]] = [
    # English
    (
        "en",
        "Hey there! Got any rooms free this weekend for me and my wife?",
        "check_availability",
        {"checkin": "2027-01-15", "checkout": "2027-01-17", "adults": 2},
    ),
    (
        "en",
        "I'd like to book the junior suite for 3 nights from March 3rd",
        "make_reservation",
        {"checkin": "2027-03-03", "nights": 3, "room_type": "suite"},
    ),
    (
        "en",
        "could you check if reservation HA-7K3Q9P is confirmed?",
        "booking_status",
        {"booking_ref": "HA-7K3Q9P"},
    ),
    ("en", "Something came up, please cancel my booking", "cancel_reservation", {}),
    ("en", "can we push our stay back by one day?", "modify_reservation", {}),
    ("en", "what time is breakfast served?", "hotel_info", {}),
    ("en", "how much is a double room per night?", "price_inquiry", {"room_type": "double"}),
    ("en", "can I talk to a real person please", "human_handoff", {}),
    ("en", "thanks so much, you've been really helpful", "thanks", {}),
    ("en", "ok bye!", "goodbye", {}),
    ("en", "what's the capital of australia?", "out_of_scope", {}),
    ("en", "yep, that works for me", "affirm", {}),
    ("en", "no, not that one", "deny", {}),
    ("en", "good morning!", "greeting", {}),
    # Spanish
    (
        "es",
        "Holaa, tienen habitación para 2 adultos y un niño del 3 al 5 de marzo?",
        "check_availability",
        {"checkin": "2027-03-03", "checkout": "2027-03-05", "nights": 2, "adults": 2, "children": 1},
    ),
    (
        "es",
        "quiero reservar una habitación doble para mañana",
        "make_reservation",
        {"checkin": "2027-01-11", "room_type": "double"},
    ),
    ("es", "me confirmas si mi reserva ha7k3q9p está ok?", "booking_status", {"booking_ref": "HA-7K3Q9P"}),
    ("es", "necesito anular la reserva que hice ayer", "cancel_reservation", {}),
    (
        "es",
        "se puede cambiar la fecha de mi reserva al 20 de febrero?",
        "modify_reservation",
        {"checkin": "2027-02-20"},
    ),
    ("es", "aceptan mascotas? viajo con mi perro", "hotel_info", {}),
    ("es", "cuanto sale la noche en la suite?", "price_inquiry", {"room_type": "suite"}),
    ("es", "me pasas con alguien de recepción?", "human_handoff", {}),
    ("es", "muchísimas gracias!!", "thanks", {}),
    ("es", "chau, hasta luego", "goodbye", {}),
    ("es", "quién ganó el partido de anoche?", "out_of_scope", {}),
    ("es", "sí, dale", "affirm", {}),
    ("es", "no, gracias", "deny", {}),
    ("es", "buenas tardes", "greeting", {}),
    # Portuguese
    (
        "pt",
        "oi, vcs têm quarto de casal pro fim de semana?",
        "check_availability",
        {"checkin": "2027-01-15", "checkout": "2027-01-17", "room_type": "double"},
    ),
    (
        "pt",
        "quero reservar um quarto para 2 pessoas por 3 noites",
        "make_reservation",
        {"adults": 2, "nights": 3},
    ),
    ("pt", "minha reserva HA-7K3Q9P está confirmada?", "booking_status", {"booking_ref": "HA-7K3Q9P"}),
    ("pt", "preciso cancelar minha reserva, surgiu um imprevisto", "cancel_reservation", {}),
    ("pt", "dá pra mudar minha reserva pra 3 pessoas?", "modify_reservation", {"adults": 3}),
    ("pt", "o hotel tem estacionamento?", "hotel_info", {}),
    ("pt", "qual o valor da diária do quarto família?", "price_inquiry", {"room_type": "family"}),
    ("pt", "quero falar com um atendente", "human_handoff", {}),
    ("pt", "obrigadaaa 😊", "thanks", {}),
    ("pt", "tchau, até mais", "goodbye", {}),
    ("pt", "me conta uma piada", "out_of_scope", {}),
    ("pt", "isso mesmo, pode reservar", "affirm", {}),
    ("pt", "não, obrigado", "deny", {}),
    ("pt", "bom dia, tudo bem?", "greeting", {}),
]


@pytest.mark.parametrize(("lang", "text", "intent", "entities"), UNSEEN)
def test_parse_unseen_messages(
    nlu_service: NluService, lang: str, text: str, intent: str, entities: dict[str, object]
) -> None:
    result = nlu_service.parse(text, now=SUNDAY_NOON).as_json()
    assert result["language"] == lang
    assert result["intent"] == intent, result
    present = result["entities"]
    assert isinstance(present, dict)
    for key, value in entities.items():
        assert present.get(key) == value, (key, present)


def test_output_shape(nlu_service: NluService) -> None:
    result = nlu_service.parse("hola, tienen habitación para el finde?", now=SUNDAY_NOON)
    body = result.as_json()
    assert list(body) == ["language", "intent", "confidence", "entities"]
    assert body["entities"] == {"checkin": "2027-01-15", "checkout": "2027-01-17", "nights": 2}
    assert 0.0 <= result.confidence <= 1.0


def test_a_bare_booking_reference_asks_for_its_status(nlu_service: NluService) -> None:
    for text in ["HA-7K3Q9P", "ha7k3q9p", "my ref is HA-7K3Q9P", "código: HA-7K3Q9P"]:
        result = nlu_service.parse(text, now=SUNDAY_NOON)
        assert result.intent == "booking_status", text
        assert result.confidence >= 0.9
        assert result.entities.booking_ref == "HA-7K3Q9P"


@pytest.mark.parametrize("text", ["ana.souza@gmail.com", "+351 912 345 678", "2", "15/03", "😅", "...", "?"])
def test_a_bare_value_has_low_confidence(nlu_service: NluService, text: str) -> None:
    result = nlu_service.parse(text, now=SUNDAY_NOON, previous_language="pt")
    assert result.confidence <= SLOT_REPLY_CONFIDENCE
    assert result.language == "pt"


def test_emojis_with_a_meaning(nlu_service: NluService) -> None:
    assert nlu_service.parse("👍", previous_language="es").intent == "affirm"
    assert nlu_service.parse("🙏🙏", previous_language="es").intent == "thanks"


def test_lang_skips_detection(nlu_service: NluService) -> None:
    # "3/5" is read per language: 5 March in English, 3 May in Spanish.
    english = nlu_service.parse("room for 3/5", now=SUNDAY_NOON, lang="en")
    spanish = nlu_service.parse("room for 3/5", now=SUNDAY_NOON, lang="es")
    assert english.language == "en"
    assert spanish.language == "es"
    assert english.entities.checkin != spanish.entities.checkin


def test_previous_language_is_kept_for_short_replies(nlu_service: NluService) -> None:
    assert nlu_service.parse("ok", previous_language="pt").language == "pt"
    assert nlu_service.parse("si", previous_language="pt").language == "pt"
    assert nlu_service.parse("sim", previous_language="es").language == "es"


def test_naive_now_is_hotel_time_and_aware_now_is_converted(nlu_service: NluService) -> None:
    naive = nlu_service.parse("tomorrow", now=datetime(2027, 1, 10, 23, 30))
    assert str(naive.entities.checkin) == "2027-01-11"
    # 23:30 in New York is already 04:30 on Monday in Lisbon, so "tomorrow" is Tuesday.
    new_york = timezone(timedelta(hours=-5))
    aware = nlu_service.parse("tomorrow", now=datetime(2027, 1, 10, 23, 30, tzinfo=new_york))
    assert str(aware.entities.checkin) == "2027-01-12"
    assert nlu_service.local_time(datetime(2027, 7, 1, 12, tzinfo=UTC)).hour == 13  # WEST


def test_languages_restrict_detection(model_dir: Path) -> None:
    service = NluService.build(languages=("es", "pt"), model_dir=model_dir)
    assert service.parse("hello, do you have rooms?").language in {"es", "pt"}


def test_unseen_messages(nlu_service: NluService) -> None:
    """Everyday messages written for the tests (none in train or dev): a guard against regressions."""
    examples = read_examples(Path(__file__).parent / "fixtures" / "unseen.jsonl")
    report = evaluation.score(evaluation.run(nlu_service, examples, SUNDAY_NOON))
    assert report.overall.lines == len(examples) > 200
    for lang, score in report.languages.items():
        assert score.accuracy >= 0.92, (lang, score)
        assert score.language_accuracy >= 0.97, (lang, score)
