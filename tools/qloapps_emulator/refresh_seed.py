"""Regenerate data/ from the recorded QloApps fixtures (shared/qloapps/fixtures).

    uv run python -m tools.qloapps_emulator.refresh_seed ../shared/qloapps/fixtures

The emulator ships these bodies verbatim so it runs without shared/ beside it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

DATA = Path(__file__).with_name("data")
RECORDED_HOST = "http://127.0.0.1:8089"

# fixture number -> file written under data/
BODIES = {
    1: "api_root.xml",
    2: "api_root.json",
    14: "hotel_1.json",
    19: "room_types_display.json",
    22: "room_type_1.json",
    24: "hotel_room_types.json",
    25: "hotel_rooms.json",
    28: "currencies.json",
    29: "order_states.json",
    30: "schema_hotel_ari_synopsis.xml",
    53: "schema_bookings_blank.xml",
    54: "schema_bookings_synopsis.xml",
    55: "schema_bookings_blank.json",
    66: "order_template.json",
    68: "room_booking_template.json",
    99: "customers_display.json",
    102: "customer_template.json",
    104: "schema_customers_blank.xml",
    106: "customer_created_template.json",
}
# fixture number -> (name, how to cut the field list out of the error message)
FIELD_LISTS = {
    20: ("room_types_display", "However, these are available: "),
    112: ("hotels_display", "However, these are available: "),
    113: ("hotels_filter", "The full list is: "),
}


def main(fixtures: Path) -> None:
    by_number = {int(path.name.split("-")[0]): path for path in fixtures.glob("*.json")}
    DATA.mkdir(exist_ok=True)
    for number, name in BODIES.items():
        body = json.loads(by_number[number].read_text())["response"]["body"]
        (DATA / name).write_text(body.replace(RECORDED_HOST, "{base}"))
    lists = {}
    for number, (name, marker) in FIELD_LISTS.items():
        message = json.loads(json.loads(by_number[number].read_text())["response"]["body"])["errors"][0][
            "message"
        ]
        tail = message.split(marker, 1)[1]
        lists[name] = [field.strip().strip('"') for field in tail.split(",")]
    (DATA / "field_lists.json").write_text(json.dumps(lists, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/qloapps/fixtures"))
