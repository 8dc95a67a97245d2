"""The task frame (issue 11): what the guest said is kept in any stage, the pending question's answer is
read as that answer, a correction at the summary changes only its slot, and nothing is booked that the
guest has not seen in a summary and confirmed."""

from __future__ import annotations

import httpx

from hotel_agent.config import Settings
from hotel_agent.conversation.testing.harness import in_process
from tests.support.app import shared_nlu
from tests.support.conversation import conversation, keys, texts


async def test_a_room_type_named_up_front_is_offered_and_the_details_book_it(
    client: httpx.AsyncClient,
) -> None:
    say = conversation(client)
    turn = await say("hi, do you have a double for 3 to 5 feb for 2 adults?")
    assert keys(turn) == ["availability.requested_type_available"]
    assert "Double Room" in texts(turn)
    assert "€220.00" in texts(turn)
    turn = await say("John Smith")  # a bare name: we just asked for it
    assert keys(turn) == ["booking.ask_guest_details"]
    assert "John Smith" in texts(turn)
    turn = await say("john@example.com")
    assert keys(turn) == ["booking.ask_phone"]  # the REST channel gives no phone
    turn = await say("+351 912 345 678")
    assert keys(turn) == ["booking.summary"]
    assert "Double Room" in texts(turn)
    assert "John Smith" in texts(turn)
    turn = await say("yes")
    assert keys(turn) == ["booking.confirmed"]


