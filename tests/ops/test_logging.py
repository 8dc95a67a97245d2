"""Logs: secrets never appear, guest phones and emails are masked, every request line has an id."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
import structlog

from hotel_agent.config import LogFormat, Settings
from hotel_agent.kit.circuit_breaker import CircuitBreaker
from hotel_agent.kit.state import MemoryStateBackend
from hotel_agent.ops.logging import configure_logging
from hotel_agent.ops.masking import mask_event, mask_text
from hotel_agent.pms.errors import PmsUnavailableError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("write to ana.souza@example.com", "write to a***@example.com"),
        ("call +34 600 123 456 now", "call +*******3456 now"),
        ("whatsapp 5511987654321", "whatsapp *********4321"),
        ("(11) 98765-4321", "*******4321"),
    ],
)
def test_contact_details_are_masked(raw: str, expected: str) -> None:
    assert mask_text(raw) == expected


@pytest.mark.parametrize(
    "kept",
    [
        "stay 2027-01-15 to 2027-01-17",
        "total 380.00 EUR",
        "booking HA-7K3Q9P",
        "at 2026-11-25 12:08:28.124407",
    ],
)
def test_dates_prices_and_references_are_not_mistaken_for_phones(kept: str) -> None:
    assert mask_text(kept) == kept


def test_secret_named_fields_are_redacted_at_any_depth() -> None:
    event = mask_event(
        None,
        "info",
        {
            "event": "pms.call",
            "api_key": "ABCDEF0123456789",
            "headers": {"Authorization": "Basic xyz", "accept": "json"},
            "password": "hunter2",
            "guest": {"email": "bob@example.org"},
        },
    )
    flat = json.dumps(event)
    assert "ABCDEF0123456789" not in flat
    assert "hunter2" not in flat
    assert "Basic xyz" not in flat
    assert event["headers"]["accept"] == "json"
    assert event["guest"]["email"] == "b***@example.org"


async def test_request_lines_carry_a_request_id_and_mask_guests(
    app_client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    response = await app_client.post(
        "/admin/auth/login",
        json={"username": "guest+34600111222@example.com", "password": "secret-password-1"},
        headers={"X-Request-ID": "req-12345"},
    )
    assert response.headers["x-request-id"] == "req-12345"
    structlog.get_logger("probe").info("guest.wrote", text="my phone is +34 600 111 222", password="p4ss")
    output = capsys.readouterr().err
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    request_lines = [line for line in lines if line.get("event") == "http.request"]
    assert request_lines
    assert request_lines[0]["request_id"] == "req-12345"
    assert "secret-password-1" not in output
    assert "600 111 222" not in output
    assert "p4ss" not in output
    assert any(line.get("text") == "my phone is +*******1222" for line in lines)


async def test_the_breaker_logs_its_transition_with_its_fields(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(log_format=LogFormat.JSON))
    breaker = CircuitBreaker(MemoryStateBackend(), "pms:probe", failure_threshold=1, recovery_timeout=30)

    async def down() -> None:
        raise PmsUnavailableError("down")

    capsys.readouterr()
    with pytest.raises(PmsUnavailableError):
        await breaker.call(down)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    transitions = [line for line in lines if line.get("event") == "circuit_breaker.transition"]
    assert transitions == [
        {
            **transitions[0],
            "breaker": "pms:probe",
            "from_state": "closed",
            "to_state": "open",
            "logger": "hotel_agent.kit.circuit_breaker",
            "level": "info",
        }
    ]


def test_stdlib_extra_fields_survive_the_formatter(capsys: pytest.CaptureFixture[str]) -> None:
    """Libraries log through stdlib `logging` with `extra=`: their fields reach the line, masked."""
    configure_logging(Settings(log_format=LogFormat.JSON))
    capsys.readouterr()
    logging.getLogger("some.library").warning(
        "library.event", extra={"peer": "db-1", "phone": "+34600111222"}
    )
    [line] = [json.loads(line) for line in capsys.readouterr().err.splitlines() if "library.event" in line]
    assert line["peer"] == "db-1"
    assert line["logger"] == "some.library"
    assert "600111222" not in json.dumps(line)
