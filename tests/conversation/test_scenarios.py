"""The plan's scenarios 1-4 (plan.md C.2) through the HTTP API on the embedded PMS, in each language."""

from __future__ import annotations

import re
from dataclasses import dataclass

import httpx
import pytest

from hotel_agent.pms.schemas import BookingStatus
from tests.support.conversation import conversation, keys, texts

REFERENCE = re.compile(r"HA-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}")


@dataclass(frozen=True)
class Script:
    language: str
    availability: str
    choose: str
    details: str
    yes: str
    status: str  # formatted with the reference
    cancel: str  # formatted with the reference
    room_names: tuple[str, ...]
    per_night: str  # how one price must appear, formatted for the locale


SCRIPTS = [
    Script(
        "es",
        "¿Tienen habitaciones disponibles para el 15 de enero?",
        "la 1",
        "Ana Souza, ana.souza@example.com, +34 612 345 678",
        "sí, confírmala",
        "¿Cuál es el estado de mi reserva {ref}?",
        "quiero cancelar la reserva {ref}",
        ("Habitación Doble", "Suite Junior"),
        "135,00\xa0€",
    ),
    Script(
        "en",
        "Do you have rooms available for January 15th?",
        "1",
        "John Smith, john.smith@example.com, +351 912 345 678",
        "yes please",
        "What's the status of my booking {ref}?",
        "I need to cancel my reservation {ref}",
        ("Double Room", "Junior Suite"),
        "€135.00",
    ),
    Script(
        "pt",
        "Vocês têm quartos disponíveis para 15 de janeiro?",
        "o primeiro",
        "Pedro Alves, pedro.alves@example.com, +55 11 91234 5678",
        "sim, pode confirmar",
        "Qual é o status da minha reserva {ref}?",
        "quero cancelar minha reserva {ref}",
        ("Quarto Duplo", "Suíte Júnior"),
        "135,00\xa0€",
    ),
]


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda s: s.language)
async def test_availability_booking_lookup_and_cancellation(
    client: httpx.AsyncClient, script: Script
) -> None:
    say = conversation(client)

    # Test 1: availability -> check_availability -> room types and prices.
    turn = await say(script.availability)
    assert turn["intent"] == "check_availability"
    assert turn["language"] == script.language
    assert keys(turn) == ["availability.success"]
    reply = texts(turn)
    for name in script.room_names:
        assert name in reply
    assert script.per_night in reply  # Friday 15 Jan is a weekend night: the double's weekend rate
    assert turn["stage"] == "awaiting_room_choice"

    # Test 2: choose a room, give name and email, confirm -> a stored booking with its reference.
    turn = await say(script.choose)
    assert keys(turn) == ["booking.ask_guest_details"]
    turn = await say(script.details)
    assert keys(turn) == ["booking.summary"]
    assert turn["replies"][0]["kind"] == "buttons"
    turn = await say(script.yes)
    assert keys(turn) == ["booking.confirmed"]
    match = REFERENCE.search(texts(turn))
    assert match, texts(turn)
    reference = match.group(0)
    pms = client.app.state.components.resources.pms  # type: ignore[attr-defined]
    stored = await pms.get_booking(reference)
    assert stored.status is BookingStatus.CONFIRMED
    assert str(stored.checkin) == "2027-01-15"
    assert str(stored.checkout) == "2027-01-16"
    assert stored.guest_email == script.details.split(", ")[1]

    # Test 3: lookup by reference with correct details.
    turn = await say(script.status.format(ref=reference))
    assert turn["intent"] == "booking_status"
    assert keys(turn) == ["status.details"]
    assert reference in texts(turn)
    assert script.details.split(", ")[0] in texts(turn)

    # Test 4: cancellation -> confirm -> cancelled in the PMS; a second request is answered sensibly.
    turn = await say(script.cancel.format(ref=reference))
    assert turn["intent"] == "cancel_reservation"
    assert keys(turn) == ["cancel.confirm"]
    turn = await say(script.yes)
    assert keys(turn) == ["cancel.done"]
    assert (await pms.get_booking(reference)).status is BookingStatus.CANCELLED
    turn = await say(script.cancel.format(ref=reference))
    assert keys(turn) == ["cancel.already_cancelled"]
