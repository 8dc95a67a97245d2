"""WhatsApp Cloud API webhook: the subscription handshake and signed deliveries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse

from hotel_agent.channels.whatsapp.deps import SignedBody, signed_body
from hotel_agent.channels.whatsapp.schemas import IntakeResult
from hotel_agent.deps import ChannelDep
from hotel_agent.errors import error_responses

WEBHOOK_PATH = "/webhooks/whatsapp"

router = APIRouter(tags=["whatsapp"])
# Every delivery route sits behind the signature check, attached to the group so none can forget it.
signed_router = APIRouter(tags=["whatsapp"], dependencies=[Depends(signed_body)])


@router.get(
    WEBHOOK_PATH,
    response_class=PlainTextResponse,
    responses=error_responses(s403="wrong mode or verify token"),
)
async def verify_subscription(
    channel: ChannelDep,
    mode: Annotated[str | None, Query(alias="hub.mode")] = None,
    verify_token: Annotated[str | None, Query(alias="hub.verify_token")] = None,
    challenge: Annotated[str | None, Query(alias="hub.challenge", max_length=1024)] = None,
) -> PlainTextResponse:
    """Meta's subscription handshake: the raw challenge when the verify token matches, else 403."""
    return PlainTextResponse(channel.intake.verify_subscription(mode, verify_token, challenge))


@signed_router.post(
    WEBHOOK_PATH,
    responses=error_responses(
        s400="not JSON, or not a WhatsApp payload",
        s401="missing or wrong X-Hub-Signature-256",
        s413="body too large",
        s503="the database is unreachable: not acknowledged, so Meta delivers it again",
    ),
)
async def receive_webhook(channel: ChannelDep, body: SignedBody) -> IntakeResult:
    """Store every message once (keyed on its wamid) and queue it; statuses update the outbox."""
    return await channel.intake.receive(body, channel.clock())
