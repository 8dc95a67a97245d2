"""Guest conversations for the load test: the plan's mix (70% availability, 20% booking, 10% queries) in
English, Spanish and Portuguese, written the way guests write on WhatsApp (short, informal, typos kept).

A script is a list of steps; a step is either fixed text or a function of the replies so far (the booking
guest picks one of the rooms offered, the lookup guest quotes a reference booked earlier in the run).
Everything random comes from the `random.Random` the user owns, so a run is reproducible from its seed.

Stays: check-in 7-97 days ahead, weighted towards the near term (exponential, mean 14 days), 1-4 nights,
1-3 adults. Guests ask about what they would really ask about, so availability answers are shared between
guests (the cache matters) and bookings land on the same nights (they invalidate cached answers as they
would in production).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

LANGUAGES = ("en", "es", "pt")
MIX = (("availability", 70), ("booking", 20), ("query", 10))
REFERENCE = re.compile(r"\b(HA-[2-9A-HJKMNP-Z]{6}|QA-\d+)\b")
OPTION_LINE = re.compile(r"^\s*(\d+)[.)] ", re.MULTILINE)
# Country codes guests of each language write from (E.164 without "+": what WhatsApp's wa_id carries).
COUNTRY_PREFIX = {"en": ("447700", "1415555"), "es": ("3461", "3462"), "pt": ("35191", "551191")}

MONTHS = {
    "en": ["january", "february", "march", "april", "may", "june", "july", "august", "september",
           "october", "november", "december"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"],
    "pt": ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
           "outubro", "novembro", "dezembro"],
}  # fmt: skip
MONTHS_SHORT_EN = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

GREETINGS = {"en": ["hi", "hello!", "good morning"], "es": ["hola", "buenas"], "pt": ["olá", "oi, bom dia"]}
AVAILABILITY = {
    "en": [
        "do you have a room from {span} for {adults}?",
        "hi, any rooms {span}? we are {adults}",
        "availability {span}, {adults} please",
        "looking for a room {span} for {adults}",
    ],
    "es": [
        "hola, tienen habitación {span} para {adults}?",
        "hay disponibilidad {span}? somos {adults}",
        "quería saber si tienen hab {span} para {adults}",
    ],
    "pt": [
        "olá, têm quarto {span} para {adults}?",
        "tem disponibilidade {span}? somos {adults}",
        "queria um quarto {span} para {adults}",
    ],
}
ADULTS = {
    "en": {1: "1 adult", 2: "2 adults", 3: "3 adults"},
    "es": {1: "1 adulto", 2: "2 adultos", 3: "3 adultos"},
    "pt": {1: "1 adulto", 2: "2 adultos", 3: "3 adultos"},
}
QUESTIONS = {
    "en": ["what time is check in?", "do you have parking?", "is breakfast included?", "do you have wifi?",
           "can I bring my dog?", "where are you located?"],
    "es": ["a qué hora es la entrada?", "hay aparcamiento?", "el desayuno está incluido?", "tienen wifi?",
           "se admiten mascotas?", "dónde están ubicados?"],
    "pt": ["a que horas é o check-in?", "tem estacionamento?", "o pequeno-almoço está incluído?",
           "têm wi-fi?", "posso levar o meu cão?", "onde ficam?"],
}  # fmt: skip
LOOKUPS = {
    "en": ["status of {ref}?", "can you check my booking {ref}", "hi, is {ref} confirmed?"],
    "es": ["estado de la reserva {ref}?", "me confirmas la reserva {ref}?"],
    "pt": ["status da reserva {ref}?", "pode ver a minha reserva {ref}?"],
}
YES = {"en": ["yes", "yes please", "ok, confirm"], "es": ["sí", "sí, confirma"], "pt": ["sim", "sim, pode"]}
FIRST_NAMES = ["Ana", "Luis", "Maria", "John", "Sara", "Paulo", "Emma", "Diego", "Rita", "Tom", "Lucia"]
LAST_NAMES = ["Silva", "Pérez", "Smith", "Costa", "García", "Brown", "Santos", "López", "Reis", "Moore"]


@dataclass(frozen=True)
class Stay:
    checkin: date
    nights: int
    adults: int

    @property
    def checkout(self) -> date:
        return self.checkin + timedelta(days=self.nights)


def pick_stay(rng: random.Random, today: date) -> Stay:
    offset = 7 + min(int(rng.expovariate(1 / 14)), 90)
    nights = rng.choices((1, 2, 3, 4), weights=(3, 4, 2, 1))[0]
    adults = rng.choices((1, 2, 3), weights=(2, 6, 1))[0]
    return Stay(today + timedelta(days=offset), nights, adults)


def span(stay: Stay, language: str, rng: random.Random) -> str:
    """'from 3 to 5 march' in the guest's words (month names, as guests write dates on WhatsApp)."""
    a, b = stay.checkin, stay.checkout
    months = MONTHS[language]
    same_month = a.month == b.month
    if language == "en":
        style = rng.randrange(3)
        if style == 0:
            return (
                f"{a.day} to {b.day} {months[b.month - 1]}"
                if same_month
                else (f"{a.day} {months[a.month - 1]} to {b.day} {months[b.month - 1]}")
            )
        if style == 1:
            return f"{MONTHS_SHORT_EN[a.month - 1]} {a.day} to {MONTHS_SHORT_EN[b.month - 1]} {b.day}"
        return f"from {months[a.month - 1]} {a.day} to {months[b.month - 1]} {b.day}"
    word = {"es": ("del", "al", "de"), "pt": ("de", "a", "de")}[language]
    if same_month:
        return f"{word[0]} {a.day} {word[1]} {b.day} {word[2]} {months[a.month - 1]}"
    return (
        f"{word[0]} {a.day} {word[2]} {months[a.month - 1]} {word[1]} {b.day} {word[2]} {months[b.month - 1]}"
    )