async def test_a_room_type_not_free_lists_the_alternatives(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    turn = await say("a single room for 4 people from march 3rd to the 5th?")
    assert keys(turn)[0] == "availability.requested_type_unavailable"
    assert "availability.success" in keys(turn)


async def test_details_sent_before_choosing_are_kept(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    await say("rooms 1-3 feb for 2 adults?")
    turn = await say("Tom Hanks tom@example.com +351 912 345 678")
    assert keys(turn) == ["booking.which_room"]
    turn = await say("I'd like to book the first one")
    assert keys(turn) == ["booking.summary"]
    assert "Tom Hanks" in texts(turn)


async def test_a_confirmation_is_never_taken_as_the_name(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    await say("rooms 1-3 feb for 2 adults?")
    await say("number 1")
    turn = await say("go ahead")
    assert keys(turn) == ["booking.ask_guest_details"]
    assert "Go Ahead" not in texts(turn)


async def test_room_choice_in_a_sentence(client: httpx.AsyncClient) -> None:
    for choice, room in [
        ("I'd like to book the first one", "Double Room"),
        ("could we have the twin?", "Twin Room"),
        ("the cheapest please", "Double Room"),
    ]:
        say = conversation(client)
        await say("rooms 1-3 feb for 2 adults?")
        turn = await say(choice)
        assert keys(turn) == ["booking.ask_guest_details"], (choice, texts(turn))
        assert room in texts(turn), choice


async def test_departure_only_correction_keeps_the_arrival(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    await say("rooms 10-14 feb for 2 adults")
    await say("1")
    await say("Ann Lee ann@example.com +351 912 345 678")
    turn = await say("no, we leave on the 13th")
    assert keys(turn) == ["booking.summary"]
    assert "Wednesday 10 February 2027 to Saturday 13 February 2027 (3 nights)" in texts(turn)
    turn = await say("yes")
    assert "Wednesday 10 February to Saturday 13 February (3 nights)" in texts(turn)


async def test_a_child_added_at_the_summary_stays_a_child_with_age(client: httpx.AsyncClient) -> None:
    say = conversation(client)
    await say("family room 10-13 feb, me, my husband and our 4 year old")
    turn = await say("Ann Lee ann@example.com +351 912 345 678")
    assert keys(turn) == ["booking.summary"], texts(turn)
    assert "2 adults, 1 child (aged 4)" in texts(turn)
    turn = await say("oh, our son of 6 comes too")
    assert keys(turn) == ["booking.summary"], texts(turn)
    assert "2 adults, 2 children (aged 4, 6)" in texts(turn)


async def test_a_yes_with_a_correction_shows_the_summary_again_instead_of_booking(
    client: httpx.AsyncClient,
) -> None:
    say = conversation(client)
    await say("a double room from march 3rd to the 5th for 2 adults")
    await say("Maria Lopez, maria@example.com, +351 912 345 678")
    turn = await say("yes but make it 3 nights")
    assert keys(turn) == ["booking.summary"], texts(turn)
    assert "3 nights" in texts(turn)


async def test_two_questions_in_one_message_get_two_answers(client: httpx.AsyncClient) -> None:
    turn = await conversation(client)("what time is check-out? is there parking?")
    assert keys(turn) == ["info.checkin_checkout", "info.policy"]


async def test_an_amenity_the_hotel_lacks_is_said_to_be_missing(client: httpx.AsyncClient) -> None:
    turn = await conversation(client)("is the pool heated?")
    assert keys(turn) == ["info.amenity_missing"]
    assert "doesn't have a pool" in texts(turn)
    turn = await conversation(client)("tienen terraza?")
    assert keys(turn) == ["info.amenity_available"]


async def test_a_change_giving_only_the_new_departure_day_stays_in_the_booking_month(
    client: httpx.AsyncClient,
) -> None:
    say = conversation(client)
    await say("a double room from march 3rd to the 5th for 2 adults")
    await say("Maria Lopez, maria@example.com, +351 912 345 678")
    booked = await say("yes")
    assert keys(booked) == ["booking.confirmed"]
    turn = await say("can I change my booking, we leave on the 7th")
    assert keys(turn) == ["modify.confirm"], texts(turn)
    assert "7 March" in texts(turn)


async def test_pms_down_on_the_first_message_answers_in_the_guests_language() -> None:
    settings = Settings(environment="development", redis_url=None, gc_freeze_after_start=False)  # type: ignore[call-arg]
    async with in_process(settings, nlu=shared_nlu()) as options:
        assert options.pms_control is not None
        await options.pms_control.down()
        seen = await options.driver.send(
            "pms-down-es",
            text="hola, tienen habitación para el 15 de enero?",
            choice_id=None,
            message_id="pms-down-es-1",
            now=None,
        )
    assert seen.keys == ["errors.pms_unavailable"]
    assert seen.language == "es"


async def test_a_phone_that_is_not_valid_does_not_hold_up_a_pms_that_books_without_one(
    client: httpx.AsyncClient,
) -> None:
    say = conversation(client)
    await say("rooms 1-3 feb for 2 adults?")
    await say("1")
    turn = await say("Nick Young, nick.young@example.com, +44 7700 900555")  # a fictional UK range
    assert keys(turn) == ["booking.summary"], texts(turn)
    other = conversation(client)
    await other("rooms 1-3 feb for 2 adults?")
    await other("1")
    assert keys(await other("Nick Young, nick.young@example.com")) == ["booking.ask_phone"]
    turn = await other("no, I'd rather not")
    assert keys(turn) == ["booking.summary"], texts(turn)


async def test_a_stay_request_with_a_hotel_question_gets_both(client: httpx.AsyncClient) -> None:
    turn = await conversation(client)("rooms 5-7 april for 2? and is breakfast included?")
    assert keys(turn) == ["availability.success", "info.policy"]


async def test_asking_about_free_cancellation_is_the_policy_not_a_cancellation(
    client: httpx.AsyncClient,
) -> None:
    for text in ["can i cancel for free if plans change?", "se puede cancelar gratis si cambian los planes?"]:
        turn = await conversation(client)(text)
        assert keys(turn) == ["info.policy"], text


async def test_a_reference_with_new_dates_is_a_change_and_with_a_cancel_verb_a_cancellation(
    client: httpx.AsyncClient,
) -> None:
    say = conversation(client)
    await say("a double room from march 3rd to the 5th for 2 adults")
    await say("Maria Lopez, maria@example.com, +351 912 345 678")
    booked = await say("yes")
    reference = booked["replies"][0]["text"].split("Reference: ")[1].split()[0]
    turn = await say(f"reserva {reference}: podemos irnos el 6 en vez del 5?")
    assert keys(turn) == ["modify.confirm"], texts(turn)
    assert keys(await say("no")) == ["modify.kept"]
    turn = await say(f"desculpe, afinal cancele a {reference}, mudaram-me os planos")
    assert keys(turn) == ["cancel.confirm"], texts(turn)
