"""HTTP API of the conversation: send a guest message, read the replies; staff handoff queue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from hotel_agent.admin.deps import admin_router, require_role
from hotel_agent.admin.schemas import AdminPrincipal, AdminRole
from hotel_agent.conversation.schemas import InboundMessage, TurnResult
from hotel_agent.conversation.staff_queue import HandoffOut
from hotel_agent.deps import EngineDep, HandoffsDep
from hotel_agent.errors import UnprocessableError, error_responses

router = APIRouter(prefix="/api/v1", tags=["conversation"])
staff_router = admin_router(tags=["handoffs"])


class MessageIn(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=128, examples=["guest-34600000000"])
    text: str = Field(default="", max_length=4096, examples=["¿Tienen habitaciones para el 15 de enero?"])
    message_id: str | None = Field(default=None, max_length=256, description="Makes retries idempotent.")
    choice_id: str | None = Field(default=None, max_length=256, description="Id of a tapped option.")
    now: datetime | None = Field(default=None, description="Clock override for relative dates (testing).")


@router.post(
    "/messages",
    responses=error_responses(s422="invalid message", s503="Redis or the database is unreachable"),
)
async def send_message(body: MessageIn, engine: EngineDep) -> TurnResult:
    """Handle one guest message and return the bot's replies."""
    if not body.text.strip() and not body.choice_id:
        raise UnprocessableError("a message needs 'text' or 'choice_id'")
    return await engine.handle(InboundMessage(**body.model_dump()))


@staff_router.get("/handoffs")
async def list_handoffs(handoffs: HandoffsDep) -> list[HandoffOut]:
    """Conversations waiting for staff."""
    return await handoffs.list_open()


@staff_router.post(
    "/conversations/{conversation_id}/release",
    responses=error_responses(s404="no open handoff for this conversation"),
)
async def release_conversation(
    conversation_id: Annotated[str, Path(min_length=1, max_length=128)],
    handoffs: HandoffsDep,
    principal: Annotated[AdminPrincipal, Depends(require_role(AdminRole.EDITOR))],
) -> HandoffOut:
    """Staff are done: the bot answers this conversation again."""
    return await handoffs.release(conversation_id, principal.username)
