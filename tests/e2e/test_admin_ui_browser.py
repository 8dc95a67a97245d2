"""The admin panel end to end in a real headless Chromium, against the app served by uvicorn on loopback
(its own SQLite database, the fake Graph API for WhatsApp), axe-core on every page, screenshots of each.

One flow, as the issue's "Done when" lists it: sign in as editor, create a template, edit with live preview,
see the unknown-variable error, activate, a guest conversation uses it at once, roll back from history;
an experiment created, started, its results and promotion; the simulator (chat as a guest, tap an option);
as viewer, be refused an edit; take over a handed-off WhatsApp conversation (it appears in the inbox without
a reload), reply (the fake Graph API receives it), release it; the users and audit pages; sign out.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from tools.fake_graph_api.server import RunningFake, running_fake

from hotel_agent.admin.schemas import AdminRole
from hotel_agent.admin.service import create_admin_user
from hotel_agent.app import create_app
from hotel_agent.channels.whatsapp.simulation import message_payload, signed_request, webhook
from hotel_agent.config import DEV_WHATSAPP_PHONE_NUMBER_ID, Settings
from hotel_agent.db import create_engine, create_sessionmaker, session_scope
from hotel_agent.migrations import upgrade
from tests.e2e.browser import Browser, start_chromium
from tests.support.app import make_settings, seed_demo_database, shared_nlu

PASSWORD = "correct horse battery"
APP_SECRET = "dev-whatsapp-app-secret"
USERS = {"edna": AdminRole.EDITOR, "vic": AdminRole.VIEWER, "ada": AdminRole.ADMIN}
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _users(url: str) -> None:
    engine = create_engine(Settings(database_url=url), url=url)
    async with session_scope(create_sessionmaker(engine)) as session:
        for name, role in USERS.items():
            await create_admin_user(session, name, PASSWORD, role)
    await engine.dispose()


@pytest.fixture(scope="module")
def fake_graph() -> Iterator[RunningFake]:
    with running_fake() as running:
        running.fake.config.statuses = []
        yield running


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, fake_graph: RunningFake) -> Iterator[str]:
    """The app on a loopback port, in a thread with its own event loop, as `hotel-agent serve` runs it."""
    path: Path = tmp_path_factory.mktemp("e2e-db") / "hotel_agent.db"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade(url)
    asyncio.run(seed_demo_database(url))
    asyncio.run(_users(url))
    settings = make_settings(url, whatsapp_api_base_url=fake_graph.url, whatsapp_retry_base_seconds=0.05)
    port = _free_port()
    app = create_app(settings, nlu=shared_nlu())
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=lambda: asyncio.run(server.serve()), name="e2e-app", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@pytest.fixture
def browser(server: str) -> Iterator[Browser]:
    driver = start_chromium()
    try:
        yield Browser(driver, server)
    finally:
        driver.quit()


def sign_in(browser: Browser, username: str, *, check: bool = False) -> None:
    browser.open("/admin/ui/templates")
    browser.wait_for(lambda: "/admin/ui/sign-in" in browser.path, what="redirect to sign-in")
    if check:
        browser.check_page("sign-in")
    browser.fill("#username", username)
    browser.fill("#password", PASSWORD)
    browser.click("form.stack button[type=submit]")
    browser.wait_for(lambda: browser.path.startswith("/admin/ui/templates"), what="signed in")


def sign_out(browser: Browser) -> None:
    browser.click(".who button")
    browser.wait_text("You are signed out.")


def guest_says(server: str, text: str) -> str:
    reply = httpx.post(
        f"{server}/api/v1/messages",
        json={"conversation_id": f"e2e-{uuid.uuid4().hex}", "text": text},
        timeout=30,
    )
    reply.raise_for_status()
    return " ".join(item["text"] for item in reply.json()["replies"])


def test_the_admin_panel_end_to_end(browser: Browser, server: str, fake_graph: RunningFake) -> None:
    # Editor signs in; the list shows every key with its languages side by side.
    sign_in(browser, "edna", check=True)
    browser.wait_text("greeting.welcome")
    browser.check_page("templates-list")
    browser.open("/admin/ui/templates?missing=any")
    browser.check_page("templates-list-missing")

    # Create a template: first with a typo, the error inline with its suggestion; then saved live.
    browser.open("/admin/ui/templates/new")
    browser.fill("#key", "e2e.farewell")
    browser.fill("#variables", "name")
    browser.set_value("#sample", '{"name": "Ana"}')
    browser.set_value("#content", "Goodbye {{ nmae }}!")
    browser.click("button[formaction$='/new/preview']")
    browser.wait_text("did you mean 'name'?")
    browser.check_page("template-new-error")
    browser.set_value("#content", "Goodbye {{ name }} 👋\nSee you soon")
    browser.click("button[formaction$='/new/preview']")
    browser.wait_for(lambda: "Goodbye Ana 👋" in browser.find("#preview").text, what="preview")
    browser.check_page("template-new-preview")
    browser.click("button[value=activate]")
    browser.wait_text("Version activated")

    # Edit the live greeting with the live preview (as typed, no button), an unknown variable first.
    browser.open("/admin/ui/templates?text=greeting.welcome&language=en")
    browser.click("a[data-edit='greeting.welcome/en']")
    browser.wait_text("What a guest reads")
    edit_path = browser.path
    browser.set_value("#content", "Olá and welcome to {{ hotel_nam }}!")
    browser.wait_for(
        lambda: "did you mean 'hotel_name'?" in browser.text(), what="live unknown-variable error"
    )
    browser.set_value("#content", "Olá and welcome to {{ hotel_name }}! Ask me anything.")
    browser.wait_for(
        lambda: (
            "Olá and welcome to Hotel Miradouro Lisboa! Ask me anything." in browser.find("#preview").text
        ),
        what="live preview",
    )
    browser.fill("#ctx-hotel_name", "Casa <b>Azul</b>")
    browser.click("button[formaction$='/preview']")
    browser.wait_for(
        lambda: "Casa <b>Azul</b>" in browser.find("#preview").text, what="operator context preview"
    )
    browser.check_page("template-edit")
    browser.fill("#note", "warmer welcome")
    browser.click("button[value=activate]")
    browser.wait_text("Version activated")
    assert "Olá and welcome to Hotel Miradouro Lisboa! Ask me anything." in guest_says(server, "hello")

    # Roll back from the history, through the confirmation step.
    browser.open(edit_path + "/history")
    browser.wait_text("warmer welcome")
    browser.check_page("template-history")
    browser.click("a.button[href*='/rollback/']")
    browser.wait_text("Yes, roll back")
    browser.check_page("template-rollback")
    browser.click("button.danger")
    browser.wait_text("Rolled back")
    assert "Welcome to Hotel Miradouro Lisboa" in guest_says(server, "hello")
    # An experiment on the greeting: created with the variant's text, started, traffic, results, promoted.
    browser.open("/admin/ui/templates/ab-tests")
    browser.fill("#x-key", "greeting-warmer")
    browser.fill("#x-name", "Warmer greeting")
    browser.fill("#x-template", "greeting.welcome")
    browser.fill("#x-languages", "en")
    browser.set_value("#x-text-en", "Hey there! Welcome to {{ hotel_name }}. What can I do for you?")
    browser.click("form[action$='/ab-tests'] button[type=submit]")
    browser.wait_text("Experiment created.")
    browser.click("form[action$='/start'] button")
    browser.wait_text("running")
    replies = [guest_says(server, "hello") for _ in range(16)]
    assert any("What can I do for you?" in reply for reply in replies)
    browser.open("/admin/ui/templates/ab-tests/greeting-warmer")
    browser.wait_text("Chance to beat control")
    assert browser.all("svg.chart circle")
    browser.check_page("ab-test-results")
    browser.open("/admin/ui/templates/ab-tests")
    browser.check_page("ab-tests")
    browser.open("/admin/ui/templates/ab-tests/greeting-warmer")
    browser.find("#p-variant").send_keys("variant_a")
    browser.click("form[action$='/promote'] button")
    browser.wait_text("Experiment updated.")
    assert "What can I do for you?" in guest_says(server, "hello")

    # The simulator: chat as a guest in the sandbox, tap one of the bot's options, reset.
    browser.open("/admin/ui/simulator")
    browser.wait_text("Sandbox")
    browser.fill("#sim-text", "do you have a double room from march 3rd to the 5th for 2 adults?")
    browser.click("#simulator-form button[type=submit]")
    browser.wait_for(lambda: browser.all(".choices button"), what="the bot's options")
    browser.click(".choices button")
    browser.wait_for(lambda: len(browser.all(".bubble.guest")) == 2, what="the tapped option sent")
    browser.check_page("simulator")
    browser.click("form[action$='/simulator/reset'] button")
    browser.wait_text("Simulation reset")
    sign_out(browser)

    # A viewer reads, and is refused an edit.
    sign_in(browser, "vic")
    browser.open("/admin/ui/templates/new")
    browser.wait_text("needs the 'editor' role")
    browser.check_page("refused")
    browser.open(edit_path)
    browser.wait_text("You are signed in as a viewer")
    assert not browser.all("button[value=activate]")
    sign_out(browser)

    # A WhatsApp guest asks for a person while the editor watches the inbox: it appears without a reload.
    sign_in(browser, "edna")
    browser.open("/admin/ui/inbox")
    browser.wait_text("No conversation is waiting")
    guest = "3466" + str(uuid.uuid4().int)[:7]
    ask = message_payload(wa_id=guest, text="I want to talk to a person", timestamp=int(time.time()) - 5)
    body, headers = signed_request(webhook(DEV_WHATSAPP_PHONE_NUMBER_ID, messages=[ask]), APP_SECRET)
    assert httpx.post(f"{server}/webhooks/whatsapp", content=body, headers=headers).status_code == 200
    browser.wait_for(lambda: browser.all(f"a[href*='{guest}']"), within=30, what="handoff appears by polling")
    browser.check_page("inbox")
    browser.click(f"a[href*='{guest}']")
    browser.wait_text("goes out as a normal WhatsApp text")
    browser.wait_text("I want to talk to a person")
    browser.check_page("conversation")
    before = len([m for m in fake_graph.fake.messages if m["to"] == guest])
    browser.fill("#reply-text", "Hi, this is Rita from the front desk.")
    browser.click("form[action$='/inbox/reply'] button")
    browser.wait_text("Sent: WhatsApp accepted the reply.")
    sent = [m for m in fake_graph.fake.messages if m["to"] == guest][before:]
    assert [m["body"]["text"]["body"] for m in sent] == ["Hi, this is Rita from the front desk."]
    browser.click("form[action$='/inbox/release'] button")
    browser.wait_text("Conversation released to the bot.")
    assert not browser.all(f"a[href*='{guest}']")
    sign_out(browser)

    # The admin's pages: users and the audit log of everything above.
    sign_in(browser, "ada")
    browser.open("/admin/ui/users")
    browser.wait_text("New user")
    browser.check_page("users")
    browser.open("/admin/ui/audit")
    browser.wait_text("version.rolled_back")
    browser.check_page("audit")
    sign_out(browser)
    browser.check_page("signed-out")
