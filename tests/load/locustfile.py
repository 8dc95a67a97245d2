"""Load test (plan C.3): guests holding real conversations with the bot, the plan's scenarios as shapes.

    locust -f tests/load/locustfile.py --headless --host https://staging.example \\
        --scenario peak --graph-url http://fake-graph:8091 --metrics-urls https://staging.example/metrics

`make load-test SCENARIO=normal|peak|spike|soak` starts a local stack and runs this (tests/load/run.py).

Each Locust user is one guest at a time, with its own phone number (a new one per conversation, never
shared with another user): it writes a message, waits for the answer, "reads and types" for a few seconds
(`--think`), writes the next. Conversations follow the plan's mix, 70% availability, 20% booking (the
guest picks one of the offered rooms, gives name and e-mail, confirms), 10% queries (a lookup of a
booking made earlier in the run, or a hotel question), in English, Spanish or Portuguese
(tests/load/conversations.py).

Channels (`--channel`):
- `whatsapp` (the real path): each message is a webhook signed with the app secret, shaped like Meta's,
  POSTed to /webhooks/whatsapp. The 200 is the acknowledgement (Locust's request stats); the reply is read
  back from the fake Graph API (`--graph-url`, tools/fake_graph_api) that the app sends to. Every reply
  fires the custom `reply_received` event, recorded as a `REPLY` request in Locust's stats, with its
  end-to-end latency (webhook sent -> reply accepted by the Graph API).
- `rest`: POST /api/v1/messages; the reply is in the answer, so acknowledgement = end to end.

At the end the run waits (`--drain-seconds`) until every acknowledged message has an answer, then writes
the report (`--report-dir`): load.json (ledger summary, app metrics sampled during the run) and the
one-page summary (tests/load/report.py). One Locust process only: the ledger lives in it.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import sys
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import gevent
import requests
from locust import FastHttpUser, LoadTestShape, events, task
from locust.event import EventHook

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hotel_agent.channels.whatsapp.simulation import message_payload, signed_request, webhook  # noqa: E402
from tests.load import app_metrics, conversations  # noqa: E402
from tests.load.ledger import Ledger, Reply, Turn  # noqa: E402
from tests.load.scenarios import SCENARIOS, parse_duration  # noqa: E402

DEFAULT_APP_SECRET = "dev-whatsapp-app-secret"
DEFAULT_PHONE_NUMBER_ID = "100000000000001"

# The custom event: one per reply (guest, turn, end-to-end ms, text).
events.reply_received = EventHook()  # type: ignore[attr-defined]


class ReplyTimeoutError(Exception):
    """No reply within --reply-timeout (it may still come: the ledger decides what was lost)."""


class Run:
    """State of this Locust process's run: ledger, reply reader, metrics sampler, users over time."""

    def __init__(self) -> None:
        self.ledger = Ledger()
        self.run_id = random.randrange(100)
        self.started_at = time.time()
        self.users: list[tuple[float, int]] = []
        self.samples: list[dict[str, Any]] = []
        self.outcomes: dict[str, int] = {}
        self.references: list[str] = []
        self.waiting: dict[str, gevent.event.Event] = {}
        self.greenlets: list[gevent.Greenlet] = []
        self.stopping = False
        self.session = requests.Session()

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


