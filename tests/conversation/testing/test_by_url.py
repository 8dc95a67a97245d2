"""`hotel-agent test conversations --url`: the plan's staging scenarios 1-5 against a real server process.

The server runs with PMS_TYPE=qloapps against the wire-level QloApps emulator on loopback, so scenario 5
takes the PMS down through the emulator's fault switch and watches the circuit breaker open and recover.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tools.qloapps_emulator import DEFAULT_API_KEY

from tests.support.qloapps import LoopbackEmulator
from tests.support.services import free_port

STAGING = Path(__file__).parents[2] / "conversations" / "staging.yaml"


@pytest.fixture
def qloapps() -> Iterator[LoopbackEmulator]:
    with LoopbackEmulator() as server:
        yield server


def _environment(database_url: str, emulator_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",
        "PMS_TYPE": "qloapps",
        "PMS_BASE_URL": emulator_url,
        "PMS_API_KEY": DEFAULT_API_KEY,
        "PMS_HOTEL_ID": "1",
        "PMS_TIMEOUT_SECONDS": "2",
        "PMS_BREAKER_FAILURE_THRESHOLD": "5",
        "PMS_BREAKER_RECOVERY_SECONDS": "1",
        "GC_FREEZE_AFTER_START": "false",
    }
    env.pop("REDIS_URL", None)
    return env


@pytest.fixture
def server(sqlite_url: str, qloapps: LoopbackEmulator) -> Iterator[tuple[str, dict[str, str]]]:
    port = free_port()
    env = _environment(sqlite_url, qloapps.url)
    process = subprocess.Popen(
        [sys.executable, "-m", "hotel_agent", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(f"{url}/health/live", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        yield url, env
    finally:
        process.terminate()
        process.wait(timeout=30)


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hotel_agent", "test", "conversations", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_staging_scenarios_pass_against_a_running_instance(
    server: tuple[str, dict[str, str]], qloapps: LoopbackEmulator
) -> None:
    url, env = server
    before = qloapps.emulator.booking_count
    result = _run([str(STAGING), "--url", url, "--pms-check", "--pms-faults-url", qloapps.url], env)
    assert result.returncode == 0, result.stdout + result.stderr
    for number in range(1, 6):
        assert f"PASS staging-{number}-" in result.stdout, result.stdout
    assert "5 passed, 0 failed" in result.stdout
    # Scenarios 2-4 each booked in the emulated QloApps (verified there by --pms-check).
    assert qloapps.emulator.booking_count == before + 3


def test_a_failing_conversation_exits_non_zero_with_its_first_divergence(
    server: tuple[str, dict[str, str]], tmp_path: Path
) -> None:
    url, env = server
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(
        "now: 2027-01-10T12:00:00\n"
        "conversations:\n"
        "  - name: expects-the-wrong-reply\n"
        "    language: en\n"
        "    turns:\n"
        "      - text: hello\n"
        "      - text: what time is check-out?\n"
        "        expect: {replies: [availability.success]}\n",
        encoding="utf-8",
    )
    result = _run([str(wrong), "--url", url], env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAIL expects-the-wrong-reply" in result.stdout
    assert "at turn 2: expected replies ['availability.success']" in result.stdout
    assert "guest: what time is check-out?" in result.stdout
    assert "0 passed, 1 failed" in result.stdout
