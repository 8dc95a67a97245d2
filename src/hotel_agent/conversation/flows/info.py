"""Hotel information from the hotel profile: times, address, parking, breakfast, wifi, pets, policies."""

from __future__ import annotations

from hotel_agent.conversation.context import Turn
from hotel_agent.nlu.topics import detect_topic

POLICY_TOPICS = frozenset(
    {"parking", "breakfast", "wifi", "pets", "cancellation", "children", "smoking", "location"}
)


def answer(turn: Turn) -> None:
    hotel = turn.hotel
    topic = detect_topic(turn.message.text)
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
        amenities = hotel.amenities.get(language) or hotel.amenities.get("en") or []
        turn.replies.say("info.amenities", hotel_name=hotel.name, amenities=amenities)
    elif topic in POLICY_TOPICS and topic in hotel.policies:
        texts = hotel.policies[topic]
        turn.replies.say("info.policy", topic=topic, policy=texts.get(language) or texts.get("en") or "")
    elif topic is not None:
        turn.replies.say("info.unknown_topic", hotel_name=hotel.name, phone=hotel.phone)
    else:
        amenities = hotel.amenities.get(language) or hotel.amenities.get("en") or []
        turn.replies.say(
            "info.general",
            hotel_name=hotel.name,
            address=hotel.address,
            checkin_time=hotel.checkin_time,
            checkout_time=hotel.checkout_time,
            amenities=amenities,
        )