RUN = Run()
# Users are numbered in the order they start: the number is in the guest's phone, so no two share one.
USER_NUMBERS = itertools.count(1)


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    group = parser.add_argument_group("hotel-agent load test")
    group.add_argument("--scenario", choices=sorted(SCENARIOS), default="normal", help="the plan's shape")
    group.add_argument("--length", choices=("full", "short"), default="full", help="plan durations or short")
    group.add_argument("--duration", default="", help="override the scenario's length (90, 5m, 1h...)")
    group.add_argument("--channel", choices=("whatsapp", "rest"), default="whatsapp")
    group.add_argument("--graph-url", default="", help="the fake Graph API the app sends replies to")
    group.add_argument("--app-secret", default=DEFAULT_APP_SECRET, help="signs the webhooks")
    group.add_argument("--phone-number-id", default=DEFAULT_PHONE_NUMBER_ID, help="the hotel's number")
    group.add_argument("--metrics-urls", default="", help="name=url,... (default: web=<host>/metrics)")
    group.add_argument("--metrics-interval", type=float, default=5.0, help="seconds between scrapes")
    group.add_argument("--think", default="5,20", help="a guest's pause between messages: min,max s")
    group.add_argument("--reply-timeout", type=float, default=60.0, help="a guest gives up after this")
    group.add_argument("--drain-seconds", type=float, default=90.0, help="wait for late replies at the end")
    group.add_argument("--report-dir", default="", help="where load.json and the summary go")
    group.add_argument("--label", default="", help="free text for the report, e.g. pms=qloapps")
    group.add_argument("--seed", type=int, default=0, help="0: random")


def _options(environment: Any) -> Any:
    return environment.parsed_options


def scenario_seconds(options: Any) -> float:
    scenario = SCENARIOS[options.scenario]
    if options.duration:
        return parse_duration(options.duration)
    return scenario.full_seconds if options.length == "full" else scenario.short_seconds


class ScenarioShape(LoadTestShape):
    """The scenario's users over time (tests/load/scenarios.py), then stop."""

    def tick(self) -> tuple[int, float] | None:
        options = _options(self.runner.environment)
        seconds = scenario_seconds(options)
        run_time = self.get_run_time()
        if run_time >= seconds:
            return None
        users = round(SCENARIOS[options.scenario].users_at(run_time / seconds))
        # Reach the shape within about a second, whatever the slope (the spike is sudden on purpose).
        return users, max(1.0, abs(users - self.runner.user_count))


def _reply_text(message: dict[str, Any]) -> str:
    body = message.get("body") or {}
    if body.get("type") == "text":
        return str((body.get("text") or {}).get("body", ""))
    if body.get("type") == "interactive":
        interactive = body.get("interactive") or {}
        text = str((interactive.get("body") or {}).get("text", ""))
        rows = [
            row.get("title", "")
            for section in (interactive.get("action") or {}).get("sections") or []
            for row in section.get("rows") or []
        ]
        if rows and not conversations.OPTION_LINE.search(text):
            text += "".join(f"\n{n}. {title}" for n, title in enumerate(rows, 1))
        return text
    return f"[{body.get('type')}]"


def _read_replies(graph_url: str) -> None:
    """One reader for all users: long-polls the fake Graph API for every newly accepted message."""
    after = 0
    while not RUN.stopping:
        try:
            response = RUN.session.get(
                f"{graph_url}/__fake__/messages", params={"after": after, "wait": 2}, timeout=10
            )
            response.raise_for_status()
            batch = response.json()
        except (requests.RequestException, ValueError):
            gevent.sleep(0.5)
            continue
        for message in batch:
            after = max(after, int(message.get("index", after)) + 1)
            reply = Reply(
                guest=str(message["to"]),
                at=float(message["at"]),
                index=int(message.get("index", 0)),
                text=_reply_text(message),
                callback=message.get("callback_data"),
            )
            RUN.ledger.received(reply)
            waiter = RUN.waiting.get(reply.guest)
            if waiter is not None:
                waiter.set()


def _sample_metrics(targets: dict[str, str], interval: float) -> None:
    def get(url: str) -> str:
        response = RUN.session.get(url, timeout=10)
        response.raise_for_status()
        return response.text

    while not RUN.stopping:
        RUN.samples.append(app_metrics.scrape(targets, get).as_json())
        gevent.sleep(interval)


def _track_users(environment: Any) -> None:
    while not RUN.stopping:
        RUN.users.append((time.time() - RUN.started_at, environment.runner.user_count))
        gevent.sleep(1)


def metrics_targets(options: Any, host: str) -> dict[str, str]:
    if not options.metrics_urls:
        return {"web": f"{host.rstrip('/')}/metrics"}
    targets = {}
    for number, item in enumerate(options.metrics_urls.split(",")):
        name, _, url = item.partition("=")
        targets[name if url else f"target-{number}"] = url or name
    return targets


