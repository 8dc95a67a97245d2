"""Dependencies of the webhook routes: the channel and the signature check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from hotel_agent.channels.whatsapp import metrics
from hotel_agent.channels.whatsapp.errors import PayloadTooLargeError, WhatsAppDisabledError
from hotel_agent.channels.whatsapp.security import SIGNATURE_HEADER, signature_matches
from hotel_agent.deps import ChannelDep
from hotel_agent.errors import UnauthorizedError


async def signed_body(request: Request, channel: ChannelDep) -> bytes:
    """The raw body, only when X-Hub-Signature-256 is its HMAC-SHA256 with the app secret (else 401).

    There is no way around it in any environment: without WHATSAPP_APP_SECRET nothing verifies.
    """
    body = await request.body()
    if len(body) > channel.settings.whatsapp_max_body_bytes:
        raise PayloadTooLargeError(f"request body exceeds {channel.settings.whatsapp_max_body_bytes} bytes")
    secret = channel.settings.whatsapp_app_secret
    if secret is None:
        metrics.SIGNATURE_FAILURES.labels("not_configured").inc()
        raise WhatsAppDisabledError("the WhatsApp channel is not configured (WHATSAPP_APP_SECRET)")
    header = request.headers.get(SIGNATURE_HEADER)
    if not signature_matches(body, header, secret.get_secret_value()):
        metrics.SIGNATURE_FAILURES.labels("missing" if not header else "mismatch").inc()
        raise UnauthorizedError(f"missing or invalid {SIGNATURE_HEADER}")
    return body


SignedBody = Annotated[bytes, Depends(signed_body)]
