"""The task frame: what the guest has said about the booking they want, filled from every message.

Each turn's entities update the frame in any stage — the stay (dates, nights, party with children and
their ages, room type) and the guest (name, email, phone) — and the booking flow then asks only for what
is still missing, in a receptionist's order: dates, room, name and email, a phone when the PMS needs one
and the channel did not give it, then the summary. An answer to the pending question is read as that
answer: a bare "Ana Souza" when we asked for the name; "the 23rd" or "we leave on the 13th" next to a
stay already on the table is read in that stay's month, not the next 13th from today.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from hotel_agent.conversation.context import Turn
from hotel_agent.conversation.state import StaySlots
from hotel_agent.conversation.stay import mentions_stay, merge_stay
from hotel_agent.nlu.answers import yes_or_no
from hotel_agent.nlu.entities import extract_name_reply
from hotel_agent.nlu.schemas import Entities
from hotel_agent.nlu.text import fold_accents
from hotel_agent.pms.schemas import normalize_phone

# A day said alone for a new arrival is read in the month nearest the current one ("arrival the 8th").
ARRIVAL_WINDOW_DAYS = 15
# "our son of 6 comes too": a child joins the party rather than replacing it.
_JOINS = re.compile(
    r"\b(?:too|also|as\s+well|another|tambien|tambem|ademas|alem\s+disso|mais\s+uma?|otro|otra|"
    r"outro|outra|viene|vem|comes|coming)\b"
)
# Confirmation and refusal words are never a name ("Go Ahead", "Sim Pode").
_NOT_A_NAME_INTENTS = frozenset({"affirm", "deny", "thanks", "goodbye"})


def stay_entities(turn: Turn, checkin: date | None) -> Entities:
    """The message's entities with a day said alone read next to the stay that starts on `checkin`.

    The NLU resolves "the 13th" against today; beside a stay in February that is 13 February, not
    13 January. A date whose month the guest said reads the same from either anchor, so only a day
    whose month moves with the anchor is re-read.
    """
    entities = turn.parsed.entities
    if checkin is None or turn.reread is None:
        return entities
    if entities.checkout is not None and entities.checkin is None:
        again = turn.reread(checkin)
        if again.checkout is not None and again.checkout.month != entities.checkout.month:
            return entities.model_copy(update={"checkout": again.checkout})
        return entities
    if entities.checkin is not None and entities.checkout is None:
        again = turn.reread(checkin - timedelta(days=ARRIVAL_WINDOW_DAYS))
        moved = again.checkin
        if (
            moved is not None
            and moved.month != entities.checkin.month
            and abs((moved - checkin).days) < abs((entities.checkin - checkin).days)
            and moved >= turn.today
        ):
            return entities.model_copy(update={"checkin": moved})
    return entities


_ARRIVAL = re.compile(
    r"\b(?:arrival|arrive|arriving|check[\s-]?in|llegada|llegamos|llego|llegaremos|entrada|"
    r"chegada|chegamos|chego|chega|chegaremos)\b"
)


_EXTRA_NIGHTS = re.compile(
    r"\b(?P<n>\d|one|two|a|an|another|una|un|dos|uma|um|duas|mais\s+uma|mais\s+duas)\s+"
    r"(?:(?:more|extra)\s+)?(?:nights?|noches?|noites?|diarias?)\b(?:\s+(?:more|extra|mas|a\s+mais|adicional(?:es)?))?"
)
_MORE = re.compile(
    r"\b(?:more|extra|another|add|adding|extend|mas|anadir|agregar|sumar|mais|acrescentar|adicionar|adicional|prolongar|alargar|estender)\b"
)
_COUNT_WORDS = {
    "one": 1,
    "a": 1,
    "an": 1,
    "another": 1,
    "una": 1,
    "un": 1,
    "uma": 1,
    "um": 1,
    "mais uma": 1,
    "two": 2,
    "dos": 2,
    "duas": 2,
    "mais duas": 2,
}


def extra_nights(text: str) -> int | None:
    """ "one more night", "una noche más", "mais uma noite": nights added to the stay, not its length."""
    folded = fold_accents(text)
    match = _EXTRA_NIGHTS.search(folded)
    if match is None or _MORE.search(folded) is None:
        return None
    raw = " ".join(match["n"].split())
    return int(raw) if raw.isdigit() else _COUNT_WORDS.get(raw)


def arrival_only(turn: Turn) -> bool:
    """The message names the arrival ("actually arrival is the 8th") and no departure or length."""
    entities = turn.parsed.entities
    return (
        entities.checkin is not None
        and entities.checkout is None
        and entities.nights is None
        and _ARRIVAL.search(fold_accents(turn.message.text)) is not None
    )


def updated_stay(turn: Turn) -> StaySlots:
    """The frame's stay with this message applied: a correction changes only the slot it names.

    "actually arrival is the 8th" moves the arrival and keeps the departure; a bare "no, the 16th"
    moves the stay and keeps its nights.
    """
    stay = turn.state.stay
    entities = stay_entities(turn, stay.checkin)
    added = extra_nights(turn.message.text)
    if added is not None and stay.checkout is not None and entities.checkin is None:
        entities = entities.model_copy(
            update={"nights": None, "checkout": stay.checkout + timedelta(days=added)}
        )
    merged = merge_stay(stay, entities)
    if (
        arrival_only(turn)
        and entities.checkin is not None
        and stay.checkout is not None
        and not stay.assumed_nights
        and entities.checkin < stay.checkout
    ):
        merged.checkout = stay.checkout
    joining = entities.adults is None and joins_party(turn.message.text)
    if entities.children is not None and joining and stay.children:
        merged.children = stay.children + entities.children
    ages = list(entities.child_ages or [])
    if ages:
        merged.child_ages = [*stay.child_ages, *ages] if joining else ages
        merged.children = max(merged.children or 0, len(merged.child_ages))
    elif entities.adults is not None and entities.children is None:
        merged.child_ages = []
    elif entities.children is not None and not joining:
        merged.child_ages = stay.child_ages[: entities.children]
    return merged


def joins_party(text: str) -> bool:
    """ "oh, our son of 6 comes too", "y otro niño": the people said are added to the party."""
    return _JOINS.search(fold_accents(text)) is not None


def valid_phone(raw: str, country: str) -> str | None:
    """E.164, or None for a number libphonenumber rejects."""
    try:
        return normalize_phone(raw, default_region=country or None)
    except ValueError:
        return None


def needs_phone(turn: Turn) -> bool:
    """The channel gave no phone and the guest has not given one: ask (issue 11). A number we cannot
    validate, or a "no", ends the asking unless the PMS refuses bookings without a valid phone (QloApps)."""
    guest = turn.state.guest
    if guest.phone is not None:
        return False
    return turn.pms.requires_guest_phone or not guest.phone_skipped


def take_guest_details(turn: Turn, *, name_asked: bool = False) -> bool:
    """Name, email and phone from the message into the frame; True when any of them changed.

    `name_asked`: we just asked for the name, so a bare "ana souza" is the name (but "go ahead" is not).
    """
    entities = turn.parsed.entities
    guest = turn.state.guest
    before = (guest.name, guest.email, guest.phone)
    if entities.email:
        guest.email = entities.email.lower()
    if entities.phone:
        phone = valid_phone(entities.phone, turn.hotel.country)
        guest.phone = phone or guest.phone
        guest.phone_skipped = guest.phone_skipped or phone is None
    if entities.name and entities.name.casefold() not in _confirmation_words(turn):
        guest.name = entities.name
    elif (
        name_asked
        and guest.name is None
        and not _is_confirmation(turn)
        and not mentions_stay(entities)
        and not entities.booking_ref
    ):
        guest.name = extract_name_reply(turn.message.text)
    if guest.phone is None and turn.message.sender_phone:
        guest.phone = valid_phone(turn.message.sender_phone, turn.hotel.country)
    return (guest.name, guest.email, guest.phone) != before


_DIGITS = re.compile(r"\+?\d[\d\s().-]{2,}")


def gave_invalid_phone(turn: Turn) -> bool:
    """A number the guest typed as their phone that is not one ("123", a fictional range)."""
    entities = turn.parsed.entities
    if entities.phone is not None:
        return valid_phone(entities.phone, turn.hotel.country) is None
    return not mentions_stay(entities) and _DIGITS.search(turn.message.text) is not None


def _is_confirmation(turn: Turn) -> bool:
    """A tap, or a yes/no/thanks without contact details: "go ahead" is an answer, not a name; so is
    "genial, la reservamos" (a booking request with a yes word)."""
    if turn.message.choice_id is not None:
        return True
    entities = turn.parsed.entities
    if entities.email or entities.phone:
        return False
    if turn.intent == "make_reservation" and turn.parsed.confidence >= 0.5:
        return True
    if yes_or_no(turn.message.text) is not None:
        return True
    return turn.intent in _NOT_A_NAME_INTENTS and turn.parsed.confidence >= 0.5


def _confirmation_words(turn: Turn) -> set[str]:
    return {turn.message.text.strip().casefold()} if _is_confirmation(turn) else set()
