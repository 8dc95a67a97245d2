"""The composition root: every role starts through it, and a failure at any step closes what was opened."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from hotel_agent import components as components_module
from hotel_agent.channels.whatsapp.wiring import WhatsAppChannel
from hotel_agent.components import Components, Role, start_components
from hotel_agent.config import Settings, get_settings
from hotel_agent.conversation import commands as chat_commands
from hotel_agent.errors import ConfigurationError
from hotel_agent.message_templates.runtime import TemplateRuntime
from hotel_agent.nlu.service import NluService
from hotel_agent.queue import JobQueue
from hotel_agent.resources import Resources
from tests.support.app import make_settings, running_app, shared_nlu


class StartUpFailure(Exception):
    """The failure injected into one start-up step."""


class CloseSpy:
    """Records, in order, which parts were closed; the real close still runs."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.closed: list[str] = []
        self._wrap(monkeypatch, Resources, "close", "resources")
        self._wrap(monkeypatch, TemplateRuntime, "close", "templates")
        self._wrap(monkeypatch, WhatsAppChannel, "close", "whatsapp")
        self._wrap(monkeypatch, httpx.AsyncClient, "aclose", "http")

    def _wrap(self, monkeypatch: pytest.MonkeyPatch, cls: type, method: str, label: str) -> None:
        original = getattr(cls, method)

        async def wrapper(instance: Any, *args: Any, **kwargs: Any) -> Any:
            self.closed.append(label)
            return await original(instance, *args, **kwargs)

        monkeypatch.setattr(cls, method, wrapper)


def failing(*_args: Any, **_kwargs: Any) -> Any:
    raise StartUpFailure("injected")


async def failing_async(*_args: Any, **_kwargs: Any) -> Any:
    raise StartUpFailure("injected")


# (the step's name in hotel_agent.components, its stand-in, what was open when it failed: closed last first)
STEPS: list[tuple[str, Callable[..., Any], list[str]]] = [
    ("build_resources", failing_async, []),
    ("_start_templates", failing_async, ["resources"]),
    ("build_conversation", failing_async, ["resources", "templates"]),
    ("build_graph_http_client", failing, ["resources", "templates"]),
    ("start_whatsapp", failing_async, ["resources", "templates", "http"]),
    ("ReadinessChecker", failing, ["resources", "templates", "http", "whatsapp"]),
]


@pytest.mark.parametrize(("step", "stand_in", "opened"), STEPS, ids=[step for step, _, _ in STEPS])
async def test_a_failing_start_up_step_closes_what_was_opened_in_reverse_order(
    postgres_url: str,
    redis_url: str,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    stand_in: Callable[..., Any],
    opened: list[str],
) -> None:
    spy = CloseSpy(monkeypatch)
    monkeypatch.setattr(components_module, step, stand_in)
    settings = make_settings(postgres_url, redis_url=redis_url)
    with pytest.raises(StartUpFailure):
        async with start_components(settings, role=Role.WORKER, nlu=shared_nlu()):
            pytest.fail("start-up should have failed")
    assert spy.closed == list(reversed(opened))


