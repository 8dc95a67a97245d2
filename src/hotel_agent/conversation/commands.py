"""`hotel-agent chat`: a terminal conversation with the configured hotel (the embedded one by default)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated

import typer

from hotel_agent.config import get_settings
from hotel_agent.conversation.schemas import InboundMessage, Reply, ReplyKind
from hotel_agent.ops.logging import configure_logging

QUIT_WORDS = frozenset({"/quit", "/exit", ":q"})


def _print_reply(reply: Reply) -> None:
    typer.secho(reply.text, fg=typer.colors.GREEN)
    if reply.kind is not ReplyKind.TEXT and reply.options:
        for option in reply.options:
            suffix = f" — {option.description}" if option.description else ""
            typer.secho(f"   [{option.id}] {option.title}{suffix}", fg=typer.colors.CYAN)


def chat(
    conversation: Annotated[str | None, typer.Option(help="Conversation id to continue.")] = None,
    now: Annotated[str | None, typer.Option(help="Pretend it is this ISO date-time (hotel time).")] = None,
) -> None:
    """Talk to the receptionist in the terminal. Type [option-id] to tap an option, /quit to leave."""
    conversation_id = conversation or f"cli-{uuid.uuid4().hex[:8]}"
    clock = datetime.fromisoformat(now) if now else None

    async def run() -> None:
        # The composition root is the top of the import graph: imported here, not at module level.
        from hotel_agent.components import Role, start_components

        settings = get_settings()
        # The terminal is for the conversation: only warnings and errors are logged (to stderr).
        configure_logging(settings.model_copy(update={"log_level": "WARNING"}))
        async with start_components(settings, role=Role.CHAT) as components:
            engine = components.conversation.engine
            typer.echo(f"conversation {conversation_id} — /quit to leave")
            while True:
                try:
                    line = await asyncio.to_thread(input, "you> ")
                except EOFError:
                    break
                if line.strip() in QUIT_WORDS:
                    break
                if not line.strip():
                    continue
                text, choice = line, None
                if line.startswith("[") and line.rstrip().endswith("]"):
                    text, choice = "", line.strip()[1:-1]
                result = await engine.handle(
                    InboundMessage(
                        conversation_id=conversation_id,
                        text=text,
                        choice_id=choice,
                        message_id=f"cli-{uuid.uuid4().hex}",
                        now=clock,
                        channel="cli",
                    )
                )
                for reply in result.replies:
                    _print_reply(reply)

    asyncio.run(run())
