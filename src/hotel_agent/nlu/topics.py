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