@events.test_start.add_listener
def _start(environment: Any, **_kwargs: Any) -> None:
    options = _options(environment)
    if options.channel == "whatsapp" and not options.graph_url:
        raise SystemExit("--channel whatsapp needs --graph-url (the fake Graph API the app sends to)")
    RUN.started_at = time.time()
    if options.channel == "whatsapp":
        RUN.greenlets.append(gevent.spawn(_read_replies, options.graph_url.rstrip("/")))
    targets = metrics_targets(options, environment.host)
    RUN.greenlets.append(gevent.spawn(_sample_metrics, targets, options.metrics_interval))
    RUN.greenlets.append(gevent.spawn(_track_users, environment))


@events.reply_received.add_listener  # type: ignore[attr-defined]
def _reply_as_request(turn: Turn, reply: Reply | None, e2e_ms: float, **_kwargs: Any) -> None:
    events.request.fire(
        request_type="REPLY",
        name=f"{turn.flow}: end to end",
        response_time=e2e_ms,
        response_length=len(reply.text) if reply else 0,
        exception=None if reply else ReplyTimeoutError(f"no reply within {e2e_ms / 1000:.0f} s"),
        context={"language": turn.language},
    )


class Guest(FastHttpUser):
    """One guest at a time: a conversation, a pause, the next guest."""

    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        options = _options(self.environment)
        self.options = options
        self.number = next(USER_NUMBERS)
        seed = options.seed or random.randrange(1 << 30)
        self.rng = random.Random(seed * 7919 + self.number)
        low, _, high = options.think.partition(",")
        self.think = (float(low), float(high or low))
        self.conversations = 0

    @task
    def converse(self) -> None:
        rng = self.rng
        language = rng.choice(conversations.LANGUAGES)
        flow = conversations.pick_flow(rng)
        conversation = conversations.build(flow, language, rng, date.today(), RUN.references)
        guest = conversations.phone_number(language, self.number, self.conversations, RUN.run_id)
        self.conversations += 1
        replies: list[str] = []
        for step_number, step in enumerate(conversation.steps):
            text = step(replies)
            if text is None:
                break
            if step_number:
                gevent.sleep(rng.uniform(*self.think))
            answered = self._say(guest, text, conversation, step_number)
            if answered is None:
                conversation.outcome = "unanswered"
                break
            replies = answered
        else:
            if flow == "booking":
                found = [m.group(1) for r in replies if (m := conversations.REFERENCE.search(r))]
                conversation.outcome = "booked" if found else "not_booked"
                RUN.references.extend(found)
            elif flow == "availability":
                offered = conversations.offered_options(replies) > 0
                conversation.outcome = "offered" if offered else "no_offer"
        RUN.count(f"{flow}:{conversation.outcome}")
        gevent.sleep(rng.uniform(*self.think))

    def _say(
        self, guest: str, text: str, conversation: conversations.Conversation, step: int
    ) -> list[str] | None:
        if self.options.channel == "rest":
            return self._say_rest(guest, text, conversation, step)
        message = message_payload(wa_id=guest, text=text, name=f"Guest {guest[-4:]}")
        body, headers = signed_request(
            webhook(self.options.phone_number_id, messages=[message]), self.options.app_secret
        )
        turn = Turn(guest, message["id"], conversation.flow, conversation.language, step, time.time())
        waiter = gevent.event.Event()
        RUN.waiting[guest] = waiter
        started = time.perf_counter()
        try:
            with self.client.post(
                "/webhooks/whatsapp", data=body, headers=headers, name="webhook (ack)", catch_response=True
            ) as response:
                turn.status = response.status_code or None
                turn.ack_ms = (time.perf_counter() - started) * 1000
                turn.acked = response.status_code == 200
                if not turn.acked:
                    response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
            # Recorded once answered: a user stopped by the end of the run mid-request sent nothing.
            RUN.ledger.sent(turn)
            if not turn.acked:
                return None
            deadline = turn.sent_at + self.options.reply_timeout
            while not (got := RUN.ledger.replies_since(guest, turn.sent_at)):
                remaining = deadline - time.time()
                if remaining <= 0:
                    events.reply_received.fire(
                        turn=turn, reply=None, e2e_ms=self.options.reply_timeout * 1000
                    )  # type: ignore[attr-defined]
                    return None
                waiter.clear()
                waiter.wait(timeout=min(remaining, 1.0))
            first = got[0]
            events.reply_received.fire(turn=turn, reply=first, e2e_ms=(first.at - turn.sent_at) * 1000)  # type: ignore[attr-defined]
            # The rest of this turn's replies follow within milliseconds (same job).
            gevent.sleep(0.2)
            return [r.text for r in RUN.ledger.replies_since(guest, turn.sent_at)]
        finally:
            RUN.waiting.pop(guest, None)

    def _say_rest(
        self, guest: str, text: str, conversation: conversations.Conversation, step: int
    ) -> list[str] | None:
        wamid = f"load-{uuid.uuid4().hex}"
        turn = Turn(guest, wamid, conversation.flow, conversation.language, step, time.time())
        payload = {"conversation_id": f"wa-{guest}", "text": text, "message_id": wamid}
        started = time.perf_counter()
        with self.client.post(
            "/api/v1/messages", json=payload, name="rest message", catch_response=True
        ) as response:
            turn.status = response.status_code or None
            turn.ack_ms = (time.perf_counter() - started) * 1000
            turn.acked = response.status_code == 200
            RUN.ledger.sent(turn)
            if not turn.acked:
                response.failure(f"{response.status_code}: {(response.text or '')[:200]}")
                return None
            texts = [reply["text"] for reply in response.json().get("replies", [])]
        now = time.time()
        for index, reply_text in enumerate(texts):
            RUN.ledger.received(Reply(guest, now, index, reply_text, None))
        first = RUN.ledger.replies_since(guest, turn.sent_at)
        reply = first[0] if first else None
        events.reply_received.fire(turn=turn, reply=reply, e2e_ms=turn.ack_ms)  # type: ignore[attr-defined]
        return texts


