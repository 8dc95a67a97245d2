"""Rules applied after the classifier, for messages where a rule is plainly right.

- A bare booking reference ("HA-7K3Q9P", "my ref is ha7k3q9p") asks about that booking:
  `booking_status`, confident. The classifier sees one placeholder word and little else.
- A message that is only a value — an email, a phone number, a number, a date, or the name
  the extractor found — is an answer to a question the agent asked, not a request of its own.
  The classifier's guess is kept but its confidence is capped at `SLOT_REPLY_CONFIDENCE`, so
  the dialogue (which knows what it asked) fills the slot instead of switching flow.
- A message with nothing to read (only unknown emojis or punctuation) gets the same cap.
- Talking to one's own companion ("vou falar com meu marido", "let me check with my wife") is not a
  request for staff: a handoff guess is capped the same way.
"""

from __future__ import annotations

import re
from dataclasses import replace

from hotel_agent.nlu.intents import IntentPrediction
from hotel_agent.nlu.schemas import Entities
from hotel_agent.nlu.text import (
    EMAIL_TOKEN,
    NUMBER_TOKEN,
    PHONE_TOKEN,
    REF_TOKEN,
    fold_accents,
    normalize,
    words,
)

BARE_REFERENCE_CONFIDENCE = 0.95
SLOT_REPLY_CONFIDENCE = 0.3

# Words that frame a value without adding a request: "my ref is …", "mi correo: …", "é o …".
_FILLER = frozenset(
    [
        # en
        "?",
        "my",
        "is",
        "it",
        "its",
        "the",
        "a",
        "an",
        "here",
        "this",
        "ref",
        "reference",
        "booking",
        "code",
        "number",
        "no",
        "nr",
        "name",
        "i",
        "am",
        "im",
        "phone",
        "email",
        "mail",
        # es
        "mi",
        "es",
        "el",
        "la",
        "aqui",
        "codigo",
        "numero",
        "localizador",
        "reserva",
        "correo",
        "tel",
        "telefono",
        "cel",
        "celular",
        "nombre",
        "soy",
        # pt
        "meu",
        "minha",
        "e",
        "o",
        "da",
        "de",
        "do",
        "esta",
        "telemovel",
        "nome",
        "sou",
    ]
)
# Month and date words left around a date value ("15 de marzo", "March 3rd").
_DATE_WORDS = frozenset(
    [
        "jan",
        "january",
        "feb",
        "february",
        "mar",
        "march",
        "apr",
        "april",
        "may",
        "jun",
        "june",
        "jul",
        "july",
        "aug",
        "august",
        "sep",
        "sept",
        "september",
        "oct",
        "october",
        "nov",
        "november",
        "dec",
        "december",
        "st",
        "nd",
        "rd",
        "th",
        "to",
        "from",
        "until",
        "al",
        "del",
        "hasta",
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "setiembre",
        "octubre",
        "noviembre",
        "diciembre",
        "janeiro",
        "fevereiro",
        "marco",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro",
        "novembro",
        "dezembro",
        "ao",
        "ate",
        "y",
        "e",
    ]
)
_VALUE_TOKENS = frozenset({EMAIL_TOKEN, PHONE_TOKEN, NUMBER_TOKEN})
# "falar com meu marido", "hablar con mi esposa", "check with my wife": the guest's own people.
COMPANION_TALK = re.compile(
    r"\b(?:talk|speak|check|ask|discuss)\w*\s+(?:it\s+)?(?:with|to)\s+my\s+"
    r"(?:wife|husband|partner|boyfriend|girlfriend|family|boss|friends?|mum|mom|dad|parents)\b|"
    r"\b(?:hablar|hablarlo|consultar|consultarlo|preguntar|preguntarle|ver)\w*\s+(?:con|a)\s+mi\s+"
    r"(?:esposa|esposo|marido|mujer|pareja|novi[oa]|familia|jefe|amig[oa]s?|mama|papa|padres)\b|"
    r"\b(?:falar|conversar|consultar|ver|perguntar)\w*\s+(?:com|a|ao|pra|para)\s+(?:o\s+|a\s+)?(?:meu|minha)\s+"
    r"(?:esposa|esposo|marido|mulher|namorad[oa]|familia|chefe|amig[oa]s?|mae|pai|pais)\b"
)


def apply_rules(text: str, prediction: IntentPrediction, entities: Entities) -> IntentPrediction:
    """The prediction, corrected where one of the rules above applies."""
    normalized = normalize(_without_name(text, entities.name))
    content = [word for word in words(normalized) if word not in _FILLER]
    if content and set(content) == {REF_TOKEN}:
        if prediction.intent == "booking_status":
            return replace(prediction, confidence=max(prediction.confidence, BARE_REFERENCE_CONFIDENCE))
        return IntentPrediction(
            intent="booking_status",
            confidence=BARE_REFERENCE_CONFIDENCE,
            runner_up=prediction.intent,
            runner_up_confidence=prediction.confidence,
        )
    if prediction.intent == "human_handoff" and COMPANION_TALK.search(fold_accents(text)):
        return replace(prediction, confidence=min(prediction.confidence, SLOT_REPLY_CONFIDENCE))
    informative = [word for word in content if word not in _DATE_WORDS]
    only_values = all(word in _VALUE_TOKENS for word in informative)
    if only_values and prediction.confidence > SLOT_REPLY_CONFIDENCE:
        return replace(prediction, confidence=SLOT_REPLY_CONFIDENCE)
    return prediction


def _without_name(text: str, name: str | None) -> str:
    """The text (folded) without the extracted name, so "Ana Souza" alone reads as a value."""
    if not name:
        return text
    return fold_accents(text).replace(fold_accents(name), " ")
