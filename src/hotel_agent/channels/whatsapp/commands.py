"""`hotel-agent whatsapp ...`: dead letters, and trying the channel without Meta.

`simulate` signs a webhook exactly as Meta does (WHATSAPP_APP_SECRET), posts it to a running instance, then
reads what the instance did from the database both share (DATABASE_URL): the stored message and each reply
in its outbox with the Graph API body it sent and how the send went. So it shows the replies whether the
instance points at Meta, at the fake Graph API (tools/fake_graph_api) or at nothing reachable.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Annotated, Any

import httpx
import typer

from hotel_agent.config import Settings, get_settings
from hotel_agent.db import standalone_session

whatsapp_app = typer.Typer(help="WhatsApp channel tools.", no_args_is_help=True)
dead_letters_app = typer.Typer(help="Messages that failed every attempt.", no_args_is_help=True)
whatsapp_app.add_typer(dead_letters_app, name="dead-letters")
rejected_app = typer.Typer(
    help="Parts of signed webhook deliveries that could not be read (the rest was stored).",
    no_args_is_help=True,
)
whatsapp_app.add_typer(rejected_app, name="rejected")

SETTLED_INBOUND = frozenset({"done", "dead", "ignored"})
UNSETTLED_SENDS = frozenset({"pending", "sending"})


@dead_letters_app.command("list")
def list_dead_letters(
    limit: Annotated[int, typer.Option(help="At most this many, oldest first.", min=1)] = 50,
) -> None:
    """List dead-lettered guest messages with their last error."""
    from hotel_agent.channels.whatsapp.repository import WhatsAppRepository
    from hotel_agent.ops.masking import mask_text

    async def run() -> list[Any]:
        async with standalone_session(get_settings()) as session:
            return await WhatsAppRepository(session).list_dead(limit)

    rows = asyncio.run(run())
    if not rows:
        typer.echo("no dead letters")
        return
    for row in rows:
        error = (row.last_error or "").strip().splitlines()
        typer.echo(
            f"{row.id}\t{row.received_at:%Y-%m-%d %H:%M:%S}\t{mask_text('+' + row.wa_id)}\t{row.message_type}"
            f"\tattempts={row.attempts}\t{row.wamid}\t{error[-1][:160] if error else ''}"
        )


@rejected_app.command("list")
def list_rejected(
    limit: Annotated[int, typer.Option(help="At most this many, newest first.", min=1, max=10_000)] = 50,
) -> None:
    """List rejected webhook items: id, when, kind, where in the delivery, wamid, why."""
    from hotel_agent.channels.whatsapp.repository import WhatsAppRepository

    async def run() -> list[Any]:
        async with standalone_session(get_settings()) as session:
            return await WhatsAppRepository(session).list_rejected(limit)

    rows = asyncio.run(run())
    if not rows:
        typer.echo("no rejected items")
        return
    for row in rows:
        typer.echo(
            f"{row.id}\t{row.received_at:%Y-%m-%d %H:%M:%S}\t{row.kind}\t{row.location}"
            f"\t{row.wamid or '-'}\t{row.reason[:160]}"
        )


@rejected_app.command("show")
def show_rejected(
    item_id: Annotated[int, typer.Argument(help="An id from `rejected list`.", min=1, max=2**63 - 1)],
    unmasked: Annotated[
        bool, typer.Option("--unmasked", help="Print phone numbers and emails as they arrived.")
    ] = False,
) -> None:
    """Print one rejected item: its reason and the item as it arrived (phones and emails masked)."""
    from hotel_agent.channels.whatsapp.repository import WhatsAppRepository
    from hotel_agent.ops.masking import mask_text

    async def run() -> Any:
        async with standalone_session(get_settings()) as session:
            return await WhatsAppRepository(session).get_rejected(item_id)

    row = asyncio.run(run())
    if row is None:
        typer.echo(f"no rejected item {item_id}", err=True)
        raise typer.Exit(1)
    raw = json.dumps(row.payload, ensure_ascii=False, indent=2)
    typer.echo(f"id: {row.id}\nreceived: {row.received_at:%Y-%m-%d %H:%M:%S %Z}\nkind: {row.kind}")
    typer.echo(
        f"location: {row.location}\nwamid: {row.wamid or '-'}\nphone_number_id: {row.phone_number_id or '-'}"
    )
    typer.echo(f"reason: {row.reason}\nitem:\n{raw if unmasked else mask_text(raw)}")


@dead_letters_app.command("replay")
def replay_dead_letters(
    ids: Annotated[list[int] | None, typer.Argument(help="Ids from `dead-letters list`.")] = None,
    replay_all: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
) -> None:
    """Put dead letters back in the queue with a fresh attempt budget (in order, per guest)."""
    from hotel_agent.channels.whatsapp import job_specs, tasks
    from hotel_agent.channels.whatsapp.repository import WhatsAppRepository
    from hotel_agent.queue import JobQueue

    if not ids and not replay_all:
        typer.echo("name the ids to replay, or pass --all", err=True)
        raise typer.Exit(2)
    settings = get_settings()

    async def run() -> tuple[int, bool]:
        async with standalone_session(settings) as session:
            guests = await WhatsAppRepository(session).revive_dead(None if replay_all else ids)
        queue = JobQueue(settings, [tasks.register])
        if not queue.durable:
            return len(guests), False  # the embedded queue lives in the server: its sweep picks them up
        await queue.open()
        try:
            for guest in guests:
                await queue.defer(job_specs.PROCESS_GUEST, **job_specs.process_guest_job(guest))
        finally:
            await queue.close()
        return len(guests), True

    count, enqueued = asyncio.run(run())
    where = (
        "enqueued"
        if enqueued
        else f"the running instance picks them up within {settings.queue_sweep_seconds:.0f}s"
    )
    typer.echo(f"replaying the messages of {count} guest(s): {where}")


@whatsapp_app.command()
def simulate(
    text: Annotated[str, typer.Option(help="What the guest writes (body, caption, tapped title).")] = "hello",
    sender: Annotated[
        str, typer.Option("--from", help="The guest's WhatsApp number (wa_id).")
    ] = "34600000000",
    url: Annotated[str | None, typer.Option(help="Base URL of the running instance.")] = None,
    kind: Annotated[
        str,
        typer.Option(
            "--type",
            help="text, button_reply, list_reply, image, audio, video, document, sticker, location, reaction",
        ),
    ] = "text",
    choice: Annotated[str | None, typer.Option(help="Option id for button_reply/list_reply.")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the replies.")] = 20.0,
    raw: Annotated[bool, typer.Option("--json", help="Print the Graph API request bodies.")] = False,
) -> None:
    """Send a signed webhook to a running instance and print the replies it sent back."""
    from hotel_agent.channels.whatsapp.simulation import message_payload, signed_request, webhook

    settings = get_settings()
    secret = settings.whatsapp_app_secret
    phone_number_id = settings.whatsapp_phone_number_id or next(iter(settings.whatsapp_hotels), None)
    if secret is None or phone_number_id is None:
        typer.echo("set WHATSAPP_APP_SECRET and WHATSAPP_PHONE_NUMBER_ID like the instance's", err=True)
        raise typer.Exit(2)
    base = (url or f"http://{settings.host}:{settings.port}").rstrip("/")
    message = message_payload(wa_id=sender, kind=kind, text=text, choice_id=choice)
    body, headers = signed_request(webhook(phone_number_id, messages=[message]), secret.get_secret_value())
    try:
        response = httpx.post(f"{base}/webhooks/whatsapp", content=body, headers=headers, timeout=10)
    except httpx.TransportError as exc:
        typer.echo(f"cannot reach {base}: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"POST {base}/webhooks/whatsapp -> {response.status_code} {response.text}")
    if response.status_code != 200:
        raise typer.Exit(1)
    inbound, replies = asyncio.run(_wait_for_replies(settings, message["id"], timeout))
    if inbound is None:
        typer.echo(
            "the message is not in this DATABASE_URL: point the command at the instance's database", err=True
        )
        raise typer.Exit(1)
    typer.echo(f"message {message['id']}: {inbound['status']} after {inbound['attempts']} attempt(s)")
    if inbound.get("last_error"):
        typer.echo(f"  last error: {inbound['last_error'][:300]}")
    if not replies:
        typer.echo("  (no reply)")
    for reply in replies:
        _print_reply(reply, raw)


async def _wait_for_replies(
    settings: Settings, wamid: str, wait_seconds: float
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    from hotel_agent.channels.whatsapp.repository import WhatsAppRepository

    deadline = time.monotonic() + wait_seconds
    inbound: dict[str, Any] | None = None
    replies: list[dict[str, Any]] = []
    while True:
        async with standalone_session(settings) as session:
            repo = WhatsAppRepository(session)
            row = await repo.inbound_by_wamid(wamid)
            if row is not None:
                inbound = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
                replies = [
                    {
                        "position": out.position,
                        "reply": out.reply,
                        "kind": out.kind,
                        "send_state": out.send_state,
                        "wamid": out.wamid,
                        "error": " ".join(
                            str(part) for part in (out.error_code, out.error_title, out.error_detail) if part
                        ),
                        "request_body": out.request_body,
                    }
                    for out in await repo.outbox_for(wamid)
                ]
        settled = inbound is not None and (
            inbound["status"] in SETTLED_INBOUND
            or (replies and not any(reply["send_state"] in UNSETTLED_SENDS for reply in replies))
        )
        if settled or time.monotonic() > deadline:
            return inbound, replies
        await asyncio.sleep(0.2)


def _print_reply(reply: dict[str, Any], raw: bool) -> None:
    content = reply["reply"]
    state = reply["send_state"] + (f" as {reply['wamid']}" if reply["wamid"] else "")
    if reply["error"]:
        state += f" ({reply['error'][:200]})"
    typer.secho(
        f"[{reply['position']}] {content.get('key')} ({reply['kind'] or content.get('kind')}): {state}",
        bold=True,
    )
    typer.secho(content.get("text", ""), fg=typer.colors.GREEN)
    for option in content.get("options") or []:
        typer.secho(f"   [{option['id']}] {option['title']}", fg=typer.colors.CYAN)
    if raw and reply["request_body"]:
        typer.echo(json.dumps(reply["request_body"], ensure_ascii=False, indent=2))
