"""Which hotel-information topic a question is about ("a q hora es el check in?" -> checkin_checkout).

Keyword lists per topic, matched on accent-folded, lower-cased text; all languages at once, since guests
mix them ("tem wifi?"). The first topic in TOPIC_ORDER with a match wins, so specific topics come first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hotel_agent.nlu.text import fold_accents

TOPIC_KEYWORDS: dict[str, Sequence[str]] = {
    "cancellation": (
        "cancellation policy",
        "cancelation policy",
        "free cancellation",
        "cancel for free",
        "refund",
        "politica de cancelacion",
        "cancelacion gratis",
        "cancelacion gratuita",
        "reembolso",
        "politica de cancelamento",
        "cancelamento gratis",
        "cancelamento gratuito",
        "cancel free",
        "free of charge",
        "cancelar gratis",
        "cancelar gratuitamente",
        "cancelar sin coste",
        "cancelar sin costo",
        "cancelar sin pagar",
        "cancelar sem pagar",
        "cancelar sem custo",
        "cancelar de graca",
    ),
    "checkin_checkout": (
        "check in",
        "check-in",
        "checkin",
        "check out",
        "check-out",
        "checkout",
        "early arrival",
        "late checkout",
        "hora de entrada",
        "hora de salida",
        "horario de entrada",
        "horario de salida",
        "a que hora",
        "que horas",
        "hora de llegada",
        "entrada e saida",
        "horario do check",
        "hora do check",
        "what time",
        "arrival time",
        "departure time",
    ),
    "parking": (
        "parking",
        "park my car",
        "garage",
        "estacionamiento",
        "aparcamiento",
        "parqueadero",
        "cochera",
        "estacionar",
        "aparcar",
        "estacionamento",
        "garagem",
        "vaga",
        "parque",
    ),
    "breakfast": (
        "breakfast",
        "desayuno",
        "desayunos",
        "cafe da manha",
        "pequeno almoco",
        "pequeno-almoco",
        "morning meal",
    ),
    "wifi": ("wifi", "wi-fi", "wi fi", "internet", "wireless"),
    "pets": (
        "pet",
        "pets",
        "dog",
        "dogs",
        "cat",
        "cats",
        "mascota",
        "mascotas",
        "perro",
        "perrito",
        "gato",
        "cachorro",
        "cachorra",
        "cachorrinho",
        "cachorrinha",
        "perrita",
        "cao",
        "caes",
        "gatinho",
        "puppy",
        "animal",
        "animais",
        "animales",
        "pet friendly",
    ),
    "children": (
        "crib",
        "cot",
        "baby",
        "babies",
        "kids stay",
        "children stay",
        "cuna",
        "bebe",
        "bebes",
        "berco",
        "nenem",
        "extra bed",
        "cama extra",
        "cama supletoria",
    ),
    "smoking": ("smoke", "smoking", "fumar", "fumadores", "fumantes", "cigarro", "cigarrillo"),
    "address": (
        "address",
        "where is",
        "where are you",
        "located",
        "location",
        "how do i get",
        "direccion",
        "donde esta",
        "donde estan",
        "donde quedan",
        "ubicacion",
        "ubicados",
        "como llego",
        "endereco",
        "onde fica",
        "onde ficam",
        "localizacao",
        "como chego",
        "morada",
        "metro",
        "tram",
    ),
    "contact": (
        "phone number",
        "telephone",
        "call you",
        "email address",
        "numero de telefono",
        "telefono",
        "correo",
        "telefone",
        "numero de contato",
        "contacto",
        "contato",
    ),
    "amenities": (
        "pool",
        "gym",
        "spa",
        "amenities",
        "facilities",
        "services",
        "air conditioning",
        "terrace",
        "rooftop",
        "piscina",
        "gimnasio",
        "gimnasio",
        "servicios",
        "instalaciones",
        "comodidades",
        "aire acondicionado",
        "terraza",
        "academia",
        "servicos",
        "ar condicionado",
        "terraco",
        "shuttle",
        "transfer",
        "traslado",
        "airport",
    ),
}

TOPIC_ORDER: tuple[str, ...] = tuple(TOPIC_KEYWORDS)


_PATTERNS = {
    topic: re.compile(r"\b(" + "|".join(re.escape(fold_accents(word)) for word in words) + r")\b")
    for topic, words in TOPIC_KEYWORDS.items()
}


def detect_topic(text: str) -> str | None:
    """The hotel-information topic of a message, or None when it names none we know."""
    folded = fold_accents(text)
    for topic in TOPIC_ORDER:
        if _PATTERNS[topic].search(folded):
            return topic
    return None


def detect_topics(text: str) -> list[str]:
    """Every topic a message asks about, in the order asked: "what time is check-out? is there parking?"."""
    folded = fold_accents(text)
    found: list[tuple[int, str]] = []
    for topic in TOPIC_ORDER:
        match = _PATTERNS[topic].search(folded)
        if match is not None:
            found.append((match.start(), topic))
    return [topic for _, topic in sorted(found)]


# Amenities a guest may ask for by name, with the words that name them in guests' messages and in the
# hotel's own amenity list (any language), so "is the pool heated?" can be told "there is no pool".
AMENITY_KEYWORDS: dict[str, Sequence[str]] = {
    "pool": ("pool", "swimming", "piscina", "piscinas", "alberca"),
    "gym": ("gym", "fitness", "gimnasio", "gimnasios", "academia", "ginasio"),
    "spa": ("spa", "massage", "massages", "masaje", "masajes", "massagem", "massagens"),
    "sauna": ("sauna", "steam room", "bano turco", "banho turco"),
    "jacuzzi": (
        "jacuzzi",
        "hot tub",
        "whirlpool",
        "hidromasaje",
        "hidromassagem",
        "banheira de hidromassagem",
    ),
    "restaurant": ("restaurant", "restaurante", "restaurantes", "dinner", "cena", "jantar"),
    "bar": ("bar", "bars", "lounge"),
    "terrace": ("terrace", "rooftop", "terraza", "azotea", "terraco", "rooftop bar"),
    "air_conditioning": ("air conditioning", "aircon", "a/c", "aire acondicionado", "ar condicionado"),
    "shuttle": ("shuttle", "airport transfer", "transfer", "traslado", "traslados"),
    "elevator": ("elevator", "lift", "ascensor", "elevador"),
    "laundry": ("laundry", "lavanderia", "dry cleaning", "tintoreria"),
}
_AMENITY_PATTERNS = {
    amenity: re.compile(r"\b(" + "|".join(re.escape(fold_accents(word)) for word in words) + r")\b")
    for amenity, words in AMENITY_KEYWORDS.items()
}


def named_amenities(text: str) -> list[str]:
    """The amenities a message names ("is the pool heated?" -> ["pool"]), in the order named."""
    folded = fold_accents(text)
    found = [
        (match.start(), amenity)
        for amenity, pattern in _AMENITY_PATTERNS.items()
        if (match := pattern.search(folded)) is not None
    ]
    return [amenity for _, amenity in sorted(found)]


def amenity_listed(amenity: str, listed: Sequence[str]) -> str | None:
    """The hotel's own line for `amenity` ("Rooftop terrace with river view"), or None when it has none."""
    pattern = _AMENITY_PATTERNS[amenity]
    return next((line for line in listed if pattern.search(fold_accents(line))), None)
