"""Dialogue behaviour beyond the happy path: corrections, switching language, info, handoff, modification."""

from __future__ import annotations

import re

import httpx

from hotel_agent.pms.schemas import BookingStatus
from tests.support.admin import login, make_user
from tests.support.conversation import conversation, keys, texts

REFERENCE = re.compile(r"HA-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}")


async def book(say, *, language: str = "en") -> str:  # type: ignore[no-untyped-def]
    await say("do you have a double room from march 3rd to the 5th for 2 adults?")
    await say("1")
    await say("Maria Lopez, maria@example.com, +351 912 345 678")
    turn = await say("yes")
    match = REFERENCE.search(texts(turn))
    assert match, texts(turn)
    return match.group(0)


async def test_whatsapp_spanish_availability_for_the_weekend(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    turn = await say("tienen hab para el finde?")
    assert turn["language"] == "es"
    assert keys(turn) == ["availability.success"]
    reply = texts(turn)
    # Sunday 10 Jan: the coming weekend is Friday 15 to Sunday 17, two weekend nights.
    assert "viernes 15 de enero" in reply
    assert "domingo 17 de enero" in reply
    assert "2 noches" in reply
    assert "(es)" not in reply


async def test_only_room_types_that_fit_the_party_are_offered(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    turn = await say("rooms for 4 people on march 10th for 2 nights?")
    reply = texts(turn)
    assert "Family Room" in reply
    assert "Double Room" not in reply
    assert "Single Room" not in reply


async def test_a_correction_mid_flow_requotes(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    await say("do you have a room for 2 from march 3rd to the 5th")
    turn = await say("actually we are 4 people")
    assert keys(turn) == ["availability.success"]
    assert "Family Room" in texts(turn)
    assert "Double Room" not in texts(turn)


async def test_language_switch_mid_conversation(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    first = await say("hello, do you have rooms for 2 on march 3rd?")
    assert first["language"] == "en"
    switched = await say("perdona, mejor hablo en español: ¿tienen habitaciones para el 4 de marzo?")
    assert switched["language"] == "es"
    assert "marzo" in texts(switched)


async def test_hotel_information_comes_from_the_profile(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    turn = await say("a q hora es el check in?")
    assert keys(turn) == ["info.checkin_checkout"]
    assert "15:00" in texts(turn)
    turn = await say("tienen estacionamiento?")
    assert "Garaje" in texts(turn)
    turn = await say("do you accept pets?")
    assert "pets" in texts(turn).lower()


async def test_out_of_scope_and_clarification(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    turn = await say("who won the football game yesterday?")
    assert keys(turn) == ["fallback.out_of_scope"]
    turn = await say("yes")
    assert keys(turn) == ["fallback.clarify"]


async def test_handoff_silences_the_bot_until_staff_release(client: httpx.AsyncClient) -> None:
    say = conversation(client, "handoff-" + REFERENCE.pattern[:0] + "guest-1")
    turn = await say("quero falar com um atendente")
    assert turn["handoff"] is True
    assert keys(turn) == ["handoff.started"]
    silent = await say("alô? tem alguém aí?")
    assert silent["replies"] == []

    editor = (await login(client, await make_user(client))).json()["access_token"]
    headers = {"Authorization": f"Bearer {editor}"}
    queue = (await client.get("/admin/handoffs", headers=headers)).json()
    mine = [item for item in queue if item["conversation_id"] == "handoff-guest-1"]
    assert mine
    assert mine[0]["last_message"] == "alô? tem alguém aí?"
    released = await client.post("/admin/conversations/handoff-guest-1/release", headers=headers)
    assert released.status_code == 200
    assert released.json()["released_by"].startswith("op-")
    back = await say("obrigado! vcs tem quarto pra amanhã?")
    assert back["handoff"] is False
    assert back["replies"]


async def test_modify_dates_requotes_and_changes_the_booking(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    reference = await book(say)
    turn = await say(f"can I change booking {reference} to march 4th to the 7th?")
    assert turn["intent"] == "modify_reservation"
    assert keys(turn) == ["modify.confirm"]
    turn = await say("yes")
    assert keys(turn) == ["modify.done"]
    pms = client.app.state.components.resources.pms  # type: ignore[attr-defined]
    changed = await pms.get_booking(reference)
    assert (str(changed.checkin), str(changed.checkout)) == ("2027-03-04", "2027-03-07")
    assert changed.status is BookingStatus.CONFIRMED


async def test_a_party_the_room_cannot_take_is_named_with_the_rooms_that_can(
    client: httpx.AsyncClient,
) -> None:
    say = conversation(client)
    reference = await book(say)
    turn = await say(f"can I change booking {reference} to 3 adults?")
    assert keys(turn) == ["modify.does_not_fit"]
    reply = texts(turn)
    assert "The Double Room doesn't take 3 adults." in reply
    assert "Family Room" in reply
    turn = await say("the family room")
    assert keys(turn) == ["modify.confirm"]


async def test_my_booking_refers_to_the_one_made_in_this_conversation(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    reference = await book(say)
    turn = await say("what's the status of my booking?")
    assert keys(turn) == ["status.details"]
    assert reference in texts(turn)


async def test_a_redelivered_confirmation_never_books_twice(client: httpx.AsyncClient) -> None:
    """A crash after the PMS booked but before the state was saved: the message comes again."""
    say = conversation(client)
    await say("do you have a suite from april 3rd to the 5th for 2?")
    await say("1")
    details = await say("Li Wei, li.wei@example.com, +351 912 345 679")
    assert keys(details) == ["booking.summary"]
    components = client.app.state.components.conversation  # type: ignore[attr-defined]
    before_yes = await components.store.load(details["conversation_id"])
    first = await say("yes", message_id="wamid.CONFIRM-1")
    await components.store.save(before_yes)  # the saved state is lost: as if the worker died
    again = await say("yes", message_id="wamid.CONFIRM-1")
    first_ref, again_ref = REFERENCE.search(texts(first)), REFERENCE.search(texts(again))
    assert first_ref
    assert again_ref
    assert first_ref.group(0) == again_ref.group(0)


async def test_empty_message_is_rejected(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/messages", json={"conversation_id": "x", "text": "  "})
    assert response.status_code == 422
    assert "text" in response.json()["detail"]


async def test_room_chosen_by_name_word_or_yes_to_only_offer(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    await say("vcs tem quarto pra semana que vem? 3 noites, somos 2 adultos")
    turn = await say("o familia")
    assert keys(turn) == ["booking.ask_guest_details"]
    assert "Família" in texts(turn)

    other = conversation(client)
    listed = await other("quartos para 2 adultos e 2 crianças de 11 a 14 de janeiro?")
    assert [option["id"] for option in listed["replies"][0]["options"]] == ["room:family"]
    turn = await other("sim")
    assert keys(turn) == ["booking.ask_guest_details"]


async def test_asking_the_price_of_a_listed_room_is_not_choosing_it(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    await say("looking for a room next friday for me and my wife, 2 nights")
    turn = await say("how much is the suite?")
    assert keys(turn) == ["booking.offer_details"]
    assert "€500.00" in texts(turn)
    turn = await say("yes")
    assert keys(turn) == ["booking.ask_guest_details"]


async def test_changing_the_nights_at_the_summary_requotes_the_same_room(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    await say("a double room next friday for 2 nights for 2 adults please")
    await say("1")
    turn = await say("John Appleseed, john@apple.example, +351 912 345 670")
    assert keys(turn) == ["booking.summary"]
    turn = await say("actually can we make it 3 nights")
    assert keys(turn) == ["booking.summary"]
    assert "3 nights" in texts(turn)