async def test_a_channel_that_fails_halfway_stops_its_queue(
    postgres_url: str, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside the channel step: the queue is open and its worker running when the sweeps fail to start."""
    spy = CloseSpy(monkeypatch)
    queues: list[JobQueue] = []
    original_open = JobQueue.open

    async def recording_open(queue: JobQueue) -> None:
        queues.append(queue)
        await original_open(queue)

    monkeypatch.setattr(JobQueue, "open", recording_open)
    monkeypatch.setattr(JobQueue, "start_maintenance", failing)
    with pytest.raises(StartUpFailure):
        async with start_components(
            make_settings(postgres_url, redis_url=redis_url), role=Role.WORKER, nlu=shared_nlu()
        ):
            pytest.fail("start-up should have failed")
    assert spy.closed == ["whatsapp", "http", "templates", "resources"]
    [queue] = queues
    assert queue._worker is None  # stopped, not left running


async def test_a_qloapps_pms_gets_its_client_from_the_root_and_it_is_closed(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = CloseSpy(monkeypatch)
    built: list[httpx.AsyncClient] = []
    original = components_module.build_qloapps_http_client

    def recording(timeout_seconds: float) -> httpx.AsyncClient:
        client = original(timeout_seconds)
        built.append(client)
        return client

    monkeypatch.setattr(components_module, "build_qloapps_http_client", recording)
    monkeypatch.setattr(components_module, "_start_templates", failing_async)
    settings = make_settings(
        sqlite_url,
        pms_type="qloapps",
        pms_base_url="http://127.0.0.1:9/api",
        pms_api_key="k" * 32,
        pms_hotel_id="1",
        pms_timeout_seconds=7.0,
    )
    with pytest.raises(StartUpFailure):
        async with start_components(settings, role=Role.CHAT, nlu=shared_nlu()):
            pytest.fail("start-up should have failed")
    [client] = built
    assert client.timeout.read == 7.0
    assert client.is_closed
    assert spy.closed == ["resources", "http"]


async def test_placeholder_secrets_stop_start_up_before_anything_opens(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    spy = CloseSpy(monkeypatch)
    settings = make_settings(sqlite_url, environment="production", secret_key="change-me")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        async with start_components(settings, role=Role.WEB, nlu=shared_nlu()):
            pytest.fail("start-up should have failed")
    assert spy.closed == []


@pytest.mark.parametrize("role", [Role.WEB, Role.WORKER, Role.CHAT])
async def test_each_role_builds_its_parts_and_closes_them_in_reverse_order(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, role: Role
) -> None:
    spy = CloseSpy(monkeypatch)
    async with start_components(make_settings(sqlite_url), role=role, nlu=shared_nlu()) as components:
        assert components.role is role
        assert components.templates is not None
        assert components.conversation.nlu is shared_nlu()
        if role is Role.CHAT:
            assert components.whatsapp is None
            assert set(await components.readiness.check()) == {"database", "state"}
        else:
            assert components.whatsapp is not None
            # WORKER always runs the queue worker; WEB does on the embedded default (in process).
            assert components.whatsapp.queue._worker is not None
            assert set(await components.readiness.check()) == {"database", "state", "queue"}
    expected = (
        ["resources", "templates"] if role is Role.CHAT else ["resources", "templates", "http", "whatsapp"]
    )
    assert spy.closed == list(reversed(expected))


async def test_the_web_app_starts_through_the_root(sqlite_url: str) -> None:
    async with running_app(make_settings(sqlite_url)) as client:
        components = client.app.state.components  # type: ignore[attr-defined]
        assert isinstance(components, Components)
        assert components.role is Role.WEB
        assert (await client.get("/health/ready")).status_code == 200


def test_chat_starts_through_the_root(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`hotel-agent chat` in process: a greeting gets the receptionist's answer, /quit closes everything."""
    roles: list[Role] = []
    original = components_module.start_components

    def recording(settings: Settings, **kwargs: Any) -> Any:
        roles.append(kwargs["role"])
        return original(settings, **kwargs)

    monkeypatch.setattr(components_module, "start_components", recording)
    # The model the other tests share, instead of loading it again (seconds).
    monkeypatch.setattr(NluService, "build", staticmethod(lambda **_kwargs: shared_nlu()))
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    get_settings.cache_clear()
    lines = iter(["hello", "/quit"])
    monkeypatch.setattr(builtins, "input", lambda _prompt="": next(lines))
    spy = CloseSpy(monkeypatch)
    try:
        chat_commands.chat(conversation="cli-test-root", now="2027-01-10T12:00:00")
    finally:
        get_settings.cache_clear()
    assert roles == [Role.CHAT]
    output = capsys.readouterr().out
    assert "conversation cli-test-root" in output
    assert len(output.strip().splitlines()) >= 2  # the banner and at least one reply
    assert spy.closed == ["templates", "resources"]
