"""Hotel information from the hotel profile: times, address, parking, breakfast, wifi, pets, policies.

A message may ask several things ("what time is check-out? is there parking?"): each topic gets its
answer, in the order asked. An amenity asked by name is answered yes or no from the hotel's own list
("is the pool heated?" at a hotel without one: "there is no pool"), never with the whole list alone.
"""

from __future__ import annotations

from hotel_agent.conversation.context import Turn
from hotel_agent.nlu.topics import amenity_listed, detect_topics, named_amenities

POLICY_TOPICS = frozenset(
    {"parking", "breakfast", "wifi", "pets", "cancellation", "children", "smoking", "location"}
)


def answer(turn: Turn) -> None:
    text = turn.message.text
    topics = detect_topics(text)
    amenities = named_amenities(text)
    if amenities and "amenities" not in topics:
        topics.append("amenities")
    if not topics:
        _general(turn)
        return
    for topic in topics:
        if topic == "amenities" and amenities:
            for amenity in amenities:
                _amenity(turn, amenity)
        else:
            _topic(turn, topic)


# Topics a stay request may carry as a second question ("rooms 5-7 april for 2? and is breakfast
# included?"); check-in times, the address and contacts are too often part of the stay itself.
SIDE_TOPICS = frozenset({"parking", "breakfast", "wifi", "pets", "cancellation", "children", "smoking"})


def answer_side_questions(turn: Turn) -> None:
    """After a stay request, the hotel question asked in the same message, if any."""
    if "?" not in turn.message.text:
        return
    for topic in detect_topics(turn.message.text):
        if topic in SIDE_TOPICS:
            _topic(turn, topic)
    for amenity in named_amenities(turn.message.text):
        _amenity(turn, amenity)


def _amenities(turn: Turn) -> list[str]:
    hotel = turn.hotel
    return hotel.amenities.get(turn.language) or hotel.amenities.get("en") or []


def _amenity(turn: Turn, amenity: str) -> None:
    listed = _amenities(turn)
    line = amenity_listed(amenity, listed)
    if line is None:
        # The English list may name it where a translation words it differently.
        english = turn.hotel.amenities.get("en") or []
        match = amenity_listed(amenity, english)
        if match is not None:
            line = listed[english.index(match)] if len(listed) == len(english) else match
    if line is not None:
        turn.replies.say("info.amenity_available", hotel_name=turn.hotel.name, line=line)
    else:
        turn.replies.say(
            "info.amenity_missing", hotel_name=turn.hotel.name, amenity=amenity, amenities=listed
        )


def _topic(turn: Turn, topic: str) -> None:
    hotel = turn.hotel
    language = turn.language
    if topic == "checkin_checkout":
        turn.replies.say(
            "info.checkin_checkout", checkin_time=hotel.checkin_time, checkout_time=hotel.checkout_time
        )
    elif topic == "address":
        location = hotel.policies.get("location", {})
        turn.replies.say(
            "info.address",
            hotel_name=hotel.name,
            address=hotel.address,
            city=hotel.city,
            directions=location.get(language) or location.get("en"),
        )
    elif topic == "contact":
        turn.replies.say("info.contact", hotel_name=hotel.name, phone=hotel.phone, email=hotel.email)
    elif topic == "amenities":
        turn.replies.say("info.amenities", hotel_name=hotel.name, amenities=_amenities(turn))
    elif topic in POLICY_TOPICS and topic in hotel.policies:
        texts = hotel.policies[topic]
        turn.replies.say("info.policy", topic=topic, policy=texts.get(language) or texts.get("en") or "")
    else:
        turn.replies.say("info.unknown_topic", hotel_name=hotel.name, phone=hotel.phone)


def _general(turn: Turn) -> None:
    hotel = turn.hotel
    turn.replies.say(
        "info.general",
        hotel_name=hotel.name,
        address=hotel.address,
        checkin_time=hotel.checkin_time,
        checkout_time=hotel.checkout_time,
        amenities=_amenities(turn),
    )
