"""The demo hotel `hotel-agent seed` loads: a realistic small city hotel in Lisbon."""

from __future__ import annotations

from datetime import time
from decimal import Decimal
from typing import Any

DEMO_HOTEL_CODE = "miradouro"

DEMO_HOTEL: dict[str, Any] = {
    "code": DEMO_HOTEL_CODE,
    "name": "Hotel Miradouro Lisboa",
    "address": "Rua de São Tomé 42, 1100-562 Lisboa",
    "city": "Lisboa",
    "country": "PT",
    "phone": "+351 218 000 420",
    "email": "reservas@miradouro-lisboa.example",
    "timezone": "Europe/Lisbon",
    "currency": "EUR",
    "checkin_time": time(15, 0),
    "checkout_time": time(11, 0),
    "default_language": "pt",
    "languages": ["en", "es", "pt"],
    "amenities": {
        "en": [
            "Free wifi",
            "Breakfast buffet",
            "Rooftop terrace with river view",
            "24-hour front desk",
            "Air conditioning",
            "Airport shuttle on request",
        ],
        "es": [
            "Wifi gratis",
            "Desayuno bufé",
            "Terraza en la azotea con vistas al río",
            "Recepción 24 horas",
            "Aire acondicionado",
            "Traslado al aeropuerto bajo petición",
        ],
        "pt": [
            "Wi-Fi grátis",
            "Pequeno-almoço buffet",
            "Terraço no rooftop com vista para o rio",
            "Receção 24 horas",
            "Ar condicionado",
            "Transfer para o aeroporto a pedido",
        ],
    },
    "policies": {
        "parking": {
            "en": "Private garage 150 m away, €18 per night; please ask us to reserve a space.",
            "es": "Garaje privado a 150 m, 18 € por noche; pídenos que te reservemos una plaza.",
            "pt": "Garagem privada a 150 m, 18 € por noite; peça-nos para reservar um lugar.",
        },
        "breakfast": {
            "en": "Buffet breakfast from 7:00 to 10:30, €14 per person (included in some rates).",
            "es": "Desayuno bufé de 7:00 a 10:30, 14 € por persona (incluido en algunas tarifas).",
            "pt": "Pequeno-almoço buffet das 7:00 às 10:30, 14 € por pessoa (incluído em algumas tarifas).",
        },
        "wifi": {
            "en": "Free high-speed wifi in all rooms and common areas.",
            "es": "Wifi de alta velocidad gratis en todas las habitaciones y zonas comunes.",
            "pt": "Wi-Fi de alta velocidade grátis em todos os quartos e áreas comuns.",
        },
        "pets": {
            "en": "Small pets (up to 10 kg) are welcome for €20 per stay; please tell us in advance.",
            "es": "Aceptamos mascotas pequeñas (hasta 10 kg) por 20 € por estancia; avísanos con antelación.",
            "pt": "Aceitamos animais pequenos (até 10 kg) por 20 € por estadia; avise-nos com antecedência.",
        },
        "cancellation": {
            "en": "Free cancellation up to 48 hours before arrival; later cancellations are charged the first night.",
            "es": "Cancelación gratuita hasta 48 horas antes de la llegada; después se cobra la primera noche.",
            "pt": "Cancelamento grátis até 48 horas antes da chegada; depois é cobrada a primeira noite.",
        },
        "children": {
            "en": "Children under 3 stay free in a cot; extra beds depend on the room type.",
            "es": "Los menores de 3 años se alojan gratis en cuna; las camas supletorias dependen del tipo de habitación.",
            "pt": "Crianças até 3 anos ficam grátis em berço; camas extra dependem do tipo de quarto.",
        },
        "smoking": {
            "en": "The hotel is entirely non-smoking; smoking is allowed on the terrace.",
            "es": "El hotel es totalmente libre de humo; se puede fumar en la terraza.",
            "pt": "O hotel é totalmente para não fumadores; pode fumar no terraço.",
        },
        "location": {
            "en": "In Alfama, a 5-minute walk from the Miradouro de Santa Luzia; tram 28 stops at the door.",
            "es": "En Alfama, a 5 minutos a pie del Miradouro de Santa Luzia; el tranvía 28 para en la puerta.",
            "pt": "Em Alfama, a 5 minutos a pé do Miradouro de Santa Luzia; o elétrico 28 para à porta.",
        },
    },
}

DEMO_ROOM_TYPES: list[dict[str, Any]] = [
    {
        "code": "single",
        "category": "single",
        "sort_order": 1,
        "names": {"en": "Single Room", "es": "Habitación Individual", "pt": "Quarto Individual"},
        "descriptions": {
            "en": "Cosy room with a single bed, desk and rain shower.",
            "es": "Habitación acogedora con cama individual, escritorio y ducha de lluvia.",
            "pt": "Quarto acolhedor com cama individual, secretária e duche de chuva.",
        },
        "max_adults": 1,
        "max_children": 0,
        "max_guests": 1,
        "base_rate": Decimal("75.00"),
        "weekend_rate": Decimal("95.00"),
        "room_count": 4,
    },
    {
        "code": "double",
        "category": "double",
        "sort_order": 2,
        "names": {"en": "Double Room", "es": "Habitación Doble", "pt": "Quarto Duplo"},
        "descriptions": {
            "en": "One queen bed, city view, room for a cot.",
            "es": "Una cama de matrimonio, vistas a la ciudad y espacio para una cuna.",
            "pt": "Uma cama de casal, vista para a cidade e espaço para um berço.",
        },
        "max_adults": 2,
        "max_children": 1,
        "max_guests": 3,
        "base_rate": Decimal("110.00"),
        "weekend_rate": Decimal("135.00"),
        "room_count": 8,
    },
    {
        "code": "twin",
        "category": "twin",
        "sort_order": 3,
        "names": {"en": "Twin Room", "es": "Habitación Twin", "pt": "Quarto Twin"},
        "descriptions": {
            "en": "Two single beds, ideal for friends or colleagues.",
            "es": "Dos camas individuales, ideal para amigos o compañeros.",
            "pt": "Duas camas de solteiro, ideal para amigos ou colegas.",
        },
        "max_adults": 2,
        "max_children": 1,
        "max_guests": 3,
        "base_rate": Decimal("110.00"),
        "weekend_rate": Decimal("135.00"),
        "room_count": 6,
    },
    {
        "code": "family",
        "category": "family",
        "sort_order": 4,
        "names": {"en": "Family Room", "es": "Habitación Familiar", "pt": "Quarto Família"},
        "descriptions": {
            "en": "A double bed and two singles, for up to four guests.",
            "es": "Una cama doble y dos individuales, para hasta cuatro personas.",
            "pt": "Uma cama de casal e duas de solteiro, para até quatro pessoas.",
        },
        "max_adults": 4,
        "max_children": 2,
        "max_guests": 4,
        "base_rate": Decimal("165.00"),
        "weekend_rate": Decimal("195.00"),
        "room_count": 4,
    },
    {
        "code": "suite",
        "category": "suite",
        "sort_order": 5,
        "names": {"en": "Junior Suite", "es": "Suite Junior", "pt": "Suíte Júnior"},
        "descriptions": {
            "en": "King bed, lounge area and a balcony over the river.",
            "es": "Cama king, zona de estar y balcón con vistas al río.",
            "pt": "Cama king, zona de estar e varanda sobre o rio.",
        },
        "max_adults": 2,
        "max_children": 2,
        "max_guests": 3,
        "base_rate": Decimal("210.00"),
        "weekend_rate": Decimal("250.00"),
        "room_count": 2,
    },
]