@events.test_stop.add_listener
def _stop(environment: Any, **_kwargs: Any) -> None:
    options = _options(environment)
    stopped_at = time.time()
    deadline = stopped_at + options.drain_seconds
    while RUN.ledger.unanswered() and time.time() < deadline:
        gevent.sleep(1)
    drained_at = time.time()
    gevent.sleep(min(2.0, options.metrics_interval))  # one more sample after the drain
    RUN.stopping = True
    gevent.joinall(RUN.greenlets, timeout=15)
    report_dir = Path(options.report_dir or ROOT / "var" / "load-reports" / time.strftime("%Y%m%d-%H%M%S"))
    report_dir.mkdir(parents=True, exist_ok=True)
    document = {
        "scenario": options.scenario,
        "length": "custom" if options.duration else options.length,
        "seconds": scenario_seconds(options),
        "channel": options.channel,
        "host": environment.host,
        "label": options.label,
        "started_at": RUN.started_at,
        "stopped_at": stopped_at,
        "drain_seconds": round(drained_at - stopped_at, 1),
        "peak_users": max((users for _, users in RUN.users), default=0),
        "load_average": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "ledger": RUN.ledger.summary(),
        "lost_turns": [
            {"guest": t.guest, "wamid": t.wamid, "flow": t.flow, "step": t.step, "sent_at": t.sent_at}
            for t, replies in RUN.ledger.windows()
            if not replies
        ][:100],
        "outcomes": RUN.outcomes,
        "timeline": RUN.ledger.timeline(5.0, RUN.started_at),
        "users": RUN.users,
        "metrics": RUN.samples,
    }
    (report_dir / "load.json").write_text(json.dumps(document, indent=1))
    from tests.load import report

    report.write(report_dir)
