"""Sign-in limits (admin/throttle.py): slow a guesser per (user, address), never lock an account, keep a
shared office address working for its staff, count atomically, believe X-Forwarded-For only from a
configured proxy. On both state backends (in-process and Redis) and both databases."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

import hotel_agent.admin.service as admin_service
from hotel_agent.admin.schemas import AdminRole
from tests.support.admin import PASSWORD, make_user
from tests.support.app import make_settings, running_app
from tests.support.processes import start_web, stop_all

WRONG = "not-the-password"


@pytest.fixture(params=["memory", "redis"])
async def app(request: pytest.FixtureRequest, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app with small, test-sized limits; a long backoff so no assertion races a clock."""
    overrides: dict[str, Any] = {
        "login_max_failures": 3,
        "login_backoff_base_seconds": 30.0,
        "login_backoff_max_seconds": 120.0,
        "login_address_max_failures": 8,
    }
    if request.param == "redis":
        overrides["redis_url"] = request.getfixturevalue("redis_url")
    async with running_app(make_settings(database_url, **overrides)) as client:
        yield client


@asynccontextmanager
async def from_address(app: httpx.AsyncClient, address: str) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app.app, client=(address, 40000), raise_app_exceptions=False)  # type: ignore[attr-defined]
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def login(
    client: httpx.AsyncClient, username: str, password: str = PASSWORD, **kw: Any
) -> httpx.Response:
    return await client.post("/admin/auth/login", json={"username": username, "password": password}, **kw)


def random_address() -> str:
    return f"198.51.100.{uuid.uuid4().int % 250 + 1}"


async def test_guesses_slow_down_that_user_from_that_address_only(app: httpx.AsyncClient) -> None:
    username = await make_user(app, AdminRole.ADMIN)
    async with from_address(app, "203.0.113.7") as attacker, from_address(app, "192.0.2.44") as operator:
        for _ in range(3):
            assert (await login(attacker, username, WRONG)).status_code == 401
        slowed = await login(attacker, username)  # even the right password waits, from that address
        assert slowed.status_code == 429
        assert 1 <= int(slowed.headers["Retry-After"]) <= 30
        assert slowed.json()["error"] == "TooManyRequests"
        assert slowed.json()["retry_after"] == int(slowed.headers["Retry-After"])
        # The account is not locked: the operator, elsewhere, signs in at once.
        assert (await login(operator, username)).status_code == 200
        # Another user behind the attacker's address is not slowed by guesses at someone else.
        colleague = await make_user(app, AdminRole.EDITOR)
        assert (await login(attacker, colleague)).status_code == 200


async def test_the_wait_grows_with_each_attempt_but_is_bounded(app: httpx.AsyncClient) -> None:
    username = await make_user(app)
    async with from_address(app, random_address()) as client:
        for _ in range(3):
            await login(client, username, WRONG)
        waits = []
        for _ in range(3):
            response = await login(client, username, WRONG)
            assert response.status_code == 429
            waits.append(int(response.headers["Retry-After"]))
        assert all(1 <= wait <= 120 for wait in waits)  # LOGIN_BACKOFF_MAX_SECONDS


async def test_a_right_password_before_the_limit_resets_the_count(app: httpx.AsyncClient) -> None:
    username = await make_user(app)
    async with from_address(app, random_address()) as client:
        for _ in range(2):
            assert (await login(client, username, WRONG)).status_code == 401
        assert (await login(client, username)).status_code == 200
        for _ in range(2):
            assert (await login(client, username, WRONG)).status_code == 401
        assert (await login(client, username)).status_code == 200


async def test_a_shared_office_address_keeps_working_for_staff_who_signed_in_from_it(
    app: httpx.AsyncClient,
) -> None:
    office = random_address()
    receptionist = await make_user(app)
    async with from_address(app, office) as desk:
        assert (await login(desk, receptionist)).status_code == 200  # known at this address from now on
        # A password sprayer behind the same address: 2 tries at each of many names.
        for _ in range(5):
            target = f"sprayed-{uuid.uuid4().hex[:6]}"
            for _ in range(2):
                await login(desk, target, WRONG)
        sprayed = await login(desk, f"sprayed-{uuid.uuid4().hex[:6]}", WRONG)
        assert sprayed.status_code == 429
        assert "address" in sprayed.json()["detail"]
        # Staff who signed in from the office before still can; a newcomer waits, but elsewhere is fine.
        assert (await login(desk, receptionist)).status_code == 200
        newcomer = await make_user(app)
        assert (await login(desk, newcomer)).status_code == 429
    async with from_address(app, random_address()) as home:
        assert (await login(home, newcomer)).status_code == 200


async def test_concurrent_guesses_check_at_most_the_limit(
    app: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    username = await make_user(app)
    checked: list[str] = []
    real_verify = admin_service.verify_password

    def counting_verify(password_hash: str | None, password: str) -> bool:
        checked.append(password)
        return real_verify(password_hash, password)

    monkeypatch.setattr(admin_service, "verify_password", counting_verify)
    async with from_address(app, random_address()) as client:
        responses = await asyncio.gather(*(login(client, username, WRONG) for _ in range(40)))
    statuses = sorted(response.status_code for response in responses)
    assert len(checked) <= 3, f"{len(checked)} passwords checked against a limit of 3"
    assert statuses.count(401) == len(checked)
    assert statuses.count(429) == 40 - len(checked)


def test_serve_believes_forwarded_headers_only_from_forwarded_allow_ips(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    from hotel_agent import cli
    from hotel_agent.config import get_settings

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.chdir(tmp_path)
    for value, expected in (("", (False, None)), ("127.0.0.1", (True, "127.0.0.1"))):
        monkeypatch.setenv("FORWARDED_ALLOW_IPS", value)
        get_settings.cache_clear()
        cli.serve(host=None, port=None, workers=1)
        assert (calls[-1]["proxy_headers"], calls[-1]["forwarded_allow_ips"]) == expected
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def server(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `hotel-agent serve` with the defaults: no proxy trusted."""
    import os

    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "ENVIRONMENT": "development",
        "LOGIN_MAX_FAILURES": "3",
        "LOGIN_BACKOFF_BASE_SECONDS": "30",
        "GC_FREEZE_AFTER_START": "false",
    }
    env.pop("FORWARDED_ALLOW_IPS", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process, url = start_web(env, tmp_path_factory.mktemp("login-server"), "web")
    try:
        yield url
    finally:
        stop_all([process])


@pytest.mark.slow
def test_x_forwarded_for_from_an_untrusted_peer_does_not_escape_the_limit(server: str) -> None:
    username = f"nobody-{uuid.uuid4().hex[:6]}"
    statuses = []
    with httpx.Client(base_url=server, timeout=10) as client:
        for n in range(6):
            response = client.post(
                "/admin/auth/login",
                json={"username": username, "password": WRONG},
                headers={"X-Forwarded-For": f"10.9.8.{n}", "Forwarded": f"for=10.9.7.{n}"},
            )
            statuses.append(response.status_code)
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3:] == [429, 429, 429], "the forged addresses were believed"