def offered_options(replies: list[str]) -> int:
    """How many rooms the last availability answer offered (numbered lines, or list rows)."""
    return max((len(OPTION_LINE.findall(text)) for text in replies), default=0)


# A step gets (replies to the previous turn) and returns the next message, or None to end the conversation.
Step = Callable[[list[str]], str | None]


@dataclass
class Conversation:
    flow: str
    language: str
    steps: list[Step]
    stay: Stay | None = None
    outcome: str = "done"  # done | sold_out | no_reference | booked
    references: list[str] = field(default_factory=list)


def build(flow: str, language: str, rng: random.Random, today: date, references: list[str]) -> Conversation:
    """One guest conversation of `flow` in `language`; `references`: bookings made earlier in the run."""
    conversation = Conversation(flow=flow, language=language, steps=[])
    steps = conversation.steps
    if flow == "query":
        if references and rng.random() < 0.5:
            reference = rng.choice(references)
            steps.append(_fixed(rng.choice(LOOKUPS[language]).format(ref=reference)))
        else:
            steps.append(_fixed(rng.choice(QUESTIONS[language])))
        return conversation
    stay = pick_stay(rng, today)
    conversation.stay = stay
    ask = rng.choice(AVAILABILITY[language]).format(
        span=span(stay, language, rng), adults=ADULTS[language][stay.adults]
    )
    if rng.random() < 0.2:
        steps.append(_fixed(rng.choice(GREETINGS[language])))
    steps.append(_fixed(ask))
    if flow == "availability":
        return conversation

    def choose(replies: list[str]) -> str | None:
        count = offered_options(replies)
        if count == 0:
            conversation.outcome = "sold_out"
            return None
        return str(rng.randint(1, count))

    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    email = f"{first}.{last}{rng.randrange(10_000)}@example.com".lower().replace("é", "e").replace("í", "i")
    details = f"{first} {last}, {email}"

    def confirm(replies: list[str]) -> str | None:
        return rng.choice(YES[language])

    steps.extend([choose, _fixed(details), confirm])
    return conversation


def _fixed(text: str) -> Step:
    return lambda _replies: text


def pick_flow(rng: random.Random) -> str:
    return rng.choices([name for name, _ in MIX], weights=[weight for _, weight in MIX])[0]


def phone_number(language: str, user_number: int, conversation_number: int, run: int) -> str:
    """A wa_id no other user has (user numbers up to 1,000 and 1,000 conversations each): the run, the user
    and the user's conversation count are in it."""
    prefix = COUNTRY_PREFIX[language][user_number % 2]
    return f"{prefix}{run % 100:02d}{user_number % 1000:03d}{conversation_number % 1000:03d}"
